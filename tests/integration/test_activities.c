/* Integration tests of /api/v1/activities: being built. */
#include "suites.h"

Suite *activities_suite(void)
{
	return suite_create("activities");
}
