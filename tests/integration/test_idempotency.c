/* Integration tests of /api/v1/idempotency: being built. */
#include "suites.h"

Suite *idempotency_suite(void)
{
	return suite_create("idempotency");
}
