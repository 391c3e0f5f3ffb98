/*
 * The service catalogue through the API: the seeded catalogue (ten services, Vietnamese
 * guides, H'Mông names and the VNeID steps in H'Mông), admin create/read/update/delete with
 * ETag, If-Match and audit events, who may read and write, deleting a service in use (409),
 * retiring, and validation of steps and translations by JSON Pointer. Every refused request
 * is checked to have written nothing.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "world.h"

static struct world sw;
WORLD_FIXTURE(sw, NULL)

#define TWO_STEPS                                                                           \
	"[{\"instruction\":\"Mở ứng dụng Zalo\",\"check\":\"Thấy màn hình đăng nhập\"},"     \
	"{\"instruction\":\"Đăng ký bằng số điện thoại chính chủ\"}]"

static struct world_counts counts(void)
{
	static const char *const tables[] = {"services", "activities", "audit_events", NULL};
	return world_counts(&sw, tables);
}

static const char *service_path(const char *code)
{
	static char path[128];
	snprintf(path, sizeof path, "/api/v1/services/%s", code);
	return path;
}

/* POSTs a service as token with the given steps and extra members (",..." or ""). */
static void post_service(struct http_response *r, const char *token, const char *code,
			 const char *steps, const char *extra)
{
	char body[8192];
	snprintf(body, sizeof body,
		 "{\"code\":\"%s\",\"name_vi\":\"Dịch vụ %s\",\"name_en\":\"Service %s\","
		 "\"category\":\"skills\",\"steps\":%s%s}",
		 code, code, code, steps, extra);
	world_call(r, &sw, "POST", "/api/v1/services", token, body, NULL);
}

static void create_service(const char *code, const char *extra)
{
	struct http_response r;
	post_service(&r, sw.admin, code, TWO_STEPS, extra);
	ck_assert_msg(r.status == 201, "create %s: %ld %s", code, r.status, r.body);
	http_response_free(&r);
}

static char *sql_value(const char *sql)
{
	return db_query_value(sw.url, sql);
}

START_TEST(test_seeded_catalogue_has_ten_services_with_hmn_vneid_steps)
{
	char *n = sql_value("SELECT count(*) FROM services WHERE code IN ('vneid_level2',"
			    " 'chip_citizen_id', 'public_service_portal', 'e_health_book',"
			    " 'utility_bill_payment', 'cashless_payment', 'online_shopping_safely',"
			    " 'smartphone_basics', 'online_fraud_awareness', 'social_insurance_app')"
			    " AND jsonb_array_length(steps) BETWEEN 5 AND 8"
			    " AND translations->'hmn'->>'name' <> ''");
	ck_assert_str_eq(n, "10");
	free(n);
	struct http_response r;
	world_call(&r, &sw, "GET", "/api/v1/services/vneid_level2", sw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "category"), "identity");
	ck_assert_str_eq(json_field(r.body, "name_vi"),
			 "Kích hoạt tài khoản định danh điện tử VNeID mức độ 2");
	json_t *doc = json_loads(r.body, 0, NULL);
	json_t *steps = json_object_get(doc, "steps");
	json_t *hmn = json_object_get(json_object_get(doc, "translations"), "hmn");
	ck_assert_int_ge(json_array_size(steps), 5);
	ck_assert_int_eq(json_array_size(json_object_get(hmn, "steps")), json_array_size(steps));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_array_get(steps, 0),
								       "instruction")),
				     "căn cước"));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
					     json_array_get(json_object_get(hmn, "steps"), 0),
					     "instruction")),
				     "daim npav"));
	char *etag = http_header_value(&r, "ETag");
	ck_assert_ptr_nonnull(etag);
	free(etag);
	json_decref(doc);
	http_response_free(&r);
	/* the list holds them all, in code order */
	world_call(&r, &sw, "GET", "/api/v1/services?limit=200", sw.officer_nx, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_ge(list_index(r.body, "code", "cashless_payment"), 0);
	ck_assert_int_lt(list_index(r.body, "code", "cashless_payment"),
			 list_index(r.body, "code", "vneid_level2"));
	http_response_free(&r);
}
END_TEST

