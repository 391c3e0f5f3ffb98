/* Integration tests of /api/v1/units: being built. */
#include "suites.h"

Suite *units_suite(void)
{
	return suite_create("units");
}
