/*
 * PostgreSQL going away and coming back, with cdtt left running: while it is down, requests
 * that need it answer 503 problem+json with Retry-After and /readyz says 503; within 2 seconds
 * of it coming back, requests succeed again.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_database_restart_gives_503_then_recovers_within_2_seconds)
{
	const char *url = db_create("restart");
	struct proc server = {0};
	serve_start(&server, url, NULL);
	struct http_response r;
	http_get(&r, server.port, "/readyz");
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);

	cluster_stop();
	for (int i = 0; i < 3; i++) {
		http_get(&r, server.port, "/readyz");
		assert_problem(&r, 503);
		char *retry = http_header_value(&r, "Retry-After");
		ck_assert_str_eq(retry, "1");
		free(retry);
		ck_assert_ptr_null(strstr(r.body, "FATAL")); /* no libpq wording leaks */
		http_response_free(&r);
		usleep(100000);
	}
	http_get(&r, server.port, "/healthz"); /* liveness does not depend on the database */
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);

	cluster_start();
	double back = now_s(), recovered = 0;
	while (now_s() - back < 5) {
		http_get(&r, server.port, "/readyz");
		long status = r.status;
		http_response_free(&r);
		if (status == 200) {
			recovered = now_s() - back;
			break;
		}
		usleep(50000);
	}
	ck_assert_msg(recovered > 0 && recovered <= 2.0, "recovered after %.2f s", recovered);
	/* every pooled connection works again, not only the first */
	for (int i = 0; i < 10; i++) {
		http_get(&r, server.port, "/readyz");
		ck_assert_int_eq(r.status, 200);
		http_response_free(&r);
	}
	ck_assert_int_eq(serve_stop(&server), 0);
}
END_TEST

START_TEST(test_restart_between_requests_is_invisible_to_reads)
{
	/* A fast restart while the server idles: the pool notices the dead connections on
	 * checkout (or retries the read once) instead of failing the next request. */
	const char *url = db_create("restart");
	struct proc server = {0};
	const char *env[] = {"CDTT_THREADS=1", "CDTT_DB_POOL_SIZE=1", NULL};
	serve_start(&server, url, env);
	struct http_response r;
	http_get(&r, server.port, "/readyz");
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	cluster_stop();
	cluster_start();
	http_get(&r, server.port, "/readyz");
	ck_assert_msg(r.status == 200, "first read after restart: %ld %s", r.status, r.body);
	http_response_free(&r);
	ck_assert_int_eq(serve_stop(&server), 0);
}
END_TEST

Suite *resilience_suite(void)
{
	Suite *s = suite_create("resilience");
	TCase *tc = tcase_create("database restart");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_database_restart_gives_503_then_recovers_within_2_seconds);
	tcase_add_test(tc, test_restart_between_requests_is_invisible_to_reads);
	suite_add_tcase(s, tc);
	return s;
}
