/*
 * One way to make an account: POST /api/v1/users and `cdtt create-user` both end in the SQL
 * function user_create() (seed-demo too: the seed suite checks its admin). The same refusal
 * comes out of each path, in its own words: a team outside the account's unit, a unit the
 * creator cannot see, a username in use. And each path's account carries the same audit event.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "world.h"

static struct world w;
WORLD_FIXTURE(w, NULL)

static const char *const counted[] = {"users", "audit_events", NULL};

/* `cdtt create-user` with args after the subcommand; returns the exit code, *out its output. */
static int create_user(const char *const *args, char **out)
{
	char var[600];
	snprintf(var, sizeof var, "CDTT_DATABASE_URL=%s", w.url);
	const char *env[] = {var, "CDTT_PASSWORD=" WORLD_PASSWORD, NULL};
	const char *argv[16] = {"create-user"};
	for (size_t i = 0; i < 14 && args[i]; i++)
		argv[i + 1] = args[i];
	struct proc p = {0};
	proc_spawn(&p, env, argv);
	int code = proc_wait(&p, 10000);
	*out = proc_output(&p);
	return code;
}

/* Asserts what user_create() called directly says: "unit_found team_found taken" as t/f. */
static void function_says(const char *username, const char *role, const char *unit,
			  const char *team, const char *scope, const char *want)
{
	char sql[800];
	snprintf(sql, sizeof sql,
		 "SELECT concat_ws(' ', unit_found, team_found, taken) FROM user_create('%s', 'x',"
		 " '%s', %s%s%s, %s%s%s::uuid, NULL, '%s', 'system', NULL, NULL, NULL)",
		 username, role, unit ? "'" : "", unit ? unit : "NULL", unit ? "'" : "",
		 team ? "'" : "", team ? team : "NULL", team ? "'" : "", scope);
	char *v = db_query_value(w.url, sql);
	ck_assert_msg(v, "user_create failed: %s", sql);
	ck_assert_msg(!strcmp(v, want), "user_create(%s) says %s, not %s", username, v, want);
	free(v);
}

/* Asserts that POST /api/v1/users with body answers status, naming field with code when
 * field is not NULL. */
static void api_refuses(const char *token, const char *body, long status, const char *field,
			const char *code)
{
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/users", token, body, NULL);
	assert_problem(&r, status);
	ck_assert_msg(!field || response_has_error(&r, field, code), "%s", r.body);
	http_response_free(&r);
}

START_TEST(test_a_team_outside_the_unit_is_refused_by_the_api_the_cli_and_the_function)
{
	char *other = db_query_value(w.url, "INSERT INTO teams (unit_code, name, established_on)"
					    " VALUES ('NX-V1', 'Other commune team', '2023-01-01')"
					    " RETURNING id");
	ck_assert_ptr_nonnull(other);
	struct world_counts before = world_counts(&w, counted);
	char body[400];
	snprintf(body, sizeof body,
		 "{\"username\":\"paths.leader\",\"password\":\"" WORLD_PASSWORD "\","
		 "\"role\":\"team_leader\",\"unit_code\":\"TQ\",\"team_id\":\"%s\"}",
		 other);
	api_refuses(w.admin, body, 422, "/team_id", "not_found");

	const char *args[] = {"--username", "paths.leader", "--role", "team_leader", "--unit", "TQ",
			      "--team", other, NULL};
	char *out;
	ck_assert_int_eq(create_user(args, &out), 2);
	ck_assert_msg(strstr(out, "no team"), "%s", out);
	free(out);

	function_says("paths.leader", "team_leader", "TQ", other, "", "t f f");
	world_assert_unchanged(&before);
	free(other);
}
END_TEST

