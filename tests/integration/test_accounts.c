/*
 * Accounts, scopes and the audit trail through the API: who may create and change which
 * accounts, scope isolation (outside answers 404 and is absent from lists), no
 * self-promotion, If-Match, validation of every field, audit events written with each change,
 * and cursor paging.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"
#include "world.h"

static struct world w;

WORLD_FIXTURE(w, NULL)

static char *user_path(const char *id)
{
	static char path[96];
	snprintf(path, sizeof path, "/api/v1/users/%s", id);
	return path;
}

/* What an account request may write, to assert (world_assert_unchanged) that it wrote nothing. */
static struct world_counts counts_now(void)
{
	static const char *const tables[] = {"users", "audit_events", NULL};
	return world_counts(&w, tables);
}

/* Asserts the Cache-Control of GET path (token may be NULL). */
static void assert_cache_control(const char *path, const char *token, const char *want)
{
	struct http_response r;
	world_call(&r, &w, "GET", path, token, NULL, NULL);
	char *cc = http_header_value(&r, "Cache-Control");
	ck_assert_msg(cc && !strcmp(cc, want), "%s: Cache-Control %s, expected %s", path, cc, want);
	free(cc);
	http_response_free(&r);
}

START_TEST(test_what_a_token_opens_is_never_cached_sniffed_or_framed)
{
	assert_cache_control("/api/v1/me", w.officer_tq, "no-store");
	assert_cache_control("/api/v1/units/TQ", w.viewer_tq, "no-store");
	assert_cache_control("/api/v1/units/TQ", NULL, "no-store"); /* the 401 too */
	assert_cache_control("/api/v1/nowhere", w.admin, "no-store");
	/* public documents keep their own */
	assert_cache_control("/.well-known/jwks.json", NULL, "public, max-age=300");
	assert_cache_control("/openapi.json", NULL, "public, max-age=300");
	/* data is never sniffed into a page nor framed; the docs page keeps its own policy */
	const char *paths[] = {"/api/v1/me", "/api/v1/nowhere", "/docs"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct http_response r;
		world_call(&r, &w, "GET", paths[i], w.officer_tq, NULL, NULL);
		char *nosniff = http_header_value(&r, "X-Content-Type-Options");
		char *csp = http_header_value(&r, "Content-Security-Policy");
		ck_assert_str_eq(nosniff, "nosniff");
		ck_assert_msg(csp && strstr(csp, "frame-ancestors 'none'"), "%s: %s", paths[i], csp);
		ck_assert_int_eq(!strcmp(paths[i], "/docs"), strstr(csp, "script-src") != NULL);
		free(nosniff);
		free(csp);
		http_response_free(&r);
	}
}
END_TEST

START_TEST(test_officer_creates_a_viewer_in_scope_with_an_audit_event)
{
	long audit = world_count(&w, "audit_events");
	struct http_response r;
	const char *body = "{\"username\":\"Viewer.TQ2\",\"password\":\"a long enough pass\","
			   "\"role\":\"viewer\",\"unit_code\":\"TQ-V1\"}";
	world_call(&r, &w, "POST", "/api/v1/users", w.officer_tq, body, NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "username"), "viewer.tq2");
	ck_assert_ptr_null(strstr(r.body, "password"));
	char *location = http_header_value(&r, "Location"), *etag = http_header_value(&r, "ETag");
	ck_assert_ptr_nonnull(strstr(location, "/api/v1/users/"));
	ck_assert_str_eq(etag, "\"1\"");
	free(location);
	free(etag);
	http_response_free(&r);
	ck_assert_int_eq(world_count(&w, "audit_events"), audit + 1);
	char *ev = db_query_value(w.url, "SELECT action || ' ' || actor_name || ' ' || "
					 "(after ? 'password_hash')::text FROM audit_events "
					 "ORDER BY id DESC LIMIT 1");
	ck_assert_str_eq(ev, "user.create officer.tq false");
	free(ev);
}
END_TEST

