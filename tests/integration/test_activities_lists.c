/*
 * Lists, the CSV export, PATCH and DELETE of activities (part of the activities suite): a
 * team's record and the scope-wide list, newest first and paged with cursors, filtered by
 * unit (a subtree), team, date range, service and kind; the CSV export; merge patches with
 * If-Match (428, 412) checked against what they change; deletes with If-Match and an audit
 * event.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_activities_support.h"

/* An activity of team on date, of kind, for service (a body of its own). */
static char *record_on(const char *team, const char *date, const char *kind, const char *service)
{
	char body[400];
	snprintf(body, sizeof body,
		 "{\"date\":\"%s\",\"kind\":\"%s\",\"service_codes\":[\"%s\"],"
		 "\"households_reached\":2,\"people_reached\":5}",
		 date, kind, service);
	return at_record(aw.admin, team, body);
}

/* The ids of a list response's items, in order, as "id,id,..." (static buffer). */
static const char *ids_of(const char *body)
{
	return list_join(body, "id", ",");
}

/* A team in a new village `code` with three activities, oldest to newest: 2024-01-10 (a
 * household visit), 2024-02-10 (a group session) and 2024-03-10 (a campaign). */
struct team_three {
	char *team, *oldest, *middle, *newest;
	char path[300]; /* the team's activities, for the test's query */
};

static void team_three(struct team_three *t, const char *code)
{
	t->team = at_village_team(code);
	t->oldest = record_on(t->team, "2024-01-10", "household_visit", "vneid_level2");
	t->middle = record_on(t->team, "2024-02-10", "group_session", "e_health_book");
	t->newest = record_on(t->team, "2024-03-10", "campaign", "vneid_level2");
}

/* GETs the team's activities with query as viewer.tq; the answer is left in r. */
static void team_three_get(struct http_response *r, struct team_three *t, const char *query)
{
	snprintf(t->path, sizeof t->path, "%s?%s", at_team_path(t->team), query);
	world_call(r, &aw, "GET", t->path, aw.viewer_tq, NULL, NULL);
}

static void team_three_free(struct team_three *t)
{
	free(t->team), free(t->oldest), free(t->middle), free(t->newest);
}

START_TEST(test_team_list_is_newest_first_in_pages)
{
	struct team_three t;
	team_three(&t, "LT-V");
	struct http_response r;
	team_three_get(&r, &t, "limit=2");
	ck_assert_int_eq(r.status, 200);
	char want[200];
	snprintf(want, sizeof want, "%s,%s", t.newest, t.middle);
	ck_assert_str_eq(ids_of(r.body), want);
	char query[200];
	snprintf(query, sizeof query, "limit=2&cursor=%s", json_field(r.body, "next_cursor"));
	http_response_free(&r);
	team_three_get(&r, &t, query);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(ids_of(r.body), t.oldest);
	ck_assert_str_eq(json_field(r.body, "next_cursor"), "null");
	http_response_free(&r);
	team_three_free(&t);
}
END_TEST

START_TEST(test_team_list_filters_by_a_date_range)
{
	struct team_three t;
	team_three(&t, "LT-VD");
	struct http_response r;
	team_three_get(&r, &t, "from=2024-02-01&to=2024-02-29");
	ck_assert_str_eq(ids_of(r.body), t.middle);
	http_response_free(&r);
	team_three_free(&t);
}
END_TEST

START_TEST(test_team_list_filters_up_to_a_date)
{
	struct team_three t;
	team_three(&t, "LT-VT");
	struct http_response r;
	team_three_get(&r, &t, "to=2024-01-31");
	ck_assert_str_eq(ids_of(r.body), t.oldest);
	http_response_free(&r);
	team_three_free(&t);
}
END_TEST

START_TEST(test_team_list_filters_by_service_with_kind)
{
	struct team_three t;
	team_three(&t, "LT-VS");
	struct http_response r;
	team_three_get(&r, &t, "service=vneid_level2&kind=campaign");
	ck_assert_str_eq(ids_of(r.body), t.newest);
	http_response_free(&r);
	team_three_free(&t);
}
END_TEST

