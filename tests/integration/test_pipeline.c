/*
 * The pipeline every request goes through, tested on an in-process server with two test-only
 * routes (a JSON echo and a slow database call) over real HTTP: request ids, problem+json for
 * unknown routes and methods, body limit, content type, JSON syntax, CORS, the pool's bounded
 * wait, metrics, and in-flight requests surviving shutdown.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../api/auth/jwt.h"
#include "../../api/http/log.h"
#include "../../api/http/problem.h"
#include "../../api/server.h"
#include "../../db/migrate.h"
#include "../../db/pool.h"
#include "harness.h"
#include "world.h"
#include "suites.h"

static char database_url[512];
static struct config cfg;
static struct auth auth;
static struct server *srv;

static void echo(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	http_json(resp, 201, ctx->body);
}

static struct db_stmt sleep_stmt = {
	.name = "test_sleep", .sql = "SELECT pg_sleep(0.8)", .nparams = 0, .readonly = 1};

static void slow(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	enum db_status st;
	struct db_conn *conn = db_acquire(ctx->srv->pool, &st);
	if (!conn) {
		problem_unavailable(resp, ctx, st == DB_BUSY);
		return;
	}
	PQclear(db_exec(conn, &sleep_stmt, NULL, &st));
	db_release(ctx->srv->pool, conn);
	http_json_text(resp, 200, "{}", 2);
}

static struct db_stmt long_sleep_stmt = {
	.name = "test_long_sleep", .sql = "SELECT pg_sleep(3)", .nparams = 0, .readonly = 1};

static void runaway(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &long_sleep_stmt, NULL, &st);
	if (!res)
		return; /* answered: 503 after the statement timeout */
	PQclear(res);
	http_json_text(resp, 200, "{}", 2);
}

/* Answers which route ran and the path parameters it was given. */
static void params(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	json_t *out = json_pack("{s:s, s:s?, s:s?}", "route", ctx->route->path, "a",
				u_map_get(req->map_url, "a"), "b", u_map_get(req->map_url, "b"));
	http_json(resp, 200, out);
	json_decref(out);
}

static const struct route test_routes[] = {
	{"GET", "/test/params/{a}", params, ROUTE_PUBLIC},
	{"GET", "/test/params/{a}/{b}", params, ROUTE_PUBLIC},
	{"GET", "/test/params/fixed", params, ROUTE_PUBLIC},
	{"GET", "/test/runaway", runaway, ROUTE_PUBLIC},
	{"POST", "/test/echo", echo, ROUTE_JSON_BODY | ROUTE_PUBLIC},
	{"PATCH", "/test/echo", echo, ROUTE_JSON_BODY | ROUTE_PUBLIC},
	{"GET", "/test/slow", slow, ROUTE_PUBLIC},
	{0},
};

static void suite_setup(void)
{
	snprintf(database_url, sizeof database_url, "%s", db_create("pipeline"));
	char err[256];
	ck_assert_msg(migrate_database(database_url, err, sizeof err) >= 0, "%s", err);
}

static void server_setup(void)
{
	memset(&cfg, 0, sizeof cfg);
	cfg.database_url = database_url;
	strcpy(cfg.listen_host, "127.0.0.1");
	cfg.listen_port = 0;
	cfg.threads = 4;
	cfg.db_pool_size = 1;
	cfg.db_wait_ms = 200;
	cfg.shutdown_grace = 5;
	cfg.max_body_bytes = 4096;
	cfg.statement_timeout_ms = 1500; /* /test/slow (0.8 s) fits, /test/runaway (3 s) does not */
	cfg.cors_origins[0] = "https://app.example.gov.vn";
	cfg.n_cors_origins = 1;
	cfg.jwt_secret = TEST_JWT_SECRET;
	cfg.jwt_issuer = "cdtt";
	cfg.jwt_audience = "cdtt-api";
	cfg.token_ttl = 600;
	log_set_level(LOG_ERROR);
	char err[256];
	ck_assert_msg(auth_init(&auth, &cfg, err, sizeof err) == 0, "%s", err);
	srv = server_start(&cfg, &auth, test_routes);
	ck_assert(srv);
}

static void server_teardown(void)
{
	if (srv)
		server_stop(srv);
	srv = NULL;
	auth_free(&auth);
}

