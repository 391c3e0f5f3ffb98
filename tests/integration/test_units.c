/*
 * The administrative tree through the API: creating and moving units inside one's scope, the
 * tree's rules (parent level, cycles, clashing codes), search ignoring diacritics, ancestors,
 * and merges (retire into a successor) moving children, teams and members in one transaction.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "world.h"

static struct world w;

WORLD_FIXTURE(w, NULL)

static long post_unit(const char *token, const char *code, const char *name, const char *level,
		      const char *parent, char **body)
{
	char json[512];
	if (parent)
		snprintf(json, sizeof json,
			 "{\"code\":\"%s\",\"name\":\"%s\",\"level\":\"%s\",\"parent_code\":\"%s\"}",
			 code, name, level, parent);
	else
		snprintf(json, sizeof json, "{\"code\":\"%s\",\"name\":\"%s\",\"level\":\"%s\"}", code,
			 name, level);
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/units", token, json, NULL);
	long status = r.status;
	if (body)
		*body = strdup(r.body);
	http_response_free(&r);
	return status;
}

START_TEST(test_officer_creates_a_village_in_scope_with_an_audit_event)
{
	long audit = world_count(&w, "audit_events");
	char *body;
	ck_assert_int_eq(post_unit(w.officer_tq, "TQ-V2", "Thôn Khuổi Lếch", "village", "TQ", &body), 201);
	ck_assert_str_eq(json_field(body, "status"), "active");
	ck_assert_str_eq(json_field(body, "parent_code"), "TQ");
	free(body);
	ck_assert_int_eq(world_count(&w, "audit_events"), audit + 1);
	char *path = db_query_value(w.url,
				    "SELECT within((SELECT path FROM units WHERE code = 'TQ-V2'), "
					   "(SELECT path FROM units WHERE code = 'HG'))");
	ck_assert_str_eq(path, "t");
	free(path);
}
END_TEST

/* Whether a problem body (as post_unit returns it) names field with code (NULL: any). */
static int body_has_error(const char *body, const char *field, const char *code)
{
	struct http_response r = {.body = (char *)body};
	return response_has_error(&r, field, code);
}

START_TEST(test_out_of_scope_parents_roots_and_bad_levels_are_refused)
{
	long units = world_count(&w, "units"), audit = world_count(&w, "audit_events");
	char *body;
	ck_assert_int_eq(post_unit(w.officer_tq, "BQ-C9", "Xã Mới", "commune", "BQ", &body), 422);
	ck_assert_msg(body_has_error(body, "/parent_code", NULL), "%s", body);
	free(body);
	ck_assert_int_eq(post_unit(w.officer_tq, "ROOT2", "Tỉnh Mới", "province", NULL, NULL), 422);
	ck_assert_int_eq(post_unit(w.admin, "X1", "Bad", "commune", "TQ-V1", &body), 422);
	ck_assert_msg(body_has_error(body, "/parent_code", "parent_level"), "%s", body);
	free(body);
	ck_assert_int_eq(post_unit(w.admin, "X2", "Bad", "province", "HG", NULL), 422);
	ck_assert_int_eq(post_unit(w.viewer_tq, "TQ-V3", "Thôn", "village", "TQ", NULL), 403);
	ck_assert_int_eq(post_unit(w.leader_tq, "TQ-V3", "Thôn", "village", "TQ", NULL), 403);
	ck_assert_int_eq(post_unit(w.admin, "TQ", "Clash", "commune", "BQ", NULL), 409);
	ck_assert_int_eq(post_unit(w.admin, "bad code", "x", "village", "TQ", NULL), 422);
	ck_assert_int_eq(post_unit(w.admin, "X3", "x", "hamlet", "TQ", NULL), 422);
	ck_assert_int_eq(post_unit(w.admin, "X4", "", "village", "TQ", NULL), 422);
	ck_assert_int_eq(post_unit(w.admin, "X5", "x", "village", "NOWHERE", NULL), 422);
	ck_assert_int_eq(world_count(&w, "units"), units);
	ck_assert_int_eq(world_count(&w, "audit_events"), audit);
}
END_TEST

