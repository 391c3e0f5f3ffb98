/*
 * Activities refused (part of the activities suite), each checked to have written nothing:
 * dated tomorrow or before the team existed; members of another team, or whose membership
 * ended before the date (or began after it); unknown and retired services; counts out of
 * range and households above people; a unit outside the team's; unknown languages; wrong
 * types, empty values, control characters, a 100 kB body, unknown and read-only fields.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_activities_support.h"

/* POSTs body and asserts 422 naming field with code, and that nothing was written. */
static void assert_refused(const char *team, const char *body, const char *field,
			   const char *code)
{
	struct world_counts before = at_counts();
	struct http_response r;
	at_post(&r, aw.officer_tq, team, body);
	ck_assert_msg(r.status == 422 && response_has_error(&r, field, code), "%s %s: %ld %s",
		      field, code ? code : "", r.status, r.body);
	ck_assert_int_eq(r.status, 422);
	http_response_free(&r);
	world_assert_unchanged(&before);
}

START_TEST(test_activity_dated_tomorrow_is_422)
{
	char *team = at_village_team("VT-V");
	assert_refused(team, at_body(at_day(1), NULL), "/date", "out_of_range");
	assert_refused(team, at_body("2024-02-30", NULL), "/date", "invalid_format");
	assert_refused(team, at_body("24-02-03", NULL), "/date", "invalid_format");
	free(team);
}
END_TEST

START_TEST(test_activity_before_the_team_existed_is_422)
{
	world_add_unit(&aw, "VE-V", NULL, "village", "TQ");
	char *team = world_add_team(&aw, "VE-V", "active", "2023-06-15");
	struct world_counts before = at_counts();
	struct http_response r;
	at_post(&r, aw.officer_tq, team, at_body("2023-06-14", NULL));
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/date", "out_of_range"));
	assert_problem_says(&r, "2023-06-15");
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(at_record(aw.officer_tq, team, at_body("2023-06-15", NULL)));
	free(team);
}
END_TEST

START_TEST(test_naming_a_member_of_another_team_is_422)
{
	char *team = at_village_team("VM-A");
	char *other = at_village_team("VM-B");
	char *ours = world_add_member(&aw, "VM-A", "Lò Văn Páo");
	char *theirs = world_add_member(&aw, "VM-B", "Hầu Thị Dợ");
	world_add_membership(&aw, team, ours, "member", "2021-01-01", NULL);
	world_add_membership(&aw, other, theirs, "member", "2021-01-01", NULL);
	char members[200];
	snprintf(members, sizeof members, "[\"%s\",\"%s\"]", ours, theirs);
	assert_refused(team, at_body("2024-03-01", members), "/member_ids/1", "not_a_member");
	/* nor someone unknown, nor the same person twice */
	snprintf(members, sizeof members, "[\"%s\",\"7d3c1c0e-0000-4000-8000-000000000000\"]", ours);
	assert_refused(team, at_body("2024-03-01", members), "/member_ids/1", "not_a_member");
	snprintf(members, sizeof members, "[\"%s\",\"%s\"]", ours, ours);
	assert_refused(team, at_body("2024-03-01", members), "/member_ids/1", "duplicate");
	assert_refused(team, at_body("2024-03-01", "[\"abc\"]"), "/member_ids/0", "invalid_format");
	free(team);
	free(other);
	free(ours);
	free(theirs);
}
END_TEST

START_TEST(test_naming_a_member_whose_membership_ended_before_the_date_is_422)
{
	char *team = at_village_team("VL-V");
	char *left = world_add_member(&aw, "VL-V", "Giàng Seo Lử");
	char *late = world_add_member(&aw, "VL-V", "Ly Mí Sính");
	world_add_membership(&aw, team, left, "member", "2021-01-01", "2023-12-31");
	world_add_membership(&aw, team, late, "member", "2024-06-01", NULL);
	char one[100];
	snprintf(one, sizeof one, "[\"%s\"]", left);
	assert_refused(team, at_body("2024-01-01", one), "/member_ids/0", "not_a_member");
	free(at_record(aw.officer_tq, team, at_body("2023-12-31", one))); /* the last day counts */
	snprintf(one, sizeof one, "[\"%s\"]", late);
	assert_refused(team, at_body("2024-05-31", one), "/member_ids/0", "not_a_member");
	free(at_record(aw.officer_tq, team, at_body("2024-06-01", one)));
	free(team);
	free(left);
	free(late);
}
END_TEST

