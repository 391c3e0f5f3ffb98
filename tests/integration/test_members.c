/* Integration tests of /api/v1/members: being built. */
#include "suites.h"

Suite *members_suite(void)
{
	return suite_create("members");
}
