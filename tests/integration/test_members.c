/*
 * Members through the API, one at a time: create, read, patch and delete with their audit
 * events; personal data masked for viewers and for systems without members:pii in their
 * token; scope isolation; who may write; If-Match; concurrent patches; Idempotency-Key. Each
 * refused request asserts that nothing was written. Field validation is in
 * test_members_validation.c, the lists in test_members_list.c.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "test_members_support.h"

WORLD_FIXTURE(mw, NULL)

/* POSTs a full member body in TQ-V1 as officer.tq with phone "+84 912 000 <last3>"; the
 * answer is left in r (201 asserted) and the new id in id. */
static void officer_creates(struct http_response *r, const char *last3, char id[37])
{
	char body[1024];
	snprintf(body, sizeof body,
		 "{\"unit_code\":\"TQ-V1\",\"full_name\":\"Nguyễn Văn Đức\",\"gender\":\"male\","
		 "\"birth_year\":1990,\"phone\":\"+84 912 000 %s\",\"email\":\"Duc.NV@Example.VN\","
		 "\"ethnicity\":\"Tày\",\"languages\":[\"vie\",\"tyz\"],"
		 "\"affiliations\":[\"youth_union\",\"teacher\"],\"digital_skill\":\"intermediate\","
		 "\"trainings\":[{\"course\":\"Kỹ năng số\",\"provider\":\"Sở TT&TT\","
		 "\"completed_on\":\"2024-05-20\",\"certificate_no\":\"KNS-1\"}]}",
		 last3);
	world_call(r, &mw, "POST", "/api/v1/members", mw.officer_tq, body, NULL);
	ck_assert_msg(r->status == 201, "%s", r->body);
	snprintf(id, 37, "%s", json_field(r->body, "id"));
}