static int is_uuid(const char *s)
{
	regex_t re;
	regcomp(&re, "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
		REG_EXTENDED | REG_NOSUB);
	int ok = s && regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

START_TEST(test_request_id_sent_by_client_is_echoed)
{
	struct http_response r;
	const char *h[] = {"X-Request-Id: prov-HG:2026.11_abc-1", NULL};
	http_request(&r, "GET", srv->port, "/healthz", h, NULL, 0);
	char *rid = http_header_value(&r, "X-Request-Id");
	ck_assert_str_eq(rid, "prov-HG:2026.11_abc-1");
	free(rid);
	http_response_free(&r);
}
END_TEST

START_TEST(test_request_id_is_generated_when_absent_or_unsafe)
{
	struct http_response r;
	http_get(&r, srv->port, "/healthz");
	char *rid = http_header_value(&r, "X-Request-Id");
	ck_assert_msg(is_uuid(rid), "%s", rid);
	free(rid);
	http_response_free(&r);

	const char *h[] = {"X-Request-Id: <script>alert(1)</script>", NULL};
	http_request(&r, "GET", srv->port, "/nowhere", h, NULL, 0);
	rid = http_header_value(&r, "X-Request-Id");
	ck_assert_msg(is_uuid(rid), "%s", rid);
	ck_assert_ptr_null(strstr(r.body, "script"));
	assert_problem(&r, 404); /* instance is the generated id */
	free(rid);
	http_response_free(&r);
}
END_TEST

START_TEST(test_unknown_route_is_404_problem)
{
	struct http_response r;
	http_get(&r, srv->port, "/api/v1/nothing-here?x=1");
	assert_problem(&r, 404);
	ck_assert_str_eq(json_field(r.body, "type"), "urn:cdtt:problem:not-found");
	http_response_free(&r);
}
END_TEST

START_TEST(test_wrong_method_is_405_with_allow)
{
	struct http_response r;
	http_request(&r, "DELETE", srv->port, "/test/echo", NULL, NULL, 0);
	assert_problem(&r, 405);
	char *allow = http_header_value(&r, "Allow");
	ck_assert_str_eq(allow, "POST, PATCH");
	free(allow);
	http_response_free(&r);

	http_request(&r, "POST", srv->port, "/healthz", NULL, "{}", 2);
	assert_problem(&r, 405);
	allow = http_header_value(&r, "Allow");
	ck_assert_str_eq(allow, "GET");
	free(allow);
	http_response_free(&r);
}
END_TEST

START_TEST(test_router_binds_decoded_path_parameters_over_the_query)
{
	struct http_response r;
	http_get(&r, srv->port, "/test/params/x%20y/z?a=smuggled&b=other");
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "route"), "/test/params/{a}/{b}");
	ck_assert_str_eq(json_field(r.body, "a"), "x y"); /* decoded; the path wins over ?a= */
	ck_assert_str_eq(json_field(r.body, "b"), "z");
	http_response_free(&r);
}
END_TEST

START_TEST(test_router_prefers_literal_segments)
{
	struct http_response r;
	http_get(&r, srv->port, "/test/params/fixed");
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "route"), "/test/params/fixed");
	http_response_free(&r);
}
END_TEST

START_TEST(test_router_ignores_empty_segments)
{
	struct http_response r;
	http_get(&r, srv->port, "//test//params/one/");
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "a"), "one");
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_segment_that_is_not_clean_utf8_names_no_resource)
{
	struct http_response r;
	const char *unclean[] = {"/test/params/%FF", "/test/params/a%01b", "/test/params/a%00",
				 "/test/params/a%2", "/test/params/%zz"};
	for (size_t i = 0; i < sizeof unclean / sizeof unclean[0]; i++) {
		http_get(&r, srv->port, unclean[i]);
		assert_problem(&r, 404);
		http_response_free(&r);
	}
}
END_TEST

START_TEST(test_a_path_with_too_many_segments_names_no_resource)
{
	struct http_response r;
	http_get(&r, srv->port, "/test/params/a/b/c");
	assert_problem(&r, 404);
	http_response_free(&r);
}
END_TEST

