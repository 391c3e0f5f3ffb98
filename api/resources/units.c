/* /api/v1/units: being built. */
#include "../server.h"

const struct route units_routes[] = {
	{0},
};
