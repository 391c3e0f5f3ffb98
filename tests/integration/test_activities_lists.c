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
	static char out[8192];
	out[0] = '\0';
	json_t *doc = json_loads(body, 0, NULL);
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(doc, "items"), i, item)
	{
		if (i)
			strcat(out, ",");
		strncat(out, json_string_value(json_object_get(item, "id")), 40);
	}
	json_decref(doc);
	return out;
}

START_TEST(test_team_list_is_newest_first_and_pages)
{
	char *team = at_village_team("LT-V");
	char *oldest = record_on(team, "2024-01-10", "household_visit", "vneid_level2");
	char *middle = record_on(team, "2024-02-10", "group_session", "e_health_book");
	char *newest = record_on(team, "2024-03-10", "campaign", "vneid_level2");
	char path[300];
	snprintf(path, sizeof path, "%s?limit=2", at_team_path(team));
	struct http_response r;
	world_call(&r, &aw, "GET", path, aw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	char want[200];
	snprintf(want, sizeof want, "%s,%s", newest, middle);
	ck_assert_str_eq(ids_of(r.body), want);
	snprintf(path, sizeof path, "%s?limit=2&cursor=%s", at_team_path(team),
		 json_field(r.body, "next_cursor"));
	http_response_free(&r);
	world_call(&r, &aw, "GET", path, aw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(ids_of(r.body), oldest);
	ck_assert_str_eq(json_field(r.body, "next_cursor"), "null");
	http_response_free(&r);
	/* filters */
	snprintf(path, sizeof path, "%s?from=2024-02-01&to=2024-02-29", at_team_path(team));
	world_call(&r, &aw, "GET", path, aw.viewer_tq, NULL, NULL);
	ck_assert_str_eq(ids_of(r.body), middle);
	http_response_free(&r);
	snprintf(path, sizeof path, "%s?service=vneid_level2&kind=campaign", at_team_path(team));
	world_call(&r, &aw, "GET", path, aw.viewer_tq, NULL, NULL);
	ck_assert_str_eq(ids_of(r.body), newest);
	http_response_free(&r);
	snprintf(path, sizeof path, "%s?to=2024-01-31", at_team_path(team));
	world_call(&r, &aw, "GET", path, aw.viewer_tq, NULL, NULL);
	ck_assert_str_eq(ids_of(r.body), oldest);
	http_response_free(&r);
	/* a cursor of another list, and bad filters */
	snprintf(path, sizeof path, "%s?cursor=abc", at_team_path(team));
	world_call(&r, &aw, "GET", path, aw.viewer_tq, NULL, NULL);
	assert_problem(&r, 400);
	http_response_free(&r);
	snprintf(path, sizeof path, "%s?from=2024-13-01&to=yesterday&kind=visit&service=Bad%%20Code",
		 at_team_path(team));
	world_call(&r, &aw, "GET", path, aw.viewer_tq, NULL, NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "from", "invalid_format"));
	ck_assert(response_has_error(&r, "to", "invalid_format"));
	ck_assert(response_has_error(&r, "kind", "invalid_value"));
	ck_assert(response_has_error(&r, "service", "invalid_format"));
	http_response_free(&r);
	snprintf(path, sizeof path, "%s?from=2024-03-01&to=2024-02-01", at_team_path(team));
	world_call(&r, &aw, "GET", path, aw.viewer_tq, NULL, NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "to", "out_of_range"));
	http_response_free(&r);
	free(team), free(oldest), free(middle), free(newest);
}
END_TEST

