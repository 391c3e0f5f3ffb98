/*
 * POST /api/v1/activities:batch (part of the activities suite): all items written with one
 * audit event, or none; errors name the item by index (/items/3/date), whether C or the
 * database found them; at most 1,000 items, and 1,000 take well under a second; a team
 * leader names their own team only; the same Idempotency-Key writes once.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_activities_support.h"

#define BATCH_PATH "/api/v1/activities:batch"

/* {"items": [n items for team with member, dated `date`]}; the caller frees. */
static char *batch_of(int n, const char *team, const char *member, const char *date)
{
	json_t *items = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(
			items, json_pack("{s:s, s:s, s:s, s:[s, s], s:i, s:i, s:[s], s:[s, s], s:s}",
					 "team_id", team, "date", date, "kind",
					 i % 3 ? "household_visit" : "group_session", "service_codes",
					 "vneid_level2", "e_health_book", "households_reached", 1 + i % 5,
					 "people_reached", 5 + i % 7, "member_ids", member, "languages",
					 "vie", "hmn", "notes", "Hướng dẫn bà con kích hoạt VNeID"));
	json_t *body = json_pack("{s:o}", "items", items);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return text;
}

/* Replaces item i's member `key` with the JSON value text. */
static char *batch_with(const char *batch, int i, const char *key, const char *value)
{
	json_t *doc = json_loads(batch, 0, NULL);
	json_object_set_new(json_array_get(json_object_get(doc, "items"), (size_t)i), key,
			    json_loads(value, JSON_DECODE_ANY, NULL));
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

START_TEST(test_batch_records_every_item_with_one_audit_event)
{
	char *a = at_village_team("BA-A"), *b = at_village_team("BA-B");
	char *ma = world_add_member(&aw, "BA-A", "Chảo Láo Sử");
	char *mb = world_add_member(&aw, "BA-B", "Triệu Thị Mẩy");
	world_add_membership(&aw, a, ma, "member", "2021-01-01", NULL);
	world_add_membership(&aw, b, mb, "member", "2021-01-01", NULL);
	char body[2000];
	snprintf(body, sizeof body,
		 "{\"items\":[{\"team_id\":\"%s\",\"date\":\"%s\",\"kind\":\"household_visit\","
		 "\"service_codes\":[\"vneid_level2\"],\"member_ids\":[\"%s\"]},"
		 "{\"team_id\":\"%s\",\"date\":\"%s\",\"kind\":\"campaign\","
		 "\"service_codes\":[\"cashless_payment\"],\"member_ids\":[\"%s\"],"
		 "\"households_reached\":40,\"people_reached\":90}]}",
		 a, at_day(-2), ma, b, at_day(-1), mb);
	struct world_counts before = at_counts();
	struct http_response r;
	world_call(&r, &aw, "POST", BATCH_PATH, aw.officer_tq, body, NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "created"), "2");
	json_t *doc = json_loads(r.body, 0, NULL);
	json_t *ids = json_object_get(doc, "ids");
	ck_assert_int_eq(json_array_size(ids), 2);
	struct world_counts after = at_counts();
	ck_assert_int_eq(world_counted(&after, "activities"), world_counted(&before, "activities") + 2);
	ck_assert_int_eq(world_counted(&after, "audit_events"), world_counted(&before, "audit_events") + 1);
	char *ev = world_sql(&aw, "SELECT action || ' ' || actor_name || ' ' || (after->>'count')"
			  " FROM audit_events ORDER BY id DESC LIMIT 1");
	ck_assert_str_eq(ev, "activities.batch officer.tq 2");
	free(ev);
	/* ids follow the items */
	struct http_response g;
	world_call(&g, &aw, "GET", at_activity_path(json_string_value(json_array_get(ids, 1))),
		   aw.officer_tq, NULL, NULL);
	ck_assert_int_eq(g.status, 200);
	ck_assert_str_eq(json_field(g.body, "team_id"), b);
	ck_assert_str_eq(json_field(g.body, "kind"), "campaign");
	http_response_free(&g);
	json_decref(doc);
	http_response_free(&r);
	free(a), free(b), free(ma), free(mb);
}
END_TEST

/* A valid batch of 6 items, dated yesterday, for a new village `code`'s team naming one of
 * its members (malloc'd). */
static char *good_batch(const char *code)
{
	char *team = at_village_team(code);
	char *m = world_add_member(&aw, code, "Phàn Văn Lở");
	world_add_membership(&aw, team, m, "member", "2021-01-01", NULL);
	char *good = batch_of(6, team, m, at_day(-1));
	free(team);
	free(m);
	return good;
}

