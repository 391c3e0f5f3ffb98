/*
 * The teams suite. Teams through the API: create, read, patch with If-Match (also two at
 * once), delete; the unit rules (village or commune, in scope,
 * active, one active team each); scope isolation, roles, Idempotency-Key. Every refused
 * request is checked to have written nothing. Field validation is tested in
 * test_teams_validation.c, the list in test_teams_lists.c, memberships in
 * test_teams_memberships.c; helpers are in test_teams_support.c.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "test_teams_support.h"

WORLD_FIXTURE(tw, NULL)

/* officer.tq creates team "Tổ CNS Cầu Rào" in a new village `code` under TQ; the answer is
 * left in r (201 asserted), and the counts before in before when it is not NULL. */
static void officer_creates_team(struct http_response *r, const char *code,
				 struct world_counts *before)
{
	world_add_unit(&tw, code, NULL, "village", "TQ");
	if (before)
		*before = tt_counts();
	char body[400];
	snprintf(body, sizeof body,
		 "{\"unit_code\":\"%s\",\"name\":\"Tổ CNS Cầu Rào\",\"established_on\":\"2023-03-01\","
		 "\"contact_phone\":\"+84 912 345 678\",\"notes\":\"line one\\nline two\"}",
		 code);
	world_call(r, &tw, "POST", "/api/v1/teams", tw.officer_tq, body, NULL);
	ck_assert_msg(r->status == 201, "%s", r->body);
}

START_TEST(test_created_team_is_answered_normalised)
{
	struct http_response r;
	officer_creates_team(&r, "CR-V", NULL);
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "contact_phone")), "0912345678");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "status")), "active");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "established_on")), "2023-03-01");
	json_t *unit = json_object_get(doc, "unit");
	ck_assert_str_eq(json_string_value(json_object_get(unit, "code")), "CR-V");
	ck_assert_str_eq(json_string_value(json_object_get(unit, "level")), "village");
	ck_assert(json_is_null(json_object_get(doc, "leader")));
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "member_count")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "version")), 1);
	json_decref(doc);
	http_response_free(&r);
}
END_TEST

START_TEST(test_created_team_is_answered_its_location_at_version_1)
{
	struct http_response r;
	officer_creates_team(&r, "CR-L", NULL);
	char *location = http_header_value(&r, "Location"), *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(location, tt_team_path(json_field(r.body, "id")));
	ck_assert_str_eq(etag, "\"1\"");
	free(location);
	free(etag);
	http_response_free(&r);
}
END_TEST

START_TEST(test_creating_a_team_writes_it_with_one_audit_event)
{
	struct http_response r;
	struct world_counts before;
	officer_creates_team(&r, "CR-C", &before);
	http_response_free(&r);
	struct world_counts after = tt_counts();
	ck_assert_int_eq(world_counted(&after, "teams"), world_counted(&before, "teams") + 1);
	ck_assert_int_eq(world_counted(&after, "audit_events"),
			 world_counted(&before, "audit_events") + 1);
}
END_TEST

START_TEST(test_team_create_is_audited_with_its_actor)
{
	struct http_response r;
	officer_creates_team(&r, "CR-A", NULL);
	char *ev = world_sql(&tw,
			     "SELECT action || ' ' || actor_name || ' ' || (after->>'name') || ' ' ||"
			     " (before IS NULL)::text FROM audit_events WHERE entity_id = '%s'",
			     json_field(r.body, "id"));
	ck_assert_str_eq(ev, "team.create officer.tq Tổ CNS Cầu Rào true");
	free(ev);
	http_response_free(&r);
}
END_TEST

START_TEST(test_officer_reads_a_team_with_its_etag)
{
	char *id = tt_village_team("RD-V", "Tổ đọc");
	struct http_response r;
	world_call(&r, &tw, "GET", tt_team_path(id), tw.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "name"), "Tổ đọc");
	char *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(etag, "\"1\"");
	free(etag);
	http_response_free(&r);
	/* an id that is not a UUID is no team; ?id= beside the path's cannot redirect the read */
	world_get_refused(&tw, "/api/v1/teams/not-a-uuid", tw.officer_tq, 404);
	char path[200];
	snprintf(path, sizeof path, "%s?id=00000000-0000-4000-8000-000000000000", tt_team_path(id));
	world_call(&r, &tw, "GET", path, tw.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "id"), id);
	http_response_free(&r);
	free(id);
}
END_TEST

/* A team "Tổ cũ" of a new village <p>-V under TQ patched as officer.tq into "Tổ mới" of a new
 * village <p>-V2 (200 asserted; the answer left in r); its id (malloc'd). */
