/* /api/v1/members: being built. */
#include "../server.h"

const struct route members_routes[] = {
	{0},
};