START_TEST(test_scope_list_filters_by_unit_team_dates_service_and_kind)
{
	world_add_unit(&aw, "LS-C", "Xã LS", "commune", "BQ");
	world_add_unit(&aw, "LS-V1", NULL, "village", "LS-C");
	world_add_unit(&aw, "LS-V2", NULL, "village", "LS-C");
	char *t1 = world_add_team(&aw, "LS-V1", "active", "2020-01-01"), *t2 = world_add_team(&aw, "LS-V2", "active", "2020-01-01");
	char *a1 = record_on(t1, "2023-05-01", "household_visit", "smartphone_basics");
	char *a2 = record_on(t2, "2023-05-02", "campaign", "online_fraud_awareness");
	char *a3 = record_on(t2, "2023-05-03", "household_visit", "smartphone_basics");
	struct http_response r;
	char want[200];
	world_call(&r, &aw, "GET", "/api/v1/activities?unit=LS-C", aw.admin, NULL, NULL);
	snprintf(want, sizeof want, "%s,%s,%s", a3, a2, a1);
	ck_assert_str_eq(ids_of(r.body), want);
	http_response_free(&r);
	world_call(&r, &aw, "GET", "/api/v1/activities?unit=LS-V2", aw.admin, NULL, NULL);
	snprintf(want, sizeof want, "%s,%s", a3, a2);
	ck_assert_str_eq(ids_of(r.body), want);
	http_response_free(&r);
	char path[300];
	snprintf(path, sizeof path, "/api/v1/activities?unit=LS-C&team=%s", t1);
	world_call(&r, &aw, "GET", path, aw.admin, NULL, NULL);
	ck_assert_str_eq(ids_of(r.body), a1);
	http_response_free(&r);
	world_call(&r, &aw, "GET", "/api/v1/activities?unit=LS-C&service=smartphone_basics",
		   aw.admin, NULL, NULL);
	snprintf(want, sizeof want, "%s,%s", a3, a1);
	ck_assert_str_eq(ids_of(r.body), want);
	http_response_free(&r);
	world_call(&r, &aw, "GET", "/api/v1/activities?unit=LS-C&kind=campaign", aw.admin, NULL, NULL);
	ck_assert_str_eq(ids_of(r.body), a2);
	http_response_free(&r);
	world_call(&r, &aw, "GET", "/api/v1/activities?unit=LS-C&from=2023-05-02&to=2023-05-02",
		   aw.admin, NULL, NULL);
	ck_assert_str_eq(ids_of(r.body), a2);
	http_response_free(&r);
	/* page by page */
	world_call(&r, &aw, "GET", "/api/v1/activities?unit=LS-C&limit=2", aw.admin, NULL, NULL);
	snprintf(want, sizeof want, "%s,%s", a3, a2);
	ck_assert_str_eq(ids_of(r.body), want);
	snprintf(path, sizeof path, "/api/v1/activities?unit=LS-C&limit=2&cursor=%s",
		 json_field(r.body, "next_cursor"));
	http_response_free(&r);
	world_call(&r, &aw, "GET", path, aw.admin, NULL, NULL);
	ck_assert_str_eq(ids_of(r.body), a1);
	ck_assert_str_eq(json_field(r.body, "next_cursor"), "null");
	http_response_free(&r);
	/* another commune's officer sees none of them; a unit outside the scope is empty */
	world_call(&r, &aw, "GET", "/api/v1/activities?limit=200", aw.officer_nx, NULL, NULL);
	ck_assert_ptr_null(strstr(r.body, a1));
	http_response_free(&r);
	world_call(&r, &aw, "GET", "/api/v1/activities?unit=LS-C", aw.officer_nx, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "items"), "[]");
	http_response_free(&r);
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
	free(t1), free(t2), free(a1), free(a2), free(a3);
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

