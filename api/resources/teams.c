/* /api/v1/teams: being built. */
#include "../server.h"

const struct route teams_routes[] = {
	{0},
};
