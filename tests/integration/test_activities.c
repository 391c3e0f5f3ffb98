/*
 * Activities through the API: recording one for a team (201, Location, ETag, audit event,
 * the unit defaulting to the team's), reading it, and who may: officers and systems with
 * activities:write in scope, team leaders for their own team only (403 for another team in
 * scope, 404 outside), viewers never (403), an officer of another commune 404; a create that
 * names a service being deleted waits for the deletion and refuses the service once it is
 * gone. The other files of the suite hold the refused bodies, the batch, and lists, PATCH and
 * DELETE.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "test_activities_support.h"

WORLD_FIXTURE(aw, NULL)

/* A new village `code` with a team and two members, and the counts before officer.tq records
 * a group session of both for today; the answer is left in r (201 asserted). */
struct recording {
	char *team, *m1, *m2;
	struct world_counts before;
	char id[37], path[128];
};

static void record_group_session(struct recording *a, const char *code, struct http_response *r)
{
	a->team = at_village_team(code);
	a->m1 = world_add_member(&aw, code, "Vàng Thị Mai");
	a->m2 = world_add_member(&aw, code, "Sùng A Chứ");
	world_add_membership(&aw, a->team, a->m1, "member", "2021-01-01", NULL);
	world_add_membership(&aw, a->team, a->m2, "member", "2021-01-01", NULL);
	a->before = at_counts();
	char body[800];
	snprintf(body, sizeof body,
		 "{\"date\":\"%s\",\"kind\":\"group_session\",\"service_codes\":[\"vneid_level2\","
		 "\"e_health_book\"],\"households_reached\":12,\"people_reached\":30,"
		 "\"member_ids\":[\"%s\",\"%s\"],\"languages\":[\"vie\",\"hmn\"],"
		 "\"notes\":\"Tại nhà văn hóa thôn\\nbuổi tối\"}",
		 at_day(0), a->m1, a->m2);
	at_post(r, aw.officer_tq, a->team, body);
	ck_assert_msg(r->status == 201, "%s", r->body);
	snprintf(a->id, sizeof a->id, "%s", json_field(r->body, "id"));
	snprintf(a->path, sizeof a->path, "%s", at_activity_path(a->id));
}

static void recording_free(struct recording *a)
{
	free(a->team), free(a->m1), free(a->m2);
}

START_TEST(test_recording_answers_201_with_the_activity)
{
	struct recording a;
	struct http_response r;
	record_group_session(&a, "AR-V", &r);
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "unit_code")), "AR-V");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "team_id")), a.team);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "date")), at_day(0));
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "people_reached")), 30);
	ck_assert_int_eq(json_array_size(json_object_get(doc, "member_ids")), 2);
	json_decref(doc);
	http_response_free(&r);
	recording_free(&a);
}
END_TEST

START_TEST(test_recording_answers_the_location_with_version_1)
{
	struct recording a;
	struct http_response r;
	record_group_session(&a, "AR-L", &r);
	char *location = http_header_value(&r, "Location"), *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(location, a.path);
	ck_assert_str_eq(etag, "\"1\"");
	free(location);
	free(etag);
	http_response_free(&r);
	recording_free(&a);
}
END_TEST

START_TEST(test_recording_writes_one_activity_with_one_audit_event)
{
	struct recording a;
	struct http_response r;
	record_group_session(&a, "AR-C", &r);
	struct world_counts after = at_counts();
	ck_assert_int_eq(world_counted(&after, "activities"),
			 world_counted(&a.before, "activities") + 1);
	ck_assert_int_eq(world_counted(&after, "audit_events"),
			 world_counted(&a.before, "audit_events") + 1);
	http_response_free(&r);
	recording_free(&a);
}
END_TEST

START_TEST(test_recording_is_audited_with_the_actor)
{
	struct recording a;
	struct http_response r;
	record_group_session(&a, "AR-A", &r);
	char *ev = world_sql(&aw,
			     "SELECT action || ' ' || actor_name || ' ' || (after->>'kind')"
			     " FROM audit_events WHERE entity_type = 'activity' AND entity_id = '%s'",
			     a.id);
	ck_assert_str_eq(ev, "activity.create officer.tq group_session");
	free(ev);
	http_response_free(&r);
	recording_free(&a);
}
END_TEST

START_TEST(test_recorded_activity_reads_back_as_written)
{
	struct recording a;
	struct http_response r;
	record_group_session(&a, "AR-R", &r);
	http_response_free(&r);
	world_call(&r, &aw, "GET", a.path, aw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "notes"), "Tại nhà văn hóa thôn\nbuổi tối");
	ck_assert_str_eq(json_field(r.body, "languages"), "[\"vie\",\"hmn\"]");
	char *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(etag, "\"1\"");
	free(etag);
	http_response_free(&r);
	recording_free(&a);
}
END_TEST

