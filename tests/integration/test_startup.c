/* Start-up: a missing or malformed CDTT_* variable stops cdtt with exit code 2 and one line
 * naming the variable; nothing is served. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"

#define GOOD_URL "CDTT_DATABASE_URL=postgresql://cdtt@/nowhere?host=/nonexistent"
#define GOOD_SECRET "CDTT_JWT_SECRET=" TEST_JWT_SECRET

/* Runs `cdtt serve` with env; asserts exit 2 and a single line on output that contains want. */
static void assert_config_refused(const char *const *env, const char *want)
{
	struct proc p = {0};
	const char *args[] = {"serve", NULL};
	proc_spawn(&p, env, args);
	int code = proc_wait(&p, 5000);
	char *out = proc_output(&p);
	ck_assert_msg(code == 2, "exit %d, expected 2; output: %s", code, out);
	ck_assert_msg(strstr(out, want), "output %s does not name %s", out, want);
	char *nl = strchr(out, '\n');
	ck_assert_msg(nl && nl[1] == '\0', "expected one line, got: %s", out);
	free(out);
}

START_TEST(test_serve_without_database_url_exits_2)
{
	const char *env[] = {GOOD_SECRET, NULL};
	assert_config_refused(env, "CDTT_DATABASE_URL must be set");
}
END_TEST

START_TEST(test_serve_with_non_uri_database_url_exits_2)
{
	const char *env[] = {"CDTT_DATABASE_URL=host=localhost dbname=x", GOOD_SECRET, NULL};
	assert_config_refused(env, "CDTT_DATABASE_URL must be a PostgreSQL URI");
}
END_TEST

START_TEST(test_serve_with_short_jwt_secret_exits_2)
{
	const char *env[] = {GOOD_URL, "CDTT_JWT_SECRET=too-short", NULL};
	assert_config_refused(env, "CDTT_JWT_SECRET must be at least 32 bytes");
}
END_TEST

START_TEST(test_serve_without_signing_key_exits_2)
{
	const char *env[] = {GOOD_URL, NULL};
	assert_config_refused(env, "CDTT_JWT_SECRET");
}
END_TEST

START_TEST(test_serve_with_unreadable_key_file_exits_2)
{
	const char *env[] = {GOOD_URL, "CDTT_JWT_KEY_FILE=/nonexistent/key.pem", NULL};
	assert_config_refused(env, "CDTT_JWT_KEY_FILE");
}
END_TEST

START_TEST(test_serve_with_bad_listen_exits_2)
{
	const char *env[] = {GOOD_URL, GOOD_SECRET, "CDTT_LISTEN=127.0.0.1:99999", NULL};
	assert_config_refused(env, "CDTT_LISTEN must be host:port");
}
END_TEST

START_TEST(test_serve_with_bad_metrics_listen_exits_2)
{
	const char *env[] = {GOOD_URL, GOOD_SECRET, "CDTT_METRICS_LISTEN=metrics:9090", NULL};
	assert_config_refused(env, "CDTT_METRICS_LISTEN must be host:port");
	const char *same[] = {GOOD_URL, GOOD_SECRET, "CDTT_LISTEN=127.0.0.1:8080",
			      "CDTT_METRICS_LISTEN=127.0.0.1:8080", NULL};
	assert_config_refused(same, "CDTT_METRICS_LISTEN");
}
END_TEST

START_TEST(test_serve_with_non_numeric_body_limit_exits_2)
{
	const char *env[] = {GOOD_URL, GOOD_SECRET, "CDTT_MAX_BODY_BYTES=1MB", NULL};
	assert_config_refused(env, "CDTT_MAX_BODY_BYTES must be a whole number");
}
END_TEST

START_TEST(test_serve_with_pool_larger_than_threads_exits_2)
{
	const char *env[] = {GOOD_URL, GOOD_SECRET, "CDTT_THREADS=2", "CDTT_DB_POOL_SIZE=3", NULL};
	assert_config_refused(env, "CDTT_DB_POOL_SIZE must not exceed CDTT_THREADS");
}
END_TEST