START_TEST(test_patch_needs_if_match_and_rechecks_what_it_changes)
{
	char *team = at_village_team("PA-V");
	char *m = world_add_member(&aw, "PA-V", "Hoàng Văn Tỉnh");
	world_add_membership(&aw, team, m, "member", "2022-01-01", "2023-12-31");
	char members[80];
	snprintf(members, sizeof members, "[\"%s\"]", m);
	char *id = at_record(aw.officer_tq, team, at_body("2023-06-01", members));
	const char *path = at_activity_path(id);
	struct world_counts before = at_counts();
	struct http_response r;
	world_call_if_match(&r, &aw, "PATCH", path, aw.officer_tq, "{\"notes\":\"x\"}", NULL);
	assert_problem(&r, 428);
	http_response_free(&r);
	world_call_if_match(&r, &aw, "PATCH", path, aw.officer_tq, "{\"notes\":\"x\"}", "2");
	assert_problem(&r, 412);
	http_response_free(&r);
	/* a new date the member was no longer in the team */
	world_call_if_match(&r, &aw, "PATCH", path, aw.officer_tq, "{\"date\":\"2024-02-01\"}", "1");
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/member_ids/0", "not_a_member"));
	http_response_free(&r);
	/* households above the stored people (7) */
	world_call_if_match(&r, &aw, "PATCH", path, aw.officer_tq, "{\"households_reached\":8}", "1");
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/households_reached", "out_of_range"));
	http_response_free(&r);
	world_call_if_match(&r, &aw, "PATCH", path, aw.officer_tq,
			    "{\"service_codes\":null,\"team_id\":\"7d3c1c0e-0000-4000-8000-000000000000\","
			    "\"kind\":null,\"date\":\"2999-01-01\"}",
			    "1");
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/service_codes", "required"));
	ck_assert(response_has_error(&r, "/team_id", "read_only"));
	ck_assert(response_has_error(&r, "/kind", "required"));
	ck_assert(response_has_error(&r, "/date", "out_of_range"));
	http_response_free(&r);
	world_call_if_match(&r, &aw, "PATCH", path, aw.officer_tq, "{\"unit_code\":\"NX-V1\"}", "1");
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/unit_code", "outside_team_unit"));
	http_response_free(&r);
	world_assert_unchanged(&before);
	/* a good patch: merge semantics, null clears a nullable field */
	world_call_if_match(&r, &aw, "PATCH", path, aw.officer_tq,
			    "{\"people_reached\":20,\"households_reached\":null,\"notes\":\"Bổ sung\","
			    "\"languages\":[\"hmn\"]}",
			    "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "people_reached"), "20");
	ck_assert_str_eq(json_field(r.body, "households_reached"), "null");
	ck_assert_str_eq(json_field(r.body, "date"), "2023-06-01");
	ck_assert_str_eq(json_field(r.body, "member_ids"), members);
	char *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(etag, "\"2\"");
	free(etag);
	http_response_free(&r);
	char sql[300];
	snprintf(sql, sizeof sql,
		 "SELECT action || ' ' || (before->>'people_reached') || ' ' || (after->>'people_reached')"
		 " FROM audit_events WHERE entity_id = '%s' ORDER BY id DESC LIMIT 1",
		 id);
	char *ev = world_sql(&aw, "%s", sql);
	ck_assert_str_eq(ev, "activity.update 7 20");
	free(ev);
	free(team), free(m), free(id);
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

START_TEST(test_delete_needs_if_match_and_is_audited)
{
	char *team = at_village_team("DE-V");
	char *id = at_record(aw.officer_tq, team, at_body(at_day(0), NULL));
	const char *path = at_activity_path(id);
	struct world_counts before = at_counts();
	struct http_response r;
	world_call_if_match(&r, &aw, "DELETE", path, aw.officer_tq, NULL, NULL);
	assert_problem(&r, 428);
	http_response_free(&r);
	world_call_if_match(&r, &aw, "DELETE", path, aw.officer_tq, NULL, "3");
	assert_problem(&r, 412);
	http_response_free(&r);
	world_call_if_match(&r, &aw, "DELETE", path, aw.viewer_tq, NULL, "1");
	assert_problem(&r, 403);
	http_response_free(&r);
	world_assert_unchanged(&before);
	world_call_if_match(&r, &aw, "DELETE", path, aw.officer_tq, NULL, "1");
	ck_assert_int_eq(r.status, 204);
	http_response_free(&r);
	world_call(&r, &aw, "GET", path, aw.officer_tq, NULL, NULL);
	assert_problem(&r, 404);
	http_response_free(&r);
	char sql[300];
	snprintf(sql, sizeof sql,
		 "SELECT action || ' ' || (before->>'kind') FROM audit_events WHERE entity_id = '%s'"
		 " ORDER BY id DESC LIMIT 1",
		 id);
	char *ev = world_sql(&aw, "%s", sql);
	ck_assert_str_eq(ev, "activity.delete household_visit");
	free(ev);
	free(team), free(id);
}
END_TEST

void activities_add_list_tests(TCase *tc)
{
	tcase_add_test(tc, test_team_list_is_newest_first_and_pages);
	tcase_add_test(tc, test_scope_list_filters_by_unit_team_dates_service_and_kind);
	tcase_add_test(tc, test_scope_list_pages_through_many_units_without_repeats);
	tcase_add_test(tc, test_scope_list_exports_csv);
	tcase_add_test(tc, test_patch_needs_if_match_and_rechecks_what_it_changes);
	tcase_add_test(tc, test_a_record_keeps_a_service_retired_after_it);
	tcase_add_test(tc, test_delete_needs_if_match_and_is_audited);
}