START_TEST(test_commune_team_records_in_a_village_under_it)
{
	world_add_unit(&aw, "CT-C", "Xã CT", "commune", "BQ");
	world_add_unit(&aw, "CT-V", NULL, "village", "CT-C");
	char *team = world_add_team(&aw, "CT-C", "active", "2020-01-01");
	char body[600];
	snprintf(body, sizeof body,
		 "{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"cashless_payment\"],"
		 "\"unit_code\":\"CT-V\"}",
		 at_day(-3));
	struct http_response r;
	at_post(&r, aw.admin, team, body);
	ck_assert_msg(r.status == 201, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "unit_code"), "CT-V");
	ck_assert_str_eq(json_field(r.body, "households_reached"), "null");
	ck_assert_str_eq(json_field(r.body, "member_ids"), "[]");
	http_response_free(&r);
	free(team);
}
END_TEST

START_TEST(test_system_with_activities_write_records_in_its_scope)
{
	char *team = at_village_team("SY-V");
	char *writer = world_client_token(&aw, "tq.recorder",
					  "[\"activities:write\",\"registry:read\"]", "TQ");
	char *reader = world_client_token(&aw, "tq.reader", "[\"registry:read\"]", "TQ");
	char *elsewhere = world_client_token(&aw, "nx.recorder", "[\"activities:write\"]", "NX");
	char *id = at_record(writer, team, at_body(at_day(-1), NULL));
	char sql[300];
	snprintf(sql, sizeof sql,
		 "SELECT actor_type || ' ' || actor_name FROM audit_events WHERE entity_id = '%s'", id);
	char *ev = world_sql(&aw, "%s", sql);
	ck_assert_str_eq(ev, "client tq.recorder");
	free(ev);
	struct world_counts before = at_counts();
	struct http_response r;
	at_post(&r, reader, team, at_body(at_day(-1), NULL));
	assert_problem(&r, 403);
	http_response_free(&r);
	at_post(&r, elsewhere, team, at_body(at_day(-1), NULL));
	assert_problem(&r, 404);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(team);
	free(writer);
	free(reader);
	free(elsewhere);
	free(id);
}
END_TEST