START_TEST(test_query_strings_must_decode_to_utf8)
{
	struct http_response r;
	http_get(&r, srv->port, "/test/params/fixed?a=%C3%A0&b=x+y&empty=&flag&=v");
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	const char *bad[] = {"/test/params/fixed?a=%FF", "/test/params/fixed?a=%C3",
			     "/test/params/fixed?a=%ED%A0%80", "/test/params/fixed?a=%00",
			     "/test/params/fixed?a=%2", "/test/params/fixed?ok=1&a=%zz"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		http_get(&r, srv->port, bad[i]);
		assert_problem(&r, 422);
		ck_assert_msg(response_has_error(&r, "a", "invalid_encoding"), "%s: %s", bad[i],
			      r.body);
		http_response_free(&r);
	}
	http_get(&r, srv->port, "/test/params/fixed?%FF=1");
	assert_problem(&r, 422);
	ck_assert_msg(response_has_error(&r, "(query)", NULL), "%s", r.body);
	http_response_free(&r);
}
END_TEST

static char *json_of_size(size_t n)
{
	char *body = malloc(n + 1);
	memset(body, 'a', n);
	memcpy(body, "{\"a\":\"", 6);
	memcpy(body + n - 2, "\"}", 2);
	body[n] = '\0';
	return body;
}

START_TEST(test_body_over_limit_is_413)
{
	struct http_response r;
	const char *h[] = {"Content-Type: application/json", NULL};
	char *body = json_of_size(5000);
	http_request(&r, "POST", srv->port, "/test/echo", h, body, 5000);
	assert_problem(&r, 413);
	assert_problem_says(&r, "4096 bytes");
	http_response_free(&r);
	/* exactly at the limit is fine */
	http_request(&r, "POST", srv->port, "/test/echo", h, body + 5000 - 4096, 4096);
	ck_assert_int_eq(r.status, 400); /* not JSON after the cut, but not too large */
	http_response_free(&r);
	free(body);
}
END_TEST

START_TEST(test_chunked_body_over_limit_is_413)
{
	struct http_response r;
	const char *h[] = {"Content-Type: application/json", "Transfer-Encoding: chunked", NULL};
	char *body = json_of_size(20000);
	http_request(&r, "POST", srv->port, "/test/echo", h, body, 20000);
	assert_problem(&r, 413);
	http_response_free(&r);
	free(body);
}
END_TEST

START_TEST(test_body_at_limit_with_valid_json_reaches_handler)
{
	struct http_response r;
	const char *h[] = {"Content-Type: application/json; charset=utf-8", NULL};
	char *body = json_of_size(4096);
	http_request(&r, "POST", srv->port, "/test/echo", h, body, 4096);
	ck_assert_int_eq(r.status, 201);
	ck_assert_str_eq(r.body, body);
	http_response_free(&r);
	free(body);
}
END_TEST

START_TEST(test_wrong_content_type_is_415)
{
	struct http_response r;
	const char *h[] = {"Content-Type: text/plain", NULL};
	http_request(&r, "POST", srv->port, "/test/echo", h, "{}", 2);
	assert_problem(&r, 415);
	http_response_free(&r);
	const char *form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	http_request(&r, "POST", srv->port, "/test/echo", form, "a=1", 3);
	assert_problem(&r, 415);
	http_response_free(&r);
	/* merge-patch is for PATCH only */
	const char *mp[] = {"Content-Type: application/merge-patch+json", NULL};
	http_request(&r, "POST", srv->port, "/test/echo", mp, "{}", 2);
	assert_problem(&r, 415);
	http_response_free(&r);
	http_request(&r, "PATCH", srv->port, "/test/echo", mp, "{}", 2);
	ck_assert_int_eq(r.status, 201);
	http_response_free(&r);
}
END_TEST

START_TEST(test_malformed_json_is_400)
{
	static const char *const bodies[] = {"{\"a\":", "{a:1}", "[1,2]", "\"text\"",
					     "{\"a\":1,\"a\":2}", "{\"a\":\"\xff\"}", ""};
	const char *h[] = {"Content-Type: application/json", NULL};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		struct http_response r;
		http_request(&r, "POST", srv->port, "/test/echo", h, bodies[i], strlen(bodies[i]));
		assert_problem(&r, 400);
		http_response_free(&r);
	}
}
END_TEST

