#include <curl/curl.h>
#include <stdlib.h>
#include <sodium.h>

#include "suites.h"

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	if (sodium_init() < 0)
		return 1;
	SRunner *sr = srunner_create(startup_suite());
	srunner_add_suite(sr, migrations_suite());
	srunner_add_suite(sr, pipeline_suite());
	srunner_add_suite(sr, ops_suite());
	srunner_add_suite(sr, resilience_suite());
	srunner_add_suite(sr, auth_suite());
	srunner_add_suite(sr, keys_auth_suite());
	srunner_add_suite(sr, accounts_suite());
	srunner_add_suite(sr, units_suite());
	srunner_add_suite(sr, teams_suite());
	srunner_add_suite(sr, members_suite());
	srunner_add_suite(sr, imports_suite());
	srunner_add_suite(sr, idempotency_suite());
	srunner_add_suite(sr, services_suite());
	srunner_add_suite(sr, rubrics_suite());
	srunner_add_suite(sr, activities_suite());
	srunner_add_suite(sr, reports_suite());
	srunner_add_suite(sr, reports_evaluations_suite());
	srunner_add_suite(sr, reports_funding_suite());
	srunner_add_suite(sr, seed_suite());
	srunner_add_suite(sr, replica_suite());
	srunner_add_suite(sr, contract_suite());
	srunner_add_suite(sr, personal_data_suite());
	srunner_add_suite(sr, csv_export_suite());
	srunner_add_suite(sr, enums_suite());
	srunner_add_suite(sr, intake_suite());
	srunner_add_suite(sr, account_paths_suite());
	srunner_add_suite(sr, enum_sources_suite());
	srunner_add_suite(sr, scope_sql_suite());
	srunner_add_suite(sr, evaluations_suite());
	srunner_add_suite(sr, funding_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
