/* Migrations: applied once each with a checksum, refused when an applied file changed, safe
 * when two processes run them at once, and the extensions later features need are there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../api/embedded.h"
#include "harness.h"
#include "suites.h"

static int run_migrate(const char *url, char **output)
{
	char var[600];
	snprintf(var, sizeof var, "CDTT_DATABASE_URL=%s", url);
	const char *env[] = {var, NULL};
	const char *args[] = {"migrate", NULL};
	struct proc p = {0};
	proc_spawn(&p, env, args);
	int code = proc_wait(&p, 20000);
	*output = proc_output(&p);
	return code;
}

static int count_files(void)
{
	return (int)migrations_embedded_count;
}

START_TEST(test_migrate_applies_every_file_once_with_checksum)
{
	const char *url = db_create("mig");
	char *out;
	ck_assert_int_eq(run_migrate(url, &out), 0);
	char want[64];
	snprintf(want, sizeof want, "migrations applied: %d", count_files());
	ck_assert_msg(strstr(out, want), "%s", out);
	free(out);
	char *rows = db_query_value(url, "SELECT count(*) FROM schema_migrations "
					 "WHERE checksum ~ '^[0-9a-f]{64}$'");
	ck_assert_int_eq(atoi(rows), count_files());
	free(rows);

	ck_assert_int_eq(run_migrate(url, &out), 0);
	ck_assert_msg(strstr(out, "migrations applied: 0"), "second run: %s", out);
	free(out);
}
END_TEST

START_TEST(test_migrate_refuses_an_applied_file_that_changed)
{
	const char *url = db_create("mig");
	char *out;
	ck_assert_int_eq(run_migrate(url, &out), 0);
	free(out);
	db_exec_ok(url, "UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE version = 1");
	ck_assert_int_eq(run_migrate(url, &out), 1);
	ck_assert_msg(strstr(out, "was changed after it was applied"), "%s", out);
	free(out);

	/* serve refuses to start on it too */
	char var[600];
	snprintf(var, sizeof var, "CDTT_DATABASE_URL=%s", url);
	const char *env[] = {var, "CDTT_JWT_SECRET=" TEST_JWT_SECRET, "CDTT_LISTEN=127.0.0.1:1",
			     NULL};
	const char *args[] = {"serve", NULL};
	struct proc p = {0};
	proc_spawn(&p, env, args);
	ck_assert_int_eq(proc_wait(&p, 10000), 1);
	out = proc_output(&p);
	ck_assert_msg(strstr(out, "was changed after it was applied"), "%s", out);
	free(out);
}
END_TEST

START_TEST(test_two_concurrent_migrations_both_succeed_and_apply_each_file_once)
{
	const char *url = db_create("mig");
	char var[600];
	snprintf(var, sizeof var, "CDTT_DATABASE_URL=%s", url);
	const char *env[] = {var, NULL};
	const char *args[] = {"migrate", NULL};
	struct proc a = {0}, b = {0};
	proc_spawn(&a, env, args);
	proc_spawn(&b, env, args);
	ck_assert_int_eq(proc_wait(&a, 20000), 0);
	ck_assert_int_eq(proc_wait(&b, 20000), 0);
	char *out_a = proc_output(&a), *out_b = proc_output(&b);
	char all[64];
	snprintf(all, sizeof all, "migrations applied: %d", count_files());
	/* one of them did the work, the other waited for the lock and found nothing to do */
	ck_assert_msg((strstr(out_a, all) && strstr(out_b, "migrations applied: 0")) ||
			      (strstr(out_b, all) && strstr(out_a, "migrations applied: 0")),
		      "a: %s b: %s", out_a, out_b);
	free(out_a);
	free(out_b);
	char *rows = db_query_value(url, "SELECT count(*) FROM schema_migrations");
	ck_assert_int_eq(atoi(rows), count_files());
	free(rows);
}
END_TEST

START_TEST(test_failing_migration_leaves_nothing_behind)
{
	/* A database where the first migration's function already exists differently: the file
	 * fails, and neither its record nor its other effects remain. */
	const char *url = db_create("mig");
	db_exec_ok(url, "CREATE FUNCTION search_fold(input text) RETURNS text LANGUAGE sql "
			"RETURN input");
	char *out;
	ck_assert_int_eq(run_migrate(url, &out), 1);
	ck_assert_msg(strstr(out, "migration 0001_extensions.sql failed"), "%s", out);
	free(out);
	char *rows = db_query_value(url, "SELECT count(*) FROM schema_migrations");
	ck_assert_str_eq(rows, "0");
	free(rows);
	char *ext = db_query_value(url, "SELECT count(*) FROM pg_extension WHERE extname = 'ltree'");
	ck_assert_str_eq(ext, "0");
	free(ext);
}
END_TEST

START_TEST(test_extensions_and_search_fold_are_installed)
{
	const char *url = db_create("mig");
	char *out;
	ck_assert_int_eq(run_migrate(url, &out), 0);
	free(out);
	char *n = db_query_value(url, "SELECT count(*) FROM pg_extension WHERE extname IN "
				      "('ltree', 'unaccent', 'pg_trgm', 'pgcrypto')");
	ck_assert_str_eq(n, "4");
	free(n);
	char *folded = db_query_value(url, "SELECT search_fold('Đức Hà Giang, Nguyễn Văn Đạt')");
	ck_assert_str_eq(folded, "duc ha giang, nguyen van dat");
	free(folded);
	char *uuid = db_query_value(url, "SELECT length(gen_random_uuid()::text)");
	ck_assert_str_eq(uuid, "36");
	free(uuid);
}
END_TEST

Suite *migrations_suite(void)
{
	Suite *s = suite_create("migrations");
	TCase *tc = tcase_create("migrate");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_migrate_applies_every_file_once_with_checksum);
	tcase_add_test(tc, test_migrate_refuses_an_applied_file_that_changed);
	tcase_add_test(tc, test_two_concurrent_migrations_both_succeed_and_apply_each_file_once);
	tcase_add_test(tc, test_failing_migration_leaves_nothing_behind);
	tcase_add_test(tc, test_extensions_and_search_fold_are_installed);
	suite_add_tcase(s, tc);
	return s;
}