START_TEST(test_officer_cannot_create_officers_or_outside_scope)
{
	struct world_counts before = counts_now();
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/users", w.officer_tq,
		   "{\"username\":\"x.officer\",\"password\":\"a long enough pass\",\"role\":\"officer\","
		   "\"unit_code\":\"TQ\"}",
		   NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	world_call(&r, &w, "POST", "/api/v1/users", w.officer_tq,
		   "{\"username\":\"x.viewer\",\"password\":\"a long enough pass\",\"role\":\"viewer\","
		   "\"unit_code\":\"NX-V1\"}",
		   NULL);
	assert_problem(&r, 422);
	ck_assert_msg(response_has_error(&r, "/unit_code", NULL), "%s", r.body);
	http_response_free(&r);
	world_call(&r, &w, "POST", "/api/v1/users", w.officer_tq,
		   "{\"username\":\"x.viewer\",\"password\":\"a long enough pass\",\"role\":\"viewer\","
		   "\"unit_code\":\"HG\"}",
		   NULL);
	assert_problem(&r, 422); /* above the officer's unit: out of scope too */
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_viewer_and_team_leader_cannot_write_accounts)
{
	struct world_counts before = counts_now();
	const char *body = "{\"username\":\"sneaky\",\"password\":\"a long enough pass\","
			   "\"role\":\"viewer\",\"unit_code\":\"TQ\"}";
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/users", w.viewer_tq, body, NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	world_call(&r, &w, "POST", "/api/v1/users", w.leader_tq, body, NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", user_path(w.viewer_tq_id), w.viewer_tq, "{\"role\":\"admin\"}", "1");
	assert_problem(&r, 403);
	http_response_free(&r);
	world_call(&r, &w, "POST", "/api/v1/clients", w.officer_tq,
		   "{\"client_id\":\"x.sys\",\"scopes\":[\"registry:read\"],\"unit_code\":\"TQ\"}", NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	world_assert_unchanged(&before);
	ck_assert_int_eq(world_count(&w, "clients"), 0);
}
END_TEST

START_TEST(test_nobody_patches_their_own_role)
{
	long audit = world_count(&w, "audit_events");
	struct http_response r;
	world_call_if_match(&r, &w, "PATCH", user_path(w.officer_tq_id), w.officer_tq, "{\"role\":\"admin\"}", "1");
	assert_problem(&r, 403);
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", user_path(w.officer_tq_id), w.officer_tq, "{\"unit_code\":\"HG\"}", "1");
	assert_problem(&r, 403);
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", user_path(w.admin_id), w.admin, "{\"status\":\"disabled\"}", "1");
	assert_problem(&r, 403);
	http_response_free(&r);
	char *role = db_query_value(w.url, "SELECT role || version FROM users WHERE username = 'officer.tq'");
	ck_assert_str_eq(role, "officer1");
	free(role);
	ck_assert_int_eq(world_count(&w, "audit_events"), audit);
}
END_TEST

START_TEST(test_another_communes_officer_cannot_read_an_account)
{
	long audit = world_count(&w, "audit_events");
	world_get_refused(&w, user_path(w.viewer_tq_id), w.officer_nx, 404);
	ck_assert_int_eq(world_count(&w, "audit_events"), audit);
}
END_TEST

START_TEST(test_another_communes_officer_cannot_patch_an_account)
{
	long audit = world_count(&w, "audit_events");
	struct http_response r;
	world_call_if_match(&r, &w, "PATCH", user_path(w.viewer_tq_id), w.officer_nx,
			    "{\"status\":\"disabled\"}", "1");
	assert_problem(&r, 404);
	http_response_free(&r);
	ck_assert_int_eq(world_count(&w, "audit_events"), audit);
	char *status = db_query_value(w.url,
				      "SELECT status FROM users WHERE username = 'viewer.tq'");
	ck_assert_str_eq(status, "active");
	free(status);
}
END_TEST

START_TEST(test_an_account_that_does_not_exist_is_404)
{
	/* exactly what an account out of scope answers */
	struct http_response r;
	world_call(&r, &w, "GET", user_path("7d3c1c0e-0000-4000-8000-000000000000"), w.officer_nx,
		   NULL, NULL);
	assert_problem(&r, 404);
	http_response_free(&r);
}
END_TEST

