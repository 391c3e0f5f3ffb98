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
	suite_add_tcase(s, tc);
	return s;
}
