/* Integration tests of /api/v1/services: being built. */
#include "suites.h"

Suite *services_suite(void)
{
	return suite_create("services");
}