START_TEST(test_created_member_is_answered_normalised)
{
	struct http_response r;
	char id[37];
	officer_creates(&r, "001", id);
	ck_assert_str_eq(json_field(r.body, "phone"), "0912000001");
	ck_assert_str_eq(json_field(r.body, "email"), "Duc.NV@example.vn");
	ck_assert_str_eq(json_field(r.body, "birth_year"), "1990");
	ck_assert_str_eq(json_field(r.body, "status"), "active");
	ck_assert_str_eq(json_field(r.body, "languages"), "[\"vie\",\"tyz\"]");
	ck_assert_str_eq(json_field(r.body, "version"), "1");
	ck_assert(!json_has(r.body, "full_name_folded"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_created_member_is_answered_its_location_at_version_1)
{
	struct http_response r;
	char id[37];
	officer_creates(&r, "002", id);
	char *location = http_header_value(&r, "Location"), *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(location, tm_path(id));
	ck_assert_str_eq(etag, "\"1\"");
	free(location);
	free(etag);
	http_response_free(&r);
}
END_TEST

START_TEST(test_creating_a_member_writes_it_with_one_audit_event)
{
	struct world_counts before = tm_counts();
	struct http_response r;
	char id[37];
	officer_creates(&r, "003", id);
	http_response_free(&r);
	ck_assert_int_eq(world_count(&mw, "members"), world_counted(&before, "members") + 1);
	ck_assert_int_eq(world_count(&mw, "audit_events"),
			 world_counted(&before, "audit_events") + 1);
}
END_TEST

START_TEST(test_member_create_is_audited_without_the_folded_name)
{
	struct http_response r;
	char id[37];
	officer_creates(&r, "004", id);
	http_response_free(&r);
	char *ev = world_sql(&mw,
			     "SELECT action || ' ' || actor_name || ' ' || (after->>'phone') || ' ' ||"
			     " (after ? 'full_name_folded')::text FROM audit_events"
			     " WHERE entity_id = '%s'",
			     id);
	ck_assert_str_eq(ev, "member.create officer.tq 0912000004 false");
	free(ev);
}
END_TEST

START_TEST(test_created_member_reads_back_at_version_1)
{
	struct http_response r;
	char id[37];
	officer_creates(&r, "005", id);
	http_response_free(&r);
	world_call(&r, &mw, "GET", tm_path(id), mw.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "full_name"), "Nguyễn Văn Đức");
	ck_assert_str_eq(json_field(r.body, "trainings"),
			 "[{\"course\":\"Kỹ năng số\",\"provider\":\"Sở TT&TT\","
			 "\"completed_on\":\"2024-05-20\",\"certificate_no\":\"KNS-1\"}]");
	char *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(etag, "\"1\"");
	free(etag);
	http_response_free(&r);
}
END_TEST

/* A member "Lò Thị Mai" of TQ-V1 (email, gender, birth year, one language) patched as
 * officer.tq: moved to TQ, inactive, phone, email and birth year cleared, two languages, a
 * skill (200 asserted; the answer is left in r). Its id into id. */
static void patched_member(struct http_response *r, char id[37])
{
	char path[TM_PATH_SIZE];
	snprintf(id, 37, "%s",
		 tm_create_at(mw.officer_tq,
			      tm_body("TQ-V1", "Lò Thị Mai", tm_fresh_phone(),
				      ",\"email\":\"mai@example.vn\",\"gender\":\"female\","
				      "\"birth_year\":1985,\"languages\":[\"vie\"]"),
			      path));
	world_call_if_match(r, &mw, "PATCH", path, mw.officer_tq,
			    "{\"unit_code\":\"TQ\",\"status\":\"inactive\",\"phone\":null,"
			    "\"email\":null,\"birth_year\":null,\"languages\":[\"vie\",\"hmn\"],"
			    "\"digital_skill\":\"advanced\"}",
			    "1");
	ck_assert_msg(r->status == 200, "%s", r->body);
}

START_TEST(test_member_patch_changes_the_fields_it_names)
{
	struct http_response r;
	char id[37];
	patched_member(&r, id);
	ck_assert_str_eq(json_field(r.body, "unit_code"), "TQ");
	ck_assert_str_eq(json_field(r.body, "status"), "inactive");
	ck_assert_str_eq(json_field(r.body, "languages"), "[\"vie\",\"hmn\"]");
	ck_assert_str_eq(json_field(r.body, "version"), "2");
	char *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(etag, "\"2\"");
	free(etag);
	http_response_free(&r);
}
END_TEST

START_TEST(test_member_patch_null_clears_a_field)
{
	struct http_response r;
	char id[37];
	patched_member(&r, id);
	ck_assert_str_eq(json_field(r.body, "phone"), "null");
	ck_assert_str_eq(json_field(r.body, "email"), "null");
	ck_assert_str_eq(json_field(r.body, "birth_year"), "null");
	http_response_free(&r);
}
END_TEST

START_TEST(test_member_patch_keeps_the_fields_it_does_not_name)
{
	struct http_response r;
	char id[37];
	patched_member(&r, id);
	ck_assert_str_eq(json_field(r.body, "gender"), "female");
	http_response_free(&r);
}
END_TEST

START_TEST(test_member_patch_writes_one_audit_event_with_before_after_values)
{
	long audit = world_count(&mw, "audit_events") + 1; /* the create's */
	struct http_response r;
	char id[37];
	patched_member(&r, id);
	http_response_free(&r);
	ck_assert_int_eq(world_count(&mw, "audit_events"), audit + 1);
	char *ev = world_sql(&mw,
			     "SELECT action || ' ' || (before->>'unit_code') || '>' ||"
			     " (after->>'unit_code') || ' ' || (before->>'email') || '>' ||"
			     " coalesce(after->>'email', 'null') FROM audit_events"
			     " WHERE entity_id = '%s' ORDER BY id DESC LIMIT 1",
			     id);
	ck_assert_str_eq(ev, "member.update TQ-V1>TQ mai@example.vn>null");
	free(ev);
}
END_TEST

START_TEST(test_delete_needs_if_match_and_writes_an_audit_event)
{
	char path[TM_PATH_SIZE];
	const char *id = tm_create_at(mw.officer_tq, tm_body("TQ-V1", "Sùng Mí Chứ", NULL, NULL), path);
	struct world_counts before = tm_counts();
	struct http_response r;
	world_call_if_match(&r, &mw, "DELETE", path, mw.officer_tq, NULL, NULL);
	assert_problem(&r, 428);
	http_response_free(&r);
	world_call_if_match(&r, &mw, "DELETE", path, mw.officer_tq, NULL, "2");
	assert_problem(&r, 412);
	http_response_free(&r);
	world_assert_unchanged(&before);
	world_call_if_match(&r, &mw, "DELETE", path, mw.officer_tq, NULL, "1");
	ck_assert_msg(r.status == 204, "%s", r.body);
	http_response_free(&r);
	ck_assert_int_eq(world_count(&mw, "members"), world_counted(&before, "members") - 1);
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT action || ' ' || (before->>'full_name') FROM audit_events"
		 " WHERE entity_id = '%s' ORDER BY id DESC LIMIT 1", id);
	char *ev = world_sql(&mw, "%s", sql);
	ck_assert_str_eq(ev, "member.delete Sùng Mí Chứ");
	free(ev);
	world_get_refused(&mw, path, mw.officer_tq, 404);
}
END_TEST

