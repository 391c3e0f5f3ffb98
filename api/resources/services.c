/* /api/v1/services: being built. */
#include "../server.h"

const struct route services_routes[] = {
	{0},
};