START_TEST(test_refused_service_codes_are_each_named_by_position)
{
	char *team = at_village_team("VS-V");
	db_exec_ok(aw.url, "INSERT INTO services (code, name_vi, name_en, category, status, steps)"
			   " VALUES ('old_sms_banking', 'SMS banking', 'SMS banking', 'payments',"
			   " 'retired', '[{\"instruction\": \"x\", \"check\": null}]')");
	struct world_counts before = at_counts();
	char body[400];
	snprintf(body, sizeof body,
		 "{\"date\":\"%s\",\"kind\":\"household_visit\",\"service_codes\":"
		 "[\"no_such_service\",\"old_sms_banking\",\"vneid_level2\"]}",
		 at_day(0));
	struct http_response r;
	at_post(&r, aw.officer_tq, team, body);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/service_codes/0", "not_found"));
	ck_assert(response_has_error(&r, "/service_codes/1", "retired"));
	ck_assert(!response_has_error(&r, "/service_codes/2", NULL));
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(team);
}
END_TEST

START_TEST(test_empty_service_codes_are_422)
{
	char *team = at_village_team("VS-E");
	char body[400];
	snprintf(body, sizeof body,
		 "{\"date\":\"%s\",\"kind\":\"household_visit\",\"service_codes\":[]}", at_day(0));
	assert_refused(team, body, "/service_codes", "too_short");
	free(team);
}
END_TEST

START_TEST(test_a_malformed_service_code_is_422)
{
	char *team = at_village_team("VS-F");
	char body[400];
	snprintf(body, sizeof body,
		 "{\"date\":\"%s\",\"kind\":\"household_visit\",\"service_codes\":[\"Bad Code\"]}",
		 at_day(0));
	assert_refused(team, body, "/service_codes/0", "invalid_format");
	free(team);
}
END_TEST

START_TEST(test_missing_service_codes_are_422)
{
	char *team = at_village_team("VS-M");
	char body[400];
	snprintf(body, sizeof body, "{\"date\":\"%s\",\"kind\":\"household_visit\"}", at_day(0));
	assert_refused(team, body, "/service_codes", "required");
	free(team);
}
END_TEST

/* A campaign body for today with `counts` (JSON members) added. */
static const char *campaign_with(const char *counts)
{
	static char body[400];
	snprintf(body, sizeof body,
		 "{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"],%s}",
		 at_day(0), counts);
	return body;
}

START_TEST(test_counts_out_of_range_are_422)
{
	char *team = at_village_team("VC-V");
	const char *cases[][3] = {
		{"\"households_reached\":-1", "/households_reached", "out_of_range"},
		{"\"people_reached\":10001", "/people_reached", "out_of_range"},
		{"\"people_reached\":99999999999999999", "/people_reached", "out_of_range"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_refused(team, campaign_with(cases[i][0]), cases[i][1], cases[i][2]);
	free(team);
}
END_TEST

START_TEST(test_counts_that_are_not_integers_are_422)
{
	char *team = at_village_team("VC-T");
	assert_refused(team, campaign_with("\"people_reached\":2.5"), "/people_reached",
		       "invalid_type");
	assert_refused(team, campaign_with("\"people_reached\":\"12\""), "/people_reached",
		       "invalid_type");
	free(team);
}
END_TEST

START_TEST(test_more_households_than_people_is_422)
{
	char *team = at_village_team("VC-H");
	assert_refused(team, campaign_with("\"households_reached\":8,\"people_reached\":5"),
		       "/households_reached", "out_of_range");
	free(team);
}
END_TEST

START_TEST(test_counts_at_their_limits_are_recorded)
{
	char *team = at_village_team("VC-L");
	free(at_record(aw.officer_tq, team,
		       campaign_with("\"households_reached\":0,\"people_reached\":10000")));
	free(team);
}
END_TEST

START_TEST(test_a_unit_outside_the_teams_unit_is_422)
{
	char *team = at_village_team("VU-V");
	char body[400];
	const char *units[][2] = {{"NX-V1", "outside_team_unit"},
				  {"TQ", "outside_team_unit"}, /* above the team's village */
				  {"NO-SUCH-UNIT", "outside_team_unit"},
				  {"bad code!", "invalid_format"}};
	for (size_t i = 0; i < 4; i++) {
		snprintf(body, sizeof body,
			 "{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"],"
			 "\"unit_code\":\"%s\"}",
			 at_day(0), units[i][0]);
		assert_refused(team, body, "/unit_code", units[i][1]);
	}
	free(team);
}
END_TEST

START_TEST(test_unknown_language_is_422)
{
	char *team = at_village_team("VG-V");
	char body[400];
	snprintf(body, sizeof body,
		 "{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"],"
		 "\"languages\":[\"vie\",\"qqq\"]}",
		 at_day(0));
	assert_refused(team, body, "/languages/1", "not_found");
	snprintf(body, sizeof body,
		 "{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"],"
		 "\"languages\":[\"Vietnamese\"]}",
		 at_day(0));
	assert_refused(team, body, "/languages/0", "invalid_format");
	free(team);
}
END_TEST