START_TEST(test_team_list_refuses_a_cursor_it_did_not_make)
{
	struct team_three t;
	team_three(&t, "LT-VC");
	struct http_response r;
	team_three_get(&r, &t, "cursor=abc");
	assert_problem(&r, 400);
	http_response_free(&r);
	team_three_free(&t);
}
END_TEST

START_TEST(test_team_list_names_each_bad_filter)
{
	struct team_three t;
	team_three(&t, "LT-VB");
	struct http_response r;
	team_three_get(&r, &t, "from=2024-13-01&to=yesterday&kind=visit&service=Bad%20Code");
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "from", "invalid_format"));
	ck_assert(response_has_error(&r, "to", "invalid_format"));
	ck_assert(response_has_error(&r, "kind", "invalid_value"));
	ck_assert(response_has_error(&r, "service", "invalid_format"));
	http_response_free(&r);
	team_three_free(&t);
}
END_TEST

START_TEST(test_team_list_refuses_a_range_that_ends_before_it_starts)
{
	struct team_three t;
	team_three(&t, "LT-VR");
	struct http_response r;
	team_three_get(&r, &t, "from=2024-03-01&to=2024-02-01");
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "to", "out_of_range"));
	http_response_free(&r);
	team_three_free(&t);
}
END_TEST

/* A commune `prefix`-C under BQ with villages `prefix`-V1 (team t1: a1 on 2023-05-01, a
 * household visit for smartphone_basics) and `prefix`-V2 (team t2: a2 on 2023-05-02, a
 * campaign for online_fraud_awareness; a3 on 2023-05-03, a household visit for
 * smartphone_basics). */
struct commune_three {
	char *t1, *t2, *a1, *a2, *a3;
	char commune[16], village2[16], path[300];
};

static void commune_three(struct commune_three *c, const char *prefix)
{
	*c = (struct commune_three){0};
	char village1[16];
	snprintf(c->commune, sizeof c->commune, "%s-C", prefix);
	snprintf(village1, sizeof village1, "%s-V1", prefix);
	snprintf(c->village2, sizeof c->village2, "%s-V2", prefix);
	world_add_unit(&aw, c->commune, NULL, "commune", "BQ");
	world_add_unit(&aw, village1, NULL, "village", c->commune);
	world_add_unit(&aw, c->village2, NULL, "village", c->commune);
	c->t1 = world_add_team(&aw, village1, "active", "2020-01-01");
	c->t2 = world_add_team(&aw, c->village2, "active", "2020-01-01");
	c->a1 = record_on(c->t1, "2023-05-01", "household_visit", "smartphone_basics");
	c->a2 = record_on(c->t2, "2023-05-02", "campaign", "online_fraud_awareness");
	c->a3 = record_on(c->t2, "2023-05-03", "household_visit", "smartphone_basics");
}

/* GETs /api/v1/activities?unit=<unit>&<query> as token; the answer is left in r. */
static void commune_three_get(struct http_response *r, struct commune_three *c, const char *unit,
			      const char *query, const char *token)
{
	snprintf(c->path, sizeof c->path, "/api/v1/activities?unit=%s%s%s", unit, *query ? "&" : "",
		 query);
	world_call(r, &aw, "GET", c->path, token, NULL, NULL);
}

static void commune_three_free(struct commune_three *c)
{
	free(c->t1), free(c->t2), free(c->a1), free(c->a2), free(c->a3);
}

/* On a new commune_three(prefix), asserts that the admin's list of its unit `unit` ("C" for
 * the commune, "V2" for its second village) with query (where "%s" stands for t1's id) holds
 * exactly want: activity names ("a3,a2") in that order. */
