/*
 * The HTTP contract as clients see it: content negotiation (?format=, Accept, 406), the headers
 * CORS lets a browser read, the OpenAPI document's shared answers on every operation, and
 * /metrics on CDTT_METRICS_LISTEN's address.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"
#include "world.h"

#define ORIGIN "https://app.example.gov.vn"

static struct world w;
static const char *const world_env[] = {"CDTT_CORS_ORIGINS=" ORIGIN, NULL};
WORLD_FIXTURE(w, world_env)

/* GET path as the admin with one extra header (NULL: none). */
static void get_with(struct http_response *r, const char *path, const char *header)
{
	const char *extra[] = {header, NULL};
	world_call(r, &w, "GET", path, w.admin, NULL, header ? extra : NULL);
}

static void assert_content_type(const struct http_response *r, const char *want)
{
	char *ct = http_header_value(r, "Content-Type");
	ck_assert_msg(ct && !strncmp(ct, want, strlen(want)), "Content-Type %s, expected %s",
		      ct ? ct : "(none)", want);
	free(ct);
}

START_TEST(test_an_accept_json_cannot_answer_is_406)
{
	static const char *const refused[] = {
		"Accept: text/html",
		"Accept: application/xml",
		"Accept: text/html, application/xhtml+xml, application/xml;q=0.9",
		"Accept: application/json;q=0, */*",
		"Accept: text/csv", /* the units list has no CSV form */
	};
	struct http_response r;
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		get_with(&r, "/api/v1/units", refused[i]);
		ck_assert_msg(r.status == 406, "%s: %ld", refused[i], r.status);
		assert_problem(&r, 406);
		ck_assert_str_eq(json_field(r.body, "type"), "urn:cdtt:problem:not-acceptable");
		http_response_free(&r);
	}
	/* on the public routes too, before anything else is done */
	const char *html[] = {"Accept: text/html", NULL};
	http_request(&r, "GET", w.server.port, "/healthz", html, NULL, 0);
	assert_problem(&r, 406);
	http_response_free(&r);
	/* a refused Accept writes nothing */
	const char *tables[] = {"units", NULL};
	struct world_counts before = world_counts(&w, tables);
	const char *extra[] = {"Accept: application/xml", NULL};
	world_call(&r, &w, "POST", "/api/v1/units", w.admin,
		   "{\"code\":\"NG\",\"name\":\"Nghệ\",\"level\":\"province\"}", extra);
	assert_problem(&r, 406);
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_json_is_answered_to_every_accept_that_takes_it)
{
	static const char *const taken[] = {
		NULL, /* curl's own: */
		"Accept:", /* (removes the header) */
		"Accept: */*",
		"Accept: application/*",
		"Accept: application/json",
		"Accept: application/json; charset=utf-8",
		"Accept: application/problem+json",
		"Accept: text/html;q=0.9, application/json;q=0.1",
		"Accept: text/html, */*;q=0.1",
	};
	struct http_response r;
	for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
		get_with(&r, "/api/v1/units", taken[i]);
		ck_assert_msg(r.status == 200, "%s: %ld %s", taken[i] ? taken[i] : "(curl)", r.status,
			      r.body);
		assert_content_type(&r, "application/json");
		http_response_free(&r);
	}
	/* the metrics and the docs page have a media type of their own: not negotiated */
	const char *html[] = {"Accept: text/html", NULL};
	http_request(&r, "GET", w.server.port, "/metrics", html, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
}
END_TEST

START_TEST(test_format_csv_asks_for_csv_on_every_list_and_report_that_has_it)
{
	static const char *const paths[] = {
		"/api/v1/teams?format=csv",		"/api/v1/members?format=csv",
		"/api/v1/activities?format=csv",	"/api/v1/reports/coverage?format=csv",
		"/api/v1/reports/activity?format=csv", "/api/v1/reports/lagging?format=csv",
		"/api/v1/reports/evaluations?period=2025&format=csv",
		"/api/v1/reports/funding?fiscal_year=2025&format=csv",
	};
	struct http_response r;
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		get_with(&r, paths[i], "Accept: application/json"); /* the query wins */
		ck_assert_msg(r.status == 200, "%s: %ld %s", paths[i], r.status, r.body);
		assert_content_type(&r, "text/csv");
		char *cd = http_header_value(&r, "Content-Disposition");
		ck_assert_msg(cd && strstr(cd, "attachment"), "%s", paths[i]);
		free(cd);
		http_response_free(&r);
	}
	/* and Accept: text/csv as before, with q-values read */
	get_with(&r, "/api/v1/teams", "Accept: text/csv;q=0.8, application/json;q=0.5");
	assert_content_type(&r, "text/csv");
	http_response_free(&r);
	get_with(&r, "/api/v1/teams", "Accept: text/csv;q=0.5, application/json");
	assert_content_type(&r, "application/json");
	http_response_free(&r);
	get_with(&r, "/api/v1/teams", "Accept: text/*");
	assert_content_type(&r, "text/csv");
	http_response_free(&r);
}
END_TEST

