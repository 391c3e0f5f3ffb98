/* /api/v1/memberships: being built. */
#include "../server.h"

const struct route memberships_routes[] = {
	{0},
};