static void assert_scope_list(const char *prefix, const char *unit, const char *query,
			      const char *want)
{
	struct commune_three c;
	commune_three(&c, prefix);
	char q[200], expected[200] = "", name[4];
	/* the format is the caller's query; cppcheck takes it for one without conversions */
	/* cppcheck-suppress wrongPrintfScanfArgNum */
	snprintf(q, sizeof q, query, c.t1);
	const char *ids[] = {c.a1, c.a2, c.a3};
	for (const char *p = want; *p; p += p[2] ? 3 : 2) {
		snprintf(name, sizeof name, "%.2s", p);
		size_t n = strlen(expected);
		snprintf(expected + n, sizeof expected - n, "%s%s", n ? "," : "",
			 ids[name[1] - '1']);
	}
	struct http_response r;
	commune_three_get(&r, &c, strcmp(unit, "C") ? c.village2 : c.commune, q, aw.admin);
	ck_assert_msg(!strcmp(ids_of(r.body), expected), "%s?%s: %s, expected %s", unit, q,
		      ids_of(r.body), want);
	http_response_free(&r);
	commune_three_free(&c);
}

START_TEST(test_scope_list_of_a_commune_holds_its_villages_activities_newest_first)
{
	assert_scope_list("LS", "C", "", "a3,a2,a1");
}
END_TEST

START_TEST(test_scope_list_of_a_village_holds_only_its_activities)
{
	assert_scope_list("LSV", "V2", "", "a3,a2");
}
END_TEST

START_TEST(test_scope_list_filters_by_team)
{
	assert_scope_list("LST", "C", "team=%s", "a1");
}
END_TEST

START_TEST(test_scope_list_filters_by_service)
{
	assert_scope_list("LSS", "C", "service=smartphone_basics", "a3,a1");
}
END_TEST

START_TEST(test_scope_list_filters_by_kind)
{
	assert_scope_list("LSK", "C", "kind=campaign", "a2");
}
END_TEST

START_TEST(test_scope_list_filters_by_dates)
{
	assert_scope_list("LSD", "C", "from=2023-05-02&to=2023-05-02", "a2");
}
END_TEST

START_TEST(test_scope_list_pages_with_its_cursor)
{
	struct commune_three c;
	commune_three(&c, "LSP");
	struct http_response r;
	commune_three_get(&r, &c, c.commune, "limit=2", aw.admin);
	char want[200];
	snprintf(want, sizeof want, "%s,%s", c.a3, c.a2);
	ck_assert_str_eq(ids_of(r.body), want);
	char query[200];
	snprintf(query, sizeof query, "limit=2&cursor=%s", json_field(r.body, "next_cursor"));
	http_response_free(&r);
	commune_three_get(&r, &c, c.commune, query, aw.admin);
	ck_assert_str_eq(ids_of(r.body), c.a1);
	ck_assert_str_eq(json_field(r.body, "next_cursor"), "null");
	http_response_free(&r);
	commune_three_free(&c);
}
END_TEST

START_TEST(test_scope_list_of_another_communes_officer_leaves_them_out)
{
	struct commune_three c;
	commune_three(&c, "LSO");
	struct http_response r;
	world_call(&r, &aw, "GET", "/api/v1/activities?limit=200", aw.officer_nx, NULL, NULL);
	ck_assert(!list_has(r.body, "id", c.a1));
	http_response_free(&r);
	commune_three_free(&c);
}
END_TEST

START_TEST(test_scope_list_of_a_unit_outside_the_scope_is_empty)
{
	struct commune_three c;
	commune_three(&c, "LSE");
	struct http_response r;
	commune_three_get(&r, &c, c.commune, "", aw.officer_nx);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "items"), "[]");
	http_response_free(&r);
	commune_three_free(&c);
}
END_TEST