START_TEST(test_format_json_forces_json_and_an_unknown_format_is_422)
{
	struct http_response r;
	get_with(&r, "/api/v1/members?format=json", "Accept: text/csv");
	ck_assert_int_eq(r.status, 200);
	assert_content_type(&r, "application/json");
	http_response_free(&r);
	get_with(&r, "/api/v1/units?format=json", NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);

	static const char *const bad[] = {"/api/v1/teams?format=xml", "/api/v1/teams?format=CSV",
					  "/api/v1/teams?format=", "/api/v1/units?format=xlsx"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		get_with(&r, bad[i], NULL);
		assert_problem(&r, 422);
		ck_assert_msg(response_has_error(&r, "format", "invalid_value"), "%s: %s", bad[i],
			      r.body);
		http_response_free(&r);
	}
	/* CSV where the operation has none */
	get_with(&r, "/api/v1/units?format=csv", NULL);
	assert_problem(&r, 406);
	http_response_free(&r);
	get_with(&r, "/api/v1/teams?format=csv", "Accept: text/html"); /* the query decides */
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
}
END_TEST

START_TEST(test_cors_lets_browsers_read_the_headers_clients_need)
{
	struct http_response r;
	get_with(&r, "/api/v1/teams?format=csv", "Origin: " ORIGIN);
	ck_assert_int_eq(r.status, 200);
	char *acao = http_header_value(&r, "Access-Control-Allow-Origin");
	char *expose = http_header_value(&r, "Access-Control-Expose-Headers");
	ck_assert_str_eq(acao, ORIGIN);
	ck_assert_ptr_nonnull(expose);
	static const char *const names[] = {"Content-Disposition", "ETag", "X-Request-Id", "Location",
					    "Retry-After", "Idempotent-Replayed", "WWW-Authenticate"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		ck_assert_msg(strcasestr(expose, names[i]), "%s not exposed: %s", names[i], expose);
	free(acao);
	free(expose);
	http_response_free(&r);
}
END_TEST

/* The $ref of responses[status] of op, or NULL when it does not document status. */
static const char *response_ref(json_t *op, const char *status)
{
	json_t *resp = json_object_get(json_object_get(op, "responses"), status);
	if (!resp)
		return NULL;
	const char *ref = json_string_value(json_object_get(resp, "$ref"));
	return ref ? ref : "(inline)";
}

/* True when op can answer text/csv (a response with that content). */
static int answers_csv(json_t *op)
{
	const char *status;
	json_t *resp;
	json_object_foreach(json_object_get(op, "responses"), status, resp)
	{
		if (json_object_get(json_object_get(resp, "content"), "text/csv"))
			return 1;
	}
	return 0;
}

/* The `format` query parameter of op (by $ref to components or inline), or NULL. */
static json_t *format_parameter(json_t *doc, json_t *op)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(op, "parameters"), i, p)
	{
		const char *ref = json_string_value(json_object_get(p, "$ref"));
		if (ref && !strncmp(ref, "#/components/parameters/", 24))
			p = json_object_get(json_object_get(json_object_get(doc, "components"),
							    "parameters"),
					    ref + 24);
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *in = json_string_value(json_object_get(p, "in"));
		if (name && in && !strcmp(name, "format") && !strcmp(in, "query"))
			return p;
	}
	return NULL;
}

/*
 * What the pipeline can answer on any operation is documented on every one, by the shared
 * answers: 405 and 503 everywhere, 406 wherever negotiation applies (all but the metrics and
 * the docs page), 413 where a body is taken, 429 where throttling happens; and every
 * operation that can answer CSV takes ?format=json|csv. New operations are held to it too.
 */