/* Creates service `code` as admin (with a Hmong translation of its name); the answer is left
 * in r (201 asserted). */
static void admin_creates(struct http_response *r, const char *code)
{
	post_service(r, sw.admin, code, TWO_STEPS,
		     ",\"translations\":{\"hmn\":{\"name\":\"Siv Zalo\"}}");
	ck_assert_msg(r->status == 201, "%s", r->body);
}

START_TEST(test_admin_creates_a_service_with_location_and_etag)
{
	struct http_response r;
	admin_creates(&r, "zalo_basics");
	char *location = http_header_value(&r, "Location"), *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(location, "/api/v1/services/zalo_basics");
	ck_assert_str_eq(etag, "\"1\"");
	free(location);
	free(etag);
	ck_assert_str_eq(json_field(r.body, "status"), "active");
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_step_without_check_is_stored_with_check_null)
{
	struct http_response r;
	admin_creates(&r, "zalo_steps");
	ck_assert_str_eq(json_field(r.body, "steps.1.check"), "null");
	ck_assert_str_eq(json_field(r.body, "steps.0.check"), "Thấy màn hình đăng nhập");
	http_response_free(&r);
}
END_TEST

START_TEST(test_creating_a_service_writes_it_with_an_audit_event)
{
	struct world_counts before = counts();
	struct http_response r;
	admin_creates(&r, "zalo_audit");
	http_response_free(&r);
	struct world_counts after = counts();
	ck_assert_int_eq(world_counted(&after, "services"), world_counted(&before, "services") + 1);
	ck_assert_int_eq(world_counted(&after, "audit_events"),
			 world_counted(&before, "audit_events") + 1);
	char *ev = sql_value("SELECT action || ' ' || actor_name || ' ' || (after->>'code')"
			     " FROM audit_events WHERE entity_id = 'zalo_audit'");
	ck_assert_str_eq(ev, "service.create admin zalo_audit");
	free(ev);
}
END_TEST

START_TEST(test_officer_reads_a_created_service)
{
	struct http_response r;
	admin_creates(&r, "zalo_read");
	http_response_free(&r);
	world_call(&r, &sw, "GET", service_path("zalo_read"), sw.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "name_en"), "Service zalo_read");
	http_response_free(&r);
}
END_TEST

/* PATCHes service code's English name and category as admin at version 1; the answer is left
 * in r (200 asserted). */
static void admin_patches(struct http_response *r, const char *code)
{
	world_call_if_match(r, &sw, "PATCH", service_path(code), sw.admin,
			    "{\"name_en\":\"Zalo basics\",\"category\":\"commerce\"}", "1");
	ck_assert_msg(r->status == 200, "%s", r->body);
}

START_TEST(test_service_patch_merges_into_the_stored_fields)
{
	struct http_response r;
	admin_creates(&r, "zalo_patch");
	http_response_free(&r);
	admin_patches(&r, "zalo_patch");
	ck_assert_str_eq(json_field(r.body, "name_en"), "Zalo basics");
	ck_assert_str_eq(json_field(r.body, "category"), "commerce");
	ck_assert_str_eq(json_field(r.body, "translations.hmn.name"), "Siv Zalo");
	ck_assert_str_eq(json_field(r.body, "version"), "2");
	http_response_free(&r);
}
END_TEST

START_TEST(test_service_patch_is_audited_with_the_old_category)
{
	struct http_response r;
	admin_creates(&r, "zalo_patch_audit");
	http_response_free(&r);
	admin_patches(&r, "zalo_patch_audit");
	http_response_free(&r);
	char *ev = sql_value("SELECT action || ' ' || (before->>'category') || ' ' ||"
			     " (after->>'category') FROM audit_events"
			     " WHERE entity_id = 'zalo_patch_audit' ORDER BY id DESC LIMIT 1");
	ck_assert_str_eq(ev, "service.update skills commerce");
	free(ev);
}
END_TEST

/* Creates service code and deletes it as admin (204 asserted). */
static void admin_creates_then_deletes(const char *code)
{
	struct http_response r;
	admin_creates(&r, code);
	http_response_free(&r);
	world_call_if_match(&r, &sw, "DELETE", service_path(code), sw.admin, NULL, "1");
	ck_assert_int_eq(r.status, 204);
	http_response_free(&r);
}

