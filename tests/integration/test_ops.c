/*
 * The real binary as ops run it: health, readiness, metrics, the OpenAPI document and docs
 * page, the route inventory (every route served is in the spec and every path in the spec is
 * served), the JSON log line, and SIGTERM/SIGINT shutdown letting a request in flight finish.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

static char database_url[512];
static struct proc server;

static void suite_setup(void)
{
	snprintf(database_url, sizeof database_url, "%s", db_create("ops"));
}

static void server_setup(void)
{
	serve_start(&server, database_url, NULL);
}

static void server_teardown(void)
{
	if (server.pid > 0)
		ck_assert_int_eq(serve_stop(&server), 0);
	server.pid = 0;
}

START_TEST(test_healthz_is_200_json)
{
	struct http_response r;
	http_get(&r, server.port, "/healthz");
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "{\"status\":\"ok\"}");
	http_response_free(&r);
}
END_TEST

START_TEST(test_readyz_is_200_when_migrated_and_503_when_schema_is_behind)
{
	struct http_response r;
	http_get(&r, server.port, "/readyz");
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "{\"status\":\"ready\"}");
	http_response_free(&r);

	db_exec_ok(database_url, "CREATE TABLE newest AS SELECT * FROM schema_migrations "
				 "ORDER BY version DESC LIMIT 1");
	db_exec_ok(database_url, "DELETE FROM schema_migrations WHERE version IN "
				 "(SELECT version FROM newest)");
	http_get(&r, server.port, "/readyz");
	assert_problem(&r, 503);
	char *retry = http_header_value(&r, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	free(retry);
	http_response_free(&r);
	db_exec_ok(database_url, "INSERT INTO schema_migrations SELECT * FROM newest");
	db_exec_ok(database_url, "DROP TABLE newest");
}
END_TEST

START_TEST(test_openapi_json_is_the_3_1_document)
{
	struct http_response r;
	http_get(&r, server.port, "/openapi.json");
	ck_assert_int_eq(r.status, 200);
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	ck_assert_ptr_nonnull(json_object_get(json_object_get(doc, "paths"), "/readyz"));
	json_decref(doc);
	http_response_free(&r);
}
END_TEST

START_TEST(test_docs_is_a_self_contained_html_page)
{
	struct http_response r;
	http_get(&r, server.port, "/docs");
	ck_assert_int_eq(r.status, 200);
	char *ct = http_header_value(&r, "Content-Type");
	ck_assert_str_eq(ct, "text/html; charset=utf-8");
	free(ct);
	char *csp = http_header_value(&r, "Content-Security-Policy");
	ck_assert_ptr_nonnull(strstr(csp, "default-src 'none'"));
	free(csp);
	ck_assert_ptr_nonnull(strstr(r.body, "\"openapi\":\"3.1.0\""));
	/* nothing is fetched from elsewhere: no src= or href= to another host */
	ck_assert_ptr_null(strstr(r.body, "src=\"http"));
	ck_assert_ptr_null(strstr(r.body, "href=\"http"));
	ck_assert_ptr_null(strstr(r.body, "@import"));
	http_response_free(&r);
}
END_TEST

/* "GET /path" lines the binary registers. */
static char *served_routes(void)
{
	struct proc p = {0};
	const char *args[] = {"routes", NULL};
	proc_spawn(&p, NULL, args);
	ck_assert_int_eq(proc_wait(&p, 5000), 0);
	return proc_output(&p);
}

