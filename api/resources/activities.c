/* /api/v1/activities: being built. */
#include "../server.h"

const struct route activities_routes[] = {
	{0},
};
