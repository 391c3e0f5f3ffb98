/*
 * Validation of member writes: every field with a wrong type, an empty string, 100 kB, control
 * characters, invalid UTF-8 (400), a value outside its enum; unknown and read-only fields
 * listed together; units outside the caller's scope or of the wrong level; phone numbers
 * normalised, refused when not Vietnamese, and unique (409 naming the existing member only to
 * who may see it); birth year, e-mail, language codes checked against the table, trainings
 * with JSON Pointers. Every refused request asserts that nothing was written.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_members_support.h"

START_TEST(test_patch_refuses_nulls_for_required_fields_and_lists)
{
	char path[TM_PATH_SIZE];
	tm_create_at(mw.officer_tq, tm_body("TQ-V1", "Hà Văn Null", NULL, NULL), path);
	struct world_counts before = tm_counts();
	struct http_response r;
	world_call_if_match(&r, &mw, "PATCH", path, mw.officer_tq,
			 "{\"full_name\":null,\"unit_code\":null,\"status\":null,\"languages\":null,"
			 "\"trainings\":null,\"affiliations\":null}",
			 "1");
	assert_problem(&r, 422);
	static const char *const fields[] = {"/full_name", "/unit_code", "/status", "/languages",
					     "/trainings", "/affiliations"};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		ck_assert_msg(response_has_error(&r, fields[i], "required"), "%s: %s", fields[i], r.body);
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_move_to_a_unit_outside_scope_or_not_a_village_or_commune_is_422)
{
	char path[TM_PATH_SIZE];
	tm_create_at(mw.officer_tq, tm_body("TQ-V1", "Vàng Seo Di", NULL, NULL), path);
	struct world_counts before = tm_counts();
	static const char *const units[] = {"NX-V1", "NX", "BQ", "HG", "NOWHERE"};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		char body[64];
		snprintf(body, sizeof body, "{\"unit_code\":\"%s\"}", units[i]);
		struct http_response r; /* the first two are in the admin's scope, not in TQ's */
		world_call_if_match(&r, &mw, "PATCH", path, i < 2 ? mw.officer_tq : mw.admin, body, "1");
		assert_problem(&r, 422);
		ck_assert_msg(response_has_error(&r, "/unit_code", "not_found"), "%s", r.body);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_create_in_a_unit_outside_scope_or_of_the_wrong_level_is_422)
{
	static const char *const units[] = {"NX-V1", "NX", "BQ", "HG", "NOWHERE"};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		struct http_response r;
		tm_assert_create_refused(i < 2 ? mw.officer_tq : mw.admin,
				      tm_body(units[i], "Giàng A Lử", NULL, NULL), 422, &r);
		ck_assert_msg(response_has_error(&r, "/unit_code", "not_found"), "%s", r.body);
		http_response_free(&r);
	}
}
END_TEST