START_TEST(test_serve_with_bad_cors_origin_exits_2)
{
	const char *env[] = {GOOD_URL, GOOD_SECRET, "CDTT_CORS_ORIGINS=app.example.vn", NULL};
	assert_config_refused(env, "CDTT_CORS_ORIGINS");
}
END_TEST

START_TEST(test_serve_with_bad_log_level_exits_2)
{
	const char *env[] = {GOOD_URL, GOOD_SECRET, "CDTT_LOG_LEVEL=verbose", NULL};
	assert_config_refused(env, "CDTT_LOG_LEVEL must be one of");
}
END_TEST

START_TEST(test_unknown_subcommand_exits_2)
{
	struct proc p = {0};
	const char *args[] = {"frobnicate", NULL};
	proc_spawn(&p, NULL, args);
	ck_assert_int_eq(proc_wait(&p, 5000), 2);
}
END_TEST

START_TEST(test_serve_with_unreachable_database_exits_1)
{
	const char *env[] = {GOOD_URL, GOOD_SECRET, "CDTT_LISTEN=127.0.0.1:1", NULL};
	struct proc p = {0};
	const char *args[] = {"serve", NULL};
	proc_spawn(&p, env, args);
	int code = proc_wait(&p, 10000);
	char *out = proc_output(&p);
	ck_assert_msg(code == 1, "exit %d; output %s", code, out);
	ck_assert_msg(strstr(out, "cannot connect to the database"), "%s", out);
	free(out);
}
END_TEST

/*
 * The subcommands that need the database, without CDTT_DATABASE_URL: exit 2 (configuration),
 * naming the variable and saying how to reach the database of `make run`.
 */
START_TEST(test_subcommands_without_database_url_exit_2_and_point_to_make_env)
{
	static const char *const cases[][8] = {
		{"migrate", NULL},
		{"seed-demo", NULL},
		{"create-user", "--username", "first.admin", "--role", "admin", NULL},
		{"create-client", "--client-id", "a.system", "--scopes", "registry:read", "--unit", "HG"},
	};
	const char *env[] = {"CDTT_PASSWORD=" TEST_JWT_SECRET, NULL};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct proc p = {0};
		proc_spawn(&p, env, cases[i]);
		int code = proc_wait(&p, 10000);
		char *out = proc_output(&p);
		ck_assert_msg(code == 2, "%s: exit %d, expected 2; output: %s", cases[i][0], code, out);
		ck_assert_msg(strstr(out, "CDTT_DATABASE_URL must be set"), "%s: %s", cases[i][0], out);
		ck_assert_msg(strstr(out, "eval \"$(make -s env)\""), "%s: %s", cases[i][0], out);
		free(out);
	}
}
END_TEST

/* A malformed CDTT_DATABASE_URL is a configuration error too, and the hint is not printed. */
START_TEST(test_subcommand_with_malformed_database_url_exits_2)
{
	const char *env[] = {"CDTT_DATABASE_URL=host=localhost", "CDTT_PASSWORD=" TEST_JWT_SECRET, NULL};
	const char *args[] = {"create-user", "--username", "first.admin", "--role", "admin", NULL};
	struct proc p = {0};
	proc_spawn(&p, env, args);
	int code = proc_wait(&p, 10000);
	char *out = proc_output(&p);
	ck_assert_msg(code == 2, "exit %d; output %s", code, out);
	ck_assert_msg(strstr(out, "CDTT_DATABASE_URL must be a PostgreSQL URI"), "%s", out);
	ck_assert_msg(!strstr(out, "make -s env"), "%s", out);
	free(out);
}
END_TEST

