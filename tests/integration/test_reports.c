/* Integration tests of /api/v1/reports: being built. */
#include "suites.h"

Suite *reports_suite(void)
{
	return suite_create("reports");
}