START_TEST(test_every_operation_documents_the_pipeline_answers)
{
	struct http_response r;
	http_get(&r, w.server.port, "/openapi.json");
	ck_assert_int_eq(r.status, 200);
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	static const char *const methods[] = {"get", "post", "put", "patch", "delete"};
	static const char *const own_media[] = {"/metrics", "/docs"};
	static const char *const throttled[] = {"post /api/v1/auth/token", "patch /api/v1/me"};
	const char *path;
	json_t *item;
	size_t checked = 0;
	json_object_foreach(json_object_get(doc, "paths"), path, item)
	{
		for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
			json_t *op = json_object_get(item, methods[m]);
			if (!op)
				continue;
			char name[300];
			snprintf(name, sizeof name, "%s %s", methods[m], path);
			const char *ref405 = response_ref(op, "405"), *ref503 = response_ref(op, "503");
			ck_assert_msg(ref405 && !strcmp(ref405, "#/components/responses/MethodNotAllowed"),
				      "%s: 405 is not the shared MethodNotAllowed", name);
			ck_assert_msg(ref503 && !strcmp(ref503, "#/components/responses/Unavailable"),
				      "%s: 503 is not the shared Unavailable", name);
			int negotiated = 1;
			for (size_t i = 0; i < sizeof own_media / sizeof own_media[0]; i++)
				negotiated &= strcmp(path, own_media[i]) != 0;
			const char *ref406 = response_ref(op, "406");
			if (negotiated)
				ck_assert_msg(ref406 && !strcmp(ref406,
								"#/components/responses/NotAcceptable"),
					      "%s: 406 is not the shared NotAcceptable", name);
			if (json_object_get(op, "requestBody"))
				ck_assert_msg(response_ref(op, "413"), "%s takes a body: 413", name);
			for (size_t i = 0; i < sizeof throttled / sizeof throttled[0]; i++)
				if (!strcmp(name, throttled[i]))
					ck_assert_msg(response_ref(op, "429"), "%s: 429", name);
			if (answers_csv(op)) {
				json_t *p = format_parameter(doc, op);
				ck_assert_msg(p, "%s answers CSV: ?format= must be documented", name);
				json_t *en = json_object_get(json_object_get(p, "schema"), "enum");
				ck_assert_msg(json_array_size(en) == 2, "%s: format enum", name);
			}
			checked++;
		}
	}
	ck_assert_uint_gt(checked, 50);
	json_decref(doc);
	http_response_free(&r);
}
END_TEST

/* schema, or what its $ref (to #/components/schemas/...) names. */
static json_t *resolved(json_t *doc, json_t *schema)
{
	const char *ref = json_string_value(json_object_get(schema, "$ref"));
	if (!ref || strncmp(ref, "#/components/schemas/", 21))
		return schema;
	return json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"),
			       ref + 21);
}

/*
 * Asserts that every object schema reachable from schema refuses the fields it does not list,
 * as the server does (422 unknown_field): additionalProperties false, or unevaluatedProperties
 * false for one composed with allOf. A map (additionalProperties: a schema) is closed too.
 */
static void assert_closed(json_t *doc, json_t *schema, const char *where, int depth)
{
	schema = resolved(doc, schema);
	if (!schema || depth > 8)
		return;
	json_t *addl = json_object_get(schema, "additionalProperties");
	json_t *uneval = json_object_get(schema, "unevaluatedProperties");
	const char *type = json_string_value(json_object_get(schema, "type"));
	int object = json_object_get(schema, "properties") || (type && !strcmp(type, "object"));
	size_t i;
	json_t *sub;
	json_array_foreach(json_object_get(schema, "allOf"), i, sub)
	{
		json_t *part = resolved(doc, sub);
		const char *t = json_string_value(json_object_get(part, "type"));
		object |= json_object_get(part, "properties") || (t && !strcmp(t, "object"));
	}
	if (object)
		ck_assert_msg(json_is_false(addl) || json_is_false(uneval) || json_is_object(addl),
			      "%s: the schema takes fields the server refuses (no "
			      "additionalProperties/unevaluatedProperties false)",
			      where);
	if (json_is_object(addl))
		assert_closed(doc, addl, where, depth + 1);
	const char *key;
	json_object_foreach(json_object_get(schema, "properties"), key, sub)
	{
		assert_closed(doc, sub, where, depth + 1);
	}
	json_array_foreach(json_object_get(schema, "allOf"), i, sub)
	{
		/* the parts are judged as a whole (unevaluatedProperties): only their insides */
		json_t *part = resolved(doc, sub);
		json_t *inner;
		json_object_foreach(json_object_get(part, "properties"), key, inner)
		{
			assert_closed(doc, inner, where, depth + 1);
		}
	}
	if (json_object_get(schema, "items"))
		assert_closed(doc, json_object_get(schema, "items"), where, depth + 1);
}

/* Every JSON body schema is as strict as the server, which refuses unknown fields; except the
 * token endpoint's, whose unknown parameters OAuth says to ignore (RFC 6749 §3.2). */