/* A database that cannot be reached is a failure (1), not a configuration error. */
START_TEST(test_subcommands_with_unreachable_database_exit_1)
{
	static const char *const cases[][8] = {
		{"migrate", NULL},
		{"create-user", "--username", "first.admin", "--role", "admin", NULL},
		{"create-client", "--client-id", "a.system", "--scopes", "registry:read", "--unit", "HG"},
	};
	const char *env[] = {GOOD_URL, "CDTT_PASSWORD=" TEST_JWT_SECRET, NULL};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct proc p = {0};
		proc_spawn(&p, env, cases[i]);
		int code = proc_wait(&p, 10000);
		char *out = proc_output(&p);
		ck_assert_msg(code == 1, "%s: exit %d, expected 1; output: %s", cases[i][0], code, out);
		ck_assert_msg(strstr(out, "cannot connect to the database") ||
				      strstr(out, "could not connect"),
			      "%s: %s", cases[i][0], out);
		free(out);
	}
}
END_TEST

/* Usage errors are 2 before anything is read; version and routes need no configuration. */
START_TEST(test_usage_errors_exit_2_and_informational_subcommands_exit_0)
{
	static const char *const bad[][4] = {
		{NULL},
		{"version", "extra", NULL},
		{"create-user", NULL},
		{"create-user", "--username", NULL},
		{"create-client", "--client-id", "a.system", NULL},
		{"seed-demo", "--scale", "0", NULL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct proc p = {0};
		proc_spawn(&p, NULL, bad[i]);
		int code = proc_wait(&p, 5000);
		char *out = proc_output(&p);
		ck_assert_msg(code == 2, "case %zu: exit %d, expected 2; output: %s", i, code, out);
		ck_assert_msg(strstr(out, "usage: cdtt"), "case %zu: %s", i, out);
		free(out);
	}
	static const char *const good[][2] = {{"version", NULL}, {"routes", NULL}};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct proc p = {0};
		proc_spawn(&p, NULL, good[i]);
		ck_assert_int_eq(proc_wait(&p, 5000), 0);
	}
}
END_TEST

/* Nothing listens on the port: the health check fails with 1. */
START_TEST(test_healthcheck_without_server_exits_1)
{
	const char *env[] = {"CDTT_LISTEN=127.0.0.1:1", NULL};
	const char *args[] = {"healthcheck", NULL};
	struct proc p = {0};
	proc_spawn(&p, env, args);
	ck_assert_int_eq(proc_wait(&p, 10000), 1);
}
END_TEST

Suite *startup_suite(void)
{
	Suite *s = suite_create("startup");
	TCase *tc = tcase_create("configuration");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_serve_without_database_url_exits_2);
	tcase_add_test(tc, test_serve_with_non_uri_database_url_exits_2);
	tcase_add_test(tc, test_serve_with_short_jwt_secret_exits_2);
	tcase_add_test(tc, test_serve_without_signing_key_exits_2);
	tcase_add_test(tc, test_serve_with_unreadable_key_file_exits_2);
	tcase_add_test(tc, test_serve_with_bad_listen_exits_2);
	tcase_add_test(tc, test_serve_with_bad_metrics_listen_exits_2);
	tcase_add_test(tc, test_serve_with_non_numeric_body_limit_exits_2);
	tcase_add_test(tc, test_serve_with_pool_larger_than_threads_exits_2);
	tcase_add_test(tc, test_serve_with_bad_cors_origin_exits_2);
	tcase_add_test(tc, test_serve_with_bad_log_level_exits_2);
	tcase_add_test(tc, test_unknown_subcommand_exits_2);
	tcase_add_test(tc, test_serve_with_unreachable_database_exits_1);
	tcase_add_test(tc, test_subcommands_without_database_url_exit_2_and_point_to_make_env);
	tcase_add_test(tc, test_subcommand_with_malformed_database_url_exits_2);
	tcase_add_test(tc, test_subcommands_with_unreachable_database_exit_1);
	tcase_add_test(tc, test_usage_errors_exit_2_and_informational_subcommands_exit_0);
	tcase_add_test(tc, test_healthcheck_without_server_exits_1);
	suite_add_tcase(s, tc);
	return s;
}
