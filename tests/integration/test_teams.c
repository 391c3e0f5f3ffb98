/* Integration tests of /api/v1/teams: being built. */
#include "suites.h"

Suite *teams_suite(void)
{
	return suite_create("teams");
}