START_TEST(test_wrong_types_unknown_and_read_only_fields_are_422)
{
	long units = world_count(&w, "units");
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/units", w.admin,
		   "{\"code\":5,\"name\":[\"x\"],\"level\":null,\"parent_code\":\"\",\"status\":\"retired\","
		   "\"version\":2,\"colour\":\"red\"}",
		   NULL);
	assert_problem(&r, 422);
	static const char *const fields[] = {"/code", "/name", "/level", "/parent_code", "/status",
					     "/version", "/colour"};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		ck_assert_msg(response_has_error(&r, fields[i], NULL), "%s missing: %s", fields[i],
			      r.body);
	http_response_free(&r);
	world_call(&r, &w, "POST", "/api/v1/units", w.admin,
		   "{\"code\":\"X6\",\"name\":\"a\\u0007b\",\"level\":\"village\",\"parent_code\":\"TQ\"}", NULL);
	assert_problem(&r, 422);
	http_response_free(&r);
	ck_assert_int_eq(world_count(&w, "units"), units);
}
END_TEST

/* Whether a list's items hold a unit with this code. */
static int list_has_unit(const struct http_response *r, const char *code)
{
	json_t *doc = json_loads(r->body, 0, NULL), *item;
	ck_assert_msg(json_is_array(json_object_get(doc, "items")), "not a list: %s", r->body);
	size_t i;
	int found = 0;
	json_array_foreach(json_object_get(doc, "items"), i, item)
	{
		const char *c = json_string_value(json_object_get(item, "code"));
		found |= c && !strcmp(c, code);
	}
	json_decref(doc);
	return found;
}

/* GETs /api/v1/units<query> as token; the answer is left in r. */
static void get_units(struct http_response *r, const char *query, const char *token)
{
	char path[200];
	snprintf(path, sizeof path, "/api/v1/units%s", query);
	world_call(r, &w, "GET", path, token, NULL, NULL);
}