/* POSTs each case's body (a format taking today's date) to a new team in village `code` as
 * officer.tq: each is 422 naming its field, and none writes anything. */
static void assert_cases_refused(const char *code, const struct refused_body *cases, size_t n)
{
	char *team = at_village_team(code);
	struct world_counts before = at_counts();
	world_assert_bodies_refused(&aw, at_team_path(team), aw.officer_tq, at_day(0), cases, n,
				    &before);
	free(team);
}

START_TEST(test_an_unknown_kind_is_422)
{
	static const struct refused_body cases[] = {
		{"{\"date\":\"%s\",\"kind\":\"visit\",\"service_codes\":[\"vneid_level2\"]}", "/kind",
		 "invalid_value"},
	};
	assert_cases_refused("VW-K", cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_wrong_types_are_422)
{
	static const struct refused_body cases[] = {
		{"{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":\"vneid_level2\"}",
		 "/service_codes", "invalid_type"},
		{"{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[42]}", "/service_codes/0",
		 "invalid_type"},
		{"{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"],"
		 "\"member_ids\":{}}",
		 "/member_ids", "invalid_type"},
		{"{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"],"
		 "\"member_ids\":null,\"languages\":\"vie\"}",
		 "/languages", "invalid_type"},
		{"{\"date\":20240101,\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"]}%.0s",
		 "/date", "invalid_type"},
	};
	assert_cases_refused("VW-T", cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_required_values_missing_or_empty_are_422)
{
	static const struct refused_body cases[] = {
		{"{\"date\":\"%s\",\"service_codes\":[\"vneid_level2\"]}", "/kind", "required"},
		{"{\"date\":\"%s\",\"kind\":\"\",\"service_codes\":[\"vneid_level2\"]}", "/kind", NULL},
		{"{\"date\":\"\",\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"]}%.0s", "/date",
		 "required"},
		{"{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"],"
		 "\"notes\":\"\"}",
		 "/notes", "required"},
	};
	assert_cases_refused("VW-E", cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_control_characters_in_notes_are_422)
{
	static const struct refused_body cases[] = {
		{"{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"],"
		 "\"notes\":\"a\\u001bb\"}",
		 "/notes", "invalid_characters"},
		{"{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"],"
		 "\"notes\":\"bell\\u0007\"}",
		 "/notes", "invalid_characters"},
	};
	assert_cases_refused("VW-C", cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_an_unknown_field_is_422)
{
	static const struct refused_body cases[] = {
		{"{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"],"
		 "\"colour\":\"red\"}",
		 "/colour", "unknown_field"},
	};
	assert_cases_refused("VW-U", cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_read_only_fields_are_422)
{
	static const struct refused_body cases[] = {
		{"{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"],"
		 "\"id\":\"7d3c1c0e-0000-4000-8000-000000000000\"}",
		 "/id", "read_only"},
		{"{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"],"
		 "\"team_id\":\"7d3c1c0e-0000-4000-8000-000000000000\"}",
		 "/team_id", "read_only"},
		{"{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"],"
		 "\"version\":1,\"created_at\":\"x\"}",
		 "/version", "read_only"},
	};
	assert_cases_refused("VW-R", cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_more_than_20_services_is_422)
{
	char *team = at_village_team("VW-S");
	char body[8000], list[4000] = "[";
	size_t used = 1;
	for (int i = 0; i < 21; i++)
		used += (size_t)snprintf(list + used, sizeof list - used, "%s\"svc%02d\"",
					 i ? "," : "", i);
	snprintf(list + used, sizeof list - used, "]");
	snprintf(body, sizeof body, "{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":%s}",
		 at_day(0), list);
	assert_refused(team, body, "/service_codes", "too_long");
	free(team);
}
END_TEST