START_TEST(test_deleted_service_is_gone)
{
	admin_creates_then_deletes("zalo_delete");
	world_get_refused(&sw, service_path("zalo_delete"), sw.admin, 404);
}
END_TEST

START_TEST(test_service_delete_is_audited)
{
	admin_creates_then_deletes("zalo_delete_audit");
	char *ev = sql_value("SELECT action FROM audit_events WHERE entity_id = 'zalo_delete_audit'"
			     " ORDER BY id DESC LIMIT 1");
	ck_assert_str_eq(ev, "service.delete");
	free(ev);
}
END_TEST

/* officer.tq, viewer.tq and leader.tq: none of them writes the catalogue. */
#define NON_ADMINS {sw.officer_tq, sw.viewer_tq, sw.leader_tq}

START_TEST(test_non_admins_cannot_create_services)
{
	struct world_counts before = counts();
	const char *writers[] = NON_ADMINS;
	for (size_t i = 0; i < 3; i++) {
		struct http_response r;
		post_service(&r, writers[i], "officer_made", TWO_STEPS, "");
		assert_problem(&r, 403);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_non_admins_cannot_patch_services)
{
	create_service("officer_patched", "");
	struct world_counts before = counts();
	const char *writers[] = NON_ADMINS;
	for (size_t i = 0; i < 3; i++) {
		struct http_response r;
		world_call_if_match(&r, &sw, "PATCH", service_path("officer_patched"), writers[i],
				    "{\"name_en\":\"x\"}", "1");
		assert_problem(&r, 403);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_non_admins_cannot_delete_services)
{
	create_service("officer_target", "");
	struct world_counts before = counts();
	const char *writers[] = NON_ADMINS;
	for (size_t i = 0; i < 3; i++) {
		struct http_response r;
		world_call_if_match(&r, &sw, "DELETE", service_path("officer_target"), writers[i],
				    NULL, "1");
		assert_problem(&r, 403);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_non_admins_read_services)
{
	create_service("officer_read", "");
	const char *readers[] = NON_ADMINS;
	for (size_t i = 0; i < 3; i++) {
		struct http_response r;
		world_call(&r, &sw, "GET", service_path("officer_read"), readers[i], NULL, NULL);
		ck_assert_int_eq(r.status, 200);
		http_response_free(&r);
	}
}
END_TEST

START_TEST(test_the_catalogue_needs_a_token)
{
	struct http_response r;
	world_call(&r, &sw, "GET", "/api/v1/services", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 401);
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_system_with_any_scope_reads_the_catalogue)
{
	char *token = world_client_token(&sw, "catalogue.reader", "[\"activities:write\"]", "TQ");
	struct http_response r;
	world_call(&r, &sw, "GET", service_path("vneid_level2"), token, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	free(token);
}
END_TEST

START_TEST(test_a_system_cannot_create_services)
{
	char *token = world_client_token(&sw, "catalogue.writer", "[\"activities:write\"]", "TQ");
	struct http_response r;
	post_service(&r, token, "system_made", TWO_STEPS, "");
	assert_problem(&r, 403);
	http_response_free(&r);
	free(token);
}
END_TEST

START_TEST(test_deleting_a_service_in_use_is_409_saying_retire_it)
{
	create_service("in_use_service", "");
	db_exec_ok(sw.url,
		   "INSERT INTO units (code, name, level, parent_code) VALUES ('SV-V', 'Bản dịch vụ',"
		   " 'village', 'TQ');"
		   "WITH t AS (INSERT INTO teams (unit_code, name, established_on) VALUES ('SV-V',"
		   " 'Tổ dịch vụ', '2020-01-01') RETURNING id)"
		   " INSERT INTO activities (team_id, unit_code, date, kind, service_codes)"
		   " SELECT id, 'SV-V', '2024-05-01', 'group_session',"
		   " '{vneid_level2,in_use_service}' FROM t");
	struct world_counts before = counts();
	struct http_response r;
	world_call_if_match(&r, &sw, "DELETE", service_path("in_use_service"), sw.admin, NULL, "1");
	assert_problem(&r, 409);
	assert_problem_says(&r, "retire");
	http_response_free(&r);
	world_assert_unchanged(&before);
	/* If-Match first: without it 428, stale 412 */
	world_call_if_match(&r, &sw, "DELETE", service_path("in_use_service"), sw.admin, NULL, NULL);
	assert_problem(&r, 428);
	http_response_free(&r);
	world_call_if_match(&r, &sw, "DELETE", service_path("in_use_service"), sw.admin, NULL, "7");
	assert_problem(&r, 412);
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_retiring_a_service_keeps_it_readable_and_audited)
{
	create_service("old_service", "");
	struct http_response r;
	world_call_if_match(&r, &sw, "PATCH", service_path("old_service"), sw.admin,
			    "{\"status\":\"retired\"}", "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "status"), "retired");
	http_response_free(&r);
	char *ev = sql_value("SELECT action FROM audit_events WHERE entity_id = 'old_service'"
			     " ORDER BY id DESC LIMIT 1");
	ck_assert_str_eq(ev, "service.retire");
	free(ev);
	world_call(&r, &sw, "GET", "/api/v1/services?status=retired", sw.officer_tq, NULL, NULL);
	ck_assert(list_has(r.body, "code", "old_service"));
	ck_assert(!list_has(r.body, "code", "vneid_level2"));
	http_response_free(&r);
	world_call(&r, &sw, "GET", "/api/v1/services?status=active&limit=200", sw.officer_tq, NULL,
		   NULL);
	ck_assert_ptr_null(strstr(r.body, "\"old_service\""));
	http_response_free(&r);
}
END_TEST

START_TEST(test_translations_are_validated_field_by_field)
{
	struct world_counts before = counts();
	static const struct {
		const char *extra, *field, *code;
	} cases[] = {
		{",\"translations\":{\"xyz\":{\"name\":\"Tên\"}}", "/translations/xyz", "not_found"},
		{",\"translations\":{\"hmn\":{\"name\":\"Zalo\",\"steps\":[{\"instruction\":\"a\"}]}}",
		 "/translations/hmn/steps", "count_mismatch"},
		{",\"translations\":{\"HMN\":{\"name\":\"Zalo\"}}", "/translations/HMN", "invalid_format"},
		{",\"translations\":{\"a/b\":{\"name\":\"Zalo\"}}", "/translations/a~1b", "invalid_format"},
		{",\"translations\":{\"hmn\":{\"steps\":null}}", "/translations/hmn/name", "required"},
		{",\"translations\":{\"hmn\":\"Zalo\"}", "/translations/hmn", "invalid_type"},
		{",\"translations\":[]", "/translations", "invalid_type"},
		{",\"translations\":{\"hmn\":{\"name\":\"Zalo\",\"title\":\"x\"}}",
		 "/translations/hmn/title", "unknown_field"},
		{",\"translations\":{\"hmn\":{\"name\":\"Zalo\",\"steps\":[{\"instruction\":\"a\"},"
		 "{\"instruction\":\"b\",\"check\":\"\"}]}}",
		 "/translations/hmn/steps/1/check", "required"},
		{",\"translations\":{\"hmn\":{\"name\":\"Zalo\",\"steps\":[{\"instruction\":\"a\"},"
		 "{\"check\":\"b\"}]}}",
		 "/translations/hmn/steps/1/instruction", "required"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct http_response r;
		post_service(&r, sw.admin, "translated", TWO_STEPS, cases[i].extra);
		ck_assert_msg(r.status == 422 && response_has_error(&r, cases[i].field, cases[i].code),
			      "case %zu: %ld %s", i, r.status, r.body);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
	/* a patch that leaves the translation with the wrong number of steps is refused too */
	create_service("translated_ok", ",\"translations\":{\"hmn\":{\"name\":\"Zalo\","
					"\"steps\":[{\"instruction\":\"a\"},{\"instruction\":\"b\"}]}}");
	before = counts();
	struct http_response r;
	world_call_if_match(&r, &sw, "PATCH", service_path("translated_ok"), sw.admin,
			    "{\"steps\":[{\"instruction\":\"only one\"}]}", "1");
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/translations/hmn/steps", "count_mismatch"));
	http_response_free(&r);
	world_call_if_match(&r, &sw, "PATCH", service_path("translated_ok"), sw.admin,
			    "{\"translations\":{\"qqq\":{\"name\":\"x\"}}}", "1");
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/translations/qqq", "not_found"));
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_steps_are_validated_with_json_pointers)
{
	char long_instruction[600], thirty_one[2400] = "[";
	memset(long_instruction, 'a', 501);
	long_instruction[501] = '\0';
	for (int i = 0; i < 31; i++)
		strcat(thirty_one, i ? ",{\"instruction\":\"x\"}" : "{\"instruction\":\"x\"}");
	strcat(thirty_one, "]");
	char too_long[700], long_check[500];
	snprintf(too_long, sizeof too_long, "[{\"instruction\":\"ok\"},{\"instruction\":\"%s\"}]",
		 long_instruction);
	memset(long_check, 'c', 301);
	long_check[301] = '\0';
	char check_too_long[600];
	snprintf(check_too_long, sizeof check_too_long,
		 "[{\"instruction\":\"ok\",\"check\":\"%s\"}]", long_check);
	const struct {
		const char *steps, *field, *code;
	} cases[] = {
		{"[]", "/steps", "too_short"},
		{thirty_one, "/steps", "too_long"},
		{"\"step one\"", "/steps", "invalid_type"},
		{"null", "/steps", "required"},
		{"[\"step one\"]", "/steps/0", "invalid_type"},
		{"[{\"instruction\":\"a\"},{\"instruction\":\"\"}]", "/steps/1/instruction", "required"},
		{too_long, "/steps/1/instruction", "too_long"},
		{check_too_long, "/steps/0/check", "too_long"},
		{"[{\"instruction\":\"a\\u0007b\"}]", "/steps/0/instruction", "invalid_characters"},
		{"[{\"instruction\":\"a\",\"check\":5}]", "/steps/0/check", "invalid_type"},
		{"[{\"instruction\":\"a\",\"order\":1}]", "/steps/0/order", "unknown_field"},
	};
	struct world_counts before = counts();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct http_response r;
		post_service(&r, sw.admin, "stepped", cases[i].steps, "");
		ck_assert_msg(r.status == 422 && response_has_error(&r, cases[i].field, cases[i].code),
			      "case %zu: %ld %s", i, r.status, r.body);
		http_response_free(&r);
	}
	/* and the other fields, all errors at once */
	struct http_response r;
	world_call(&r, &sw, "POST", "/api/v1/services", sw.admin,
		   "{\"code\":\"Bad Code\",\"name_vi\":\"\",\"category\":\"fun\",\"steps\":[{\"instruction\":"
		   "\"a\"}],\"version\":3,\"colour\":\"red\"}",
		   NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/code", "invalid_format"));
	ck_assert(response_has_error(&r, "/name_vi", "required"));
	ck_assert(response_has_error(&r, "/name_en", "required"));
	ck_assert(response_has_error(&r, "/category", "invalid_value"));
	ck_assert(response_has_error(&r, "/version", "read_only"));
	ck_assert(response_has_error(&r, "/colour", "unknown_field"));
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

/* Creates service code with Hmong (a name and two steps) and Tày (a name) translations. */
static void service_with_translations(const char *code)
{
	create_service(code, ",\"translations\":{\"hmn\":{\"name\":\"Hmoob\",\"steps\":"
			     "[{\"instruction\":\"a\"},{\"instruction\":\"b\"}]},"
			     "\"tyz\":{\"name\":\"Tày\"}}");
}

/* PATCHes service code with body and If-Match version (NULL: none) as admin; asserts a problem
 * with status and that nothing was written. The answer is left in r. */
static void service_patch_refused(struct http_response *r, const char *code, const char *body,
				  const char *version, long status)
{
	struct world_counts before = counts();
	world_call_if_match(r, &sw, "PATCH", service_path(code), sw.admin, body, version);
	assert_problem(r, status);
	world_assert_unchanged(&before);
}

START_TEST(test_service_patch_without_if_match_is_428)
{
	service_with_translations("merged_428");
	struct http_response r;
	service_patch_refused(&r, "merged_428", "{\"name_en\":\"x\"}", NULL, 428);
	http_response_free(&r);
}
END_TEST

START_TEST(test_service_patch_with_a_stale_version_is_412)
{
	service_with_translations("merged_412");
	struct http_response r;
	service_patch_refused(&r, "merged_412", "{\"name_en\":\"x\"}", "5", 412);
	http_response_free(&r);
}
END_TEST

START_TEST(test_service_patch_of_read_only_fields_is_422)
{
	service_with_translations("merged_422");
	struct http_response r;
	service_patch_refused(&r, "merged_422",
			      "{\"code\":\"renamed\",\"created_at\":\"2020-01-01T00:00:00Z\"}", "1",
			      422);
	ck_assert(response_has_error(&r, "/code", "read_only"));
	ck_assert(response_has_error(&r, "/created_at", "read_only"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_service_patch_merges_translations)
{
	/* a new name for hmn keeps its steps; tyz goes; nùng comes */
	service_with_translations("merged");
	struct http_response r;
	world_call_if_match(&r, &sw, "PATCH", service_path("merged"), sw.admin,
			    "{\"translations\":{\"hmn\":{\"name\":\"Hmoob tshiab\"},\"tyz\":null,"
			    "\"nut\":{\"name\":\"Nùng\"}}}",
			    "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "translations.hmn.name"), "Hmoob tshiab");
	ck_assert_str_eq(json_field(r.body, "translations.nut.name"), "Nùng");
	ck_assert(!json_has(r.body, "translations.tyz"));
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(
				 json_object_get(json_object_get(doc, "translations"), "hmn"), "steps")),
			 2);
	json_decref(doc);
	http_response_free(&r);
}
END_TEST

START_TEST(test_list_filters_by_category)
{
	struct http_response r;
	world_call(&r, &sw, "GET", "/api/v1/services?category=payments", sw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(list_has(r.body, "code", "cashless_payment"));
	ck_assert(list_has(r.body, "code", "utility_bill_payment"));
	ck_assert(!list_has(r.body, "code", "vneid_level2"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_q_ignores_diacritics_with_case)
{
	/* "thanh toan" finds "Thanh toán" */
	struct http_response r;
	world_call(&r, &sw, "GET", "/api/v1/services?q=THANH%20TOAN", sw.viewer_tq, NULL, NULL);
	ck_assert(list_has(r.body, "code", "utility_bill_payment"));
	ck_assert(!list_has(r.body, "code", "smartphone_basics"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_q_finds_a_service_by_its_hmong_name)
{
	struct http_response r;
	world_call(&r, &sw, "GET", "/api/v1/services?q=xov%20tooj%20ntse", sw.viewer_tq, NULL, NULL);
	ck_assert(list_has(r.body, "code", "smartphone_basics"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_list_pages_of_1_show_each_code_once)
{
	struct http_response r;
	char path[400] = "/api/v1/services?category=identity&limit=1";
	int seen = 0;
	for (;;) {
		world_call(&r, &sw, "GET", path, sw.viewer_tq, NULL, NULL);
		ck_assert_int_eq(r.status, 200);
		json_t *doc = json_loads(r.body, 0, NULL);
		seen += (int)json_array_size(json_object_get(doc, "items"));
		json_decref(doc);
		const char *next = json_field(r.body, "next_cursor");
		if (!strcmp(next, "null")) {
			http_response_free(&r);
			break;
		}
		snprintf(path, sizeof path, "/api/v1/services?category=identity&limit=1&cursor=%s", next);
		http_response_free(&r);
	}
	ck_assert_int_eq(seen, 2);
}
END_TEST

START_TEST(test_list_names_each_bad_filter)
{
	struct http_response r;
	world_call(&r, &sw, "GET", "/api/v1/services?category=fun&status=gone&limit=0", sw.viewer_tq,
		   NULL, NULL);
	assert_problem(&r, 422);
	http_response_free(&r);
	world_call(&r, &sw, "GET", "/api/v1/services?category=fun&status=gone", sw.viewer_tq, NULL,
		   NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "category", "invalid_value"));
	ck_assert(response_has_error(&r, "status", "invalid_value"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_codes_are_unique_and_strict)
{
	create_service("unique_code", "");
	struct world_counts before = counts();
	struct http_response r;
	post_service(&r, sw.admin, "unique_code", TWO_STEPS, "");
	assert_problem(&r, 409);
	http_response_free(&r);
	post_service(&r, sw.admin, "x", TWO_STEPS, "");
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/code", "too_short"));
	http_response_free(&r);
	world_assert_unchanged(&before);
	world_get_refused(&sw, "/api/v1/services/NO_SUCH", sw.admin, 404);
	world_call(&r, &sw, "GET", "/api/v1/services/no_such", sw.admin, NULL, NULL);
	assert_problem(&r, 404);
	http_response_free(&r);
}
END_TEST

START_TEST(test_same_idempotency_key_creates_one_service)
{
	const char *body = "{\"code\":\"idem_service\",\"name_vi\":\"A\",\"name_en\":\"A\","
			   "\"category\":\"safety\",\"steps\":[{\"instruction\":\"a\"}]}";
	const char *key[] = {"Idempotency-Key: svc-IK-1", NULL};
	struct world_counts before = counts();
	struct http_response a, b;
	world_call(&a, &sw, "POST", "/api/v1/services", sw.admin, body, key);
	world_call(&b, &sw, "POST", "/api/v1/services", sw.admin, body, key);
	ck_assert_int_eq(a.status, 201);
	ck_assert_int_eq(b.status, 201);
	ck_assert_str_eq(a.body, b.body);
	struct world_counts after = counts();
	ck_assert_int_eq(world_counted(&after, "services"), world_counted(&before, "services") + 1);
	http_response_free(&a);
	http_response_free(&b);
}
END_TEST

Suite *services_suite(void)
{
	Suite *s = suite_create("services");
	TCase *tc = tcase_create("catalogue");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_seeded_catalogue_has_ten_services_with_hmn_vneid_steps);
	tcase_add_test(tc, test_admin_creates_a_service_with_location_and_etag);
	tcase_add_test(tc, test_a_step_without_check_is_stored_with_check_null);
	tcase_add_test(tc, test_creating_a_service_writes_it_with_an_audit_event);
	tcase_add_test(tc, test_officer_reads_a_created_service);
	tcase_add_test(tc, test_service_patch_merges_into_the_stored_fields);
	tcase_add_test(tc, test_service_patch_is_audited_with_the_old_category);
	tcase_add_test(tc, test_deleted_service_is_gone);
	tcase_add_test(tc, test_service_delete_is_audited);
	tcase_add_test(tc, test_non_admins_cannot_create_services);
	tcase_add_test(tc, test_non_admins_cannot_patch_services);
	tcase_add_test(tc, test_non_admins_cannot_delete_services);
	tcase_add_test(tc, test_non_admins_read_services);
	tcase_add_test(tc, test_the_catalogue_needs_a_token);
	tcase_add_test(tc, test_a_system_with_any_scope_reads_the_catalogue);
	tcase_add_test(tc, test_a_system_cannot_create_services);
	tcase_add_test(tc, test_deleting_a_service_in_use_is_409_saying_retire_it);
	tcase_add_test(tc, test_retiring_a_service_keeps_it_readable_and_audited);
	tcase_add_test(tc, test_translations_are_validated_field_by_field);
	tcase_add_test(tc, test_steps_are_validated_with_json_pointers);
	tcase_add_test(tc, test_service_patch_without_if_match_is_428);
	tcase_add_test(tc, test_service_patch_with_a_stale_version_is_412);
	tcase_add_test(tc, test_service_patch_of_read_only_fields_is_422);
	tcase_add_test(tc, test_service_patch_merges_translations);
	tcase_add_test(tc, test_list_filters_by_category);
	tcase_add_test(tc, test_q_ignores_diacritics_with_case);
	tcase_add_test(tc, test_q_finds_a_service_by_its_hmong_name);
	tcase_add_test(tc, test_list_pages_of_1_show_each_code_once);
	tcase_add_test(tc, test_list_names_each_bad_filter);
	tcase_add_test(tc, test_codes_are_unique_and_strict);
	tcase_add_test(tc, test_same_idempotency_key_creates_one_service);
	suite_add_tcase(s, tc);
	return s;
}
