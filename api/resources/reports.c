/* /api/v1/reports: being built. */
#include "../server.h"

const struct route reports_routes[] = {
	{0},
};