START_TEST(test_delete_of_a_member_with_memberships_is_409_suggesting_inactive)
{
	db_exec_ok(mw.url, "INSERT INTO units (code, name, level, parent_code)"
			   " VALUES ('TQ-DEL', 'Thôn Xoá', 'village', 'TQ')");
	char sql[512], path[TM_PATH_SIZE];
	const char *id = tm_create_at(mw.officer_tq, tm_body("TQ-DEL", "Đặng Văn Ở", NULL, NULL), path);
	snprintf(sql, sizeof sql,
		 "WITH t AS (INSERT INTO teams (unit_code, name, established_on)"
		 " VALUES ('TQ-DEL', 'Tổ Xoá', '2024-01-01') RETURNING id)"
		 " INSERT INTO memberships (team_id, member_id, team_level, role, joined_on, left_on)"
		 " SELECT id, '%s', 'village', 'member', '2024-01-01', '2024-06-01' FROM t",
		 id);
	db_exec_ok(mw.url, sql);
	struct world_counts before = tm_counts();
	struct http_response r;
	world_call_if_match(&r, &mw, "DELETE", path, mw.officer_tq, NULL, "1");
	assert_problem(&r, 409);
	assert_problem_says(&r, "inactive");
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

/* A member "Masked" of TQ-V1 with phone, email <user>@example.vn and birth year 1980; its path
 * into path. */
static void member_with_personal_data(const char *phone, const char *user, char path[TM_PATH_SIZE])
{
	char extra[200];
	snprintf(extra, sizeof extra, ",\"email\":\"%s@example.vn\",\"birth_year\":1980", user);
	tm_create_at(mw.officer_tq, tm_body("TQ-V1", "Masked", phone, extra), path);
}

START_TEST(test_viewer_reads_a_member_masked)
{
	char path[TM_PATH_SIZE];
	member_with_personal_data("0987654323", "nguyen.van.a", path);
	struct http_response r;
	world_call(&r, &mw, "GET", path, mw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "phone"), "09******23");
	ck_assert_str_eq(json_field(r.body, "email"), "n***@example.vn");
	ck_assert_str_eq(json_field(r.body, "birth_year"), "null");
	http_response_free(&r);
}
END_TEST