static char *patched_team(const char *p, struct http_response *r)
{
	char v[16], v2[16], body[300];
	snprintf(v, sizeof v, "%s-V", p);
	snprintf(v2, sizeof v2, "%s-V2", p);
	world_add_unit(&tw, v, NULL, "village", "TQ");
	world_add_unit(&tw, v2, NULL, "village", "TQ");
	char *id = tt_create_team(tw.officer_tq, v, "Tổ cũ", ",\"notes\":\"old\"");
	snprintf(body, sizeof body,
		 "{\"name\":\"Tổ mới\",\"unit_code\":\"%s\",\"notes\":null,"
		 "\"contact_phone\":\"024 3825 1234\",\"status\":\"suspended\"}",
		 v2);
	world_call_if_match(r, &tw, "PATCH", tt_team_path(id), tw.officer_tq, body, "1");
	ck_assert_msg(r->status == 200, "%s", r->body);
	return id;
}

START_TEST(test_team_patch_answers_the_merged_team_at_version_2)
{
	struct http_response r;
	free(patched_team("PA", &r));
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "name")), "Tổ mới");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "unit_code")), "PA-V2");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "unit"), "code")),
			 "PA-V2");
	ck_assert(json_is_null(json_object_get(doc, "notes")));
	ck_assert_str_eq(json_string_value(json_object_get(doc, "contact_phone")), "02438251234");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "established_on")), "2020-05-01");
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "version")), 2);
	json_decref(doc);
	char *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(etag, "\"2\"");
	free(etag);
	http_response_free(&r);
}
END_TEST

START_TEST(test_team_patch_writes_one_audit_event_with_the_old_name)
{
	long audit = world_count(&tw, "audit_events") + 1; /* the create's */
	struct http_response r;
	char *id = patched_team("PB", &r);
	http_response_free(&r);
	ck_assert_int_eq(world_count(&tw, "audit_events"), audit + 1);
	char *ev = world_sql(&tw,
			     "SELECT action || ' ' || (before->>'name') || ' ' || (after->>'name') ||"
			     " ' ' || (after->>'unit_code') FROM audit_events WHERE entity_id = '%s'"
			     " ORDER BY id DESC LIMIT 1",
			     id);
	ck_assert_str_eq(ev, "team.update Tổ cũ Tổ mới PB-V2");
	free(ev);
	free(id);
}
END_TEST

START_TEST(test_patch_without_if_match_is_428_and_stale_is_412)
{
	char *id = tt_village_team("IM-V", "Tổ If-Match");
	struct world_counts before = tt_counts();
	struct http_response r;
	world_call_if_match(&r, &tw, "PATCH", tt_team_path(id), tw.officer_tq, "{\"name\":\"x\"}", NULL);
	assert_problem(&r, 428);
	http_response_free(&r);
	world_call_if_match(&r, &tw, "PATCH", tt_team_path(id), tw.officer_tq, "{\"name\":\"x\"}", "7");
	assert_problem(&r, 412);
	http_response_free(&r);
	world_call_if_match(&r, &tw, "DELETE", tt_team_path(id), tw.officer_tq, NULL, NULL);
	assert_problem(&r, 428);
	http_response_free(&r);
	world_call_if_match(&r, &tw, "DELETE", tt_team_path(id), tw.officer_tq, NULL, "3");
	assert_problem(&r, 412);
	http_response_free(&r);
	world_assert_unchanged(&before);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT name || version FROM teams WHERE id = '%s'", id);
	char *v = world_sql(&tw, "%s", sql);
	ck_assert_str_eq(v, "Tổ If-Match1");
	free(v);
	free(id);
}
END_TEST

struct racer {
	const char *path, *body;
	long status;
};

static void *race_patch(void *arg)
{
	struct racer *racer = arg;
	struct http_response r;
	world_call_if_match(&r, &tw, "PATCH", racer->path, tw.officer_tq, racer->body, "1");
	racer->status = r.status;
	http_response_free(&r);
	return NULL;
}