START_TEST(test_a_unit_out_of_reach_is_refused_by_the_api_the_cli_and_the_function)
{
	struct world_counts before = world_counts(&w, counted);
	/* an officer of TQ cannot give an account a unit of NX */
	api_refuses(w.officer_tq,
		    "{\"username\":\"paths.viewer\",\"password\":\"" WORLD_PASSWORD "\","
		    "\"role\":\"viewer\",\"unit_code\":\"NX\"}",
		    422, "/unit_code", "not_found");
	char *scope = db_query_value(w.url, "SELECT path::text FROM units WHERE code = 'TQ'");
	function_says("paths.viewer", "viewer", "NX", NULL, scope, "f t f");
	free(scope);

	/* the command line sees every unit: one that does not exist is a usage error */
	const char *args[] = {"--username", "paths.viewer", "--role", "viewer", "--unit", "NOWHERE",
			      NULL};
	char *out;
	ck_assert_int_eq(create_user(args, &out), 2);
	ck_assert_msg(strstr(out, "no unit has the code NOWHERE"), "%s", out);
	free(out);
	function_says("paths.viewer", "viewer", "NOWHERE", NULL, "", "f t f");
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_a_username_in_use_is_409_exit_3_and_taken)
{
	const char *args[] = {"--username", "Paths.Taken", "--role", "viewer", "--unit", "TQ", NULL};
	char *out;
	ck_assert_int_eq(create_user(args, &out), 0);
	ck_assert_msg(strstr(out, "created user paths.taken (viewer)"), "%s", out);
	free(out);
	struct world_counts before = world_counts(&w, counted);
	ck_assert_int_eq(create_user(args, &out), 3);
	free(out);
	api_refuses(w.admin,
		    "{\"username\":\"PATHS.taken\",\"password\":\"" WORLD_PASSWORD "\","
		    "\"role\":\"viewer\",\"unit_code\":\"TQ\"}",
		    409, NULL, NULL);
	function_says("paths.taken", "viewer", "TQ", NULL, "", "t t t");
	world_assert_unchanged(&before);
}
END_TEST

/* The same checks before the database, in each path's words: a unit missing, a team not allowed. */
START_TEST(test_the_rules_before_the_database_are_the_same_for_the_api_and_the_cli)
{
	struct world_counts before = world_counts(&w, counted);
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/users", w.admin,
		   "{\"username\":\"paths.nounit\",\"password\":\"" WORLD_PASSWORD "\","
		   "\"role\":\"officer\",\"team_id\":\"00000000-0000-4000-8000-000000000000\"}",
		   NULL);
	assert_problem(&r, 422);
	ck_assert_msg(response_has_error(&r, "/unit_code", "required"), "%s", r.body);
	ck_assert_msg(response_has_error(&r, "/team_id", "not_allowed"), "%s", r.body);
	http_response_free(&r);
	const char *args[] = {"--username", "paths.nounit", "--role", "officer", "--team",
			      "00000000-0000-4000-8000-000000000000", NULL};
	char *out;
	ck_assert_int_eq(create_user(args, &out), 2);
	ck_assert_msg(strstr(out, "--unit is required for this role"), "%s", out);
	ck_assert_msg(strstr(out, "--team only a team_leader has a team"), "%s", out);
	free(out);
	world_assert_unchanged(&before);
}
END_TEST

/* What an account's creation event holds does not depend on who made it, but for the actor. */
START_TEST(test_the_api_and_the_cli_write_the_same_creation_event)
{
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/users", w.admin,
		   "{\"username\":\"paths.by.api\",\"password\":\"" WORLD_PASSWORD "\","
		   "\"role\":\"viewer\",\"unit_code\":\"TQ\"}",
		   NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	http_response_free(&r);
	const char *args[] = {"--username", "paths.by.cli", "--role", "viewer", "--unit", "TQ", NULL};
	char *out;
	ck_assert_int_eq(create_user(args, &out), 0);
	free(out);
	/* per account: username, actor type, and the keys of the image (no password hash) */
	char *shape = db_query_value(
		w.url, "SELECT string_agg(line, ' ' ORDER BY line) FROM (SELECT e.after->>'username'"
		       " || ':' || e.actor_type || ':' || (SELECT string_agg(k, ',' ORDER BY k)"
		       " FROM jsonb_object_keys(e.after) k) AS line FROM audit_events e"
		       " WHERE e.action = 'user.create'"
		       " AND e.after->>'username' IN ('paths.by.api', 'paths.by.cli')) s");
	ck_assert_ptr_nonnull(shape);
	char *keys = db_query_value(w.url, "SELECT string_agg(column_name::text, ',' ORDER BY"
					   " column_name::text) FROM information_schema.columns"
					   " WHERE table_name = 'users' AND column_name <> 'password_hash'");
	char want[1200];
	snprintf(want, sizeof want, "paths.by.api:user:%s paths.by.cli:system:%s", keys, keys);
	ck_assert_str_eq(shape, want);
	free(shape);
	free(keys);
}
END_TEST

Suite *account_paths_suite(void)
{
	Suite *s = suite_create("account paths");
	TCase *tc = tcase_create("account paths");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_a_team_outside_the_unit_is_refused_by_the_api_the_cli_and_the_function);
	tcase_add_test(tc, test_a_unit_out_of_reach_is_refused_by_the_api_the_cli_and_the_function);
	tcase_add_test(tc, test_a_username_in_use_is_409_exit_3_and_taken);
	tcase_add_test(tc, test_the_rules_before_the_database_are_the_same_for_the_api_and_the_cli);
	tcase_add_test(tc, test_the_api_and_the_cli_write_the_same_creation_event);
	suite_add_tcase(s, tc);
	return s;
}