START_TEST(test_cors_allowed_origin_gets_headers)
{
	struct http_response r;
	const char *h[] = {"Origin: https://app.example.gov.vn", NULL};
	http_request(&r, "GET", srv->port, "/healthz", h, NULL, 0);
	char *acao = http_header_value(&r, "Access-Control-Allow-Origin");
	char *expose = http_header_value(&r, "Access-Control-Expose-Headers");
	ck_assert_str_eq(acao, "https://app.example.gov.vn");
	ck_assert_ptr_nonnull(strstr(expose, "X-Request-Id"));
	free(acao);
	free(expose);
	http_response_free(&r);
}
END_TEST

START_TEST(test_cors_other_origin_gets_no_headers)
{
	struct http_response r;
	const char *h[] = {"Origin: https://evil.example.com", NULL};
	http_request(&r, "GET", srv->port, "/healthz", h, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(http_header_value(&r, "Access-Control-Allow-Origin"));
	http_response_free(&r);

	const char *pre[] = {"Origin: https://evil.example.com",
			     "Access-Control-Request-Method: POST", NULL};
	http_request(&r, "OPTIONS", srv->port, "/test/echo", pre, NULL, 0);
	ck_assert_int_eq(r.status, 204);
	ck_assert_ptr_null(http_header_value(&r, "Access-Control-Allow-Origin"));
	ck_assert_ptr_null(http_header_value(&r, "Access-Control-Allow-Methods"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_preflight_from_allowed_origin_is_204_with_methods)
{
	struct http_response r;
	const char *h[] = {"Origin: https://app.example.gov.vn", "Access-Control-Request-Method: PATCH",
			   "Access-Control-Request-Headers: authorization, if-match", NULL};
	http_request(&r, "OPTIONS", srv->port, "/test/echo", h, NULL, 0);
	ck_assert_int_eq(r.status, 204);
	char *acao = http_header_value(&r, "Access-Control-Allow-Origin");
	char *methods = http_header_value(&r, "Access-Control-Allow-Methods");
	char *headers = http_header_value(&r, "Access-Control-Allow-Headers");
	ck_assert_str_eq(acao, "https://app.example.gov.vn");
	ck_assert_str_eq(methods, "POST, PATCH, OPTIONS");
	ck_assert_ptr_nonnull(strstr(headers, "If-Match"));
	ck_assert_ptr_nonnull(strstr(headers, "Authorization"));
	free(acao);
	free(methods);
	free(headers);
	http_response_free(&r);

	http_request(&r, "OPTIONS", srv->port, "/not/a/route", h, NULL, 0);
	assert_problem(&r, 404);
	http_response_free(&r);
}
END_TEST

struct call {
	int port;
	const char *path;
	struct http_response r;
};

static void *call_thread(void *arg)
{
	struct call *c = arg;
	http_get(&c->r, c->port, c->path);
	return NULL;
}

START_TEST(test_pool_exhausted_answers_503_with_retry_after)
{
	/* pool of 1, 200 ms wait: while one request holds the connection for 800 ms, the other
	 * gives up and answers 503. */
	struct call a = {srv->port, "/test/slow", {0}}, b = {srv->port, "/test/slow", {0}};
	pthread_t ta, tb;
	pthread_create(&ta, NULL, call_thread, &a);
	usleep(100000);
	pthread_create(&tb, NULL, call_thread, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ck_assert_int_eq(a.r.status, 200);
	assert_problem(&b.r, 503);
	char *retry = http_header_value(&b.r, "Retry-After");
	ck_assert_str_eq(retry, "1");
	free(retry);
	ck_assert_ptr_nonnull(strstr(b.r.body, "busy"));
	http_response_free(&a.r);
	http_response_free(&b.r);
	/* and the pool works again afterwards */
	struct http_response r;
	http_get(&r, srv->port, "/readyz");
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
}
END_TEST

START_TEST(test_metrics_count_requests_by_route_and_status)
{
	struct http_response r;
	for (int i = 0; i < 3; i++) {
		http_get(&r, srv->port, "/healthz");
		http_response_free(&r);
	}
	http_get(&r, srv->port, "/missing");
	http_response_free(&r);
	http_get(&r, srv->port, "/metrics");
	ck_assert_int_eq(r.status, 200);
	char *ct = http_header_value(&r, "Content-Type");
	ck_assert_ptr_nonnull(strstr(ct, "text/plain; version=0.0.4"));
	free(ct);
	ck_assert_msg(strstr(r.body,
			     "cdtt_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 3\n"),
		      "%s", r.body);
	ck_assert_ptr_nonnull(strstr(
		r.body, "cdtt_http_requests_total{method=\"*\",route=\"(unmatched)\",status=\"404\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "# TYPE cdtt_http_request_duration_seconds histogram"));
	ck_assert_ptr_nonnull(strstr(
		r.body,
		"cdtt_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"+Inf\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(
		r.body, "cdtt_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "cdtt_db_pool_size 1\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "cdtt_db_pool_in_use 0\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "cdtt_db_pool_waiting 0\n"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_metrics_show_pool_in_use_and_waiting)
{
	struct call a = {srv->port, "/test/slow", {0}};
	pthread_t ta;
	pthread_create(&ta, NULL, call_thread, &a);
	usleep(300000);
	struct http_response r;
	http_get(&r, srv->port, "/metrics");
	ck_assert_ptr_nonnull(strstr(r.body, "cdtt_db_pool_in_use 1\n"));
	http_response_free(&r);
	pthread_join(ta, NULL);
	http_response_free(&a.r);
}
END_TEST

START_TEST(test_request_in_flight_finishes_during_shutdown)
{
	struct call a = {srv->port, "/test/slow", {0}};
	pthread_t ta;
	pthread_create(&ta, NULL, call_thread, &a);
	usleep(200000);
	int port = srv->port;
	server_stop(srv); /* returns once the request in flight was answered */
	srv = NULL;
	pthread_join(ta, NULL);
	ck_assert_int_eq(a.r.status, 200);
	http_response_free(&a.r);
	/* nothing listens any more */
	char cmd[128];
	snprintf(cmd, sizeof cmd, "curl -s -o /dev/null --max-time 2 http://127.0.0.1:%d/healthz", port);
	ck_assert_int_ne(system(cmd), 0);
}
END_TEST

START_TEST(test_a_statement_over_the_timeout_answers_503_and_frees_the_connection)
{
	struct http_response r;
	http_get(&r, srv->port, "/test/runaway");
	assert_problem(&r, 503);
	char *retry = http_header_value(&r, "Retry-After");
	ck_assert_str_eq(retry, "5");
	free(retry);
	http_response_free(&r);
	/* the pool's only connection works again */
	http_get(&r, srv->port, "/readyz");
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
}
END_TEST

Suite *pipeline_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("in-process");
	tcase_set_timeout(tc, 30);
	tcase_add_unchecked_fixture(tc, suite_setup, NULL);
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_test(tc, test_request_id_sent_by_client_is_echoed);
	tcase_add_test(tc, test_request_id_is_generated_when_absent_or_unsafe);
	tcase_add_test(tc, test_unknown_route_is_404_problem);
	tcase_add_test(tc, test_wrong_method_is_405_with_allow);
	tcase_add_test(tc, test_router_binds_decoded_path_parameters_over_the_query);
	tcase_add_test(tc, test_router_prefers_literal_segments);
	tcase_add_test(tc, test_router_ignores_empty_segments);
	tcase_add_test(tc, test_a_segment_that_is_not_clean_utf8_names_no_resource);
	tcase_add_test(tc, test_a_path_with_too_many_segments_names_no_resource);
	tcase_add_test(tc, test_query_strings_must_decode_to_utf8);
	tcase_add_test(tc, test_body_over_limit_is_413);
	tcase_add_test(tc, test_chunked_body_over_limit_is_413);
	tcase_add_test(tc, test_body_at_limit_with_valid_json_reaches_handler);
	tcase_add_test(tc, test_wrong_content_type_is_415);
	tcase_add_test(tc, test_malformed_json_is_400);
	tcase_add_test(tc, test_cors_allowed_origin_gets_headers);
	tcase_add_test(tc, test_cors_other_origin_gets_no_headers);
	tcase_add_test(tc, test_preflight_from_allowed_origin_is_204_with_methods);
	tcase_add_test(tc, test_pool_exhausted_answers_503_with_retry_after);
	tcase_add_test(tc, test_metrics_count_requests_by_route_and_status);
	tcase_add_test(tc, test_metrics_show_pool_in_use_and_waiting);
	tcase_add_test(tc, test_request_in_flight_finishes_during_shutdown);
	tcase_add_test(tc, test_a_statement_over_the_timeout_answers_503_and_frees_the_connection);
	suite_add_tcase(s, tc);
	return s;
}