START_TEST(test_viewer_lists_members_masked)
{
	char path[TM_PATH_SIZE];
	member_with_personal_data("0987654324", "nguyen.van.b", path);
	struct http_response r;
	world_call(&r, &mw, "GET", "/api/v1/members?unit=TQ-V1&limit=200", mw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, "0987654324")); /* nowhere in the answer */
	ck_assert_ptr_null(strstr(r.body, "nguyen.van.b@"));
	ck_assert(list_has(r.body, "phone", "09******24"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_officer_reads_a_member_unmasked)
{
	char path[TM_PATH_SIZE];
	member_with_personal_data("0987654325", "nguyen.van.c", path);
	struct http_response r;
	world_call(&r, &mw, "GET", path, mw.officer_tq, NULL, NULL);
	ck_assert_str_eq(json_field(r.body, "phone"), "0987654325");
	ck_assert_str_eq(json_field(r.body, "email"), "nguyen.van.c@example.vn");
	ck_assert_str_eq(json_field(r.body, "birth_year"), "1980");
	http_response_free(&r);
}
END_TEST

START_TEST(test_the_servers_log_never_holds_personal_data)
{
	char path[TM_PATH_SIZE];
	member_with_personal_data("0987654326", "nguyen.van.d", path);
	struct http_response r;
	const char *const tokens[] = {mw.viewer_tq, mw.officer_tq};
	for (size_t i = 0; i < 2; i++) {
		world_call(&r, &mw, "GET", path, tokens[i], NULL, NULL);
		http_response_free(&r);
		world_call(&r, &mw, "GET", "/api/v1/members?unit=TQ-V1&limit=200", tokens[i], NULL,
			   NULL);
		http_response_free(&r);
	}
	char *log = proc_output(&mw.server);
	ck_assert_ptr_null(strstr(log, "0987654326"));
	ck_assert_ptr_null(strstr(log, "nguyen.van.d"));
	free(log);
}
END_TEST

/* A member "Nhớ Lâu" of TQ-V1 with phone, read once by officer.tq so that its representation
 * is kept in memory; its path into path. */
static void kept_member(const char *phone, char path[TM_PATH_SIZE])
{
	tm_create_at(mw.officer_tq, tm_body("TQ-V1", "Nhớ Lâu", phone, NULL), path);
	struct http_response r;
	world_call(&r, &mw, "GET", path, mw.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
}

START_TEST(test_a_second_member_read_answers_the_same_from_memory)
{
	char path[TM_PATH_SIZE];
	tm_create_at(mw.officer_tq, tm_body("TQ-V1", "Nhớ Lâu", "0977000111", NULL), path);
	struct http_response r;
	for (int i = 0; i < 2; i++) { /* the second read is served from memory */
		world_call(&r, &mw, "GET", path, mw.officer_tq, NULL, NULL);
		ck_assert_int_eq(r.status, 200);
		ck_assert_str_eq(json_field(r.body, "phone"), "0977000111");
		http_response_free(&r);
	}
}
END_TEST

START_TEST(test_a_kept_member_read_is_still_masked_for_a_viewer)
{
	char path[TM_PATH_SIZE];
	kept_member("0977000311", path);
	struct http_response r;
	world_call(&r, &mw, "GET", path, mw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "phone"), "09******11");
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_kept_member_read_stays_hidden_from_another_commune)
{
	char path[TM_PATH_SIZE];
	kept_member("0977000411", path);
	struct http_response r;
	world_call(&r, &mw, "GET", path, mw.officer_nx, NULL, NULL);
	assert_problem(&r, 404);
	ck_assert_ptr_null(strstr(r.body, "Nhớ Lâu")); /* nowhere in the problem */
	http_response_free(&r);
}
END_TEST

/* PATCHes the kept member's phone to new_phone as officer.tq (200 asserted). */
static void patch_phone(const char *path, const char *new_phone)
{
	char body[64];
	snprintf(body, sizeof body, "{\"phone\":\"%s\"}", new_phone);
	struct http_response r;
	world_call_if_match(&r, &mw, "PATCH", path, mw.officer_tq, body, "1");
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
}

START_TEST(test_member_read_shows_a_patch_through_the_api)
{
	char path[TM_PATH_SIZE];
	kept_member("0977000511", path);
	patch_phone(path, "0977000522");
	struct http_response r;
	world_call(&r, &mw, "GET", path, mw.officer_tq, NULL, NULL);
	ck_assert_str_eq(json_field(r.body, "phone"), "0977000522");
	char *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(etag, "\"2\"");
	free(etag);
	http_response_free(&r);
}
END_TEST

START_TEST(test_masked_member_read_shows_a_patch_through_the_api)
{
	char path[TM_PATH_SIZE];
	kept_member("0977000611", path);
	struct http_response r;
	world_call(&r, &mw, "GET", path, mw.viewer_tq, NULL, NULL); /* kept masked too */
	http_response_free(&r);
	patch_phone(path, "0977000622");
	world_call(&r, &mw, "GET", path, mw.viewer_tq, NULL, NULL);
	ck_assert_str_eq(json_field(r.body, "phone"), "09******22");
	http_response_free(&r);
}
END_TEST

START_TEST(test_member_read_follows_a_rename_in_sql)
{
	/* a write that bypasses this server is seen soon after */
	char path[TM_PATH_SIZE];
	kept_member("0977000711", path);
	world_exec(&mw, "UPDATE members SET full_name = 'Đổi Ngoài' WHERE id = '%s'",
		   strrchr(path, '/') + 1);
	ck_assert(world_read_becomes(&mw, path, mw.officer_tq, 200, "full_name", "Đổi Ngoài"));
}
END_TEST

/* Moves the kept member at path into a new village `code` under TQ with SQL, and waits until
 * the read shows it. */
static void move_into_new_village(const char *path, const char *code)
{
	world_add_unit(&mw, code, "Thôn Chuyển", "village", "TQ");
	world_exec(&mw, "UPDATE members SET unit_code = '%s' WHERE id = '%s'", code,
		   strrchr(path, '/') + 1);
	ck_assert(world_read_becomes(&mw, path, mw.officer_tq, 200, "unit_code", code));
}

START_TEST(test_member_read_follows_a_move_in_sql)
{
	char path[TM_PATH_SIZE];
	kept_member("0977000811", path);
	move_into_new_village(path, "TQ-MV");
}
END_TEST

START_TEST(test_member_read_leaves_the_officers_sight_with_its_village_moved)
{
	char path[TM_PATH_SIZE];
	kept_member("0977000911", path);
	move_into_new_village(path, "TQ-MV2");
	world_exec(&mw, "UPDATE units SET parent_code = 'NX' WHERE code = 'TQ-MV2'");
	ck_assert(world_read_becomes(&mw, path, mw.officer_tq, 404, NULL, NULL));
}
END_TEST

/* A client of these scopes in TQ; returns its token, narrowed to `scope` when not NULL. */
static char *client_token(const char *client_id, const char *scopes, const char *scope)
{
	char body[256];
	snprintf(body, sizeof body, "{\"client_id\":\"%s\",\"scopes\":%s,\"unit_code\":\"TQ\"}",
		 client_id, scopes);
	struct http_response r;
	world_call(&r, &mw, "POST", "/api/v1/clients", mw.admin, body, NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	char secret[128];
	snprintf(secret, sizeof secret, "%s", json_field(r.body, "client_secret"));
	http_response_free(&r);
	char form[512];
	snprintf(form, sizeof form, "grant_type=client_credentials&client_id=%s&client_secret=%s%s%s",
		 client_id, secret, scope ? "&scope=" : "", scope ? scope : "");
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	http_request(&r, "POST", mw.server.port, "/api/v1/auth/token", h, form, strlen(form));
	ck_assert_msg(r.status == 200, "%s", r.body);
	char *token = strdup(json_field(r.body, "access_token"));
	http_response_free(&r);
	return token;
}

START_TEST(test_systems_see_personal_data_only_with_members_pii_in_their_token)
{
	char path[TM_PATH_SIZE];
	tm_create_at(mw.officer_tq, tm_body("TQ-V1", "Sys", "0356789012", ",\"email\":\"sys@example.vn\""),
		     path);
	char *reader = client_token("reader.sys", "[\"registry:read\"]", NULL);
	char *pii = client_token("pii.sys", "[\"registry:read\",\"members:pii\"]", NULL);
	char *narrowed = client_token("narrow.sys", "[\"registry:read\",\"members:pii\"]",
				      "registry:read");
	struct http_response r;
	world_call(&r, &mw, "GET", path, reader, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "phone"), "03******12");
	http_response_free(&r);
	world_call(&r, &mw, "GET", path, pii, NULL, NULL);
	ck_assert_str_eq(json_field(r.body, "phone"), "0356789012");
	ck_assert_str_eq(json_field(r.body, "email"), "sys@example.vn");
	http_response_free(&r);
	world_call(&r, &mw, "GET", path, narrowed, NULL, NULL);
	ck_assert_str_eq(json_field(r.body, "phone"), "03******12");
	ck_assert_str_eq(json_field(r.body, "email"), "s***@example.vn");
	http_response_free(&r);
	/* reading is all a registry:read token may do */
	struct world_counts before = tm_counts();
	world_call(&r, &mw, "POST", "/api/v1/members", pii, tm_body("TQ-V1", "No", NULL, NULL), NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(reader);
	free(pii);
	free(narrowed);
}
END_TEST

START_TEST(test_officer_of_another_commune_gets_404_for_members_out_of_scope)
{
	char path[TM_PATH_SIZE];
	const char *id = tm_create_at(mw.officer_tq, tm_body("TQ-V1", "Hidden Person", NULL, NULL), path);
	struct world_counts before = tm_counts();
	struct http_response r;
	world_get_refused(&mw, path, mw.officer_nx, 404);
	world_call_if_match(&r, &mw, "PATCH", path, mw.officer_nx, "{\"status\":\"inactive\"}", "1");
	assert_problem(&r, 404);
	http_response_free(&r);
	world_call_if_match(&r, &mw, "DELETE", path, mw.officer_nx, NULL, "1");
	assert_problem(&r, 404);
	http_response_free(&r);
	/* exactly like an id that does not exist, or one that is not an id */
	world_call(&r, &mw, "GET", tm_path("7d3c1c0e-0000-4000-8000-000000000000"), mw.officer_nx,
		   NULL, NULL);
	assert_problem(&r, 404);
	http_response_free(&r);
	world_get_refused(&mw, "/api/v1/members/not-a-uuid", mw.officer_tq, 404);
	world_call(&r, &mw, "GET", "/api/v1/members?limit=200", mw.officer_nx, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, id));
	http_response_free(&r);
	world_call(&r, &mw, "GET", "/api/v1/members?unit=TQ", mw.officer_nx, NULL, NULL);
	ck_assert_str_eq(json_field(r.body, "items"), "[]");
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_viewer_and_team_leader_cannot_write_members)
{
	char path[TM_PATH_SIZE];
	tm_create_at(mw.officer_tq, tm_body("TQ-V1", "Untouchable", NULL, NULL), path);
	struct world_counts before = tm_counts();
	const char *writers[] = {mw.viewer_tq, mw.leader_tq};
	for (int i = 0; i < 2; i++) {
		struct http_response r;
		world_call(&r, &mw, "POST", "/api/v1/members", writers[i],
			   tm_body("TQ-V1", "Sneaky", NULL, NULL), NULL);
		assert_problem(&r, 403);
		http_response_free(&r);
		world_call_if_match(&r, &mw, "PATCH", path, writers[i], "{\"status\":\"inactive\"}", "1");
		assert_problem(&r, 403);
		http_response_free(&r);
		world_call_if_match(&r, &mw, "DELETE", path, writers[i], NULL, "1");
		assert_problem(&r, 403);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_patch_without_if_match_is_428_and_stale_is_412)
{
	char path[TM_PATH_SIZE];
	tm_create_at(mw.officer_tq, tm_body("TQ-V1", "Versioned", NULL, NULL), path);
	struct world_counts before = tm_counts();
	struct http_response r;
	world_call_if_match(&r, &mw, "PATCH", path, mw.officer_tq, "{\"status\":\"inactive\"}", NULL);
	assert_problem(&r, 428);
	http_response_free(&r);
	world_call_if_match(&r, &mw, "PATCH", path, mw.officer_tq, "{\"status\":\"inactive\"}", "7");
	assert_problem(&r, 412);
	http_response_free(&r);
	const char *weak[] = {"If-Match: W/\"1\"", NULL};
	world_call(&r, &mw, "PATCH", path, mw.officer_tq, "{\"status\":\"inactive\"}", weak);
	assert_problem(&r, 412);
	http_response_free(&r);
	world_assert_unchanged(&before);
	world_call_if_match(&r, &mw, "PATCH", path, mw.officer_tq, "{\"status\":\"inactive\"}", "1");
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	world_call_if_match(&r, &mw, "PATCH", path, mw.officer_tq, "{\"status\":\"active\"}", "1");
	assert_problem(&r, 412);
	http_response_free(&r);
}
END_TEST

struct racer {
	const char *path;
	int index;
	long status;
};

static void *race_patch(void *arg)
{
	struct racer *racer = arg;
	char body[64];
	snprintf(body, sizeof body, "{\"full_name\":\"Racer %d\"}", racer->index);
	struct http_response r;
	world_call_if_match(&r, &mw, "PATCH", racer->path, mw.officer_tq, body, "1");
	racer->status = r.status;
	http_response_free(&r);
	return NULL;
}

START_TEST(test_concurrent_patches_with_the_same_if_match_exactly_one_wins)
{
	char path[TM_PATH_SIZE];
	const char *id = tm_create_at(mw.officer_tq, tm_body("TQ-V1", "Contested", NULL, NULL), path);
	long audit = world_count(&mw, "audit_events");
	enum { RACERS = 6 };
	struct racer racers[RACERS];
	pthread_t threads[RACERS];
	for (int i = 0; i < RACERS; i++) {
		racers[i] = (struct racer){path, i, 0};
		ck_assert_int_eq(pthread_create(&threads[i], NULL, race_patch, &racers[i]), 0);
	}
	int won = 0, stale = 0;
	for (int i = 0; i < RACERS; i++) {
		pthread_join(threads[i], NULL);
		won += racers[i].status == 200;
		stale += racers[i].status == 412;
	}
	ck_assert_int_eq(won, 1);
	ck_assert_int_eq(stale, RACERS - 1);
	ck_assert_int_eq(world_count(&mw, "audit_events"), audit + 1);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT version FROM members WHERE id = '%s'", id);
	char *version = world_sql(&mw, "%s", sql);
	ck_assert_str_eq(version, "2");
	free(version);
}
END_TEST

START_TEST(test_idempotency_key_replays_the_first_answer_and_refuses_another_body)
{
	char phone[16];
	snprintf(phone, sizeof phone, "%s", tm_fresh_phone());
	char body[512];
	snprintf(body, sizeof body, "%s", tm_body("TQ-V1", "Once Only", phone, NULL));
	const char *key[] = {"Idempotency-Key: member-once-1", NULL};
	struct http_response first, again;
	world_call(&first, &mw, "POST", "/api/v1/members", mw.officer_tq, body, key);
	ck_assert_msg(first.status == 201, "%s", first.body);
	struct world_counts before = tm_counts();
	world_call(&again, &mw, "POST", "/api/v1/members", mw.officer_tq, body, key);
	ck_assert_int_eq(again.status, 201);
	ck_assert_str_eq(again.body, first.body);
	world_assert_unchanged(&before);
	http_response_free(&again);
	world_call(&again, &mw, "POST", "/api/v1/members", mw.officer_tq,
		   tm_body("TQ-V1", "Another One", tm_fresh_phone(), NULL), key);
	assert_problem(&again, 422);
	http_response_free(&again);
	world_assert_unchanged(&before);
	http_response_free(&first);
}
END_TEST

START_TEST(test_a_team_leader_sees_only_the_members_of_their_team)
{
	db_exec_ok(mw.url,
		   "INSERT INTO teams (id, unit_code, name, established_on) VALUES"
		   " ('aaaaaaaa-0000-4000-8000-000000000001', 'TQ-V1', 'Tổ thôn Tân Thành', '2024-01-01');"
		   "INSERT INTO members (id, unit_code, full_name, phone) VALUES"
		   " ('bbbbbbbb-0000-4000-8000-000000000001', 'TQ-V1', 'Sùng A Páo', '0971000001'),"
		   " ('bbbbbbbb-0000-4000-8000-000000000002', 'TQ-V1', 'Lò Thị Dung', '0971000002');"
		   "INSERT INTO memberships (team_id, member_id, team_level, role, joined_on) VALUES"
		   " ('aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000001',"
		   "  'village', 'leader', '2024-01-01');"
		   "UPDATE users SET team_id = 'aaaaaaaa-0000-4000-8000-000000000001'"
		   " WHERE username = 'leader.tq'");
	struct http_response r;
	world_call(&r, &mw, "GET", "/api/v1/members?limit=200", mw.leader_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(list_has(r.body, "full_name", "Sùng A Páo"));
	ck_assert(!list_has(r.body, "full_name", "Lò Thị Dung")); /* same village, not in the team */
	http_response_free(&r);
	world_call(&r, &mw, "GET", "/api/v1/members/bbbbbbbb-0000-4000-8000-000000000002", mw.leader_tq,
		   NULL, NULL);
	assert_problem(&r, 404);
	http_response_free(&r);
	world_call(&r, &mw, "GET", "/api/v1/members/bbbbbbbb-0000-4000-8000-000000000001", mw.leader_tq,
		   NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "phone"), "0971000001"); /* they call their members */
	http_response_free(&r);
	/* asking for another team changes nothing */
	world_call(&r, &mw, "GET", "/api/v1/members?team=00000000-0000-4000-8000-000000000009",
		   mw.leader_tq, NULL, NULL);
	ck_assert(list_has(r.body, "full_name", "Sùng A Páo"));
	http_response_free(&r);
}
END_TEST

Suite *members_suite(void)
{
	Suite *s = suite_create("members");
	TCase *tc = tcase_create("single members");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_created_member_is_answered_normalised);
	tcase_add_test(tc, test_created_member_is_answered_its_location_at_version_1);
	tcase_add_test(tc, test_creating_a_member_writes_it_with_one_audit_event);
	tcase_add_test(tc, test_member_create_is_audited_without_the_folded_name);
	tcase_add_test(tc, test_created_member_reads_back_at_version_1);
	tcase_add_test(tc, test_a_second_member_read_answers_the_same_from_memory);
	tcase_add_test(tc, test_a_kept_member_read_is_still_masked_for_a_viewer);
	tcase_add_test(tc, test_a_kept_member_read_stays_hidden_from_another_commune);
	tcase_add_test(tc, test_member_read_shows_a_patch_through_the_api);
	tcase_add_test(tc, test_masked_member_read_shows_a_patch_through_the_api);
	tcase_add_test(tc, test_member_read_follows_a_rename_in_sql);
	tcase_add_test(tc, test_member_read_follows_a_move_in_sql);
	tcase_add_test(tc, test_member_read_leaves_the_officers_sight_with_its_village_moved);
	tcase_add_test(tc, test_a_team_leader_sees_only_the_members_of_their_team);
	tcase_add_test(tc, test_member_patch_changes_the_fields_it_names);
	tcase_add_test(tc, test_member_patch_null_clears_a_field);
	tcase_add_test(tc, test_member_patch_keeps_the_fields_it_does_not_name);
	tcase_add_test(tc, test_member_patch_writes_one_audit_event_with_before_after_values);
	tcase_add_test(tc, test_delete_needs_if_match_and_writes_an_audit_event);
	tcase_add_test(tc, test_delete_of_a_member_with_memberships_is_409_suggesting_inactive);
	tcase_add_test(tc, test_viewer_reads_a_member_masked);
	tcase_add_test(tc, test_viewer_lists_members_masked);
	tcase_add_test(tc, test_officer_reads_a_member_unmasked);
	tcase_add_test(tc, test_the_servers_log_never_holds_personal_data);
	tcase_add_test(tc, test_systems_see_personal_data_only_with_members_pii_in_their_token);
	tcase_add_test(tc, test_officer_of_another_commune_gets_404_for_members_out_of_scope);
	tcase_add_test(tc, test_viewer_and_team_leader_cannot_write_members);
	tcase_add_test(tc, test_patch_without_if_match_is_428_and_stale_is_412);
	tcase_add_test(tc, test_concurrent_patches_with_the_same_if_match_exactly_one_wins);
	tcase_add_test(tc, test_idempotency_key_replays_the_first_answer_and_refuses_another_body);
	members_add_validation_tests(tc);
	suite_add_tcase(s, tc);
	members_add_list_tests(s);
	return s;
}