START_TEST(test_leader_records_for_own_team_only)
{
	char *own = at_village_team("LD-A");
	char *other = at_village_team("LD-B");
	char *far = world_add_team(&aw, "NX-V1", "active", "2020-01-01");
	char *token = world_add_team_leader(&aw, "leader.lda", "TQ", own);
	char *id = at_record(token, own, at_body(at_day(0), NULL));
	struct world_counts before = at_counts();
	struct http_response r;
	at_post(&r, token, other, at_body(at_day(0), NULL));
	assert_problem(&r, 403);
	assert_problem_says(&r, "own team");
	http_response_free(&r);
	at_post(&r, token, far, at_body(at_day(0), NULL));
	assert_problem(&r, 404);
	http_response_free(&r);
	world_assert_unchanged(&before);
	/* nor through PATCH or DELETE of another team's activity */
	char *others = at_record(aw.officer_tq, other, at_body(at_day(0), NULL));
	before = at_counts();
	world_call_if_match(&r, &aw, "PATCH", at_activity_path(others), token, "{\"notes\":\"x\"}", "1");
	assert_problem(&r, 403);
	http_response_free(&r);
	world_call_if_match(&r, &aw, "DELETE", at_activity_path(others), token, NULL, "1");
	assert_problem(&r, 403);
	http_response_free(&r);
	world_assert_unchanged(&before);
	/* and reads only its own team's */
	world_call(&r, &aw, "GET", at_activity_path(id), token, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	world_get_refused(&aw, at_activity_path(others), token, 404);
	world_call(&r, &aw, "GET", "/api/v1/activities?limit=200", token, NULL, NULL);
	ck_assert(list_has(r.body, "id", id));
	ck_assert(!list_has(r.body, "id", others));
	http_response_free(&r);
	free(own);
	free(other);
	free(far);
	free(token);
	free(id);
	free(others);
}
END_TEST

START_TEST(test_viewer_cannot_record_403)
{
	char *team = at_village_team("VW-V");
	struct world_counts before = at_counts();
	struct http_response r;
	at_post(&r, aw.viewer_tq, team, at_body(at_day(0), NULL));
	assert_problem(&r, 403);
	http_response_free(&r);
	world_call(&r, &aw, "POST", "/api/v1/activities:batch", aw.viewer_tq, "{\"items\":[]}", NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(team);
}
END_TEST

START_TEST(test_officer_of_another_commune_gets_404)
{
	char *team = at_village_team("OC-V");
	char *id = at_record(aw.officer_tq, team, at_body(at_day(0), NULL));
	struct world_counts before = at_counts();
	struct http_response r;
	at_post(&r, aw.officer_nx, team, at_body(at_day(0), NULL));
	assert_problem(&r, 404);
	http_response_free(&r);
	world_get_refused(&aw, at_activity_path(id), aw.officer_nx, 404);
	world_call_if_match(&r, &aw, "PATCH", at_activity_path(id), aw.officer_nx, "{\"notes\":\"x\"}", "1");
	assert_problem(&r, 404);
	http_response_free(&r);
	world_call_if_match(&r, &aw, "DELETE", at_activity_path(id), aw.officer_nx, NULL, "1");
	assert_problem(&r, 404);
	http_response_free(&r);
	world_get_refused(&aw, at_team_path(team), aw.officer_nx, 404);
	world_call(&r, &aw, "GET", "/api/v1/activities?limit=200", aw.officer_nx, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, id));
	http_response_free(&r);
	world_assert_unchanged(&before);
	world_get_refused(&aw, "/api/v1/activities/not-a-uuid", aw.officer_tq, 404);
	at_post(&r, aw.officer_tq, "7d3c1c0e-0000-4000-8000-000000000000", at_body(at_day(0), NULL));
	assert_problem(&r, 404);
	http_response_free(&r);
	free(team);
	free(id);
}
END_TEST

START_TEST(test_same_idempotency_key_records_once)
{
	char *team = at_village_team("ID-V");
	const char *key[] = {"Idempotency-Key: act-IK-1", NULL};
	struct world_counts before = at_counts();
	char body[1024];
	snprintf(body, sizeof body, "%s", at_body(at_day(0), NULL));
	struct http_response a, b, c;
	world_call(&a, &aw, "POST", at_team_path(team), aw.officer_tq, body, key);
	world_call(&b, &aw, "POST", at_team_path(team), aw.officer_tq, body, key);
	ck_assert_int_eq(a.status, 201);
	ck_assert_int_eq(b.status, 201);
	ck_assert_str_eq(json_field(a.body, "id"), json_field(b.body, "id"));
	struct world_counts after = at_counts();
	ck_assert_int_eq(world_counted(&after, "activities"), world_counted(&before, "activities") + 1);
	/* the same key with another body is refused */
	world_call(&c, &aw, "POST", at_team_path(team), aw.officer_tq, at_body(at_day(-1), NULL), key);
	assert_problem(&c, 422);
	world_assert_unchanged(&after);
	http_response_free(&a);
	http_response_free(&b);
	http_response_free(&c);
	free(team);
}
END_TEST

/*
 * A CHECK the service does not know (added behind its back) refuses a write it validated: only a
 * mismatch between C and SQL can cause that, so it is a 500 logged with the constraint's name
 * (no longer a 409 "changed meanwhile"), and the log holds no value of the refused row.
 */
START_TEST(test_unknown_check_violation_is_a_logged_500)
{
	char *team = at_village_team("CK-V");
	db_exec_ok(aw.url, "ALTER TABLE activities ADD CONSTRAINT activities_test_unknown_rule"
			   " CHECK (people_reached IS DISTINCT FROM 4321) NOT VALID");
	struct world_counts before = at_counts();
	char body[400];
	snprintf(body, sizeof body,
		 "{\"date\":\"%s\",\"kind\":\"household_visit\",\"service_codes\":"
		 "[\"vneid_level2\"],\"people_reached\":4321,\"notes\":\"private-note-ck\"}",
		 at_day(0));
	struct http_response r;
	at_post(&r, aw.officer_tq, team, body);
	assert_problem(&r, 500);
	world_assert_unchanged(&before);
	char *log = proc_output(&aw.server);
	ck_assert_msg(strstr(log, "activities_test_unknown_rule"), "%s", log);
	ck_assert_msg(strstr(log, "a CHECK constraint refused a write"), "%s", log);
	/* and every write this server answered so far read the result columns it named */
	ck_assert_msg(!strstr(log, "does not return the column"), "%s", log);
	free(log);
	log = proc_output_content(&aw.server);
	ck_assert_msg(strstr(log, "activities_test_unknown_rule"), "%s", log);
	ck_assert_msg(!strstr(log, "private-note-ck") && !strstr(log, "4321"), "%s", log);
	free(log);
	db_exec_ok(aw.url, "ALTER TABLE activities DROP CONSTRAINT activities_test_unknown_rule");
	/* the same write, with the rule gone, is recorded */
	http_response_free(&r);
	at_post(&r, aw.officer_tq, team, body);
	ck_assert_msg(r.status == 201, "%s", r.body);
	http_response_free(&r);
	free(team);
}
END_TEST

/* ---- a service deleted while a create names it ------------------------------------------ */

/* A create sent from a thread of its own, while the test holds a lock. */
struct held_create {
	char *team;
	char body[300];
	struct world_counts before; /* taken as the create is sent */
	struct http_response r;
	pthread_t thread;
};

static void *create_in_thread(void *arg)
{
	struct held_create *c = arg;
	at_post(&c->r, aw.officer_tq, c->team, c->body);
	return NULL;
}

/*
 * Deletes the service `code` in a transaction of the test's own, sends a create naming it
 * for a new team of village `village`, waits until the create waits for that transaction,
 * then ends it with `end` (COMMIT or ROLLBACK) and leaves the create's answer in c->r.
 */
static void create_while_service_deleted(struct held_create *c, const char *village,
					 const char *code, const char *end)
{
	char sql[300];
	snprintf(sql, sizeof sql,
		 "INSERT INTO services (code, name_vi, name_en, category)"
		 " VALUES ('%s', 'Dịch vụ thử', 'Test service', 'skills')", code);
	db_exec_ok(aw.url, sql);
	c->team = at_village_team(village);
	snprintf(c->body, sizeof c->body,
		 "{\"date\":\"%s\",\"kind\":\"household_visit\",\"service_codes\":[\"%s\"]}",
		 at_day(0), code);
	PGconn *pg = PQconnectdb(aw.url);
	ck_assert_int_eq(PQstatus(pg), CONNECTION_OK);
	snprintf(sql, sizeof sql, "BEGIN; DELETE FROM services WHERE code = '%s'", code);
	PGresult *res = PQexec(pg, sql);
	ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	c->before = at_counts();
	pthread_create(&c->thread, NULL, create_in_thread, c);
	int waited = db_sessions_waiting(aw.url, "transactionid", 1);
	res = PQexec(pg, end);
	ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	PQfinish(pg);
	pthread_join(c->thread, NULL);
	ck_assert_msg(waited, "the create did not wait for the deletion: %s", c->r.body);
}

START_TEST(test_create_naming_a_service_deleted_meanwhile_refuses_it)
{
	struct held_create c;
	create_while_service_deleted(&c, "AR-SD", "race_deleted", "COMMIT");
	ck_assert_msg(c.r.status == 422, "%ld %s", c.r.status, c.r.body);
	ck_assert(response_has_error(&c.r, "/service_codes/0", "not_found"));
	world_assert_unchanged(&c.before);
	http_response_free(&c.r);
	free(c.team);
}
END_TEST

START_TEST(test_create_naming_a_service_whose_deletion_is_undone_records_it)
{
	struct held_create c;
	create_while_service_deleted(&c, "AR-SU", "race_kept", "ROLLBACK");
	ck_assert_msg(c.r.status == 201, "%ld %s", c.r.status, c.r.body);
	struct world_counts after = at_counts();
	ck_assert_int_eq(world_counted(&after, "activities"),
			 world_counted(&c.before, "activities") + 1);
	ck_assert_int_eq(world_counted(&after, "audit_events"),
			 world_counted(&c.before, "audit_events") + 1);
	http_response_free(&c.r);
	free(c.team);
}
END_TEST

Suite *activities_suite(void)
{
	Suite *s = suite_create("activities");
	TCase *tc = tcase_create("activities");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_recording_answers_201_with_the_activity);
	tcase_add_test(tc, test_recording_answers_the_location_with_version_1);
	tcase_add_test(tc, test_recording_writes_one_activity_with_one_audit_event);
	tcase_add_test(tc, test_recording_is_audited_with_the_actor);
	tcase_add_test(tc, test_recorded_activity_reads_back_as_written);
	tcase_add_test(tc, test_commune_team_records_in_a_village_under_it);
	tcase_add_test(tc, test_system_with_activities_write_records_in_its_scope);
	tcase_add_test(tc, test_leader_records_for_own_team_only);
	tcase_add_test(tc, test_viewer_cannot_record_403);
	tcase_add_test(tc, test_officer_of_another_commune_gets_404);
	tcase_add_test(tc, test_same_idempotency_key_records_once);
	tcase_add_test(tc, test_unknown_check_violation_is_a_logged_500);
	tcase_add_test(tc, test_create_naming_a_service_deleted_meanwhile_refuses_it);
	tcase_add_test(tc, test_create_naming_a_service_whose_deletion_is_undone_records_it);
	activities_add_validation_tests(tc);
	activities_add_batch_tests(tc);
	activities_add_list_tests(tc);
	suite_add_tcase(s, tc);
	return s;
}
