/* Migrations: applied once each with a checksum, refused when an applied file changed, safe
 * when two processes run them at once, and the extensions later features need are there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../api/embedded.h"
#include "../../db/migrate.h"
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

/* The checksum PostgreSQL computes for text, as the runner records it. */
static char *pg_sha256(const char *url, const char *text)
{
	char sql[1024];
	snprintf(sql, sizeof sql, "SELECT encode(sha256(convert_to('%s', 'UTF8')), 'hex')", text);
	return db_query_value(url, sql);
}

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* "relation schema_migrations already exists, skipping" */
}

static int apply_text(const char *url, const char *text, char *err, size_t errlen)
{
	struct embedded_file f = {"0001_amend.sql", (const unsigned char *)text, strlen(text)};
	PGconn *pg = PQconnectdb(url);
	ck_assert_int_eq(PQstatus(pg), CONNECTION_OK);
	PQsetNoticeProcessor(pg, quiet, NULL);
	int rc = migrate_apply(pg, &f, 1, err, errlen);
	PQfinish(pg);
	return rc;
}

START_TEST(test_amended_migration_that_names_the_recorded_checksum_is_accepted)
{
	const char *url = db_create("mig");
	const char *released = "CREATE TABLE amended (a integer);";
	char err[512] = "";
	ck_assert_int_eq(apply_text(url, released, err, sizeof err), 1);
	char *old_sum = pg_sha256(url, released);

	/* the amended file names what it replaces: accepted, nothing run, and the record keeps
	 * what ran, so the released file is accepted too (the previous release, still running) */
	char amended[512];
	snprintf(amended, sizeof amended,
		 "-- replaces: sha256:%s\n-- Same result on a newer PostgreSQL.\n"
		 "CREATE TABLE amended (a integer);",
		 old_sum);
	ck_assert_msg(apply_text(url, amended, err, sizeof err) == 0, "%s", err);
	char *recorded = db_query_value(url, "SELECT checksum FROM schema_migrations");
	ck_assert_str_eq(recorded, old_sum);
	free(recorded);
	ck_assert_int_eq(apply_text(url, amended, err, sizeof err), 0);
	ck_assert_int_eq(apply_text(url, released, err, sizeof err), 0);
	char *tables = db_query_value(url, "SELECT count(*) FROM pg_class WHERE relname = 'amended'");
	ck_assert_str_eq(tables, "1");
	free(tables);

	/* a file changed again, without naming the amended content, stops start-up */
	ck_assert_int_eq(apply_text(url, "CREATE TABLE amended (a integer, b integer);", err,
				    sizeof err),
			 -1);
	ck_assert_msg(strstr(err, "0001_amend.sql was changed after it was applied"), "%s", err);
	/* and so does one naming a content this database never ran */
	char *amended_sum = pg_sha256(url, amended);
	char other[512];
	snprintf(other, sizeof other, "-- replaces: sha256:%s\nCREATE TABLE amended (b integer);",
		 amended_sum);
	free(amended_sum);
	ck_assert_int_eq(apply_text(url, other, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "was changed after it was applied"), "%s", err);
	free(old_sum);
}
END_TEST

/* A database migrated before 0004, 0007 and 0015 were amended for PostgreSQL 15.20 (it recorded
 * the replaced checksums) migrates, and its records still name what it ran. */
START_TEST(test_database_migrated_with_the_released_files_still_migrates)
{
	static const char tag[] = "-- replaces: sha256:";
	const char *url = db_create("mig");
	char *out;
	ck_assert_int_eq(run_migrate(url, &out), 0);
	free(out);
	int amended = 0;
	for (size_t i = 0; i < migrations_embedded_count; i++) {
		const struct embedded_file *f = &migrations_embedded[i];
		const char *decl = strstr((const char *)f->data, tag);
		if (!decl)
			continue;
		char sql[256];
		snprintf(sql, sizeof sql,
			 "UPDATE schema_migrations SET checksum = '%.64s' WHERE version = %ld",
			 decl + sizeof tag - 1, migrate_version_of(f->name));
		db_exec_ok(url, sql);
		amended++;
	}
	ck_assert_int_ge(amended, 2);
	ck_assert_int_eq(run_migrate(url, &out), 0);
	ck_assert_msg(strstr(out, "migrations applied: 0"), "%s", out);
	free(out);
	/* the checksums of 0004 and 0007 as released, and of 0015 before its amendment */
	char *kept = db_query_value(url, "SELECT count(*) FROM schema_migrations "
					 "WHERE version IN (4, 7, 15) AND checksum IN ("
					 "'8132862237a11c8d4e082bd46deecd94d33bda180280d93655fefeb2601d8c5d',"
					 "'4fdffd5e5c81309487b810884b3068fb94534ededcb0a02dbe9ea27469ec38ba',"
					 "'2997ea48c84e7483a4d52501f86a9d73f10b25adc5e21cedfa468b678dbc60ea')");
	ck_assert_str_eq(kept, "3");
	free(kept);
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
	tcase_add_test(tc, test_amended_migration_that_names_the_recorded_checksum_is_accepted);
	tcase_add_test(tc, test_database_migrated_with_the_released_files_still_migrates);
	suite_add_tcase(s, tc);
	return s;
}
