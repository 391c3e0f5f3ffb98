/* Pure pieces of the HTTP layer: media types, request ids, route templates, problem types,
 * metrics rendering. */
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "../../api/auth/client_auth.h"
#include "../../api/http/body.h"
#include "../../api/http/metrics.h"
#include "../../api/http/problem.h"
#include "../../api/http/request_id.h"
#include "../../api/server.h"
#include "../../db/pool.h"

START_TEST(test_media_type_matching)
{
	ck_assert(media_type_is("application/json", "application/json"));
	ck_assert(media_type_is("Application/JSON; charset=utf-8", "application/json"));
	ck_assert(media_type_is("  application/json ;charset=UTF-8", "application/json"));
	ck_assert(!media_type_is("application/jsonp", "application/json"));
	ck_assert(!media_type_is("text/plain", "application/json"));
	ck_assert(!media_type_is("", "application/json"));
	ck_assert(!media_type_is(NULL, "application/json"));
	ck_assert(media_type_is("application/merge-patch+json", "application/merge-patch+json"));
}
END_TEST

START_TEST(test_request_id_acceptance)
{
	ck_assert(request_id_acceptable("abc-123_X.y:z"));
	ck_assert(!request_id_acceptable(""));
	ck_assert(!request_id_acceptable(NULL));
	ck_assert(!request_id_acceptable("has space"));
	ck_assert(!request_id_acceptable("new\r\nline"));
	ck_assert(!request_id_acceptable("quote\""));
	char long_id[66];
	memset(long_id, 'a', 65);
	long_id[65] = '\0';
	ck_assert(!request_id_acceptable(long_id));
	long_id[64] = '\0';
	ck_assert(request_id_acceptable(long_id));
}
END_TEST

START_TEST(test_generated_request_ids_are_uuid_v4_and_differ)
{
	char a[37], b[37];
	request_id_generate(a);
	request_id_generate(b);
	ck_assert_uint_eq(strlen(a), 36);
	ck_assert(a[14] == '4');
	ck_assert(strchr("89ab", a[19]));
	ck_assert_str_ne(a, b);
	ck_assert(request_id_acceptable(a));
}
END_TEST

START_TEST(test_route_templates)
{
	ck_assert(route_path_matches("/healthz", "/healthz"));
	ck_assert(route_path_matches("/healthz", "/healthz/"));
	ck_assert(route_path_matches("/api/v1/units/{code}", "/api/v1/units/HG-01"));
	ck_assert(route_path_matches("/api/v1/units/{code}", "/api/v1/units/HG-01?include=x"));
	ck_assert(!route_path_matches("/api/v1/units/{code}", "/api/v1/units"));
	ck_assert(!route_path_matches("/api/v1/units/{code}", "/api/v1/units/a/b"));
	ck_assert(!route_path_matches("/api/v1/units", "/api/v1/unitsx"));
	ck_assert(route_path_matches("/api/v1/teams/{id}/memberships", "/api/v1/teams/5/memberships"));
	ck_assert(!route_path_matches("/healthz", "/"));
}
END_TEST

/* The writes of the modules a kept team or member is made of flush the kept representations
 * (server.c reads ROUTE_CHANGES_KEPT): a write route added to these tables without the flag
 * would leave stale teams and members in memory. */
START_TEST(test_writes_to_kept_representations_are_flagged)
{
	const struct route *const kept_parts[] = {
		teams_routes, memberships_routes, members_routes, units_routes, imports_routes,
	};
	int writes = 0;
	for (size_t t = 0; t < sizeof kept_parts / sizeof kept_parts[0]; t++)
		for (const struct route *r = kept_parts[t]; r->method; r++) {
			int write = strcmp(r->method, "GET") != 0;
			ck_assert_msg(!!(r->flags & ROUTE_CHANGES_KEPT) == write, "%s %s", r->method,
				      r->path);
			writes += write;
		}
	ck_assert_int_ge(writes, 14);
}
END_TEST

START_TEST(test_problem_types_and_titles)
{
	ck_assert_str_eq(problem_type(404), "urn:cdtt:problem:not-found");
	ck_assert_str_eq(problem_type(422), "urn:cdtt:problem:validation-failed");
	ck_assert_str_eq(problem_type(418), "about:blank");
	ck_assert_str_eq(problem_title(413), "The request body is too large");
}
END_TEST

