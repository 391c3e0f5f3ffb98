/* /api/v1/imports: being built. */
#include "../server.h"

const struct route imports_routes[] = {
	{0},
};