START_TEST(test_scope_list_names_each_bad_filter)
{
	struct http_response r;
	world_call(&r, &aw, "GET", "/api/v1/activities?unit=not%20a%20code&team=12&limit=500",
		   aw.admin, NULL, NULL);
	assert_problem(&r, 422);
	http_response_free(&r);
	world_call(&r, &aw, "GET", "/api/v1/activities?unit=not%20a%20code&team=12", aw.admin, NULL,
		   NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "unit", "invalid_format"));
	ck_assert(response_has_error(&r, "team", "invalid_format"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_scope_list_pages_through_many_units_without_repeats)
{
	/* more villages than the per-unit plan takes, so the date walk serves the commune */
	world_add_unit(&aw, "LM-C", "Xã LM", "commune", "BQ");
	db_exec_ok(aw.url,
		   "INSERT INTO units (code, name, level, parent_code)"
		   " SELECT 'LM-V' || i, 'Bản ' || i, 'village', 'LM-C' FROM generate_series(1, 320) i;"
		   "INSERT INTO teams (unit_code, name, established_on)"
		   " SELECT 'LM-V' || i, 'Tổ ' || i, '2020-01-01' FROM generate_series(1, 320) i;"
		   "INSERT INTO activities (team_id, unit_code, date, kind, service_codes)"
		   " SELECT t.id, t.unit_code, '2024-01-01'::date + (n % 40), 'household_visit',"
		   " '{vneid_level2}' FROM teams t, generate_series(1, 3) n WHERE t.unit_code LIKE 'LM-V%'");
	char path[400] = "/api/v1/activities?unit=LM-C&limit=200";
	int pages = 0, rows = 0;
	char last_date[11] = "9999-99-99";
	for (;;) {
		struct http_response r;
		world_call(&r, &aw, "GET", path, aw.admin, NULL, NULL);
		ck_assert_int_eq(r.status, 200);
		json_t *doc = json_loads(r.body, 0, NULL);
		size_t i;
		json_t *item;
		json_array_foreach(json_object_get(doc, "items"), i, item)
		{
			const char *date = json_string_value(json_object_get(item, "date"));
			ck_assert_msg(strcmp(date, last_date) <= 0, "%s after %s", date, last_date);
			snprintf(last_date, sizeof last_date, "%s", date);
			rows++;
		}
		pages++;
		const char *next = json_string_value(json_object_get(doc, "next_cursor"));
		if (next)
			snprintf(path, sizeof path, "/api/v1/activities?unit=LM-C&limit=200&cursor=%s", next);
		json_decref(doc);
		http_response_free(&r);
		if (!next)
			break;
	}
	ck_assert_int_eq(rows, 960);
	ck_assert_int_eq(pages, 5);
}
END_TEST

START_TEST(test_scope_list_exports_csv)
{
	world_add_unit(&aw, "LC-C", "Xã LC", "commune", "BQ");
	world_add_unit(&aw, "LC-V", NULL, "village", "LC-C");
	char *team = world_add_team(&aw, "LC-V", "active", "2020-01-01");
	char body[400];
	snprintf(body, sizeof body,
		 "{\"date\":\"2024-04-01\",\"kind\":\"group_session\",\"service_codes\":"
		 "[\"vneid_level2\",\"e_health_book\"],\"languages\":[\"vie\",\"hmn\"],"
		 "\"notes\":\"=SUM(A1), \\\"quoted\\\"\"}");
	char *a = at_record(aw.admin, team, body);
	char *b = record_on(team, "2024-04-02", "campaign", "cashless_payment");
	const char *accept[] = {"Accept: text/csv", NULL};
	struct http_response r;
	world_call(&r, &aw, "GET", "/api/v1/activities?unit=LC-C", aw.admin, NULL, accept);
	ck_assert_int_eq(r.status, 200);
	char *type = http_header_value(&r, "Content-Type");
	ck_assert_ptr_nonnull(strstr(type, "text/csv"));
	free(type);
	const char *header = "id,date,team_id,team_name,unit_code,unit_name,kind,service_codes,"
			     "households_reached,people_reached,member_ids,languages,notes\r\n";
	ck_assert_msg(!strncmp(r.body, header, strlen(header)), "%s", r.body);
	ck_assert_ptr_nonnull(strstr(r.body, ",vneid_level2;e_health_book,"));
	ck_assert_ptr_nonnull(strstr(r.body, ",vie;hmn,\"'=SUM(A1), \"\"quoted\"\"\""));
	ck_assert(strstr(r.body, b) < strstr(r.body, a)); /* newest first */
	int lines = 0;
	for (const char *p = r.body; (p = strstr(p, "\r\n")); p += 2)
		lines++;
	ck_assert_int_eq(lines, 3);
	http_response_free(&r);
	free(team), free(a), free(b);
}
END_TEST

/* An activity officer.tq recorded on 2023-06-01 in a new village `code`'s team, naming a
 * member whose membership ran from 2022-01-01 to 2023-12-31 (3 households, 7 people). */
struct recorded {
	char *team, *member, *id;
	char members[80], path[128];
};

static void recorded(struct recorded *a, const char *code)
{
	a->team = at_village_team(code);
	a->member = world_add_member(&aw, code, "Hoàng Văn Tỉnh");
	world_add_membership(&aw, a->team, a->member, "member", "2022-01-01", "2023-12-31");
	snprintf(a->members, sizeof a->members, "[\"%s\"]", a->member);
	a->id = at_record(aw.officer_tq, a->team, at_body("2023-06-01", a->members));
	snprintf(a->path, sizeof a->path, "%s", at_activity_path(a->id));
}

static void recorded_free(struct recorded *a)
{
	free(a->team), free(a->member), free(a->id);
}

/* PATCHes body with If-Match version (NULL: none) as officer.tq, asserts a problem with status
 * and that nothing was written; the answer is left in r. */
static void patch_refused(struct http_response *r, const struct recorded *a, const char *body,
			  const char *version, long status)
{
	struct world_counts before = at_counts();
	world_call_if_match(r, &aw, "PATCH", a->path, aw.officer_tq, body, version);
	assert_problem(r, status);
	world_assert_unchanged(&before);
}

START_TEST(test_patch_without_if_match_is_428)
{
	struct recorded a;
	recorded(&a, "PA-V");
	struct http_response r;
	patch_refused(&r, &a, "{\"notes\":\"x\"}", NULL, 428);
	http_response_free(&r);
	recorded_free(&a);
}
END_TEST

START_TEST(test_patch_with_a_stale_version_is_412)
{
	struct recorded a;
	recorded(&a, "PA-S");
	struct http_response r;
	patch_refused(&r, &a, "{\"notes\":\"x\"}", "2", 412);
	http_response_free(&r);
	recorded_free(&a);
}
END_TEST

START_TEST(test_patch_to_a_date_a_named_member_had_left_is_422)
{
	struct recorded a;
	recorded(&a, "PA-D");
	struct http_response r;
	patch_refused(&r, &a, "{\"date\":\"2024-02-01\"}", "1", 422);
	ck_assert(response_has_error(&r, "/member_ids/0", "not_a_member"));
	http_response_free(&r);
	recorded_free(&a);
}
END_TEST

START_TEST(test_patch_of_households_above_the_stored_people_is_422)
{
	struct recorded a;
	recorded(&a, "PA-H");
	struct http_response r;
	patch_refused(&r, &a, "{\"households_reached\":8}", "1", 422); /* 7 people stored */
	ck_assert(response_has_error(&r, "/households_reached", "out_of_range"));
	http_response_free(&r);
	recorded_free(&a);
}
END_TEST

START_TEST(test_patch_names_each_refused_field)
{
	struct recorded a;
	recorded(&a, "PA-F");
	struct http_response r;
	patch_refused(&r, &a,
		      "{\"service_codes\":null,\"team_id\":\"7d3c1c0e-0000-4000-8000-000000000000\","
		      "\"kind\":null,\"date\":\"2999-01-01\"}",
		      "1", 422);
	ck_assert(response_has_error(&r, "/service_codes", "required"));
	ck_assert(response_has_error(&r, "/team_id", "read_only"));
	ck_assert(response_has_error(&r, "/kind", "required"));
	ck_assert(response_has_error(&r, "/date", "out_of_range"));
	http_response_free(&r);
	recorded_free(&a);
}
END_TEST

START_TEST(test_patch_to_a_unit_outside_the_teams_is_422)
{
	struct recorded a;
	recorded(&a, "PA-U");
	struct http_response r;
	patch_refused(&r, &a, "{\"unit_code\":\"NX-V1\"}", "1", 422);
	ck_assert(response_has_error(&r, "/unit_code", "outside_team_unit"));
	http_response_free(&r);
	recorded_free(&a);
}
END_TEST

/* The good patch: merge semantics, null clears a nullable field. */
#define GOOD_PATCH                                                                         \
	"{\"people_reached\":20,\"households_reached\":null,\"notes\":\"Bổ sung\","       \
	"\"languages\":[\"hmn\"]}"

START_TEST(test_patch_merges_fields_where_null_clears_one)
{
	struct recorded a;
	recorded(&a, "PA-M");
	struct http_response r;
	world_call_if_match(&r, &aw, "PATCH", a.path, aw.officer_tq, GOOD_PATCH, "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "people_reached"), "20");
	ck_assert_str_eq(json_field(r.body, "households_reached"), "null");
	ck_assert_str_eq(json_field(r.body, "date"), "2023-06-01");
	ck_assert_str_eq(json_field(r.body, "member_ids"), a.members);
	char *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(etag, "\"2\"");
	free(etag);
	http_response_free(&r);
	recorded_free(&a);
}
END_TEST

START_TEST(test_patch_audit_event_records_the_change)
{
	struct recorded a;
	recorded(&a, "PA-A");
	struct http_response r;
	world_call_if_match(&r, &aw, "PATCH", a.path, aw.officer_tq, GOOD_PATCH, "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	char *ev = world_sql(&aw,
			     "SELECT action || ' ' || (before->>'people_reached') || ' ' ||"
			     " (after->>'people_reached') FROM audit_events WHERE entity_id = '%s'"
			     " ORDER BY id DESC LIMIT 1",
			     a.id);
	ck_assert_str_eq(ev, "activity.update 7 20");
	free(ev);
	recorded_free(&a);
}
END_TEST

START_TEST(test_a_record_keeps_a_service_retired_after_it)
{
	char *team = at_village_team("PR-V");
	db_exec_ok(aw.url, "INSERT INTO services (code, name_vi, name_en, category, steps) VALUES"
			   " ('fading_service', 'Cũ', 'Old', 'skills', '[{\"instruction\": \"x\"}]')");
	char body[300];
	snprintf(body, sizeof body,
		 "{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"fading_service\"]}",
		 at_day(0));
	char *id = at_record(aw.officer_tq, team, body);
	db_exec_ok(aw.url, "UPDATE services SET status = 'retired' WHERE code = 'fading_service'");
	struct http_response r;
	world_call_if_match(&r, &aw, "PATCH", at_activity_path(id), aw.officer_tq,
			    "{\"service_codes\":[\"fading_service\",\"vneid_level2\"]}", "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	/* but a new record cannot name it */
	struct world_counts before = at_counts();
	at_post(&r, aw.officer_tq, team, body);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/service_codes/0", "retired"));
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(team), free(id);
}
END_TEST

/* An activity officer.tq recorded today in a new village `code`'s team; its path into
 * path. Its id (malloc'd). */
static char *recorded_today(const char *code, char path[128])
{
	char *team = at_village_team(code);
	char *id = at_record(aw.officer_tq, team, at_body(at_day(0), NULL));
	snprintf(path, 128, "%s", at_activity_path(id));
	free(team);
	return id;
}

/* DELETEs path as token with If-Match version (NULL: none); asserts a problem with status and
 * that nothing was written. */
static void delete_refused(const char *path, const char *token, const char *version, long status)
{
	struct world_counts before = at_counts();
	struct http_response r;
	world_call_if_match(&r, &aw, "DELETE", path, token, NULL, version);
	assert_problem(&r, status);
	http_response_free(&r);
	world_assert_unchanged(&before);
}

START_TEST(test_delete_without_if_match_is_428)
{
	char path[128];
	free(recorded_today("DE-V", path));
	delete_refused(path, aw.officer_tq, NULL, 428);
}
END_TEST

START_TEST(test_delete_with_a_stale_version_is_412)
{
	char path[128];
	free(recorded_today("DE-S", path));
	delete_refused(path, aw.officer_tq, "3", 412);
}
END_TEST

START_TEST(test_viewer_cannot_delete_an_activity)
{
	char path[128];
	free(recorded_today("DE-W", path));
	delete_refused(path, aw.viewer_tq, "1", 403);
}
END_TEST

START_TEST(test_deleted_activity_is_gone)
{
	char path[128];
	free(recorded_today("DE-G", path));
	struct http_response r;
	world_call_if_match(&r, &aw, "DELETE", path, aw.officer_tq, NULL, "1");
	ck_assert_int_eq(r.status, 204);
	http_response_free(&r);
	world_get_refused(&aw, path, aw.officer_tq, 404);
}
END_TEST

START_TEST(test_delete_is_audited_with_what_was_deleted)
{
	char path[128];
	char *id = recorded_today("DE-A", path);
	struct http_response r;
	world_call_if_match(&r, &aw, "DELETE", path, aw.officer_tq, NULL, "1");
	ck_assert_int_eq(r.status, 204);
	http_response_free(&r);
	char *ev = world_sql(&aw,
			     "SELECT action || ' ' || (before->>'kind') FROM audit_events"
			     " WHERE entity_id = '%s' ORDER BY id DESC LIMIT 1",
			     id);
	ck_assert_str_eq(ev, "activity.delete household_visit");
	free(ev);
	free(id);
}
END_TEST

void activities_add_list_tests(TCase *tc)
{
	tcase_add_test(tc, test_team_list_is_newest_first_in_pages);
	tcase_add_test(tc, test_team_list_filters_by_a_date_range);
	tcase_add_test(tc, test_team_list_filters_up_to_a_date);
	tcase_add_test(tc, test_team_list_filters_by_service_with_kind);
	tcase_add_test(tc, test_team_list_refuses_a_cursor_it_did_not_make);
	tcase_add_test(tc, test_team_list_names_each_bad_filter);
	tcase_add_test(tc, test_team_list_refuses_a_range_that_ends_before_it_starts);
	tcase_add_test(tc, test_scope_list_of_a_commune_holds_its_villages_activities_newest_first);
	tcase_add_test(tc, test_scope_list_of_a_village_holds_only_its_activities);
	tcase_add_test(tc, test_scope_list_filters_by_team);
	tcase_add_test(tc, test_scope_list_filters_by_service);
	tcase_add_test(tc, test_scope_list_filters_by_kind);
	tcase_add_test(tc, test_scope_list_filters_by_dates);
	tcase_add_test(tc, test_scope_list_pages_with_its_cursor);
	tcase_add_test(tc, test_scope_list_of_another_communes_officer_leaves_them_out);
	tcase_add_test(tc, test_scope_list_of_a_unit_outside_the_scope_is_empty);
	tcase_add_test(tc, test_scope_list_names_each_bad_filter);
	tcase_add_test(tc, test_scope_list_pages_through_many_units_without_repeats);
	tcase_add_test(tc, test_scope_list_exports_csv);
	tcase_add_test(tc, test_patch_without_if_match_is_428);
	tcase_add_test(tc, test_patch_with_a_stale_version_is_412);
	tcase_add_test(tc, test_patch_to_a_date_a_named_member_had_left_is_422);
	tcase_add_test(tc, test_patch_of_households_above_the_stored_people_is_422);
	tcase_add_test(tc, test_patch_names_each_refused_field);
	tcase_add_test(tc, test_patch_to_a_unit_outside_the_teams_is_422);
	tcase_add_test(tc, test_patch_merges_fields_where_null_clears_one);
	tcase_add_test(tc, test_patch_audit_event_records_the_change);
	tcase_add_test(tc, test_a_record_keeps_a_service_retired_after_it);
	tcase_add_test(tc, test_delete_without_if_match_is_428);
	tcase_add_test(tc, test_delete_with_a_stale_version_is_412);
	tcase_add_test(tc, test_viewer_cannot_delete_an_activity);
	tcase_add_test(tc, test_deleted_activity_is_gone);
	tcase_add_test(tc, test_delete_is_audited_with_what_was_deleted);
}