/* POSTs body as a batch as officer.tq; asserts 422 and that nothing was written. The answer
 * is left in r. */
static void batch_refused(struct http_response *r, const char *body)
{
	struct world_counts before = at_counts();
	world_call(r, &aw, "POST", BATCH_PATH, aw.officer_tq, body, NULL);
	assert_problem(r, 422);
	world_assert_unchanged(&before);
}

START_TEST(test_batch_item_dated_tomorrow_is_named_by_its_index)
{
	char *good = good_batch("BB-V");
	char *bad = batch_with(good, 3, "date", "\"2999-01-01\""); /* found in C */
	struct http_response r;
	batch_refused(&r, bad);
	ck_assert(response_has_error(&r, "/items/3/date", "out_of_range"));
	ck_assert(!response_has_error(&r, "/items/2/date", NULL));
	http_response_free(&r);
	free(bad);
	free(good);
}
END_TEST

START_TEST(test_batch_items_the_database_refuses_are_each_named)
{
	/* a date before the team, an unknown service, a stranger */
	char *good = good_batch("BB-D");
	char *bad = batch_with(good, 4, "date", "\"2019-12-31\"");
	char *worse = batch_with(bad, 1, "service_codes", "[\"vneid_level2\",\"no_such\"]");
	free(bad);
	bad = batch_with(worse, 5, "member_ids", "[\"7d3c1c0e-0000-4000-8000-000000000000\"]");
	struct http_response r;
	batch_refused(&r, bad);
	ck_assert(response_has_error(&r, "/items/4/date", "out_of_range"));
	ck_assert(response_has_error(&r, "/items/1/service_codes/1", "not_found"));
	ck_assert(response_has_error(&r, "/items/5/member_ids/0", "not_a_member"));
	http_response_free(&r);
	free(bad);
	free(worse);
	free(good);
}
END_TEST

START_TEST(test_batch_item_of_a_team_outside_the_scope_is_422)
{
	char *good = good_batch("BB-T");
	char *bad = batch_with(good, 2, "team_id", "\"7d3c1c0e-0000-4000-8000-000000000000\"");
	struct http_response r;
	batch_refused(&r, bad);
	ck_assert(response_has_error(&r, "/items/2/team_id", "not_found"));
	http_response_free(&r);
	free(bad);
	free(good);
}
END_TEST