START_TEST(test_request_schemas_refuse_unknown_fields_as_the_server_does)
{
	struct http_response r;
	http_get(&r, w.server.port, "/openapi.json");
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	const char *path, *method;
	json_t *item, *op;
	size_t checked = 0;
	json_object_foreach(json_object_get(doc, "paths"), path, item)
	{
		json_object_foreach(item, method, op)
		{
			json_t *content = json_object_get(json_object_get(op, "requestBody"), "content");
			if (!content || !strcmp(path, "/api/v1/auth/token"))
				continue;
			const char *media;
			json_t *c;
			json_object_foreach(content, media, c)
			{
				if (!strstr(media, "json"))
					continue;
				char where[300];
				snprintf(where, sizeof where, "%s %s (%s)", method, path, media);
				assert_closed(doc, json_object_get(c, "schema"), where, 0);
				checked++;
			}
		}
	}
	ck_assert_uint_gt(checked, 20);
	json_decref(doc);
	http_response_free(&r);
}
END_TEST

/* `cdtt serve` with /metrics on an address of its own. */
/* `cdtt serve` with CDTT_METRICS_LISTEN on a free port: p, and that port. */
static int serve_with_metrics_port(struct proc *p)
{
	int metrics_port = free_port();
	static char var[64];
	snprintf(var, sizeof var, "CDTT_METRICS_LISTEN=127.0.0.1:%d", metrics_port);
	const char *env[] = {var, NULL};
	memset(p, 0, sizeof *p);
	serve_start(p, w.url, env);
	return metrics_port;
}

START_TEST(test_metrics_listen_serves_the_api_counters)
{
	struct proc p;
	int metrics_port = serve_with_metrics_port(&p);
	struct http_response r;
	http_get(&r, p.port, "/healthz"); /* counted, then seen on the metrics port */
	http_response_free(&r);
	http_get(&r, metrics_port, "/metrics");
	ck_assert_int_eq(r.status, 200);
	assert_content_type(&r, "text/plain");
	ck_assert_ptr_nonnull(strstr(r.body, "cdtt_http_requests_total{"));
	ck_assert_ptr_nonnull(strstr(r.body, "route=\"/healthz\""));
	http_response_free(&r);
	ck_assert_int_eq(serve_stop(&p), 0);
}
END_TEST

START_TEST(test_metrics_listen_takes_metrics_off_the_api_port)
{
	struct proc p;
	serve_with_metrics_port(&p);
	struct http_response r;
	http_get(&r, p.port, "/metrics");
	assert_problem(&r, 404);
	http_response_free(&r);
	ck_assert_int_eq(serve_stop(&p), 0);
}
END_TEST

START_TEST(test_metrics_port_serves_nothing_else)
{
	struct proc p;
	int metrics_port = serve_with_metrics_port(&p);
	struct http_response r;
	http_get(&r, metrics_port, "/healthz");
	assert_problem(&r, 404);
	http_response_free(&r);
	http_request(&r, "POST", metrics_port, "/metrics", NULL, "x", 1);
	assert_problem(&r, 405);
	char *allow = http_header_value(&r, "Allow");
	ck_assert_str_eq(allow, "GET");
	free(allow);
	http_response_free(&r);
	ck_assert_int_eq(serve_stop(&p), 0);
}
END_TEST

START_TEST(test_metrics_listener_stops_with_the_server)
{
	/* which still exits 0 */
	struct proc p;
	serve_with_metrics_port(&p);
	ck_assert_int_eq(serve_stop(&p), 0);
	char *out = proc_output(&p);
	ck_assert_msg(strstr(out, "serving metrics"), "%s", out);
	free(out);
}
END_TEST

START_TEST(test_metrics_stay_on_the_api_port_without_metrics_listen)
{
	struct http_response r;
	http_get(&r, w.server.port, "/metrics");
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "cdtt_http_requests_total"));
	http_response_free(&r);
}
END_TEST

Suite *contract_suite(void)
{
	Suite *s = suite_create("contract");
	TCase *tc = tcase_create("world");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_an_accept_json_cannot_answer_is_406);
	tcase_add_test(tc, test_json_is_answered_to_every_accept_that_takes_it);
	tcase_add_test(tc, test_format_csv_asks_for_csv_on_every_list_and_report_that_has_it);
	tcase_add_test(tc, test_format_json_forces_json_and_an_unknown_format_is_422);
	tcase_add_test(tc, test_cors_lets_browsers_read_the_headers_clients_need);
	tcase_add_test(tc, test_every_operation_documents_the_pipeline_answers);
	tcase_add_test(tc, test_request_schemas_refuse_unknown_fields_as_the_server_does);
	tcase_add_test(tc, test_metrics_listen_serves_the_api_counters);
	tcase_add_test(tc, test_metrics_listen_takes_metrics_off_the_api_port);
	tcase_add_test(tc, test_metrics_port_serves_nothing_else);
	tcase_add_test(tc, test_metrics_listener_stops_with_the_server);
	tcase_add_test(tc, test_metrics_stay_on_the_api_port_without_metrics_listen);
	suite_add_tcase(s, tc);
	return s;
}
