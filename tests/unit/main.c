#include <stdlib.h>
#include <check.h>
#include <sodium.h>

Suite *config_suite(void);
Suite *http_suite(void);
Suite *db_suite(void);
Suite *keys_suite(void);
Suite *csv_suite(void);
Suite *members_suite(void);
Suite *token_cache_suite(void);
Suite *rep_cache_suite(void);
Suite *negotiate_suite(void);
Suite *csv_guard_suite(void);
Suite *proxy_suite(void);
Suite *validate_suite(void);
Suite *paging_suite(void);
Suite *authz_suite(void);
Suite *text_suite(void);

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	SRunner *sr = srunner_create(config_suite());
	srunner_add_suite(sr, http_suite());
	srunner_add_suite(sr, db_suite());
	srunner_add_suite(sr, keys_suite());
	srunner_add_suite(sr, csv_suite());
	srunner_add_suite(sr, members_suite());
	srunner_add_suite(sr, token_cache_suite());
	srunner_add_suite(sr, rep_cache_suite());
	srunner_add_suite(sr, negotiate_suite());
	srunner_add_suite(sr, csv_guard_suite());
	srunner_add_suite(sr, proxy_suite());
	srunner_add_suite(sr, validate_suite());
	srunner_add_suite(sr, paging_suite());
	srunner_add_suite(sr, authz_suite());
	srunner_add_suite(sr, text_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