START_TEST(test_wrong_types_are_422_listing_every_field)
{
	struct http_response r;
	tm_assert_create_refused(mw.officer_tq,
			      "{\"unit_code\":7,\"full_name\":[\"a\"],\"gender\":1,\"birth_year\":\"1990\","
			      "\"phone\":912345678,\"email\":{},\"ethnicity\":true,\"languages\":\"vie\","
			      "\"affiliations\":\"teacher\",\"digital_skill\":2,\"trainings\":{},"
			      "\"status\":false}",
			      422, &r);
	static const char *const fields[] = {"/unit_code", "/full_name", "/gender", "/birth_year",
					     "/phone", "/email", "/ethnicity", "/languages",
					     "/affiliations", "/digital_skill", "/trainings", "/status"};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		ck_assert_msg(response_has_error(&r, fields[i], NULL), "%s missing: %s", fields[i], r.body);
	ck_assert(response_has_error(&r, "/birth_year", "invalid_type"));
	ck_assert(response_has_error(&r, "/phone", "invalid_type"));
	http_response_free(&r);
	tm_assert_create_refused(mw.officer_tq, tm_body("TQ-V1", "x", NULL, ",\"birth_year\":1990.5"),
			      422, &r);
	ck_assert(response_has_error(&r, "/birth_year", "invalid_type"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_empty_strings_are_422)
{
	struct http_response r;
	tm_assert_create_refused(mw.officer_tq,
			      "{\"unit_code\":\"\",\"full_name\":\"\",\"gender\":\"\",\"phone\":\"\","
			      "\"email\":\"\",\"ethnicity\":\"\",\"languages\":[\"\"],"
			      "\"affiliations\":[\"\"],\"digital_skill\":\"\",\"status\":\"\","
			      "\"trainings\":[{\"course\":\"\"}]}",
			      422, &r);
	static const char *const fields[] = {"/unit_code", "/full_name", "/gender", "/phone",
					     "/email", "/ethnicity", "/languages/0", "/affiliations",
					     "/digital_skill", "/status", "/trainings/0/course"};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		ck_assert_msg(response_has_error(&r, fields[i], NULL), "%s missing: %s", fields[i], r.body);
	http_response_free(&r);
}
END_TEST

START_TEST(test_100_kb_strings_are_422)
{
	size_t big = 100 * 1024;
	char *huge = malloc(big + 1);
	memset(huge, 'a', big);
	huge[big] = '\0';
	static const char *const fields[] = {"unit_code", "full_name", "gender", "phone", "email",
					     "ethnicity", "digital_skill", "status"};
	size_t n = sizeof fields / sizeof fields[0];
	char *body = malloc((n + 2) * (big + 64)), *p = body;
	p += sprintf(p, "{");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s\"%s\":\"%s\"", i ? "," : "", fields[i], huge);
	sprintf(p, ",\"trainings\":[{\"course\":\"%s\"}],\"languages\":[\"%s\"]}", huge, huge);
	struct http_response r;
	tm_assert_create_refused(mw.officer_tq, body, 422, &r);
	for (size_t i = 0; i < n; i++) {
		char pointer[32];
		snprintf(pointer, sizeof pointer, "/%s", fields[i]);
		ck_assert_msg(response_has_error(&r, pointer, NULL), "%s missing", pointer);
	}
	ck_assert(response_has_error(&r, "/full_name", "too_long"));
	ck_assert(response_has_error(&r, "/email", "too_long"));
	ck_assert(response_has_error(&r, "/trainings/0/course", "too_long"));
	ck_assert(response_has_error(&r, "/languages/0", "invalid_format"));
	http_response_free(&r);
	free(body);
	free(huge);
}
END_TEST

START_TEST(test_control_characters_are_422)
{
	struct http_response r;
	tm_assert_create_refused(mw.officer_tq,
			      "{\"unit_code\":\"TQ-V1\",\"full_name\":\"Nguyễn\\u0001Văn\","
			      "\"ethnicity\":\"T\\u001bày\",\"email\":\"a\\u0007@b.vn\","
			      "\"phone\":\"0912\\n345678\",\"trainings\":[{\"course\":\"c\","
			      "\"provider\":\"p\\u0085\"}]}",
			      422, &r);
	ck_assert_msg(response_has_error(&r, "/full_name", "invalid_characters"), "%s", r.body);
	ck_assert(response_has_error(&r, "/ethnicity", "invalid_characters"));
	ck_assert(response_has_error(&r, "/email", "invalid_characters"));
	ck_assert(response_has_error(&r, "/phone", "invalid_characters"));
	ck_assert(response_has_error(&r, "/trainings/0/provider", "invalid_characters"));
	http_response_free(&r);
	/* \u0000 is refused by the JSON parser itself, as is a raw \xff */
	tm_assert_create_refused(mw.officer_tq, tm_body("TQ-V1", "Nguy\\u0000n", NULL, NULL), 400, &r);
	http_response_free(&r);
	tm_assert_create_refused(mw.officer_tq, tm_body("TQ-V1", "Nguy\xff" "n", NULL, NULL), 400, &r);
	http_response_free(&r);
	tm_assert_create_refused(mw.officer_tq,
			      tm_body("TQ-V1", "ok", NULL, ",\"trainings\":[{\"course\":\"\xc3\"}]"),
			      400, &r);
	http_response_free(&r);
}
END_TEST

START_TEST(test_values_outside_their_enums_are_422)
{
	struct http_response r;
	tm_assert_create_refused(mw.officer_tq,
			      tm_body("TQ-V1", "Enum", NULL,
				      ",\"gender\":\"Male\",\"digital_skill\":\"expert\","
				      "\"status\":\"retired\",\"affiliations\":[\"teacher\",\"king\"]"),
			      422, &r);
	ck_assert(response_has_error(&r, "/gender", "invalid_value"));
	ck_assert(response_has_error(&r, "/digital_skill", "invalid_value"));
	ck_assert(response_has_error(&r, "/status", "invalid_value"));
	ck_assert(response_has_error(&r, "/affiliations", "invalid_value"));
	http_response_free(&r);
	tm_assert_create_refused(mw.officer_tq,
			      tm_body("TQ-V1", "Twice", NULL, ",\"affiliations\":[\"teacher\",\"teacher\"]"),
			      422, &r);
	ck_assert(response_has_error(&r, "/affiliations", "duplicate"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_unknown_and_read_only_fields_are_listed_together)
{
	struct http_response r;
	tm_assert_create_refused(mw.officer_tq,
			      tm_body("TQ-V1", "Reader", NULL,
				      ",\"id\":\"7d3c1c0e-0000-4000-8000-000000000000\",\"version\":3,"
				      "\"created_at\":\"2020-01-01T00:00:00Z\",\"updated_at\":\"x\","
				      "\"color\":\"red\",\"full_name_folded\":\"reader\""),
			      422, &r);
	ck_assert(response_has_error(&r, "/id", "read_only"));
	ck_assert(response_has_error(&r, "/version", "read_only"));
	ck_assert(response_has_error(&r, "/created_at", "read_only"));
	ck_assert(response_has_error(&r, "/updated_at", "read_only"));
	ck_assert(response_has_error(&r, "/color", "unknown_field"));
	ck_assert(response_has_error(&r, "/full_name_folded", "unknown_field"));
	http_response_free(&r);
	const char *id = tm_create(mw.officer_tq, tm_body("TQ-V1", "Patcher", NULL, NULL));
	struct world_counts before = tm_counts();
	world_call_if_match(&r, &mw, "PATCH", tm_path(id), mw.officer_tq, "{\"version\":9,\"colour\":1}", "1");
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/version", "read_only"));
	ck_assert(response_has_error(&r, "/colour", "unknown_field"));
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_phone_numbers_are_stored_normalised)
{
	static const char *const written[][2] = {
		{"+84 973 111 201", "0973111201"}, {"84973111202", "0973111202"},
		{"0973.111.203", "0973111203"},	   {"0973-111-204", "0973111204"},
		{"(0973) 111 205", "0973111205"},  {"0219 3111 206", "02193111206"},
	};
	for (size_t i = 0; i < sizeof written / sizeof written[0]; i++) {
		const char *id = tm_create(mw.officer_tq, tm_body("TQ-V1", "Phone", written[i][0], NULL));
		struct http_response r;
		world_call(&r, &mw, "GET", tm_path(id), mw.officer_tq, NULL, NULL);
		ck_assert_str_eq(json_field(r.body, "phone"), written[i][1]);
		http_response_free(&r);
	}
}
END_TEST

START_TEST(test_invalid_phone_numbers_are_422)
{
	static const char *const bad[] = {"091234567", "0912abc678", "+1 202 555 0100",
					  "0123456789", "0612345678", "+84 12 345"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct http_response r;
		tm_assert_create_refused(mw.officer_tq, tm_body("TQ-V1", "Bad phone", bad[i], NULL), 422, &r);
		ck_assert_msg(response_has_error(&r, "/phone", "invalid_format"), "%s: %s", bad[i], r.body);
		http_response_free(&r);
	}
}
END_TEST

START_TEST(test_birth_year_must_be_from_1920_to_14_years_ago)
{
	time_t now = time(NULL) + 7 * 3600;
	struct tm tm;
	gmtime_r(&now, &tm);
	int youngest = tm.tm_year + 1900 - 14;
	char extra[64];
	struct http_response r;
	static const int bad_offsets[] = {1, 2};
	for (size_t i = 0; i < 2; i++) {
		snprintf(extra, sizeof extra, ",\"birth_year\":%d", youngest + bad_offsets[i]);
		tm_assert_create_refused(mw.officer_tq, tm_body("TQ-V1", "Young", NULL, extra), 422, &r);
		ck_assert(response_has_error(&r, "/birth_year", "out_of_range"));
		http_response_free(&r);
	}
	tm_assert_create_refused(mw.officer_tq, tm_body("TQ-V1", "Old", NULL, ",\"birth_year\":1919"),
			      422, &r);
	ck_assert(response_has_error(&r, "/birth_year", "out_of_range"));
	http_response_free(&r);
	snprintf(extra, sizeof extra, ",\"birth_year\":%d", youngest);
	tm_create(mw.officer_tq, tm_body("TQ-V1", "Just old enough", NULL, extra));
	tm_create(mw.officer_tq, tm_body("TQ-V1", "Eldest", NULL, ",\"birth_year\":1920"));
}
END_TEST

START_TEST(test_emails_are_validated)
{
	static const char *const bad[] = {"plain", "a@localhost", "a@@b.vn", "a b@c.vn", "a@b..vn",
					  "nguyễn@example.vn"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char extra[96];
		snprintf(extra, sizeof extra, ",\"email\":\"%s\"", bad[i]);
		struct http_response r;
		tm_assert_create_refused(mw.officer_tq, tm_body("TQ-V1", "Mail", NULL, extra), 422, &r);
		ck_assert_msg(response_has_error(&r, "/email", "invalid_format"), "%s: %s", bad[i], r.body);
		http_response_free(&r);
	}
}
END_TEST

START_TEST(test_unknown_language_codes_are_422_naming_each)
{
	struct http_response r;
	tm_assert_create_refused(mw.officer_tq,
			      tm_body("TQ-V1", "Polyglot", NULL, ",\"languages\":[\"vie\",\"xyz\",\"hmn\",\"qqq\"]"),
			      422, &r);
	ck_assert(response_has_error(&r, "/languages/1", "not_found"));
	ck_assert(response_has_error(&r, "/languages/3", "not_found"));
	ck_assert(!response_has_error(&r, "/languages/0", NULL));
	assert_problem_says(&r, "xyz");
	assert_problem_says(&r, "qqq");
	http_response_free(&r);
	/* with an unknown unit too: both in one answer */
	tm_assert_create_refused(mw.officer_tq,
			      tm_body("NOWHERE", "Polyglot", NULL, ",\"languages\":[\"zzz\"]"), 422, &r);
	ck_assert(response_has_error(&r, "/languages/0", "not_found"));
	ck_assert(response_has_error(&r, "/unit_code", "not_found"));
	http_response_free(&r);
	tm_assert_create_refused(mw.officer_tq,
			      tm_body("TQ-V1", "Polyglot", NULL, ",\"languages\":[\"VIE\",\"vie\",\"vie\"]"),
			      422, &r);
	ck_assert(response_has_error(&r, "/languages/0", "invalid_format"));
	ck_assert(response_has_error(&r, "/languages/2", "duplicate"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_trainings_are_validated_with_json_pointers)
{
	struct http_response r;
	tm_assert_create_refused(mw.officer_tq,
			      tm_body("TQ-V1", "Trainee", NULL,
				      ",\"trainings\":[{\"course\":\"a\"},{\"course\":\"b\"},"
				      "{\"course\":\"c\",\"completed_on\":\"2999-01-01\"},"
				      "{\"course\":\"d\",\"completed_on\":\"2023-02-29\",\"grade\":\"A\"},"
				      "{\"provider\":\"nobody\"}]"),
			      422, &r);
	ck_assert(response_has_error(&r, "/trainings/2/completed_on", "out_of_range"));
	ck_assert(response_has_error(&r, "/trainings/3/completed_on", "invalid_format"));
	ck_assert(response_has_error(&r, "/trainings/3/grade", "unknown_field"));
	ck_assert(response_has_error(&r, "/trainings/4/course", "required"));
	http_response_free(&r);
	char *many = malloc(51 * 20 + 64), *p = many;
	p += sprintf(p, ",\"trainings\":[");
	for (int i = 0; i < 51; i++)
		p += sprintf(p, "%s{\"course\":\"c%d\"}", i ? "," : "", i);
	strcpy(p, "]");
	tm_assert_create_refused(mw.officer_tq, tm_body("TQ-V1", "Trainee", NULL, many), 422, &r);
	ck_assert(response_has_error(&r, "/trainings", "too_long"));
	http_response_free(&r);
	free(many);
}
END_TEST

START_TEST(test_duplicate_phone_names_the_existing_member_only_to_who_may_see_it)
{
	char phone[16];
	snprintf(phone, sizeof phone, "%s", tm_fresh_phone());
	char id[37];
	snprintf(id, sizeof id, "%s", tm_create(mw.officer_tq, tm_body("TQ-V1", "First", phone, NULL)));
	char spaced[32]; /* the same number written another way */
	snprintf(spaced, sizeof spaced, "+84 %.3s %.3s %.3s", phone + 1, phone + 4, phone + 7);
	struct http_response r;
	tm_assert_create_refused(mw.officer_tq, tm_body("TQ-V1", "Second", spaced, NULL), 409, &r);
	ck_assert_str_eq(json_field(r.body, "existing_member_id"), id);
	ck_assert_ptr_null(strstr(r.body, phone + 2));
	http_response_free(&r);
	/* an officer of another commune learns only that the number is taken; nothing is
	 * written but the audit event that counts the attempt (unseen_duplicates.h) */
	struct world_counts before = tm_counts();
	world_call(&r, &mw, "POST", "/api/v1/members", mw.officer_nx,
		   tm_body("NX-V1", "Third", phone, NULL), NULL);
	assert_problem(&r, 409);
	ck_assert_int_eq(world_count(&mw, "members"), world_counted(&before, "members"));
	ck_assert_int_eq(world_count(&mw, "audit_events"), world_counted(&before, "audit_events") + 1);
	char *action = world_sql(&mw, "SELECT action FROM audit_events ORDER BY id DESC LIMIT 1");
	ck_assert_str_eq(action, "member.duplicate_outside_scope");
	free(action);
	ck_assert_ptr_null(strstr(r.body, "existing_member_id"));
	ck_assert_ptr_null(strstr(r.body, id));
	ck_assert_ptr_null(strstr(r.body, phone + 2));
	assert_problem_says(&r, "A member with this phone number already exists.");
	http_response_free(&r);
}
END_TEST

START_TEST(test_patch_to_a_phone_in_use_is_409)
{
	char phone[16];
	snprintf(phone, sizeof phone, "%s", tm_fresh_phone());
	char first[37], second[37], third[37];
	snprintf(first, sizeof first, "%s", tm_create(mw.officer_tq, tm_body("TQ-V1", "Một", phone, NULL)));
	snprintf(second, sizeof second, "%s", tm_create(mw.officer_tq, tm_body("TQ-V1", "Hai", NULL, NULL)));
	snprintf(third, sizeof third, "%s", tm_create(mw.officer_nx, tm_body("NX-V1", "Ba", NULL, NULL)));
	struct world_counts before = tm_counts();
	char body[64];
	snprintf(body, sizeof body, "{\"phone\":\"%.4s.%.3s.%.3s\"}", phone, phone + 4, phone + 7);
	struct http_response r;
	world_call_if_match(&r, &mw, "PATCH", tm_path(second), mw.officer_tq, body, "1");
	assert_problem(&r, 409);
	ck_assert_str_eq(json_field(r.body, "existing_member_id"), first);
	http_response_free(&r);
	world_call_if_match(&r, &mw, "PATCH", tm_path(third), mw.officer_nx, body, "1");
	assert_problem(&r, 409);
	ck_assert_ptr_null(strstr(r.body, "existing_member_id"));
	http_response_free(&r);
	/* keeping one's own number is no conflict */
	snprintf(body, sizeof body, "{\"phone\":\"%s\"}", phone);
	world_call_if_match(&r, &mw, "PATCH", tm_path(first), mw.officer_tq, body, "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	/* the patch, and the attempt on a number outside the NX officer's scope */
	ck_assert_int_eq(world_count(&mw, "audit_events"), world_counted(&before, "audit_events") + 2);
}
END_TEST

void members_add_validation_tests(TCase *tc)
{
	tcase_add_test(tc, test_patch_refuses_nulls_for_required_fields_and_lists);
	tcase_add_test(tc, test_move_to_a_unit_outside_scope_or_not_a_village_or_commune_is_422);
	tcase_add_test(tc, test_create_in_a_unit_outside_scope_or_of_the_wrong_level_is_422);
	tcase_add_test(tc, test_wrong_types_are_422_listing_every_field);
	tcase_add_test(tc, test_empty_strings_are_422);
	tcase_add_test(tc, test_100_kb_strings_are_422);
	tcase_add_test(tc, test_control_characters_are_422);
	tcase_add_test(tc, test_values_outside_their_enums_are_422);
	tcase_add_test(tc, test_unknown_and_read_only_fields_are_listed_together);
	tcase_add_test(tc, test_phone_numbers_are_stored_normalised);
	tcase_add_test(tc, test_invalid_phone_numbers_are_422);
	tcase_add_test(tc, test_birth_year_must_be_from_1920_to_14_years_ago);
	tcase_add_test(tc, test_emails_are_validated);
	tcase_add_test(tc, test_unknown_language_codes_are_422_naming_each);
	tcase_add_test(tc, test_trainings_are_validated_with_json_pointers);
	tcase_add_test(tc, test_duplicate_phone_names_the_existing_member_only_to_who_may_see_it);
	tcase_add_test(tc, test_patch_to_a_phone_in_use_is_409);
}