START_TEST(test_route_inventory_matches_the_openapi_document)
{
	char *routes = served_routes();
	struct http_response r;
	http_get(&r, server.port, "/openapi.json");
	json_t *doc = json_loads(r.body, 0, NULL);
	json_t *paths = json_object_get(doc, "paths");
	ck_assert(json_object_size(paths) > 0);
	static const char *const methods[] = {"get", "post", "put", "patch", "delete"};
	size_t in_spec = 0;
	const char *path;
	json_t *item;
	json_object_foreach(paths, path, item)
	{
		for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
			if (!json_object_get(item, methods[m]))
				continue;
			char line[512];
			snprintf(line, sizeof line, "%s %s\n", methods[m], path);
			for (char *c = line; *c != ' '; c++)
				*c = (char)toupper((unsigned char)*c);
			ck_assert_msg(strstr(routes, line), "in the spec but not served: %s", line);
			in_spec++;
		}
	}
	size_t served = 0;
	char *save = NULL;
	for (char *line = strtok_r(routes, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char method[16], route[480];
		ck_assert(sscanf(line, "%15s %479s", method, route) == 2);
		for (char *c = method; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		ck_assert_msg(json_object_get(json_object_get(paths, route), method),
			      "served but not in the spec: %s", line);
		served++;
	}
	ck_assert_uint_eq(served, in_spec);
	json_decref(doc);
	http_response_free(&r);
	free(routes);
}
END_TEST

START_TEST(test_each_request_logs_one_json_line_without_secrets)
{
	struct http_response r;
	const char *h[] = {"X-Request-Id: log-check-1", "Authorization: Bearer SECRET-TOKEN-VALUE",
			   "Content-Type: application/json", NULL};
	const char *body = "{\"phone\":\"0912345678\"}";
	http_request(&r, "POST", server.port, "/readyz?q=Nguyen+Van+A", h, body, strlen(body));
	ck_assert_int_eq(r.status, 405);
	http_response_free(&r);
	http_get(&r, server.port, "/healthz");
	http_response_free(&r);
	ck_assert_int_eq(serve_stop(&server), 0);
	server.pid = 0;

	char *out = proc_output(&server);
	ck_assert_ptr_null(strstr(out, "SECRET-TOKEN-VALUE"));
	ck_assert_ptr_null(strstr(out, "0912345678"));
	ck_assert_ptr_null(strstr(out, "Nguyen"));
	int found = 0;
	char *save = NULL;
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *doc = json_loads(line, 0, NULL);
		ck_assert_msg(doc, "log line is not JSON: %s", line);
		ck_assert(json_is_string(json_object_get(doc, "time")));
		ck_assert(json_is_string(json_object_get(doc, "level")));
		const char *rid = json_string_value(json_object_get(doc, "request_id"));
		if (rid && !strcmp(rid, "log-check-1")) {
			found++;
			ck_assert_str_eq(json_string_value(json_object_get(doc, "method")), "POST");
			ck_assert_str_eq(json_string_value(json_object_get(doc, "route")), "(unmatched)");
			ck_assert_int_eq(json_integer_value(json_object_get(doc, "status")), 405);
			ck_assert(json_is_number(json_object_get(doc, "duration_ms")));
			ck_assert_ptr_nonnull(json_object_get(doc, "actor"));
		}
		json_decref(doc);
	}
	ck_assert_int_eq(found, 1);
	free(out);
}
END_TEST

static int connect_to(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void assert_in_flight_request_survives(int signal_number)
{
	/* A request whose body is still arriving when the signal comes: the server must wait for
	 * it, answer it, and only then exit 0. */
	int fd = connect_to(server.port);
	ck_assert_int_ge(fd, 0);
	const char *head = "POST /healthz HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
			   "Content-Length: 2\r\n\r\n";
	ck_assert(write(fd, head, strlen(head)) == (ssize_t)strlen(head));
	usleep(200000);
	kill(server.pid, signal_number);
	usleep(300000);
	int status;
	ck_assert_msg(waitpid(server.pid, &status, WNOHANG) == 0, "exited with a request in flight");
	ck_assert_int_lt(connect_to(server.port), 0); /* no longer accepting */
	ck_assert(write(fd, "{}", 2) == 2);
	char reply[256] = {0};
	ssize_t n = read(fd, reply, sizeof reply - 1);
	ck_assert_int_gt(n, 12);
	ck_assert_msg(!strncmp(reply, "HTTP/1.1 405", 12), "%s", reply);
	close(fd);
	ck_assert_int_eq(proc_wait(&server, 10000), 0);
	server.pid = 0;
}

START_TEST(test_sigterm_lets_the_request_in_flight_finish_then_exits_0)
{
	assert_in_flight_request_survives(SIGTERM);
}
END_TEST

START_TEST(test_sigint_stops_the_same_way)
{
	assert_in_flight_request_survives(SIGINT);
}
END_TEST

Suite *ops_suite(void)
{
	Suite *s = suite_create("ops");
	TCase *tc = tcase_create("subprocess");
	tcase_set_timeout(tc, 30);
	tcase_add_unchecked_fixture(tc, suite_setup, NULL);
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_test(tc, test_healthz_is_200_json);
	tcase_add_test(tc, test_readyz_is_200_when_migrated_and_503_when_schema_is_behind);
	tcase_add_test(tc, test_openapi_json_is_the_3_1_document);
	tcase_add_test(tc, test_docs_is_a_self_contained_html_page);
	tcase_add_test(tc, test_route_inventory_matches_the_openapi_document);
	tcase_add_test(tc, test_each_request_logs_one_json_line_without_secrets);
	tcase_add_test(tc, test_sigterm_lets_the_request_in_flight_finish_then_exits_0);
	tcase_add_test(tc, test_sigint_stops_the_same_way);
	suite_add_tcase(s, tc);
	return s;
}
