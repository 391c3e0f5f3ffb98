/*
 * CDTT_DATABASE_REPLICA_URL: lists and reports read from the replica's pool, everything else
 * from the primary's, and a replica that cannot be reached leaves the reads to the primary.
 * The "replica" here is the test database itself, reached through the replica's pool, whose
 * sessions show as application_name cdtt-replica and are read-only.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"
#include "world.h"

static struct world rw;
static const char *const replica_env[] = {"CDTT_DATABASE_REPLICA_URL=", NULL};
WORLD_FIXTURE(rw, replica_env)

/* The last statement of every replica session, joined; malloc'd. */
static char *replica_queries(void)
{
	return db_query_value(rw.url, "SELECT coalesce(string_agg(query, ' | '), '') FROM"
				      " pg_stat_activity WHERE application_name = 'cdtt-replica'"
				      " AND datname = current_database()");
}

START_TEST(test_lists_and_reports_answer_through_the_replica)
{
	const char *reads[] = {"/api/v1/units?limit=5", "/api/v1/teams", "/api/v1/members",
			       "/api/v1/activities", "/api/v1/audit-events",
			       "/api/v1/reports/coverage?unit=HG"};
	struct http_response r;
	for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
		world_call(&r, &rw, "GET", reads[i], rw.admin, NULL, NULL);
		ck_assert_msg(r.status == 200, "%s: %ld %s", reads[i], r.status, r.body);
		http_response_free(&r);
	}
	const char *csv[] = {"Accept: text/csv", NULL};
	world_call(&r, &rw, "GET", "/api/v1/members", rw.officer_tq, NULL, csv);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	char *seen = replica_queries();
	ck_assert_msg(strstr(seen, "FROM units") || strstr(seen, "units u"), "%s", seen);
	free(seen);
	char *sessions = db_query_value(rw.url, "SELECT count(*) FROM pg_stat_activity WHERE"
						" application_name = 'cdtt-replica'");
	ck_assert_int_ge(atol(sessions), 1);
	free(sessions);
}
END_TEST

/* officer.tq creates team `name` in a new village `code` under TQ and reads it; its id into
 * id. */
static void team_written_and_read(const char *code, const char *name, char id[37])
{
	world_add_unit(&rw, code, NULL, "village", "TQ");
	char body[200];
	snprintf(body, sizeof body,
		 "{\"unit_code\":\"%s\",\"name\":\"%s\",\"established_on\":\"2021-01-01\"}", code,
		 name);
	struct http_response r;
	world_call(&r, &rw, "POST", "/api/v1/teams", rw.officer_tq, body, NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	snprintf(id, 37, "%s", json_field(r.body, "id"));
	http_response_free(&r);
	char path[128];
	snprintf(path, sizeof path, "/api/v1/teams/%s", id);
	world_call(&r, &rw, "GET", path, rw.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
}

START_TEST(test_a_write_and_a_single_read_go_to_the_primary)
{
	/* no replica session ran them */
	char id[37];
	team_written_and_read("RP-V1", "Tổ bản sao", id);
	char *seen = replica_queries();
	ck_assert_msg(!strstr(seen, "INSERT INTO teams") && !strstr(seen, "teams_get") &&
			      !strstr(seen, "team_json(t)::text, t.version, u.path"),
		      "%s", seen);
	free(seen);
}
END_TEST

START_TEST(test_metrics_show_the_replica_pool)
{
	struct http_response r;
	http_get(&r, rw.server.port, "/metrics");
	ck_assert_ptr_nonnull(strstr(r.body, "cdtt_db_replica_pool_size 4\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "cdtt_db_replica_pool_in_use 0\n"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_list_after_a_write_reads_what_the_primary_wrote)
{
	/* here the replica is the same database */
	char id[37];
	team_written_and_read("RP-V2", "Tổ bản sao hai", id);
	struct http_response r;
	world_call(&r, &rw, "GET", "/api/v1/teams?unit=RP-V2", rw.officer_tq, NULL, NULL);
	ck_assert(list_has(r.body, "name", "Tổ bản sao hai"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_replica_out_of_reach_leaves_lists_and_reports_to_the_primary)
{
	struct world down;
	const char *env[] = {"CDTT_DATABASE_REPLICA_URL=postgresql://nobody@127.0.0.1:1/nothing",
			     "CDTT_DB_WAIT_MS=200", NULL};
	world_create(&down, env);
	struct http_response r;
	world_call(&r, &down, "GET", "/api/v1/teams", down.admin, NULL, NULL);
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	world_call(&r, &down, "GET", "/api/v1/reports/coverage?unit=HG", down.admin, NULL, NULL);
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	const char *csv[] = {"Accept: text/csv", NULL}; /* the units list has no CSV form: a report */
	world_call(&r, &down, "GET", "/api/v1/reports/coverage?unit=HG", down.admin, NULL, csv);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\r\nBQ,")); /* a row per district of HG */
	http_response_free(&r);
	char *log = proc_output(&down.server);
	ck_assert_ptr_nonnull(strstr(log, "replica unavailable"));
	free(log);
	world_destroy(&down);
}
END_TEST

Suite *replica_suite(void)
{
	Suite *s = suite_create("replica");
	TCase *tc = tcase_create("reads from a replica");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lists_and_reports_answer_through_the_replica);
	tcase_add_test(tc, test_a_write_and_a_single_read_go_to_the_primary);
	tcase_add_test(tc, test_metrics_show_the_replica_pool);
	tcase_add_test(tc, test_a_list_after_a_write_reads_what_the_primary_wrote);
	tcase_add_test(tc, test_a_replica_out_of_reach_leaves_lists_and_reports_to_the_primary);
	suite_add_tcase(s, tc);
	return s;
}
