/*
 * Validation of team bodies (part of the teams suite): every field with a wrong type, an empty
 * string, a 100 kB string, a control character and a value outside its enum or format; real
 * dates not in the future; Vietnamese phone numbers normalised or refused; invalid UTF-8;
 * unknown and read-only fields. Each refusal is a 422 naming the field (400 for a body that is
 * not JSON), and writes nothing.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_teams_support.h"

/* A valid team body with one field replaced by value (stolen), as JSON text (malloc'd). */
static char *body_with(const char *field, json_t *value)
{
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "unit_code", "VAL-V", "name",
				"Tổ kiểm tra", "status", "active", "established_on", "2021-06-01",
				"contact_phone", "0912345678", "notes", "ghi chú");
	json_object_set_new(doc, field, value);
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text;
}

START_TEST(test_every_team_field_refuses_bad_values_listing_it)
{
	world_add_unit(&tw, "VAL-V", NULL, "village", "TQ");
	static const char *const fields[] = {"unit_code", "name", "status", "established_on",
					     "contact_phone", "notes"};
	/* a value outside each field's enum or format */
	static const char *const outside[] = {"no such code!", NULL, "closed", "2023-02-29",
					      "0112345678", NULL};
	char *huge = malloc(100001);
	memset(huge, 'a', 100000);
	huge[100000] = '\0';
	struct world_counts before = tt_counts();
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		json_t *bad[] = {json_integer(42), json_string(""), json_string(huge),
				 json_string("a\001b"), outside[i] ? json_string(outside[i]) : NULL};
		for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
			if (!bad[k])
				continue;
			char *body = body_with(fields[i], bad[k]);
			struct http_response r;
			world_call(&r, &tw, "POST", "/api/v1/teams", tw.officer_tq, body, NULL);
			char pointer[40];
			snprintf(pointer, sizeof pointer, "/%s", fields[i]);
			ck_assert_msg(r.status == 422 && response_has_error(&r, pointer, NULL),
				      "%s case %zu: %ld %s", fields[i], k, r.status, r.body);
			http_response_free(&r);
			free(body);
		}
	}
	free(huge);
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_dates_must_be_real_and_not_in_the_future)
{
	world_add_unit(&tw, "DT-V", NULL, "village", "TQ");
	struct world_counts before = tt_counts();
	static const char *const dates[] = {"2999-01-01", "2024-13-01", "2023-02-29", "1899-12-31",
					    "24-01-01", "2024-1-01", "2024-01-01T00:00:00Z"};
	for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
		char body[256];
		snprintf(body, sizeof body,
			 "{\"unit_code\":\"DT-V\",\"name\":\"x\",\"established_on\":\"%s\"}", dates[i]);
		struct http_response r;
		world_call(&r, &tw, "POST", "/api/v1/teams", tw.officer_tq, body, NULL);
		ck_assert_msg(r.status == 422 && response_has_error(&r, "/established_on",
							     i == 0 ? "out_of_range" : "invalid_format"),
			      "%s: %s", dates[i], r.body);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
	/* 2024 is a leap year */
	struct http_response r;
	world_call(&r, &tw, "POST", "/api/v1/teams", tw.officer_tq,
		   "{\"unit_code\":\"DT-V\",\"name\":\"Tổ nhuận\",\"established_on\":\"2024-02-29\"}",
		   NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	http_response_free(&r);
}
END_TEST

START_TEST(test_contact_phone_is_normalised_or_refused)
{
	char *id = tt_village_team("PH-V", "Tổ điện thoại");
	static const char *const good[][2] = {
		{"+84 912 345 678", "0912345678"}, {"84912345678", "0912345678"},
		{"0912.345.678", "0912345678"},	   {"0912-345-678", "0912345678"},
		{"0387 654 321", "0387654321"},	   {"+84 24 3825 1234", "02438251234"},
		{"0203 3825 123", "02033825123"},
	};
	int version = 1;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char body[128], v[16];
		snprintf(body, sizeof body, "{\"contact_phone\":\"%s\"}", good[i][0]);
		snprintf(v, sizeof v, "%d", version++);
		struct http_response r;
		world_call_if_match(&r, &tw, "PATCH", tt_team_path(id), tw.officer_tq, body, v);
		ck_assert_msg(r.status == 200, "%s: %s", good[i][0], r.body);
		ck_assert_str_eq(json_field(r.body, "contact_phone"), good[i][1]);
		http_response_free(&r);
	}
	static const char *const bad[] = {"12345", "0112345678", "+1 912 345 678", "09123456789",
					  "0212345678", "phone", "0912 345 67a", "++84912345678"};
	struct world_counts before = tt_counts();
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char body[128], v[16];
		snprintf(body, sizeof body, "{\"contact_phone\":\"%s\"}", bad[i]);
		snprintf(v, sizeof v, "%d", version);
		struct http_response r;
		world_call_if_match(&r, &tw, "PATCH", tt_team_path(id), tw.officer_tq, body, v);
		ck_assert_msg(r.status == 422 && response_has_error(&r, "/contact_phone", "invalid_format"),
			      "%s: %ld %s", bad[i], r.status, r.body);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
	free(id);
}
END_TEST