START_TEST(test_concurrent_patches_with_one_etag_exactly_one_wins)
{
	char *id = tt_village_team("CC-V", "Tổ đua");
	char path[128];
	snprintf(path, sizeof path, "%s", tt_team_path(id));
	long audit = world_count(&tw, "audit_events");
	struct racer a = {path, "{\"name\":\"Tổ A\"}", 0}, b = {path, "{\"name\":\"Tổ B\"}", 0};
	pthread_t ta, tb;
	ck_assert_int_eq(pthread_create(&ta, NULL, race_patch, &a), 0);
	ck_assert_int_eq(pthread_create(&tb, NULL, race_patch, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ck_assert_msg((a.status == 200 && b.status == 412) || (a.status == 412 && b.status == 200),
		      "statuses %ld and %ld", a.status, b.status);
	ck_assert_int_eq(world_count(&tw, "audit_events"), audit + 1);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT name || version FROM teams WHERE id = '%s'", id);
	char *v = world_sql(&tw, "%s", sql);
	ck_assert_str_eq(v, a.status == 200 ? "Tổ A2" : "Tổ B2");
	free(v);
	free(id);
}
END_TEST

START_TEST(test_delete_a_team_without_memberships_is_204_with_audit_event)
{
	char *id = tt_village_team("DL-V", "Tổ xoá");
	struct world_counts before = tt_counts();
	struct http_response r;
	world_call_if_match(&r, &tw, "DELETE", tt_team_path(id), tw.officer_tq, NULL, "1");
	ck_assert_msg(r.status == 204, "%s", r.body);
	http_response_free(&r);
	ck_assert_int_eq(world_count(&tw, "teams"), world_counted(&before, "teams") - 1);
	ck_assert_int_eq(world_count(&tw, "audit_events"), world_counted(&before, "audit_events") + 1);
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT action || ' ' || (before->>'name') || ' ' || (after IS NULL)::text "
		 "FROM audit_events WHERE entity_id = '%s' ORDER BY id DESC LIMIT 1",
		 id);
	char *ev = world_sql(&tw, "%s", sql);
	ck_assert_str_eq(ev, "team.delete Tổ xoá true");
	free(ev);
	world_get_refused(&tw, tt_team_path(id), tw.officer_tq, 404);
	free(id);
}
END_TEST

START_TEST(test_delete_a_team_with_memberships_is_409_saying_dissolve_it)
{
	char *id = tt_village_team("DM-V", "Tổ có người");
	char *member = world_add_member(&tw, "DM-V", "Lò Văn Dũng");
	char *ms = tt_add_membership(tw.officer_tq, id, member, "member", "2021-01-01");
	/* even an ended membership is history that a delete would erase */
	struct http_response r;
	world_call_if_match(&r, &tw, "PATCH", tt_membership_path(id, ms), tw.officer_tq,
			    "{\"left_on\":\"2022-01-01\"}", "1");
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	struct world_counts before = tt_counts();
	world_call_if_match(&r, &tw, "DELETE", tt_team_path(id), tw.officer_tq, NULL, "1");
	assert_problem(&r, 409);
	assert_problem_says(&r, "dissolved");
	http_response_free(&r);
	world_assert_unchanged(&before);
	world_call_if_match(&r, &tw, "PATCH", tt_team_path(id), tw.officer_tq, "{\"status\":\"dissolved\"}",
			 "1");
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	free(id);
	free(member);
	free(ms);
}
END_TEST

START_TEST(test_a_team_under_a_retired_unit_is_422)
{
	world_add_unit(&tw, "RT-V", NULL, "village", "TQ");
	char *id = tt_village_team("RT-V2", "Tổ sẽ chuyển");
	db_exec_ok(tw.url, "UPDATE units SET status = 'retired', successor_code = 'TQ' WHERE code = 'RT-V'");
	struct world_counts before = tt_counts();
	struct http_response r;
	world_call(&r, &tw, "POST", "/api/v1/teams", tw.officer_tq,
		   "{\"unit_code\":\"RT-V\",\"name\":\"x\",\"established_on\":\"2021-01-01\"}", NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/unit_code", "retired"));
	assert_problem_says(&r, "TQ");
	http_response_free(&r);
	world_call_if_match(&r, &tw, "PATCH", tt_team_path(id), tw.officer_tq, "{\"unit_code\":\"RT-V\"}", "1");
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/unit_code", "retired"));
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(id);
}
END_TEST

START_TEST(test_a_team_unit_must_be_a_village_or_commune_in_scope)
{
	struct world_counts before = tt_counts();
	static const struct {
		const char *unit, *code;
		int as_admin;
	} cases[] = {
		{"HG", "invalid_value", 1},  /* a province */
		{"BQ", "invalid_value", 1},  /* a district */
		{"BQ", "not_found", 0},      /* above the officer's commune */
		{"NX-V1", "not_found", 0},   /* another commune's village */
		{"NOPE", "not_found", 0},    /* no such unit */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char body[200];
		snprintf(body, sizeof body,
			 "{\"unit_code\":\"%s\",\"name\":\"x\",\"established_on\":\"2021-01-01\"}",
			 cases[i].unit);
		struct http_response r;
		world_call(&r, &tw, "POST", "/api/v1/teams", cases[i].as_admin ? tw.admin : tw.officer_tq,
			   body, NULL);
		ck_assert_msg(r.status == 422 && response_has_error(&r, "/unit_code", cases[i].code),
			      "%s: %ld %s", cases[i].unit, r.status, r.body);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
	/* a commune takes a team of its own */
	world_add_unit(&tw, "LV-C", NULL, "commune", "BQ");
	char *id = tt_create_team(tw.admin, "LV-C", "Tổ xã", NULL);
	struct http_response r;
	world_call(&r, &tw, "GET", tt_team_path(id), tw.admin, NULL, NULL);
	ck_assert_str_eq(json_field(r.body, "unit.level"), "commune");
	http_response_free(&r);
	free(id);
}
END_TEST

START_TEST(test_second_active_team_in_a_unit_is_409_naming_the_first)
{
	char *first = tt_village_team("TW-V", "Tổ thứ nhất");
	struct world_counts before = tt_counts();
	struct http_response r;
	world_call(&r, &tw, "POST", "/api/v1/teams", tw.officer_tq,
		   "{\"unit_code\":\"TW-V\",\"name\":\"Tổ thứ hai\",\"established_on\":\"2021-01-01\"}",
		   NULL);
	assert_problem(&r, 409);
	assert_problem_says(&r, first);
	assert_problem_says(&r, "TW-V");
	http_response_free(&r);
	world_assert_unchanged(&before);
	/* a suspended one may stand beside it, but not be made active */
	char *second = tt_create_team(tw.officer_tq, "TW-V", "Tổ tạm dừng", ",\"status\":\"suspended\"");
	before = tt_counts();
	world_call_if_match(&r, &tw, "PATCH", tt_team_path(second), tw.officer_tq, "{\"status\":\"active\"}", "1");
	assert_problem(&r, 409);
	assert_problem_says(&r, first);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(first);
	free(second);
}
END_TEST

START_TEST(test_moving_a_team_to_a_commune_moves_its_memberships_level)
{
	world_add_unit(&tw, "LM-C", NULL, "commune", "BQ");
	world_add_unit(&tw, "LM-V", NULL, "village", "LM-C");
	world_add_unit(&tw, "LM-C2", NULL, "commune", "BQ");
	char *team = tt_create_team(tw.admin, "LM-V", "Tổ lên xã", NULL);
	char *busy = tt_create_team(tw.admin, "LM-C2", "Tổ xã bận", NULL);
	char *person = world_add_member(&tw, "LM-V", "Người hai tổ");
	char *other = world_add_member(&tw, "LM-V", "Người một tổ");
	free(tt_add_membership(tw.admin, team, person, "member", "2021-01-01"));
	free(tt_add_membership(tw.admin, busy, person, "member", "2021-01-01"));
	struct http_response r;
	/* the person would be active in two commune teams */
	struct world_counts before = tt_counts();
	world_call_if_match(&r, &tw, "PATCH", tt_team_path(team), tw.admin, "{\"unit_code\":\"LM-C\"}", "1");
	assert_problem(&r, 409);
	http_response_free(&r);
	world_assert_unchanged(&before);
	/* once that membership has ended, the team moves and its memberships follow */
	char sql[300];
	snprintf(sql, sizeof sql, "UPDATE memberships SET left_on = '2022-01-01' WHERE team_id = '%s'", busy);
	db_exec_ok(tw.url, sql);
	free(tt_add_membership(tw.admin, team, other, "deputy", "2021-01-01"));
	world_call_if_match(&r, &tw, "PATCH", tt_team_path(team), tw.admin, "{\"unit_code\":\"LM-C\"}", "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "unit.level"), "commune");
	http_response_free(&r);
	snprintf(sql, sizeof sql,
		 "SELECT string_agg(DISTINCT team_level, ',') FROM memberships WHERE team_id = '%s'", team);
	char *levels = world_sql(&tw, "%s", sql);
	ck_assert_str_eq(levels, "commune");
	free(levels);
	free(team);
	free(busy);
	free(person);
	free(other);
}
END_TEST

START_TEST(test_established_on_cannot_move_after_the_first_membership)
{
	char *team = tt_village_team("EO-V", "Tổ ngày lập");
	char *member = world_add_member(&tw, "EO-V", "Người sớm");
	free(tt_add_membership(tw.officer_tq, team, member, "member", "2021-01-01"));
	struct world_counts before = tt_counts();
	struct http_response r;
	world_call_if_match(&r, &tw, "PATCH", tt_team_path(team), tw.officer_tq,
			 "{\"established_on\":\"2021-06-01\"}", "1");
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/established_on", "out_of_range"));
	assert_problem_says(&r, "2021-01-01");
	http_response_free(&r);
	world_assert_unchanged(&before);
	world_call_if_match(&r, &tw, "PATCH", tt_team_path(team), tw.officer_tq,
			 "{\"established_on\":\"2021-01-01\"}", "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	free(team);
	free(member);
}
END_TEST

/* A team "Tổ riêng TQ" in a new village `code` under TQ with one member: its id, the member's
 * and the membership's (malloc'd). */
struct private_team {
	char *id, *member, *ms;
};

static void private_team(struct private_team *t, const char *code)
{
	t->id = tt_village_team(code, "Tổ riêng TQ");
	t->member = world_add_member(&tw, code, "Hoàng Thị Mai");
	t->ms = tt_add_membership(tw.officer_tq, t->id, t->member, "member", "2021-01-01");
}

static void private_team_free(struct private_team *t)
{
	free(t->id), free(t->member), free(t->ms);
}

/* A request of officer.nx (If-Match "1" when version is set) that must be 404 and write
 * nothing; the answer is left in r. */
static void hidden_from_nx(struct http_response *r, const char *method, const char *path,
			   const char *body, int version)
{
	struct world_counts before = tt_counts();
	world_call_if_match(r, &tw, method, path, tw.officer_nx, body, version ? "1" : NULL);
	assert_problem(r, 404);
	world_assert_unchanged(&before);
}

START_TEST(test_another_communes_officer_cannot_read_the_team)
{
	struct private_team t;
	private_team(&t, "SC-V");
	struct http_response r;
	hidden_from_nx(&r, "GET", tt_team_path(t.id), NULL, 0);
	ck_assert_ptr_null(strstr(r.body, "Tổ riêng"));
	http_response_free(&r);
	private_team_free(&t);
}
END_TEST

START_TEST(test_another_communes_officer_cannot_patch_the_team)
{
	struct private_team t;
	private_team(&t, "SC-P");
	struct http_response r;
	hidden_from_nx(&r, "PATCH", tt_team_path(t.id), "{\"name\":\"taken\"}", 1);
	http_response_free(&r);
	private_team_free(&t);
}
END_TEST

START_TEST(test_another_communes_officer_cannot_delete_the_team)
{
	struct private_team t;
	private_team(&t, "SC-D");
	struct http_response r;
	hidden_from_nx(&r, "DELETE", tt_team_path(t.id), NULL, 1);
	http_response_free(&r);
	private_team_free(&t);
}
END_TEST

START_TEST(test_another_communes_officer_cannot_list_the_teams_memberships)
{
	struct private_team t;
	private_team(&t, "SC-L");
	struct http_response r;
	hidden_from_nx(&r, "GET", tt_memberships_path(t.id), NULL, 0);
	http_response_free(&r);
	private_team_free(&t);
}
END_TEST

START_TEST(test_another_communes_officer_cannot_add_a_membership_to_the_team)
{
	struct private_team t;
	private_team(&t, "SC-A");
	char *nx_member = world_add_member(&tw, "NX-V1", "Người Yên Định");
	struct world_counts before = tt_counts();
	struct http_response r;
	tt_post_membership(&r, tw.officer_nx, t.id, nx_member, "member", "2021-02-01", NULL);
	assert_problem(&r, 404);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(nx_member);
	private_team_free(&t);
}
END_TEST

START_TEST(test_another_communes_officer_cannot_patch_a_membership_of_the_team)
{
	struct private_team t;
	private_team(&t, "SC-M");
	struct http_response r;
	hidden_from_nx(&r, "PATCH", tt_membership_path(t.id, t.ms), "{\"role\":\"leader\"}", 1);
	http_response_free(&r);
	private_team_free(&t);
}
END_TEST

START_TEST(test_another_communes_officer_cannot_list_the_memberships_of_its_member)
{
	struct private_team t;
	private_team(&t, "SC-N");
	char path[200];
	snprintf(path, sizeof path, "/api/v1/members/%s/memberships", t.member);
	struct http_response r;
	hidden_from_nx(&r, "GET", path, NULL, 0);
	http_response_free(&r);
	private_team_free(&t);
}
END_TEST

START_TEST(test_a_team_that_does_not_exist_is_404)
{
	/* exactly what a team out of scope answers */
	struct http_response r;
	hidden_from_nx(&r, "GET", tt_team_path("7d3c1c0e-0000-4000-8000-000000000000"), NULL, 0);
	http_response_free(&r);
}
END_TEST

START_TEST(test_team_list_of_another_communes_officer_leaves_the_team_out)
{
	struct private_team t;
	private_team(&t, "SC-T");
	struct http_response r;
	world_call(&r, &tw, "GET", "/api/v1/teams?limit=200", tw.officer_nx, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(!list_has(r.body, "id", t.id));
	http_response_free(&r);
	private_team_free(&t);
}
END_TEST

START_TEST(test_team_list_of_a_unit_outside_the_scope_is_empty)
{
	struct private_team t;
	private_team(&t, "SC-E");
	struct http_response r;
	world_call(&r, &tw, "GET", "/api/v1/teams?unit=SC-E", tw.officer_nx, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "{\"items\":[],\"next_cursor\":null}");
	http_response_free(&r);
	private_team_free(&t);
}
END_TEST

START_TEST(test_team_csv_of_another_communes_officer_leaves_the_team_out)
{
	struct private_team t;
	private_team(&t, "SC-C");
	const char *csv[] = {"Accept: text/csv", NULL};
	struct http_response r;
	world_call(&r, &tw, "GET", "/api/v1/teams", tw.officer_nx, NULL, csv);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, t.id));
	http_response_free(&r);
	private_team_free(&t);
}
END_TEST

START_TEST(test_team_list_of_its_communes_officer_holds_the_team)
{
	struct private_team t;
	private_team(&t, "SC-O");
	struct http_response r;
	world_call(&r, &tw, "GET", "/api/v1/teams?unit=SC-O", tw.officer_tq, NULL, NULL);
	ck_assert(list_has(r.body, "id", t.id));
	http_response_free(&r);
	private_team_free(&t);
}
END_TEST

/* A team in a new village `code` under TQ with a member (not in the team yet) named
 * member_name, read once by the admin so that its representation is kept in memory. */
struct kept_team {
	char *id, *member;
	char path[128];
};

static void kept_team(struct kept_team *t, const char *code, const char *member_name)
{
	t->id = tt_village_team(code, "Tổ bộ nhớ");
	t->member = world_add_member(&tw, code, member_name);
	snprintf(t->path, sizeof t->path, "%s", tt_team_path(t->id));
	struct http_response r;
	world_call(&r, &tw, "GET", t->path, tw.admin, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
}

static void kept_team_free(struct kept_team *t)
{
	free(t->id), free(t->member);
}

START_TEST(test_a_second_team_read_answers_the_same_from_memory)
{
	char *id = tt_village_team("CA-V", "Tổ bộ nhớ");
	struct http_response r;
	char *first = NULL;
	for (int i = 0; i < 2; i++) { /* the second read is served from memory */
		world_call(&r, &tw, "GET", tt_team_path(id), tw.admin, NULL, NULL);
		ck_assert_int_eq(r.status, 200);
		ck_assert_str_eq(json_field(r.body, "member_count"), "0");
		if (first)
			ck_assert_str_eq(r.body, first);
		else
			first = strdup(r.body);
		http_response_free(&r);
	}
	free(first);
	free(id);
}
END_TEST

START_TEST(test_a_kept_team_read_stays_hidden_from_another_communes_officer)
{
	struct kept_team t;
	kept_team(&t, "CA-N", "Lò Văn Nhớ");
	world_get_refused(&tw, t.path, tw.officer_nx, 404);
	kept_team_free(&t);
}
END_TEST

START_TEST(test_a_kept_team_read_stays_hidden_from_a_leader_of_no_team)
{
	struct kept_team t;
	kept_team(&t, "CA-L", "Lò Văn Nhớ");
	world_get_refused(&tw, t.path, tw.leader_tq, 404);
	kept_team_free(&t);
}
END_TEST

START_TEST(test_a_kept_team_read_is_shown_to_its_communes_officer)
{
	struct kept_team t;
	kept_team(&t, "CA-O", "Lò Văn Nhớ");
	struct http_response r;
	world_call(&r, &tw, "GET", t.path, tw.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	kept_team_free(&t);
}
END_TEST

START_TEST(test_team_read_shows_a_leader_added_through_the_api)
{
	struct kept_team t;
	kept_team(&t, "CA-M", "Lò Văn Nhớ");
	free(tt_add_membership(tw.officer_tq, t.id, t.member, "leader", "2021-01-01"));
	struct http_response r;
	world_call(&r, &tw, "GET", t.path, tw.admin, NULL, NULL);
	ck_assert_str_eq(json_field(r.body, "member_count"), "1");
	ck_assert_str_eq(json_field(r.body, "leader.name"), "Lò Văn Nhớ");
	http_response_free(&r);
	kept_team_free(&t);
}
END_TEST

START_TEST(test_team_read_shows_a_patch_through_the_api)
{
	struct kept_team t;
	kept_team(&t, "CA-P", "Lò Văn Nhớ");
	struct http_response r;
	world_call_if_match(&r, &tw, "PATCH", t.path, tw.officer_tq, "{\"notes\":\"đã sửa\"}", "1");
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	world_call(&r, &tw, "GET", t.path, tw.admin, NULL, NULL);
	ck_assert_str_eq(json_field(r.body, "notes"), "đã sửa");
	char *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(etag, "\"2\"");
	free(etag);
	http_response_free(&r);
	kept_team_free(&t);
}
END_TEST

/* The next tests write with SQL, bypassing this server (another replica, an operator). */

START_TEST(test_team_read_follows_its_leader_renamed_in_sql)
{
	struct kept_team t;
	kept_team(&t, "CA-R", "Lò Văn Nhớ");
	free(tt_add_membership(tw.officer_tq, t.id, t.member, "leader", "2021-01-01"));
	ck_assert(world_read_becomes(&tw, t.path, tw.admin, 200, "leader.name", "Lò Văn Nhớ"));
	free(world_sql(&tw, "UPDATE members SET full_name = 'Lò Văn Đổi' WHERE id = '%s'"
			    " RETURNING 1",
		       t.member));
	ck_assert(world_read_becomes(&tw, t.path, tw.admin, 200, "leader.name", "Lò Văn Đổi"));
	kept_team_free(&t);
}
END_TEST

START_TEST(test_team_read_follows_its_unit_renamed_in_sql)
{
	struct kept_team t;
	kept_team(&t, "CA-U", "Lò Văn Nhớ");
	free(world_sql(&tw, "UPDATE units SET name = 'Thôn Đổi Tên' WHERE code = 'CA-U' RETURNING 1"));
	ck_assert(world_read_becomes(&tw, t.path, tw.admin, 200, "unit.name", "Thôn Đổi Tên"));
	kept_team_free(&t);
}
END_TEST

START_TEST(test_team_read_follows_its_leaders_membership_ended_in_sql)
{
	struct kept_team t;
	kept_team(&t, "CA-E", "Lò Văn Nhớ");
	char *ms = tt_add_membership(tw.officer_tq, t.id, t.member, "leader", "2021-01-01");
	ck_assert(world_read_becomes(&tw, t.path, tw.admin, 200, "member_count", "1"));
	free(world_sql(&tw, "UPDATE memberships SET left_on = '2022-01-01' WHERE id = '%s'"
			    " RETURNING 1",
		       ms));
	ck_assert(world_read_becomes(&tw, t.path, tw.admin, 200, "member_count", "0"));
	ck_assert(world_read_becomes(&tw, t.path, tw.admin, 200, "leader", "null"));
	free(ms);
	kept_team_free(&t);
}
END_TEST

START_TEST(test_team_read_leaves_the_officers_sight_with_its_unit_moved_in_sql)
{
	struct kept_team t;
	kept_team(&t, "CA-X", "Lò Văn Nhớ");
	struct http_response r;
	world_call(&r, &tw, "GET", t.path, tw.officer_tq, NULL, NULL); /* kept for TQ too */
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	free(world_sql(&tw, "UPDATE units SET parent_code = 'NX' WHERE code = 'CA-X' RETURNING 1"));
	ck_assert(world_read_becomes(&tw, t.path, tw.officer_tq, 404, NULL, NULL));
	free(world_sql(&tw, "UPDATE units SET parent_code = 'TQ' WHERE code = 'CA-X' RETURNING 1"));
	kept_team_free(&t);
}
END_TEST

/* A counter of /metrics by its full name and labels; fails when it is absent. */
static long metric_value(const char *metrics, const char *name)
{
	const char *at = strstr(metrics, name);
	ck_assert_msg(at, "%s not in %s", name, metrics);
	return atol(at + strlen(name));
}

START_TEST(test_metrics_count_kept_reads_by_result)
{
	struct kept_team t;
	kept_team(&t, "CA-K", "Lò Văn Nhớ"); /* a miss */
	struct http_response r;
	world_call(&r, &tw, "GET", t.path, tw.admin, NULL, NULL); /* a hit */
	http_response_free(&r);
	http_get(&r, tw.server.port, "/metrics");
	ck_assert_int_ge(metric_value(r.body, "cdtt_kept_reads_total{result=\"hit\"} "), 1);
	ck_assert_int_ge(metric_value(r.body, "cdtt_kept_reads_total{result=\"miss\"} "), 1);
	http_response_free(&r);
	kept_team_free(&t);
}
END_TEST

START_TEST(test_viewer_cannot_write_teams)
{
	char *id = tt_village_team("VW-V", "Tổ xem");
	struct world_counts before = tt_counts();
	struct http_response r;
	world_call(&r, &tw, "POST", "/api/v1/teams", tw.viewer_tq,
		   "{\"unit_code\":\"VW-V\",\"name\":\"x\",\"established_on\":\"2021-01-01\","
		   "\"status\":\"suspended\"}",
		   NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	world_call_if_match(&r, &tw, "PATCH", tt_team_path(id), tw.viewer_tq, "{\"name\":\"x\"}", "1");
	assert_problem(&r, 403);
	http_response_free(&r);
	world_call_if_match(&r, &tw, "DELETE", tt_team_path(id), tw.viewer_tq, NULL, "1");
	assert_problem(&r, 403);
	http_response_free(&r);
	world_call(&r, &tw, "POST", "/api/v1/teams", tw.leader_tq,
		   "{\"unit_code\":\"TQ-V1\",\"name\":\"x\",\"established_on\":\"2021-01-01\"}", NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	world_assert_unchanged(&before);
	/* but reads */
	world_call(&r, &tw, "GET", tt_team_path(id), tw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	free(id);
}
END_TEST

START_TEST(test_same_idempotency_key_replays_the_create_and_another_body_is_422)
{
	world_add_unit(&tw, "IK-V", NULL, "village", "TQ");
	const char *key[] = {"Idempotency-Key: team-IK-1", NULL};
	const char *body = "{\"unit_code\":\"IK-V\",\"name\":\"Tổ một lần\",\"established_on\":\"2021-01-01\"}";
	struct http_response a, b;
	world_call(&a, &tw, "POST", "/api/v1/teams", tw.officer_tq, body, key);
	ck_assert_int_eq(a.status, 201);
	struct world_counts before = tt_counts();
	world_call(&b, &tw, "POST", "/api/v1/teams", tw.officer_tq, body, key);
	ck_assert_int_eq(b.status, 201);
	ck_assert_str_eq(a.body, b.body);
	char *replayed = http_header_value(&b, "Idempotent-Replayed");
	ck_assert_str_eq(replayed, "true");
	free(replayed);
	http_response_free(&a);
	http_response_free(&b);
	world_call(&b, &tw, "POST", "/api/v1/teams", tw.officer_tq,
		   "{\"unit_code\":\"IK-V\",\"name\":\"Tổ khác\",\"established_on\":\"2021-01-01\"}", key);
	assert_problem(&b, 422);
	http_response_free(&b);
	world_assert_unchanged(&before);
	char *n = world_sql(&tw, "SELECT count(*) FROM teams WHERE unit_code = 'IK-V'");
	ck_assert_str_eq(n, "1");
	free(n);
}
END_TEST

Suite *teams_suite(void)
{
	Suite *s = suite_create("teams");
	TCase *tc = tcase_create("teams and memberships");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_created_team_is_answered_normalised);
	tcase_add_test(tc, test_created_team_is_answered_its_location_at_version_1);
	tcase_add_test(tc, test_creating_a_team_writes_it_with_one_audit_event);
	tcase_add_test(tc, test_team_create_is_audited_with_its_actor);
	tcase_add_test(tc, test_officer_reads_a_team_with_its_etag);
	tcase_add_test(tc, test_team_patch_answers_the_merged_team_at_version_2);
	tcase_add_test(tc, test_team_patch_writes_one_audit_event_with_the_old_name);
	tcase_add_test(tc, test_patch_without_if_match_is_428_and_stale_is_412);
	tcase_add_test(tc, test_concurrent_patches_with_one_etag_exactly_one_wins);
	tcase_add_test(tc, test_delete_a_team_without_memberships_is_204_with_audit_event);
	tcase_add_test(tc, test_delete_a_team_with_memberships_is_409_saying_dissolve_it);
	tcase_add_test(tc, test_a_team_under_a_retired_unit_is_422);
	tcase_add_test(tc, test_a_team_unit_must_be_a_village_or_commune_in_scope);
	tcase_add_test(tc, test_second_active_team_in_a_unit_is_409_naming_the_first);
	tcase_add_test(tc, test_moving_a_team_to_a_commune_moves_its_memberships_level);
	tcase_add_test(tc, test_established_on_cannot_move_after_the_first_membership);
	tcase_add_test(tc, test_another_communes_officer_cannot_read_the_team);
	tcase_add_test(tc, test_another_communes_officer_cannot_patch_the_team);
	tcase_add_test(tc, test_another_communes_officer_cannot_delete_the_team);
	tcase_add_test(tc, test_another_communes_officer_cannot_list_the_teams_memberships);
	tcase_add_test(tc, test_another_communes_officer_cannot_add_a_membership_to_the_team);
	tcase_add_test(tc, test_another_communes_officer_cannot_patch_a_membership_of_the_team);
	tcase_add_test(tc, test_another_communes_officer_cannot_list_the_memberships_of_its_member);
	tcase_add_test(tc, test_a_team_that_does_not_exist_is_404);
	tcase_add_test(tc, test_team_list_of_another_communes_officer_leaves_the_team_out);
	tcase_add_test(tc, test_team_list_of_a_unit_outside_the_scope_is_empty);
	tcase_add_test(tc, test_team_csv_of_another_communes_officer_leaves_the_team_out);
	tcase_add_test(tc, test_team_list_of_its_communes_officer_holds_the_team);
	tcase_add_test(tc, test_a_second_team_read_answers_the_same_from_memory);
	tcase_add_test(tc, test_a_kept_team_read_stays_hidden_from_another_communes_officer);
	tcase_add_test(tc, test_a_kept_team_read_stays_hidden_from_a_leader_of_no_team);
	tcase_add_test(tc, test_a_kept_team_read_is_shown_to_its_communes_officer);
	tcase_add_test(tc, test_team_read_shows_a_leader_added_through_the_api);
	tcase_add_test(tc, test_team_read_shows_a_patch_through_the_api);
	tcase_add_test(tc, test_team_read_follows_its_leader_renamed_in_sql);
	tcase_add_test(tc, test_team_read_follows_its_unit_renamed_in_sql);
	tcase_add_test(tc, test_team_read_follows_its_leaders_membership_ended_in_sql);
	tcase_add_test(tc, test_team_read_leaves_the_officers_sight_with_its_unit_moved_in_sql);
	tcase_add_test(tc, test_metrics_count_kept_reads_by_result);
	tcase_add_test(tc, test_viewer_cannot_write_teams);
	tcase_add_test(tc, test_same_idempotency_key_replays_the_create_and_another_body_is_422);
	teams_add_validation_tests(tc);
	teams_add_list_tests(tc);
	teams_add_membership_tests(tc);
	suite_add_tcase(s, tc);
	return s;
}
