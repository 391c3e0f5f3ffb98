/* Pure pieces of db/: migration names and versions, connection string defaults. */
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "../../db/migrate.h"
#include "../../db/pool.h"

START_TEST(test_migration_versions_come_from_file_names)
{
	ck_assert_int_eq(migrate_version_of("0001_extensions.sql"), 1);
	ck_assert_int_eq(migrate_version_of("0042_x.sql"), 42);
	ck_assert_int_eq(migrate_version_of("extensions.sql"), -1);
	ck_assert_int_eq(migrate_version_of("0003.sql"), -1);
	struct embedded_file files[] = {{"0002_b.sql", (const unsigned char *)"", 0},
					{"0010_c.sql", (const unsigned char *)"", 0},
					{"0001_a.sql", (const unsigned char *)"", 0}};
	ck_assert_int_eq(migrate_latest_version(files, 3), 10);
	ck_assert_int_eq(migrate_latest_version(files, 0), 0);
}
END_TEST

START_TEST(test_embedded_migrations_are_numbered_in_order)
{
	ck_assert_uint_gt(migrations_embedded_count, 0);
	long previous = 0;
	for (size_t i = 0; i < migrations_embedded_count; i++) {
		long v = migrate_version_of(migrations_embedded[i].name);
		ck_assert_msg(v == previous + 1, "%s does not follow %ld", migrations_embedded[i].name,
			      previous);
		previous = v;
	}
}
END_TEST

START_TEST(test_conninfo_gets_timeouts_and_keepalives)
{
	char *a = db_conninfo_with_defaults("postgresql://u@h/db");
	ck_assert_ptr_nonnull(strstr(a, "postgresql://u@h/db?connect_timeout=2&keepalives=1"));
	free(a);
	char *b = db_conninfo_with_defaults("postgresql://u@/db?host=/tmp/s");
	ck_assert_ptr_nonnull(strstr(b, "host=/tmp/s&connect_timeout=2"));
	free(b);
}
END_TEST

START_TEST(test_request_conninfo_carries_the_statement_timeout)
{
	char *a = db_conninfo_for_requests("postgresql://u@h/db", 2500);
	ck_assert_ptr_nonnull(strstr(a, "options=-c%20TimeZone%3DUTC%20-c%20statement_timeout%3D2500"));
	free(a);
	char *b = db_conninfo_for_requests("postgresql://u@h/db", 0);
	ck_assert_ptr_null(strstr(b, "statement_timeout"));
	ck_assert_ptr_null(strstr(b, "read_only"));
	ck_assert_ptr_nonnull(strstr(b, "application_name=cdtt&"));
	/* the session of a cdtt that died mid-statement ends within a second */
	ck_assert_ptr_nonnull(strstr(b, "%20-c%20client_connection_check_interval%3D1000"));
	free(b);
}
END_TEST

START_TEST(test_replica_conninfo_is_read_only_and_named)
{
	char *a = db_conninfo_for_replica("postgresql://u@ro/db", 2500);
	ck_assert_ptr_nonnull(strstr(a, "postgresql://u@ro/db?connect_timeout=2"));
	ck_assert_ptr_nonnull(strstr(a, "application_name=cdtt-replica&"));
	ck_assert_ptr_nonnull(strstr(a, "options=-c%20TimeZone%3DUTC%20-c%20default_transaction_read_only"
				     "%3Don%20-c%20statement_timeout%3D2500"));
	free(a);
}
END_TEST

Suite *db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, test_migration_versions_come_from_file_names);
	tcase_add_test(tc, test_embedded_migrations_are_numbered_in_order);
	tcase_add_test(tc, test_conninfo_gets_timeouts_and_keepalives);
	tcase_add_test(tc, test_request_conninfo_carries_the_statement_timeout);
	tcase_add_test(tc, test_replica_conninfo_is_read_only_and_named);
	suite_add_tcase(s, tc);
	return s;
}