/* The errors of a nested document, moved under its pointer in the order they came. */
START_TEST(test_problem_errors_prefixed)
{
	json_t *src = NULL, *dest = NULL;
	problem_add_error(&dest, "/title", "required", "is required");
	problem_add_error(&src, "/date", "invalid_format", "must be a date");
	problem_add_error(&src, "", "invalid_type", "must be an object");
	problem_add_errors_prefixed(&dest, src, "/items/3");
	ck_assert_uint_eq(json_array_size(dest), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(dest, 1), "field")),
			 "/items/3/date");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(dest, 1), "code")),
			 "invalid_format");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(dest, 2), "field")),
			 "/items/3");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(dest, 2), "message")),
			 "must be an object");
	/* none to move: dest is left as it was */
	problem_add_errors_prefixed(&dest, NULL, "/items/4");
	ck_assert_uint_eq(json_array_size(dest), 3);
	json_decref(dest);
}
END_TEST

START_TEST(test_metrics_render_counters_and_cumulative_buckets)
{
	const char *labels[2][2] = {{"GET", "/a"}, {"*", "(unmatched)"}};
	struct metrics *m = metrics_create(2, (const char *const(*)[2])labels);
	metrics_observe(m, 0, 200, 0.0005);
	metrics_observe(m, 0, 200, 0.03);
	metrics_observe(m, 0, 503, 7.0);
	metrics_observe(m, 1, 404, 0.0001);
	metrics_observe(m, 9, 404, 0.0001); /* out of range: ignored */
	struct db_pool *pool = db_pool_create("postgresql:///none", 3, 10);
	struct metrics_state st = {.pool = pool, .kept_hits = 5, .kept_misses = 2};
	size_t len;
	char *text = metrics_render(m, &st, &len);
	ck_assert_uint_eq(strlen(text), len);
	ck_assert_ptr_nonnull(strstr(text, "cdtt_http_requests_total{method=\"GET\",route=\"/a\",status=\"200\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "cdtt_http_requests_total{method=\"GET\",route=\"/a\",status=\"503\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "route=\"/a\",le=\"0.001\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "route=\"/a\",le=\"0.05\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "route=\"/a\",le=\"5\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "route=\"/a\",le=\"+Inf\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "cdtt_http_request_duration_seconds_sum{method=\"GET\",route=\"/a\"} 7.030500\n"));
	ck_assert_ptr_nonnull(strstr(text, "cdtt_db_pool_size 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "cdtt_db_pool_waiting 0\n"));
	ck_assert_ptr_null(strstr(text, "replica"));
	ck_assert_ptr_nonnull(strstr(text, "cdtt_kept_reads_total{result=\"hit\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(text, "cdtt_kept_reads_total{result=\"miss\"} 2\n"));
	free(text);
	db_pool_destroy(pool);
	metrics_destroy(m);
}
END_TEST

START_TEST(test_form_decode_of_basic_credentials_is_strict)
{
	char out[16];
	ck_assert_int_eq(form_decode("province%2Edash", out, sizeof out), 0);
	ck_assert_str_eq(out, "province.dash");
	ck_assert_int_eq(form_decode("a%2d%5F%7e+b", out, sizeof out), 0);
	ck_assert_str_eq(out, "a-_~ b");
	ck_assert_int_eq(form_decode("", out, sizeof out), 0);
	ck_assert_str_eq(out, "");
	/* malformed, a NUL, or too long for the buffer: refused */
	static const char *const bad[] = {"a%2", "a%", "a%G1", "a%1G", "a%00b", "0123456789abcdef"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(form_decode(bad[i], out, sizeof out) == -1, "%s", bad[i]);
}
END_TEST

Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, test_media_type_matching);
	tcase_add_test(tc, test_request_id_acceptance);
	tcase_add_test(tc, test_generated_request_ids_are_uuid_v4_and_differ);
	tcase_add_test(tc, test_route_templates);
	tcase_add_test(tc, test_writes_to_kept_representations_are_flagged);
	tcase_add_test(tc, test_problem_types_and_titles);
	tcase_add_test(tc, test_problem_errors_prefixed);
	tcase_add_test(tc, test_metrics_render_counters_and_cumulative_buckets);
	tcase_add_test(tc, test_form_decode_of_basic_credentials_is_strict);
	suite_add_tcase(s, tc);
	return s;
}