/* POSTs body (JSON) to a new team in village `code`; asserts a 400 problem and that nothing
 * was written. */
static void assert_not_json_object(const char *code, const char *body)
{
	char *team = at_village_team(code);
	struct world_counts before = at_counts();
	struct http_response r;
	at_post(&r, aw.officer_tq, team, body);
	assert_problem(&r, 400);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(team);
}

START_TEST(test_malformed_json_is_400)
{
	assert_not_json_object("VW-J", "{\"date\":");
}
END_TEST

START_TEST(test_a_json_array_is_400)
{
	assert_not_json_object("VW-A", "[]");
}
END_TEST

START_TEST(test_a_text_body_is_415)
{
	char *team = at_village_team("VW-M");
	struct world_counts before = at_counts();
	const char *text[] = {"Content-Type: text/plain", NULL};
	struct http_response r;
	world_call(&r, &aw, "POST", at_team_path(team), aw.officer_tq, NULL, text);
	ck_assert_int_eq(r.status, 415);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(team);
}
END_TEST

START_TEST(test_a_100_kB_body_is_422_not_a_crash)
{
	char *team = at_village_team("VK-V");
	size_t n = 100 * 1024;
	char *body = malloc(n + 200);
	int len = snprintf(body, 200,
			   "{\"date\":\"%s\",\"kind\":\"campaign\",\"service_codes\":[\"vneid_level2\"],"
			   "\"notes\":\"",
			   at_day(0));
	memset(body + len, 'a', n);
	strcpy(body + len + n, "\"}");
	assert_refused(team, body, "/notes", "too_long");
	free(body);
	free(team);
}
END_TEST

void activities_add_validation_tests(TCase *tc)
{
	tcase_add_test(tc, test_activity_dated_tomorrow_is_422);
	tcase_add_test(tc, test_activity_before_the_team_existed_is_422);
	tcase_add_test(tc, test_naming_a_member_of_another_team_is_422);
	tcase_add_test(tc, test_naming_a_member_whose_membership_ended_before_the_date_is_422);
	tcase_add_test(tc, test_refused_service_codes_are_each_named_by_position);
	tcase_add_test(tc, test_empty_service_codes_are_422);
	tcase_add_test(tc, test_a_malformed_service_code_is_422);
	tcase_add_test(tc, test_missing_service_codes_are_422);
	tcase_add_test(tc, test_counts_out_of_range_are_422);
	tcase_add_test(tc, test_counts_that_are_not_integers_are_422);
	tcase_add_test(tc, test_more_households_than_people_is_422);
	tcase_add_test(tc, test_counts_at_their_limits_are_recorded);
	tcase_add_test(tc, test_a_unit_outside_the_teams_unit_is_422);
	tcase_add_test(tc, test_unknown_language_is_422);
	tcase_add_test(tc, test_an_unknown_kind_is_422);
	tcase_add_test(tc, test_wrong_types_are_422);
	tcase_add_test(tc, test_required_values_missing_or_empty_are_422);
	tcase_add_test(tc, test_control_characters_in_notes_are_422);
	tcase_add_test(tc, test_an_unknown_field_is_422);
	tcase_add_test(tc, test_read_only_fields_are_422);
	tcase_add_test(tc, test_more_than_20_services_is_422);
	tcase_add_test(tc, test_malformed_json_is_400);
	tcase_add_test(tc, test_a_json_array_is_400);
	tcase_add_test(tc, test_a_text_body_is_415);
	tcase_add_test(tc, test_a_100_kB_body_is_422_not_a_crash);
}