START_TEST(test_batch_items_that_are_not_whole_objects_are_each_named)
{
	struct http_response r;
	batch_refused(&r, "{\"items\":[42,{\"date\":\"2024-01-01\"}],\"mode\":\"fast\"}");
	ck_assert(response_has_error(&r, "/items/0", "invalid_type"));
	ck_assert(response_has_error(&r, "/items/1/team_id", "required"));
	ck_assert(response_has_error(&r, "/items/1/kind", "required"));
	ck_assert(response_has_error(&r, "/mode", "unknown_field"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_batch_whose_items_are_not_an_array_is_422)
{
	struct http_response r;
	batch_refused(&r, "{\"items\":{}}");
	ck_assert(response_has_error(&r, "/items", "invalid_type"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_batch_unknown_members_are_named_by_json_pointer)
{
	/* "/" is "~1", and a long name that is not ASCII is cut between letters: its error is
	 * there, not dropped */
	char body[256] = "{\"items\":{},\"a/b\":1,\"x";
	for (int i = 0; i < 25; i++)
		strncat(body, "ệ", sizeof body - strlen(body) - 1);
	strncat(body, "\":2}", sizeof body - strlen(body) - 1);
	struct http_response r;
	batch_refused(&r, body);
	ck_assert(response_has_error(&r, "/a~1b", "unknown_field"));
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "errors")), 3);
	json_decref(doc);
	http_response_free(&r);
}
END_TEST

START_TEST(test_batch_of_1001_items_is_422)
{
	char *team = at_village_team("BC-V");
	char *m = world_add_member(&aw, "BC-V", "Vừ Mí Chá");
	world_add_membership(&aw, team, m, "member", "2021-01-01", NULL);
	char *body = batch_of(1001, team, m, at_day(-1));
	struct world_counts before = at_counts();
	struct http_response r;
	world_call(&r, &aw, "POST", BATCH_PATH, aw.officer_tq, body, NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/items", "too_long"));
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(body);
	free(team);
	free(m);
}
END_TEST

START_TEST(test_batch_of_1000_items_takes_well_under_a_second)
{
	char *team = at_village_team("BD-V");
	char *m = world_add_member(&aw, "BD-V", "Sình Thị Dung");
	world_add_membership(&aw, team, m, "member", "2021-01-01", NULL);
	char *body = batch_of(1000, team, m, at_day(-1));
	struct world_counts before = at_counts();
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct http_response r;
	world_call(&r, &aw, "POST", BATCH_PATH, aw.officer_tq, body, NULL);
	double took = seconds_since(&t0);
	ck_assert_msg(r.status == 201, "%ld %.300s", r.status, r.body);
	ck_assert_str_eq(json_field(r.body, "created"), "1000");
	fprintf(stderr, "activities:batch of 1,000 items: %.0f ms (%zu bytes)\n", took * 1000,
		strlen(body));
	ck_assert_msg(took < 1.0, "1,000 items took %.3f s", took);
	struct world_counts after = at_counts();
	ck_assert_int_eq(world_counted(&after, "activities"), world_counted(&before, "activities") + 1000);
	ck_assert_int_eq(world_counted(&after, "audit_events"), world_counted(&before, "audit_events") + 1);
	http_response_free(&r);
	/* and refusing 1,000 items, one bad, is as quick */
	char *bad = batch_with(body, 999, "member_ids", "[\"7d3c1c0e-0000-4000-8000-000000000000\"]");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	world_call(&r, &aw, "POST", BATCH_PATH, aw.officer_tq, bad, NULL);
	took = seconds_since(&t0);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/items/999/member_ids/0", "not_a_member"));
	ck_assert_msg(took < 1.0, "refusing 1,000 items took %.3f s", took);
	http_response_free(&r);
	world_assert_unchanged(&after);
	free(bad);
	free(body);
	free(team);
	free(m);
}
END_TEST

START_TEST(test_batch_by_a_leader_names_only_their_team)
{
	char *own = at_village_team("BE-A"), *other = at_village_team("BE-B");
	char *token = world_add_team_leader(&aw, "leader.bea", "TQ", own);
	char body[1200];
	snprintf(body, sizeof body,
		 "{\"items\":[{\"team_id\":\"%s\",\"date\":\"%s\",\"kind\":\"campaign\","
		 "\"service_codes\":[\"vneid_level2\"]},{\"team_id\":\"%s\",\"date\":\"%s\","
		 "\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"]}]}",
		 own, at_day(0), other, at_day(0));
	struct world_counts before = at_counts();
	struct http_response r;
	world_call(&r, &aw, "POST", BATCH_PATH, token, body, NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/items/1/team_id", "forbidden"));
	ck_assert(!response_has_error(&r, "/items/0/team_id", NULL));
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(own), free(other), free(token);
}
END_TEST

START_TEST(test_batch_with_the_same_idempotency_key_writes_once)
{
	char *team = at_village_team("BF-V");
	char *m = world_add_member(&aw, "BF-V", "Lù Văn Sáng");
	world_add_membership(&aw, team, m, "member", "2021-01-01", NULL);
	char *body = batch_of(3, team, m, at_day(0));
	const char *key[] = {"Idempotency-Key: batch-IK-1", NULL};
	struct world_counts before = at_counts();
	struct http_response a, b;
	world_call(&a, &aw, "POST", BATCH_PATH, aw.officer_tq, body, key);
	world_call(&b, &aw, "POST", BATCH_PATH, aw.officer_tq, body, key);
	ck_assert_int_eq(a.status, 201);
	ck_assert_int_eq(b.status, 201);
	ck_assert_str_eq(a.body, b.body);
	struct world_counts after = at_counts();
	ck_assert_int_eq(world_counted(&after, "activities"), world_counted(&before, "activities") + 3);
	http_response_free(&a);
	http_response_free(&b);
	free(body);
	free(team);
	free(m);
}
END_TEST

void activities_add_batch_tests(TCase *tc)
{
	tcase_add_test(tc, test_batch_records_every_item_with_one_audit_event);
	tcase_add_test(tc, test_batch_item_dated_tomorrow_is_named_by_its_index);
	tcase_add_test(tc, test_batch_items_the_database_refuses_are_each_named);
	tcase_add_test(tc, test_batch_item_of_a_team_outside_the_scope_is_422);
	tcase_add_test(tc, test_batch_items_that_are_not_whole_objects_are_each_named);
	tcase_add_test(tc, test_batch_whose_items_are_not_an_array_is_422);
	tcase_add_test(tc, test_batch_unknown_members_are_named_by_json_pointer);
	tcase_add_test(tc, test_batch_of_1001_items_is_422);
	tcase_add_test(tc, test_batch_of_1000_items_takes_well_under_a_second);
	tcase_add_test(tc, test_batch_by_a_leader_names_only_their_team);
	tcase_add_test(tc, test_batch_with_the_same_idempotency_key_writes_once);
}