START_TEST(test_unit_search_ignores_diacritics_with_case)
{
	struct http_response r;
	get_units(&r, "?q=NA%20XA", w.admin);
	ck_assert_int_eq(r.status, 200);
	ck_assert(list_has_unit(&r, "NX-V1"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_unit_search_finds_a_commune_in_the_officers_scope)
{
	struct http_response r;
	get_units(&r, "?q=tan%20quang", w.officer_tq);
	ck_assert(list_has_unit(&r, "TQ"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_unit_search_for_a_percent_sign_means_itself)
{
	struct http_response r;
	get_units(&r, "?q=%25", w.admin);
	ck_assert_str_eq(r.body, "{\"items\":[],\"next_cursor\":null}");
	http_response_free(&r);
}
END_TEST

START_TEST(test_unit_search_for_quotes_with_backslashes_is_answered)
{
	struct http_response r;
	get_units(&r, "?q=%27%5C_", w.admin);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
}
END_TEST

START_TEST(test_unit_list_hides_units_out_of_scope)
{
	struct http_response r;
	get_units(&r, "?limit=200", w.officer_nx);
	ck_assert(!list_has_unit(&r, "TQ"));
	ck_assert(!list_has_unit(&r, "HG"));
	ck_assert(list_has_unit(&r, "NX-V1"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_unit_list_filters_by_parent_with_level)
{
	struct http_response r;
	get_units(&r, "?parent=HG&level=district", w.admin);
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(doc, "items")), 2);
	json_decref(doc);
	http_response_free(&r);
}
END_TEST

START_TEST(test_unit_list_refuses_an_unknown_level)
{
	struct http_response r;
	get_units(&r, "?level=hamlet", w.admin);
	assert_problem(&r, 422);
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_unit_out_of_scope_is_404)
{
	struct http_response r;
	get_units(&r, "/TQ", w.officer_nx);
	assert_problem(&r, 404);
	http_response_free(&r);
}
END_TEST

START_TEST(test_get_with_ancestors)
{
	struct http_response r;
	world_call(&r, &w, "GET", "/api/v1/units/TQ-V1?include=ancestors", w.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_msg(doc, "%s", r.body);
	json_t *anc = json_object_get(doc, "ancestors");
	ck_assert_int_eq(json_array_size(anc), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(anc, 0), "code")), "HG");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(anc, 2), "code")), "TQ");
	char *etag = http_header_value(&r, "ETag");
	ck_assert_ptr_nonnull(etag);
	http_response_free(&r);
	/* the same unit, members in the same order and the same ETag, then "ancestors" last */
	world_call(&r, &w, "GET", "/api/v1/units/TQ-V1", w.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	json_t *plain = json_loads(r.body, 0, NULL);
	ck_assert_msg(plain, "%s", r.body);
	char *plain_etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(plain_etag, etag);
	free(plain_etag);
	free(etag);
	http_response_free(&r);
	void *it = json_object_iter(doc), *pit = json_object_iter(plain);
	for (; pit; it = json_object_iter_next(doc, it), pit = json_object_iter_next(plain, pit)) {
		ck_assert_ptr_nonnull(it);
		ck_assert_str_eq(json_object_iter_key(it), json_object_iter_key(pit));
		ck_assert(json_equal(json_object_iter_value(it), json_object_iter_value(pit)));
	}
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(json_object_iter_key(it), "ancestors");
	ck_assert_ptr_null(json_object_iter_next(doc, it));
	json_decref(plain);
	json_decref(doc);
	world_get_refused(&w, "/api/v1/units/TQ?include=everything", w.admin, 422);
}
END_TEST

START_TEST(test_move_needs_if_match_and_refuses_cycles)
{
	ck_assert_int_eq(post_unit(w.admin, "MV-C", "Xã Di Chuyển", "commune", "BQ", NULL), 201);
	ck_assert_int_eq(post_unit(w.admin, "MV-V", "Thôn Di Chuyển", "village", "MV-C", NULL), 201);
	struct http_response r;
	world_call(&r, &w, "PATCH", "/api/v1/units/MV-C", w.admin, "{\"parent_code\":\"BM\"}", NULL);
	assert_problem(&r, 428);
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", "/api/v1/units/BQ", w.admin, "{\"parent_code\":\"MV-C\"}", "1");
	assert_problem(&r, 422);
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", "/api/v1/units/MV-C", w.admin, "{\"parent_code\":\"BM\",\"name\":\"Xã Đã Chuyển\"}", "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	char *moved = db_query_value(w.url,
				     "SELECT within((SELECT path FROM units WHERE code = 'MV-V'), "
					    "(SELECT path FROM units WHERE code = 'BM'))");
	ck_assert_str_eq(moved, "t");
	free(moved);
	world_call_if_match(&r, &w, "PATCH", "/api/v1/units/MV-C", w.admin, "{\"name\":\"again\"}", "1");
	assert_problem(&r, 412);
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", "/api/v1/units/MV-C", w.admin, "{\"code\":\"NEW\"}", "1");
	assert_problem(&r, 422);
	http_response_free(&r);
	/* officers cannot move their commune out of their scope */
	world_call_if_match(&r, &w, "PATCH", "/api/v1/units/TQ", w.officer_tq, "{\"parent_code\":\"BM\"}", "1");
	assert_problem(&r, 422);
	http_response_free(&r);
}
END_TEST

/* Communes <p>-OLD (with village <p>-OV, a team "Tổ <p>" and a member "Người <p>") and
 * <p>-NEW under BQ, created as admin. */
static void old_and_new_communes(const char *p)
{
	char old[16], village[16], successor[16];
	snprintf(old, sizeof old, "%s-OLD", p);
	snprintf(village, sizeof village, "%s-OV", p);
	snprintf(successor, sizeof successor, "%s-NEW", p);
	ck_assert_int_eq(post_unit(w.admin, old, "Xã Cũ", "commune", "BQ", NULL), 201);
	ck_assert_int_eq(post_unit(w.admin, village, "Thôn Cũ", "village", old, NULL), 201);
	ck_assert_int_eq(post_unit(w.admin, successor, "Xã Mới", "commune", "BQ", NULL), 201);
	world_exec(&w, "INSERT INTO teams (unit_code, name, established_on)"
		       " VALUES ('%s', 'Tổ %s', '2024-01-01')", old, p);
	world_exec(&w, "INSERT INTO members (unit_code, full_name) VALUES ('%s', 'Người %s')",
		   old, p);
}

/* POSTs {"successor_code": successor} (NULL: {}) to unit's retire as token; the answer is left
 * in r. */
static void retire(struct http_response *r, const char *token, const char *unit,
		   const char *successor)
{
	char path[96], body[96] = "{}";
	snprintf(path, sizeof path, "/api/v1/units/%s/retire", unit);
	if (successor)
		snprintf(body, sizeof body, "{\"successor_code\":\"%s\"}", successor);
	world_call(r, &w, "POST", path, token, body, NULL);
}

/* Retires <p>-OLD into <p>-NEW (made by old_and_new_communes) as admin; asserts 200. */
static void retire_old_into_new(const char *p, struct http_response *r)
{
	char old[16], successor[16];
	snprintf(old, sizeof old, "%s-OLD", p);
	snprintf(successor, sizeof successor, "%s-NEW", p);
	old_and_new_communes(p);
	retire(r, w.admin, old, successor);
	ck_assert_msg(r->status == 200, "%s", r->body);
}

START_TEST(test_retire_answers_the_unit_retired_into_its_successor)
{
	struct http_response r;
	retire_old_into_new("RA", &r);
	ck_assert_str_eq(json_field(r.body, "status"), "retired");
	ck_assert_str_eq(json_field(r.body, "successor_code"), "RA-NEW");
	http_response_free(&r);
}
END_TEST

START_TEST(test_retire_moves_everything_under_the_unit_to_the_successor)
{
	struct http_response r;
	retire_old_into_new("RM", &r);
	http_response_free(&r);
	char *v = world_sql(&w,
			    "SELECT (SELECT parent_code FROM units WHERE code = 'RM-OV') || ' ' ||"
			    " (SELECT unit_code FROM teams WHERE name = 'Tổ RM') || ' ' ||"
			    " (SELECT unit_code FROM members WHERE full_name = 'Người RM') || ' ' ||"
			    " within((SELECT path FROM units WHERE code = 'RM-OV'),"
			    "  (SELECT path FROM units WHERE code = 'RM-NEW'))::text");
	ck_assert_str_eq(v, "RM-NEW RM-NEW RM-NEW true");
	free(v);
}
END_TEST

START_TEST(test_retire_writes_one_audit_event)
{
	old_and_new_communes("RE");
	long audit = world_count(&w, "audit_events");
	struct http_response r;
	retire(&r, w.admin, "RE-OLD", "RE-NEW");
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	ck_assert_int_eq(world_count(&w, "audit_events"), audit + 1);
}
END_TEST

START_TEST(test_a_retired_unit_is_still_readable)
{
	struct http_response r;
	retire_old_into_new("RR", &r);
	http_response_free(&r);
	world_call(&r, &w, "GET", "/api/v1/units/RR-OLD", w.admin, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
}
END_TEST

/* A retire as token that must be answered with status and write no audit event. */
static void retire_refused(const char *token, const char *unit, const char *successor,
			   long status)
{
	long audit = world_count(&w, "audit_events");
	struct http_response r;
	retire(&r, token, unit, successor);
	assert_problem(&r, status);
	http_response_free(&r);
	ck_assert_int_eq(world_count(&w, "audit_events"), audit);
}

START_TEST(test_retiring_a_retired_unit_is_409)
{
	struct http_response r;
	retire_old_into_new("R2", &r);
	http_response_free(&r);
	retire_refused(w.admin, "R2-OLD", "R2-NEW", 409);
}
END_TEST

START_TEST(test_retiring_into_a_retired_unit_is_422)
{
	struct http_response r;
	retire_old_into_new("RI", &r);
	http_response_free(&r);
	ck_assert_int_eq(post_unit(w.admin, "RI-X", "Xã X", "commune", "BQ", NULL), 201);
	retire_refused(w.admin, "RI-X", "RI-OLD", 422);
}
END_TEST

START_TEST(test_retiring_a_unit_into_itself_is_422)
{
	ck_assert_int_eq(post_unit(w.admin, "RS-X", "Xã X", "commune", "BQ", NULL), 201);
	retire_refused(w.admin, "RS-X", "RS-X", 422);
}
END_TEST

START_TEST(test_retiring_into_a_unit_of_another_level_is_422)
{
	ck_assert_int_eq(post_unit(w.admin, "RL-X", "Xã X", "commune", "BQ", NULL), 201);
	retire_refused(w.admin, "RL-X", "TQ-V1", 422);
}
END_TEST

START_TEST(test_retiring_into_a_unit_inside_it_is_422)
{
	retire_refused(w.admin, "BQ", "TQ", 422); /* inside, and another level */
}
END_TEST

START_TEST(test_retiring_a_unit_out_of_scope_is_404)
{
	ck_assert_int_eq(post_unit(w.admin, "RO-X", "Xã X", "commune", "BQ", NULL), 201);
	retire_refused(w.officer_nx, "RO-X", "NX", 404);
}
END_TEST

START_TEST(test_retiring_without_a_successor_is_422)
{
	ck_assert_int_eq(post_unit(w.admin, "RN-X", "Xã X", "commune", "BQ", NULL), 201);
	retire_refused(w.admin, "RN-X", NULL, 422);
}
END_TEST

START_TEST(test_no_unit_can_be_added_under_a_retired_one)
{
	struct http_response r;
	retire_old_into_new("RU", &r);
	http_response_free(&r);
	ck_assert_int_eq(post_unit(w.admin, "RU-LATE", "Thôn Muộn", "village", "RU-OLD", NULL),
			 422);
}
END_TEST

START_TEST(test_retire_with_two_active_teams_is_409_and_changes_nothing)
{
	ck_assert_int_eq(post_unit(w.admin, "TA-C", "Xã A", "commune", "BM", NULL), 201);
	ck_assert_int_eq(post_unit(w.admin, "TB-C", "Xã B", "commune", "BM", NULL), 201);
	db_exec_ok(w.url, "INSERT INTO teams (unit_code, name, established_on) VALUES"
			  " ('TA-C', 'Tổ A', '2024-01-01'), ('TB-C', 'Tổ B', '2024-01-01')");
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/units/TA-C/retire", w.admin, "{\"successor_code\":\"TB-C\"}", NULL);
	assert_problem(&r, 409);
	http_response_free(&r);
	char *s = db_query_value(w.url, "SELECT status FROM units WHERE code = 'TA-C'");
	ck_assert_str_eq(s, "active");
	free(s);
}
END_TEST

START_TEST(test_delete_only_a_unit_without_dependants)
{
	ck_assert_int_eq(post_unit(w.admin, "DEL-V", "Thôn Xoá", "village", "TQ", NULL), 201);
	struct http_response r;
	world_call_if_match(&r, &w, "DELETE", "/api/v1/units/TQ", w.admin, NULL, "1");
	assert_problem(&r, 409);
	http_response_free(&r);
	world_call(&r, &w, "DELETE", "/api/v1/units/DEL-V", w.admin, NULL, NULL);
	assert_problem(&r, 428);
	http_response_free(&r);
	world_call_if_match(&r, &w, "DELETE", "/api/v1/units/DEL-V", w.admin, NULL, "1");
	ck_assert_int_eq(r.status, 204);
	http_response_free(&r);
	world_call_if_match(&r, &w, "DELETE", "/api/v1/units/DEL-V", w.admin, NULL, "1");
	assert_problem(&r, 404);
	http_response_free(&r);
}
END_TEST

START_TEST(test_level_changes_and_self_parents_that_break_the_tree_are_422)
{
	struct http_response r;
	/* TQ has the village TQ-V1 under it: it cannot become a village */
	world_call_if_match(&r, &w, "PATCH", "/api/v1/units/TQ", w.admin, "{\"level\":\"village\"}", "1");
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/level", "child_level"));
	http_response_free(&r);
	char *level = db_query_value(w.url, "SELECT level FROM units WHERE code = 'TQ'");
	ck_assert_str_eq(level, "commune");
	free(level);
	long units = world_count(&w, "units");
	ck_assert_int_eq(post_unit(w.admin, "SELF", "Tự", "village", "SELF", NULL), 422);
	/* an existing commune's code, as a village under itself: refused before the table's
	 * CHECK (a CHECK violation is a 500, kept for C/SQL mismatches) */
	char *body;
	ck_assert_int_eq(post_unit(w.admin, "TQ", "Tự", "village", "TQ", &body), 422);
	ck_assert_ptr_nonnull(strstr(body, "must be another unit"));
	free(body);
	ck_assert_int_eq(world_count(&w, "units"), units);
}
END_TEST

START_TEST(test_a_retired_unit_is_kept)
{
	ck_assert_int_eq(post_unit(w.admin, "KEEP-V", "Thôn Giữ", "village", "NX", NULL), 201);
	ck_assert_int_eq(post_unit(w.admin, "KEEP-W", "Thôn Nhận", "village", "NX", NULL), 201);
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/units/KEEP-V/retire", w.admin, "{\"successor_code\":\"KEEP-W\"}", NULL);
	ck_assert_int_eq(r.status, 200);
	char *etag = http_header_value(&r, "ETag");
	char header[64];
	snprintf(header, sizeof header, "If-Match: %s", etag);
	free(etag);
	http_response_free(&r);
	const char *im[] = {header, NULL};
	world_call(&r, &w, "DELETE", "/api/v1/units/KEEP-V", w.admin, NULL, im);
	assert_problem(&r, 409);
	http_response_free(&r);
	char *n = db_query_value(w.url, "SELECT count(*) FROM units WHERE code = 'KEEP-V'");
	ck_assert_str_eq(n, "1");
	free(n);
}
END_TEST

Suite *units_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("tree");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_officer_creates_a_village_in_scope_with_an_audit_event);
	tcase_add_test(tc, test_out_of_scope_parents_roots_and_bad_levels_are_refused);
	tcase_add_test(tc, test_wrong_types_unknown_and_read_only_fields_are_422);
	tcase_add_test(tc, test_unit_search_ignores_diacritics_with_case);
	tcase_add_test(tc, test_unit_search_finds_a_commune_in_the_officers_scope);
	tcase_add_test(tc, test_unit_search_for_a_percent_sign_means_itself);
	tcase_add_test(tc, test_unit_search_for_quotes_with_backslashes_is_answered);
	tcase_add_test(tc, test_unit_list_hides_units_out_of_scope);
	tcase_add_test(tc, test_unit_list_filters_by_parent_with_level);
	tcase_add_test(tc, test_unit_list_refuses_an_unknown_level);
	tcase_add_test(tc, test_a_unit_out_of_scope_is_404);
	tcase_add_test(tc, test_get_with_ancestors);
	tcase_add_test(tc, test_move_needs_if_match_and_refuses_cycles);
	tcase_add_test(tc, test_retire_answers_the_unit_retired_into_its_successor);
	tcase_add_test(tc, test_retire_moves_everything_under_the_unit_to_the_successor);
	tcase_add_test(tc, test_retire_writes_one_audit_event);
	tcase_add_test(tc, test_a_retired_unit_is_still_readable);
	tcase_add_test(tc, test_retiring_a_retired_unit_is_409);
	tcase_add_test(tc, test_retiring_into_a_retired_unit_is_422);
	tcase_add_test(tc, test_retiring_a_unit_into_itself_is_422);
	tcase_add_test(tc, test_retiring_into_a_unit_of_another_level_is_422);
	tcase_add_test(tc, test_retiring_into_a_unit_inside_it_is_422);
	tcase_add_test(tc, test_retiring_a_unit_out_of_scope_is_404);
	tcase_add_test(tc, test_retiring_without_a_successor_is_422);
	tcase_add_test(tc, test_no_unit_can_be_added_under_a_retired_one);
	tcase_add_test(tc, test_retire_with_two_active_teams_is_409_and_changes_nothing);
	tcase_add_test(tc, test_delete_only_a_unit_without_dependants);
	tcase_add_test(tc, test_level_changes_and_self_parents_that_break_the_tree_are_422);
	tcase_add_test(tc, test_a_retired_unit_is_kept);
	suite_add_tcase(s, tc);
	return s;
}