START_TEST(test_invalid_utf8_in_a_json_string_is_400)
{
	world_add_unit(&tw, "U8-V", NULL, "village", "TQ");
	struct world_counts before = tt_counts();
	struct http_response r;
	world_call(&r, &tw, "POST", "/api/v1/teams", tw.officer_tq,
		   "{\"unit_code\":\"U8-V\",\"name\":\"T\xff\xfe\",\"established_on\":\"2021-01-01\"}",
		   NULL);
	assert_problem(&r, 400);
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_unknown_and_read_only_fields_are_listed_in_422)
{
	world_add_unit(&tw, "RO-V", NULL, "village", "TQ");
	struct world_counts before = tt_counts();
	struct http_response r;
	world_call(&r, &tw, "POST", "/api/v1/teams", tw.officer_tq,
		   "{\"unit_code\":\"RO-V\",\"name\":\"x\",\"established_on\":\"2021-01-01\","
		   "\"colour\":\"red\",\"id\":\"7d3c1c0e-0000-4000-8000-000000000000\",\"version\":3,"
		   "\"leader\":null,\"member_count\":4,\"unit\":{},\"created_at\":\"x\"}",
		   NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/colour", "unknown_field"));
	static const char *const read_only[] = {"/id", "/version", "/leader", "/member_count",
						"/unit", "/created_at"};
	for (size_t i = 0; i < sizeof read_only / sizeof read_only[0]; i++)
		ck_assert_msg(response_has_error(&r, read_only[i], "read_only"), "%s", read_only[i]);
	http_response_free(&r);
	world_assert_unchanged(&before);
	char *id = tt_create_team(tw.officer_tq, "RO-V", "Tổ chỉ đọc", NULL);
	before = tt_counts();
	world_call_if_match(&r, &tw, "PATCH", tt_team_path(id), tw.officer_tq,
			 "{\"updated_at\":\"x\",\"member_count\":1,\"name\":null}", "1");
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/updated_at", "read_only"));
	ck_assert(response_has_error(&r, "/member_count", "read_only"));
	ck_assert(response_has_error(&r, "/name", "required"));
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(id);
}
END_TEST

void teams_add_validation_tests(TCase *tc)
{
	tcase_add_test(tc, test_every_team_field_refuses_bad_values_listing_it);
	tcase_add_test(tc, test_dates_must_be_real_and_not_in_the_future);
	tcase_add_test(tc, test_contact_phone_is_normalised_or_refused);
	tcase_add_test(tc, test_invalid_utf8_in_a_json_string_is_400);
	tcase_add_test(tc, test_unknown_and_read_only_fields_are_listed_in_422);
}