START_TEST(test_account_list_of_an_officer_holds_only_their_communes_accounts)
{
	struct http_response r;
	world_call(&r, &w, "GET", "/api/v1/users?limit=200", w.officer_nx, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(!list_has(r.body, "username", "viewer.tq"));
	ck_assert(!list_has(r.body, "username", "officer.tq"));
	ck_assert(!list_has(r.body, "username", "admin"));
	ck_assert(list_has(r.body, "username", "officer.nx"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_account_list_of_an_officer_holds_their_villages_team_leader)
{
	struct http_response r;
	world_call(&r, &w, "GET", "/api/v1/users?limit=200", w.officer_tq, NULL, NULL);
	ck_assert(list_has(r.body, "username", "leader.tq"));
	ck_assert(!list_has(r.body, "username", "officer.nx"));
	http_response_free(&r);
}
END_TEST

/* A viewer of TQ named username, added with SQL: its path into path. */
static void viewer_to_patch(const char *username, char path[96])
{
	const char *id = world_add_user(&w, username, "viewer", "TQ", NULL);
	snprintf(path, 96, "/api/v1/users/%s", id);
}

/* PATCHes {"status":"disabled"} as officer.tq with extra headers; asserts 412 or 428 (status)
 * and that no audit event was written. */
static void user_patch_refused(const char *path, const char *const *extra, long status)
{
	long audit = world_count(&w, "audit_events");
	struct http_response r;
	world_call(&r, &w, "PATCH", path, w.officer_tq, "{\"status\":\"disabled\"}", extra);
	assert_problem(&r, status);
	http_response_free(&r);
	ck_assert_int_eq(world_count(&w, "audit_events"), audit);
}

/* Disables the user at path as officer.tq at version 1 (200 asserted); the answer is left in
 * r. */
static void disable_user(struct http_response *r, const char *path)
{
	world_call_if_match(r, &w, "PATCH", path, w.officer_tq,
			    "{\"status\":\"disabled\",\"role\":\"team_leader\"}", "1");
	ck_assert_msg(r->status == 200, "%s", r->body);
}

START_TEST(test_user_read_has_version_1_as_etag)
{
	char path[96];
	viewer_to_patch("patch.me", path);
	struct http_response r;
	world_call(&r, &w, "GET", path, w.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	char *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(etag, "\"1\"");
	free(etag);
	http_response_free(&r);
}
END_TEST

START_TEST(test_user_patch_without_if_match_is_428)
{
	char path[96];
	viewer_to_patch("patch.me2", path);
	user_patch_refused(path, NULL, 428);
}
END_TEST

START_TEST(test_user_patch_with_another_version_is_412)
{
	char path[96];
	viewer_to_patch("patch.me3", path);
	const char *other[] = {"If-Match: \"7\"", NULL};
	user_patch_refused(path, other, 412);
}
END_TEST

START_TEST(test_user_patch_with_a_weak_etag_is_412)
{
	char path[96];
	viewer_to_patch("patch.me4", path);
	const char *junk[] = {"If-Match: W/\"1\"", NULL};
	user_patch_refused(path, junk, 412);
}
END_TEST

START_TEST(test_user_patch_answers_the_user_at_version_2)
{
	char path[96];
	viewer_to_patch("patch.me5", path);
	struct http_response r;
	disable_user(&r, path);
	ck_assert_str_eq(json_field(r.body, "status"), "disabled");
	ck_assert_str_eq(json_field(r.body, "version"), "2");
	http_response_free(&r);
}
END_TEST

START_TEST(test_user_patch_is_audited_with_the_old_status)
{
	char path[96];
	viewer_to_patch("patch.me6", path);
	struct http_response r;
	disable_user(&r, path);
	http_response_free(&r);
	char *ev = db_query_value(w.url, "SELECT before->>'status' || '>' || (after->>'status') "
					 "FROM audit_events ORDER BY id DESC LIMIT 1");
	ck_assert_str_eq(ev, "active>disabled");
	free(ev);
}
END_TEST

START_TEST(test_a_patched_users_old_version_is_stale)
{
	char path[96];
	viewer_to_patch("patch.me7", path);
	struct http_response r;
	disable_user(&r, path);
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", path, w.officer_tq, "{\"status\":\"active\"}", "1");
	assert_problem(&r, 412);
	http_response_free(&r);
}
END_TEST

/* POSTs body to /api/v1/users as admin; asserts 422 and that nothing was written. The answer
 * is left in r. */
static void user_refused(struct http_response *r, const char *body)
{
	struct world_counts before = counts_now();
	world_call(r, &w, "POST", "/api/v1/users", w.admin, body, NULL);
	assert_problem(r, 422);
	world_assert_unchanged(&before);
}

START_TEST(test_every_refused_user_field_is_listed_in_one_answer)
{
	struct http_response r;
	user_refused(&r, "{\"username\":\"a\",\"password\":\"short\",\"role\":\"king\","
			 "\"unit_code\":\"bad code!\",\"team_id\":\"nope\",\"id\":\"x\",\"version\":3,"
			 "\"color\":\"red\",\"status\":5}");
	static const char *const fields[] = {"/username", "/role", "/unit_code", "/team_id", "/id",
					     "/version", "/color", "/status"};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		ck_assert_msg(response_has_error(&r, fields[i], NULL), "%s missing from %s",
			      fields[i],
			      r.body);
	ck_assert(response_has_error(&r, "/color", "unknown_field"));
	ck_assert(response_has_error(&r, "/id", "read_only"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_weak_password_alone_is_422)
{
	struct http_response r;
	user_refused(&r,
		     "{\"username\":\"weak.one\",\"password\":\"elevenchars\",\"role\":\"viewer\","
			 "\"unit_code\":\"TQ\"}");
	ck_assert(response_has_error(&r, "/password", "too_weak"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_user_with_control_characters_or_empty_strings_is_422)
{
	struct http_response r;
	user_refused(&r, "{\"username\":\"ctl\\u0001x\",\"password\":\"\",\"role\":\"viewer\","
			 "\"unit_code\":\"TQ\"}");
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_10_kB_username_is_422)
{
	size_t n = 10240;
	char *big = malloc(n + 200);
	int len = snprintf(big, 20, "{\"username\":\"");
	memset(big + len, 'a', n);
	snprintf(big + len + n, 200,
		 "\",\"password\":\"a long enough pass\",\"role\":\"viewer\",\"unit_code\":\"TQ\"}");
	struct http_response r;
	user_refused(&r, big);
	http_response_free(&r);
	free(big);
}
END_TEST

START_TEST(test_a_viewer_without_a_unit_is_422)
{
	/* role and unit must agree */
	struct http_response r;
	user_refused(&r, "{\"username\":\"no.unit\",\"password\":\"a long enough pass\","
			 "\"role\":\"viewer\"}");
	http_response_free(&r);
}
END_TEST

START_TEST(test_duplicate_username_is_409)
{
	long users = world_count(&w, "users");
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/users", w.admin,
		   "{\"username\":\"OFFICER.tq\",\"password\":\"a long enough pass\",\"role\":\"viewer\","
		   "\"unit_code\":\"TQ\"}",
		   NULL);
	assert_problem(&r, 409);
	http_response_free(&r);
	ck_assert_int_eq(world_count(&w, "users"), users);
}
END_TEST

START_TEST(test_lists_page_with_signed_cursors)
{
	for (int i = 0; i < 5; i++) {
		char name[32];
		snprintf(name, sizeof name, "pager.%d", i);
		world_add_user(&w, name, "viewer", "NX-V1", NULL);
	}
	struct http_response r;
	char path[512] = "/api/v1/users?limit=2&unit=NX";
	int seen = 0, pages = 0;
	char last_cursor[400] = "";
	for (;;) {
		world_call(&r, &w, "GET", path, w.admin, NULL, NULL);
		ck_assert_int_eq(r.status, 200);
		json_t *doc = json_loads(r.body, 0, NULL);
		seen += (int)json_array_size(json_object_get(doc, "items"));
		pages++;
		const char *next = json_string_value(json_object_get(doc, "next_cursor"));
		if (next) {
			snprintf(last_cursor, sizeof last_cursor, "%s", next);
			snprintf(path, sizeof path, "/api/v1/users?limit=2&unit=NX&cursor=%s", next);
		}
		json_decref(doc);
		http_response_free(&r);
		if (!next)
			break;
	}
	ck_assert_int_eq(seen, 6); /* five pagers and officer.nx */
	ck_assert_int_eq(pages, 3);
	/* tampered, and from another list */
	char tampered[512];
	snprintf(tampered, sizeof tampered, "/api/v1/users?cursor=%s", last_cursor);
	tampered[strlen(tampered) - 3] ^= 1;
	world_get_refused(&w, tampered, w.admin, 400);
	snprintf(path, sizeof path, "/api/v1/audit-events?cursor=%s", last_cursor);
	world_get_refused(&w, path, w.admin, 400);
	world_call(&r, &w, "GET", "/api/v1/users?cursor=%27%3B--", w.admin, NULL, NULL);
	assert_problem(&r, 400);
	http_response_free(&r);
	static const char *const limits[] = {"0", "201", "-1", "ten", "1e2", ""};
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		snprintf(path, sizeof path, "/api/v1/users?limit=%s", limits[i]);
		world_get_refused(&w, path, w.admin, 422);
	}
}
END_TEST

START_TEST(test_audit_events_are_for_admins_only)
{
	world_get_refused(&w, "/api/v1/audit-events", w.officer_tq, 403);
}
END_TEST

START_TEST(test_audit_events_filter_by_entity)
{
	char path[200];
	snprintf(path, sizeof path, "/api/v1/audit-events?entity_type=user&entity_id=%s&limit=5",
		 w.admin_id);
	struct http_response r;
	world_call(&r, &w, "GET", path, w.admin, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	json_t *doc = json_loads(r.body, 0, NULL);
	json_t *items = json_object_get(doc, "items");
	ck_assert_int_ge(json_array_size(items), 1);
	size_t i;
	json_t *e;
	json_array_foreach(items, i, e)
	{
		ck_assert_str_eq(json_string_value(json_object_get(e, "entity_id")), w.admin_id);
		ck_assert_str_eq(json_string_value(json_object_get(e, "action")), "auth.token_issued");
	}
	json_decref(doc);
	http_response_free(&r);
}
END_TEST

START_TEST(test_audit_events_take_a_date_or_a_time_as_bounds)
{
	struct http_response r;
	world_call(&r, &w, "GET", "/api/v1/audit-events?from=2020-01-01&to=2999-12-31T00:00:00Z",
		   w.admin, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
}
END_TEST

START_TEST(test_audit_events_refuse_bad_filters)
{
	static const char *const bad[] = {"from=yesterday", "to=2025-13-01", "actor_id=42",
					  "from=2025-02-30"};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		char path[200];
		snprintf(path, sizeof path, "/api/v1/audit-events?%s", bad[k]);
		world_get_refused(&w, path, w.admin, 422);
	}
}
END_TEST

/* A taken client_id is 409; a deleted client is 204, then 404 to a delete and to a change. */
START_TEST(test_client_taken_deleted_and_absent)
{
	struct http_response r;
	const char *body = "{\"client_id\":\"twice.sys\",\"scopes\":[\"reports:read\"],"
			   "\"unit_code\":\"HG\"}";
	world_call(&r, &w, "POST", "/api/v1/clients", w.admin, body, NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/clients/%s", json_field(r.body, "id"));
	http_response_free(&r);
	world_call(&r, &w, "POST", "/api/v1/clients", w.admin, body, NULL);
	assert_problem(&r, 409);
	http_response_free(&r);
	world_call(&r, &w, "DELETE", path, w.admin, NULL, NULL);
	ck_assert_int_eq(r.status, 204);
	http_response_free(&r);
	world_call(&r, &w, "DELETE", path, w.admin, NULL, NULL);
	assert_problem(&r, 404);
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", path, w.admin, "{\"name\":\"x\"}", "1");
	assert_problem(&r, 404);
	http_response_free(&r);
}
END_TEST

/* POSTs a client body as admin; asserts 422 and that no client was written. The answer is
 * left in r. */
static void client_refused(struct http_response *r, const char *body)
{
	static const char *const tables[] = {"clients", "audit_events", NULL};
	struct world_counts before = world_counts(&w, tables);
	world_call(r, &w, "POST", "/api/v1/clients", w.admin, body, NULL);
	assert_problem(r, 422);
	world_assert_unchanged(&before);
}

START_TEST(test_client_body_names_each_refused_field)
{
	struct http_response r;
	client_refused(&r, "{\"client_id\":\"a\",\"scopes\":[\"registry:read\",\"registry:read\","
			   "\"root\"],\"unit_code\":\"NOWHERE\",\"client_secret\":\"mine\"}");
	ck_assert_msg(response_has_error(&r, "/client_secret", NULL), "%s", r.body);
	ck_assert_msg(response_has_error(&r, "/scopes", NULL) ||
			      response_has_error(&r, "/scopes/1", NULL) ||
			      response_has_error(&r, "/scopes/2", NULL),
		      "%s", r.body);
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_client_in_an_unknown_unit_is_422)
{
	struct http_response r;
	client_refused(&r, "{\"client_id\":\"ghost.sys\",\"scopes\":[\"registry:read\"],"
			   "\"unit_code\":\"NOWHERE\"}");
	http_response_free(&r);
}
END_TEST

/* A client client_id with scope reports:read in HG, its scopes then widened with
 * registry:read as admin (200 asserted; the answer left in r). Its path into path. */
static void widened_client(struct http_response *r, const char *client_id, char path[96])
{
	char body[200];
	snprintf(body, sizeof body,
		 "{\"client_id\":\"%s\",\"scopes\":[\"reports:read\"],\"unit_code\":\"HG\"}",
		 client_id);
	world_call(r, &w, "POST", "/api/v1/clients", w.admin, body, NULL);
	ck_assert_int_eq(r->status, 201);
	snprintf(path, 96, "/api/v1/clients/%s", json_field(r->body, "id"));
	http_response_free(r);
	world_call_if_match(r, &w, "PATCH", path, w.admin,
			    "{\"scopes\":[\"reports:read\",\"registry:read\"],\"name\":\"Thống kê\"}",
			    "1");
	ck_assert_msg(r->status == 200, "%s", r->body);
}

START_TEST(test_client_patch_changes_its_scopes)
{
	char path[96];
	struct http_response r;
	widened_client(&r, "stats.sys", path);
	json_t *doc = json_loads(r.body, 0, NULL);
	size_t i;
	json_t *scope;
	int widened = 0;
	json_array_foreach(json_object_get(doc, "scopes"), i, scope)
		widened |= !strcmp(json_string_value(scope), "registry:read");
	json_decref(doc);
	ck_assert_msg(widened, "%s", r.body);
	http_response_free(&r);
}
END_TEST

START_TEST(test_client_patch_at_an_old_version_is_412)
{
	char path[96];
	struct http_response r;
	widened_client(&r, "stats.old", path);
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", path, w.admin, "{\"status\":\"disabled\"}", "1");
	assert_problem(&r, 412);
	http_response_free(&r);
}
END_TEST

START_TEST(test_deleting_a_client_by_a_malformed_id_is_404)
{
	struct http_response r;
	world_call(&r, &w, "DELETE", "/api/v1/clients/not-a-uuid", w.admin, NULL, NULL);
	assert_problem(&r, 404);
	http_response_free(&r);
}
END_TEST

START_TEST(test_create_user_subcommand)
{
	char var[600];
	snprintf(var, sizeof var, "CDTT_DATABASE_URL=%s", w.url);
	struct proc p = {0};
	const char *weak_env[] = {var, "CDTT_PASSWORD=short", NULL};
	const char *args[] = {"create-user", "--username", "cli.officer", "--role", "officer",
			      "--unit", "TQ", NULL};
	proc_spawn(&p, weak_env, args);
	ck_assert_int_eq(proc_wait(&p, 10000), 2);
	const char *env[] = {var, "CDTT_PASSWORD=" WORLD_PASSWORD, NULL};
	proc_spawn(&p, env, args);
	ck_assert_int_eq(proc_wait(&p, 10000), 0);
	proc_spawn(&p, env, args); /* taken */
	ck_assert_int_eq(proc_wait(&p, 10000), 3);
	const char *no_unit[] = {"create-user", "--username", "cli.viewer", "--role", "viewer", NULL};
	proc_spawn(&p, env, no_unit);
	ck_assert_int_eq(proc_wait(&p, 10000), 2);
	const char *bad_unit[] = {"create-user", "--username", "cli.viewer", "--role", "viewer",
				  "--unit", "NOWHERE", NULL};
	proc_spawn(&p, env, bad_unit);
	ck_assert_int_eq(proc_wait(&p, 10000), 2);
	char *token = world_login(&w, "cli.officer", WORLD_PASSWORD);
	free(token);
	char *ev = db_query_value(w.url, "SELECT actor_type FROM audit_events WHERE action = "
					 "'user.create' AND after->>'username' = 'cli.officer'");
	ck_assert_str_eq(ev, "system");
	free(ev);
}
END_TEST

START_TEST(test_personal_data_masking_functions)
{
	char *v = db_query_value(w.url, "SELECT mask_phone('0912345623') || ' ' || "
					"mask_email('nguyen.van.a@example.vn') || ' ' || "
					"mask_phone('123') || ' ' || mask_email('no-at-sign')");
	ck_assert_str_eq(v, "09******23 n***@example.vn *** ***");
	free(v);
}
END_TEST

START_TEST(test_people_change_their_own_password_proving_the_current_one)
{
	world_add_user(&w, "changes.password", "viewer", "TQ", NULL);
	char *token = world_login(&w, "changes.password", WORLD_PASSWORD);
	long audit = world_count(&w, "audit_events");
	struct http_response r;
	world_call_if_match(&r, &w, "PATCH", "/api/v1/me", token,
		   "{\"current_password\":\"wrong wrong wrong\",\"password\":\"a brand new passphrase\"}", "1");
	assert_problem(&r, 422);
	ck_assert_msg(response_has_error(&r, "/current_password", NULL), "%s", r.body);
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", "/api/v1/me", token,
		   "{\"current_password\":\"" WORLD_PASSWORD "\",\"password\":\"short\"}", "1");
	assert_problem(&r, 422);
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", "/api/v1/me", token,
		   "{\"current_password\":\"" WORLD_PASSWORD "\",\"password\":\"a brand new passphrase\",\"role\":\"admin\"}", "1");
	assert_problem(&r, 422); /* nothing but the password */
	http_response_free(&r);
	world_call(&r, &w, "PATCH", "/api/v1/me", token,
		   "{\"current_password\":\"" WORLD_PASSWORD "\",\"password\":\"a brand new passphrase\"}", NULL);
	assert_problem(&r, 428);
	http_response_free(&r);
	/* the wrong current password was recorded as a failed login (throttled like one) */
	ck_assert_int_eq(world_count(&w, "audit_events"), audit + 1);
	sleep(1); /* token times are whole seconds: let the old token be older than the change */
	world_call_if_match(&r, &w, "PATCH", "/api/v1/me", token,
		   "{\"current_password\":\"" WORLD_PASSWORD "\",\"password\":\"a brand new passphrase\"}", "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "role"), "viewer");
	http_response_free(&r);
	ck_assert_int_eq(world_count(&w, "audit_events"), audit + 2);
	/* tokens issued before the change stop working */
	world_get_refused(&w, "/api/v1/me", token, 401);
	char *fresh = world_login(&w, "changes.password", "a+brand+new+passphrase");
	free(fresh);
	free(token);
	db_exec_ok(w.url, "DELETE FROM login_throttle; DELETE FROM login_address_failures");
}
END_TEST

/* A team made directly in the database, in unit; returns its id (malloc'd). */
static char *team_in(const char *unit, const char *name)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "INSERT INTO teams (unit_code, name, established_on) VALUES ('%s', '%s', '2023-01-01')"
		 " RETURNING id",
		 unit, name);
	char *id = db_query_value(w.url, sql);
	ck_assert_ptr_nonnull(id);
	return id;
}

START_TEST(test_a_team_leader_is_bound_only_to_a_team_under_the_account_unit)
{
	char *own = team_in("TQ-V1", "Own team"), *other = team_in("NX-V1", "Other commune team");
	struct world_counts before = counts_now();
	struct http_response r;
	char body[400];
	/* another commune's team, and a team that does not exist: 422, nothing written */
	const char *bad[] = {other, "00000000-0000-4000-8000-000000000000"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(body, sizeof body,
			 "{\"username\":\"bound.leader\",\"password\":\"a long enough pass\","
			 "\"role\":\"team_leader\",\"unit_code\":\"TQ\",\"team_id\":\"%s\"}",
			 bad[i]);
		world_call(&r, &w, "POST", "/api/v1/users", w.officer_tq, body, NULL);
		assert_problem(&r, 422);
		ck_assert_msg(response_has_error(&r, "/team_id", "not_found"), "%s", r.body);
		http_response_free(&r);
		world_call(&r, &w, "POST", "/api/v1/users", w.admin, body, NULL);
		assert_problem(&r, 422);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);

	/* its own commune's team: created */
	snprintf(body, sizeof body,
		 "{\"username\":\"bound.leader\",\"password\":\"a long enough pass\","
		 "\"role\":\"team_leader\",\"unit_code\":\"TQ\",\"team_id\":\"%s\"}",
		 own);
	world_call(&r, &w, "POST", "/api/v1/users", w.officer_tq, body, NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	char id[40];
	snprintf(id, sizeof id, "%s", json_field(r.body, "id"));
	http_response_free(&r);

	/* moved to another commune's team or an unknown one by PATCH: 422, nothing written */
	before = counts_now();
	for (size_t i = 0; i < 2; i++) {
		snprintf(body, sizeof body, "{\"team_id\":\"%s\"}", bad[i]);
		world_call_if_match(&r, &w, "PATCH", user_path(id), w.officer_tq, body, "1");
		assert_problem(&r, 422);
		ck_assert_msg(response_has_error(&r, "/team_id", "not_found"), "%s", r.body);
		http_response_free(&r);
		world_call_if_match(&r, &w, "PATCH", user_path(id), w.admin, body, "1");
		assert_problem(&r, 422);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT team_id::text || ' ' || version FROM users WHERE id = '%s'", id);
	char *now = db_query_value(w.url, sql);
	char want[64];
	snprintf(want, sizeof want, "%s 1", own);
	ck_assert_str_eq(now, want);
	free(now);

	/* cdtt create-user --team: the same rule; a team that is not there is a usage error (2),
	 * like an unknown --unit */
	char var[600];
	snprintf(var, sizeof var, "CDTT_DATABASE_URL=%s", w.url);
	const char *env[] = {var, "CDTT_PASSWORD=" WORLD_PASSWORD, NULL};
	for (size_t i = 0; i < 2; i++) {
		struct proc p = {0};
		const char *args[] = {"create-user", "--username", "cli.leader", "--role", "team_leader",
				      "--unit", "TQ", "--team", bad[i], NULL};
		proc_spawn(&p, env, args);
		ck_assert_int_eq(proc_wait(&p, 10000), 2);
		char *out = proc_output(&p);
		ck_assert_msg(strstr(out, "no team"), "%s", out);
		free(out);
	}
	world_assert_unchanged(&before);
	struct proc p = {0};
	const char *args[] = {"create-user", "--username", "cli.leader", "--role", "team_leader",
			      "--unit", "TQ", "--team", own, NULL};
	proc_spawn(&p, env, args);
	ck_assert_int_eq(proc_wait(&p, 10000), 0);
	free(own);
	free(other);
}
END_TEST

Suite *accounts_suite(void)
{
	Suite *s = suite_create("accounts");
	TCase *tc = tcase_create("users, clients, audit");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_officer_creates_a_viewer_in_scope_with_an_audit_event);
	tcase_add_test(tc, test_what_a_token_opens_is_never_cached_sniffed_or_framed);
	tcase_add_test(tc, test_officer_cannot_create_officers_or_outside_scope);
	tcase_add_test(tc, test_viewer_and_team_leader_cannot_write_accounts);
	tcase_add_test(tc, test_nobody_patches_their_own_role);
	tcase_add_test(tc, test_another_communes_officer_cannot_read_an_account);
	tcase_add_test(tc, test_another_communes_officer_cannot_patch_an_account);
	tcase_add_test(tc, test_an_account_that_does_not_exist_is_404);
	tcase_add_test(tc, test_account_list_of_an_officer_holds_only_their_communes_accounts);
	tcase_add_test(tc, test_account_list_of_an_officer_holds_their_villages_team_leader);
	tcase_add_test(tc, test_user_read_has_version_1_as_etag);
	tcase_add_test(tc, test_user_patch_without_if_match_is_428);
	tcase_add_test(tc, test_user_patch_with_another_version_is_412);
	tcase_add_test(tc, test_user_patch_with_a_weak_etag_is_412);
	tcase_add_test(tc, test_user_patch_answers_the_user_at_version_2);
	tcase_add_test(tc, test_user_patch_is_audited_with_the_old_status);
	tcase_add_test(tc, test_a_patched_users_old_version_is_stale);
	tcase_add_test(tc, test_every_refused_user_field_is_listed_in_one_answer);
	tcase_add_test(tc, test_a_weak_password_alone_is_422);
	tcase_add_test(tc, test_a_user_with_control_characters_or_empty_strings_is_422);
	tcase_add_test(tc, test_a_10_kB_username_is_422);
	tcase_add_test(tc, test_a_viewer_without_a_unit_is_422);
	tcase_add_test(tc, test_duplicate_username_is_409);
	tcase_add_test(tc, test_lists_page_with_signed_cursors);
	tcase_add_test(tc, test_audit_events_are_for_admins_only);
	tcase_add_test(tc, test_audit_events_filter_by_entity);
	tcase_add_test(tc, test_audit_events_take_a_date_or_a_time_as_bounds);
	tcase_add_test(tc, test_audit_events_refuse_bad_filters);
	tcase_add_test(tc, test_client_body_names_each_refused_field);
	tcase_add_test(tc, test_a_client_in_an_unknown_unit_is_422);
	tcase_add_test(tc, test_client_patch_changes_its_scopes);
	tcase_add_test(tc, test_client_patch_at_an_old_version_is_412);
	tcase_add_test(tc, test_deleting_a_client_by_a_malformed_id_is_404);
	tcase_add_test(tc, test_client_taken_deleted_and_absent);
	tcase_add_test(tc, test_create_user_subcommand);
	tcase_add_test(tc, test_personal_data_masking_functions);
	tcase_add_test(tc, test_people_change_their_own_password_proving_the_current_one);
	tcase_add_test(tc, test_a_team_leader_is_bound_only_to_a_team_under_the_account_unit);
	suite_add_tcase(s, tc);
	return s;
}
