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

/* Two `cdtt migrate` at once on url; both must succeed. Their outputs are malloc'd. */
static void migrate_twice_at_once(const char *url, char **out_a, char **out_b)
{
	char var[600];
	snprintf(var, sizeof var, "CDTT_DATABASE_URL=%s", url);
	const char *env[] = {var, NULL};
	const char *args[] = {"migrate", NULL};
	struct proc a = {0}, b = {0};
	proc_spawn(&a, env, args);
	proc_spawn(&b, env, args);
	ck_assert_int_eq(proc_wait(&a, 20000), 0);
	ck_assert_int_eq(proc_wait(&b, 20000), 0);
	*out_a = proc_output(&a);
	*out_b = proc_output(&b);
}

START_TEST(test_two_concurrent_migrations_both_succeed_and_apply_each_file_once)
{
	const char *url = db_create("mig");
	char *out_a, *out_b;
	migrate_twice_at_once(url, &out_a, &out_b);
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

/*
 * The function files (db/functions/): applied again, all in one transaction, only when one of
 * them changed; the stored member documents rebuilt when what builds them changed.
 */

/* A copy of the embedded function files, some of which a test changes. */
struct function_set {
	struct embedded_file files[32];
	char *owned[32]; /* texts the test made, freed by set_free */
	size_t count;
};

static void set_init(struct function_set *set)
{
	ck_assert_uint_le(functions_embedded_count, 32);
	memset(set, 0, sizeof *set);
	memcpy(set->files, functions_embedded, functions_embedded_count * sizeof *set->files);
	set->count = functions_embedded_count;
}

static size_t set_find(const struct function_set *set, const char *name)
{
	for (size_t i = 0; i < set->count; i++)
		if (!strcmp(set->files[i].name, name))
			return i;
	ck_abort_msg("no function file %s", name);
	return 0;
}

/* Replaces the first `from` of file `name` by `to` (which must be there), or appends `to` when
 * `from` is NULL. */
static void set_edit(struct function_set *set, const char *name, const char *from, const char *to)
{
	size_t i = set_find(set, name);
	const char *text = (const char *)set->files[i].data;
	size_t len = set->files[i].len, at = len, skip = 0;
	if (from) {
		const char *hit = strstr(text, from);
		ck_assert_msg(hit != NULL, "%s has no %s", name, from);
		at = (size_t)(hit - text);
		skip = strlen(from);
	}
	size_t n = len - skip + strlen(to);
	char *edited = malloc(n + 1);
	ck_assert_ptr_nonnull(edited);
	snprintf(edited, n + 1, "%.*s%s%s", (int)at, text, to, text + at + skip);
	free(set->owned[i]);
	set->owned[i] = edited;
	set->files[i].data = (const unsigned char *)edited;
	set->files[i].len = n;
}

static void set_remove(struct function_set *set, const char *name)
{
	size_t i = set_find(set, name);
	free(set->owned[i]);
	memmove(&set->files[i], &set->files[i + 1], (set->count - i - 1) * sizeof *set->files);
	memmove(&set->owned[i], &set->owned[i + 1], (set->count - i - 1) * sizeof *set->owned);
	set->owned[--set->count] = NULL;
}

static void set_free(struct function_set *set)
{
	for (size_t i = 0; i < set->count; i++)
		free(set->owned[i]);
}

/* migrate_all with the embedded migrations and these function files. */
static int migrate_with(const char *url, const struct function_set *set, char *err,
			size_t errlen)
{
	PGconn *pg = PQconnectdb(url);
	ck_assert_int_eq(PQstatus(pg), CONNECTION_OK);
	PQsetNoticeProcessor(pg, quiet, NULL);
	int rc = migrate_all(pg, migrations_embedded, migrations_embedded_count, set->files,
			     set->count, err, errlen);
	PQfinish(pg);
	return rc;
}

/* migrate_with, which must succeed. */
static void migrate_ok(const char *url, const struct function_set *set)
{
	char err[512] = "";
	ck_assert_msg(migrate_with(url, set, err, sizeof err) == 0, "%s", err);
}

/* migrate_with, which must fail saying `reason`. */
static void migrate_fails(const char *url, const struct function_set *set, const char *reason)
{
	char err[512] = "";
	ck_assert_int_eq(migrate_with(url, set, err, sizeof err), -1);
	ck_assert_msg(strstr(err, reason), "%s", err);
}

/* A change to 80_audit.sql that changes nothing else, and whether the database has it. */
static void change_audit(struct function_set *set)
{
	set_edit(set, "80_audit.sql", "'before', e.before", "/* changed */ 'before', e.before");
}
static int audit_changed(const char *url)
{
	char *def = db_query_value(url, "SELECT pg_get_functiondef('audit_json(audit_events)'"
					"::regprocedure)");
	int changed = strstr(def, "/* changed */") != NULL;
	free(def);
	return changed;
}

/* A migrated database holding one member, for the function file tests. */
static const char *migrated_with_a_member(void)
{
	const char *url = db_create("fun");
	char *out;
	ck_assert_int_eq(run_migrate(url, &out), 0);
	free(out);
	db_exec_ok(url, "INSERT INTO units (code, name, level) VALUES ('P1', 'P', 'province')");
	db_exec_ok(url, "INSERT INTO members (unit_code, full_name, phone) "
			"VALUES ('P1', 'Mai', '0912345623')");
	return url;
}

#define FUNCTION_RECORDS \
	"SELECT string_agg(name || ' ' || checksum || ' ' || applied_at, ', ' ORDER BY name) " \
	"FROM schema_functions"

/* Asserts that `query` answers `before` again (same) or not; frees before. */
static void assert_answer(const char *url, const char *query, char *before, int same)
{
	char *after = db_query_value(url, query);
	if (same)
		ck_assert_str_eq(after, before);
	else
		ck_assert_str_ne(after, before);
	free(before);
	free(after);
}

START_TEST(test_unchanged_function_files_apply_nothing)
{
	const char *url = migrated_with_a_member();
	char *before = db_query_value(url, FUNCTION_RECORDS);
	char *count = db_query_value(url, "SELECT count(*) FROM schema_functions");
	ck_assert_int_eq(atoi(count), (int)functions_embedded_count);
	free(count);
	struct function_set set;
	set_init(&set);
	migrate_ok(url, &set);
	assert_answer(url, FUNCTION_RECORDS, before, 1);
	set_free(&set);
}
END_TEST

#define AUDIT_RECORD "SELECT checksum FROM schema_functions WHERE name = '80_audit.sql'"

START_TEST(test_a_changed_function_file_is_applied_again)
{
	const char *url = migrated_with_a_member();
	char *before = db_query_value(url, AUDIT_RECORD);
	struct function_set set;
	set_init(&set);
	change_audit(&set);
	migrate_ok(url, &set);
	ck_assert(audit_changed(url));
	assert_answer(url, AUDIT_RECORD, before, 0);
	set_free(&set);
}
END_TEST

START_TEST(test_a_failing_function_file_leaves_definitions_and_records_untouched)
{
	const char *url = migrated_with_a_member();
	char *before = db_query_value(url, FUNCTION_RECORDS);
	struct function_set set;
	set_init(&set);
	change_audit(&set);
	set_edit(&set, "90_idempotency.sql", NULL, "\nSELECT 1 / 0;\n");
	migrate_fails(url, &set, "function file 90_idempotency.sql failed");
	ck_assert(!audit_changed(url));
	assert_answer(url, FUNCTION_RECORDS, before, 1);
	set_free(&set);
}
END_TEST

START_TEST(test_a_removed_function_file_is_noticed)
{
	const char *url = migrated_with_a_member();
	struct function_set set;
	set_init(&set);
	set_remove(&set, "80_audit.sql");
	migrate_ok(url, &set);
	char *names = db_query_value(url, "SELECT string_agg(name, ' ' ORDER BY name) "
					  "FROM schema_functions");
	ck_assert_msg(!strstr(names, "80_audit.sql") && strstr(names, "90_idempotency.sql"),
		      "%s", names);
	free(names);
	char *count = db_query_value(url, "SELECT count(*) FROM schema_functions");
	ck_assert_int_eq(atoi(count), (int)functions_embedded_count - 1);
	free(count);
	set_free(&set);
}
END_TEST

START_TEST(test_two_concurrent_runs_apply_the_function_files_safely)
{
	const char *url = migrated_with_a_member();
	db_exec_ok(url, "UPDATE schema_functions SET checksum = repeat('0', 64) "
			"WHERE name = '40_members.sql'");
	db_exec_ok(url, "UPDATE member_documents SET masked = 'stale'");
	db_exec_ok(url, "DELETE FROM schema_rebuilds");
	char *out_a, *out_b;
	migrate_twice_at_once(url, &out_a, &out_b);
	free(out_a);
	free(out_b);
	char *rows = db_query_value(url, "SELECT count(*) FROM schema_functions "
					 "WHERE checksum <> repeat('0', 64)");
	ck_assert_int_eq(atoi(rows), (int)functions_embedded_count);
	free(rows);
	char *rebuilt = db_query_value(url, "SELECT count(*) FROM schema_rebuilds");
	ck_assert_str_eq(rebuilt, "1");
	free(rebuilt);
	char *masked = db_query_value(url, "SELECT masked::json->>'phone' FROM member_documents");
	ck_assert_str_eq(masked, "09******23");
	free(masked);
}
END_TEST

/* A member's stored document, read by `query`, after the files applied with one edit. */
static char *document_after_edit(const char *file, const char *from, const char *to,
				 const char *query)
{
	const char *url = migrated_with_a_member();
	struct function_set set;
	set_init(&set);
	set_edit(&set, file, from, to);
	migrate_ok(url, &set);
	set_free(&set);
	return db_query_value(url, query);
}

START_TEST(test_member_documents_are_rebuilt_when_member_json_changes)
{
	char *name = document_after_edit("40_members.sql", "'full_name', m.full_name,",
					 "'full_name', upper(m.full_name),",
					 "SELECT personal::json->>'full_name' FROM member_documents");
	ck_assert_str_eq(name, "MAI");
	free(name);
}
END_TEST

START_TEST(test_member_documents_are_rebuilt_when_a_function_member_json_calls_changes)
{
	/* mask_phone lives in another file than member_json */
	char *phone = document_after_edit("00_text.sql", "repeat('*', length(phone) - 4)",
					  "repeat('#', length(phone) - 4)",
					  "SELECT masked::json->>'phone' FROM member_documents");
	ck_assert_str_eq(phone, "09######23");
	free(phone);
}
END_TEST

#define REBUILD_RECORD "SELECT checksum || ' ' || rebuilt_at FROM schema_rebuilds"

START_TEST(test_an_unrelated_function_change_does_not_rebuild_member_documents)
{
	const char *url = migrated_with_a_member();
	db_exec_ok(url, "UPDATE member_documents SET masked = 'stale'");
	char *before = db_query_value(url, REBUILD_RECORD);
	struct function_set set;
	set_init(&set);
	change_audit(&set);
	set_edit(&set, "40_members.sql", NULL, "\n-- a comment outside every function\n");
	migrate_ok(url, &set);
	ck_assert_msg(audit_changed(url), "the files were not applied");
	char *masked = db_query_value(url, "SELECT masked FROM member_documents");
	ck_assert_str_eq(masked, "stale");
	free(masked);
	assert_answer(url, REBUILD_RECORD, before, 1);
	set_free(&set);
}
END_TEST

START_TEST(test_a_rebuild_line_must_name_one_function_without_arguments)
{
	const char *url = migrated_with_a_member();
	struct function_set set;
	set_init(&set);
	set_edit(&set, "40_members.sql", "-- rebuild: member_documents_rebuild()",
		 "-- rebuild: member_documents_rebuild(); DROP TABLE members");
	migrate_fails(url, &set, "40_members.sql: a rebuild line names one function");
	char *n = db_query_value(url, "SELECT count(*) FROM members");
	ck_assert_str_eq(n, "1");
	free(n);
	set_free(&set);
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
	TCase *fn = tcase_create("functions");
	tcase_set_timeout(fn, 60);
	tcase_add_test(fn, test_unchanged_function_files_apply_nothing);
	tcase_add_test(fn, test_a_changed_function_file_is_applied_again);
	tcase_add_test(fn, test_a_failing_function_file_leaves_definitions_and_records_untouched);
	tcase_add_test(fn, test_a_removed_function_file_is_noticed);
	tcase_add_test(fn, test_two_concurrent_runs_apply_the_function_files_safely);
	tcase_add_test(fn, test_member_documents_are_rebuilt_when_member_json_changes);
	tcase_add_test(fn, test_member_documents_are_rebuilt_when_a_function_member_json_calls_changes);
	tcase_add_test(fn, test_an_unrelated_function_change_does_not_rebuild_member_documents);
	tcase_add_test(fn, test_a_rebuild_line_must_name_one_function_without_arguments);
	suite_add_tcase(s, fn);
	return s;
}
