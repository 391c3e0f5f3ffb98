/* Integration tests of /api/v1/imports: being built. */
#include "suites.h"

Suite *imports_suite(void)
{
	return suite_create("imports");
}
