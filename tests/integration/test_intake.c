/*
 * How requests arrive, against the real binary over raw sockets: a body over its limit gets
 * 413 before it is sent (declared length, Expect: 100-continue), one address cannot hold
 * more than its share of connections (a trusted proxy can), a request trickled byte by byte
 * is cut at its deadline, and the log names the client behind a trusted proxy.
 *
 * 127.0.0.1 plays the slow client, 127.0.0.4 the greedy one (no other connection comes from
 * it, not even the harness's own health checks) and 127.0.0.2 an ordinary one (all of 127/8
 * is loopback on Linux); 127.0.0.3 is the trusted proxy.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"
#include "world.h"

#define PER_ADDRESS 4

static char database_url[512];
static struct proc server;
static int held[16];
static int n_held;

static void suite_setup(void)
{
	snprintf(database_url, sizeof database_url, "%s", db_create("intake"));
}

static void server_setup(void)
{
	static const char *const env[] = {
		"CDTT_MAX_BODY_BYTES=4096",	      "CDTT_MAX_IMPORT_BYTES=65536",
		"CDTT_MAX_CONNECTIONS_PER_ADDRESS=4", "CDTT_HEADER_TIMEOUT=2",
		"CDTT_BODY_TIMEOUT=2",		      "CDTT_TRUSTED_PROXIES=127.0.0.3/32",
		NULL};
	n_held = 0;
	serve_start(&server, database_url, env);
}

static void server_teardown(void)
{
	for (int i = 0; i < n_held; i++)
		close(held[i]);
	n_held = 0;
	if (server.pid > 0)
		ck_assert_int_eq(serve_stop(&server), 0);
	server.pid = 0;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A TCP connection to the server from the loopback address `from`. */
static int connect_from(const char *from)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	inet_pton(AF_INET, from, &a.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)server.port)};
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&to, sizeof to), 0);
	return fd;
}

static void send_text(int fd, const char *text)
{
	ck_assert_int_eq(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

/* Reads what arrives within timeout_ms (until the server closes or the time is up) into
 * buf; returns the byte count, and sets *closed when the server closed or reset. */
static size_t read_for(int fd, int timeout_ms, char *buf, size_t cap, int *closed)
{
	size_t n = 0;
	double end = now_s() + timeout_ms / 1000.0;
	*closed = 0;
	while (n + 1 < cap) {
		int left = (int)((end - now_s()) * 1000);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		ssize_t got = recv(fd, buf + n, cap - 1 - n, 0);
		if (got <= 0) {
			*closed = 1;
			break;
		}
		n += (size_t)got;
		if (strstr(buf, "\r\n\r\n") && strstr(buf, "Content-Length: ")) {
			buf[n] = '\0';
			const char *h = strstr(buf, "\r\n\r\n") + 4;
			long want = atol(strstr(buf, "Content-Length: ") + 16);
			if ((long)(buf + n - h) >= want)
				break;
		}
	}
	buf[n] = '\0';
	return n;
}

/* GET /healthz from `from` over a fresh connection; returns the status line's code. */
static int healthz_from(const char *from, const char *extra_headers)
{
	int fd = connect_from(from);
	char req[512], buf[4096];
	snprintf(req, sizeof req, "GET /healthz HTTP/1.1\r\nHost: t\r\n%sConnection: close\r\n\r\n",
		 extra_headers ? extra_headers : "");
	send_text(fd, req);
	int closed;
	read_for(fd, 3000, buf, sizeof buf, &closed);
	close(fd);
	return strncmp(buf, "HTTP/1.1 ", 9) ? 0 : atoi(buf + 9);
}

START_TEST(test_declared_length_over_the_limit_is_413_at_once)
{
	/* 10 MiB announced, nothing sent: the answer comes without waiting for the body */
	int fd = connect_from("127.0.0.2");
	send_text(fd, "POST /api/v1/units HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
		      "Content-Length: 10485760\r\n\r\n");
	char buf[4096];
	int closed;
	double t0 = now_s();
	read_for(fd, 3000, buf, sizeof buf, &closed);
	ck_assert_msg(!strncmp(buf, "HTTP/1.1 413", 12), "got: %s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "application/problem+json"));
	ck_assert_double_lt(now_s() - t0, 1.5);
	close(fd);
	/* imports have their own, larger limit (65,536 here, against 4,096 for other bodies) */
	fd = connect_from("127.0.0.2");
	send_text(fd, "POST /api/v1/imports/members HTTP/1.1\r\nHost: t\r\nContent-Type: text/csv\r\n"
		      "Content-Length: 70000\r\n\r\n");
	read_for(fd, 3000, buf, sizeof buf, &closed);
	ck_assert_msg(!strncmp(buf, "HTTP/1.1 413", 12), "got: %s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "at most 65536 bytes"));
	close(fd);
}
END_TEST

/* An upload is spooled to a temporary file only for a caller whose credentials hold: anyone
 * else is answered before a byte of it is read. */
START_TEST(test_an_anonymous_upload_is_answered_before_its_body)
{
	static const char *const auth[] = {"", "Authorization: Bearer not.a.token\r\n"};
	for (size_t i = 0; i < 2; i++) {
		int fd = connect_from("127.0.0.2");
		char head[512];
		snprintf(head, sizeof head,
			 "POST /api/v1/imports/members HTTP/1.1\r\nHost: t\r\nContent-Type: text/csv\r\n"
			 "%sContent-Length: 60000\r\n\r\n", auth[i]);
		send_text(fd, head);
		char buf[4096];
		int closed;
		read_for(fd, 3000, buf, sizeof buf, &closed);
		ck_assert_msg(!strncmp(buf, "HTTP/1.1 401", 12), "got: %s", buf);
		close(fd);
	}
}
END_TEST

START_TEST(test_expect_100_continue_over_the_limit_gets_413_not_100)
{
	int fd = connect_from("127.0.0.2");
	send_text(fd, "POST /api/v1/units HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
		      "Content-Length: 10485760\r\nExpect: 100-continue\r\n\r\n");
	char buf[4096];
	int closed;
	read_for(fd, 3000, buf, sizeof buf, &closed);
	ck_assert_msg(!strncmp(buf, "HTTP/1.1 413", 12), "got: %s", buf);
	ck_assert_ptr_null(strstr(buf, "100 Continue"));
	close(fd);
}
END_TEST

static size_t body_read; /* bytes curl took from the body it was asked to send */

static size_t read_body(char *out, size_t size, size_t n, void *cls)
{
	(void)cls;
	size_t want = size * n;
	memset(out, '{', want);
	body_read += want;
	return want;
}

static size_t ignore(char *p, size_t size, size_t n, void *cls)
{
	(void)p, (void)cls;
	return size * n;
}

START_TEST(test_curl_expect_100_continue_never_sends_the_large_body)
{
	CURL *c = curl_easy_init();
	char url[80];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/units", server.port);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect: 100-continue");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)50 * 1024 * 1024);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ignore);
	curl_easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, 5000L); /* no guessing: wait */
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	body_read = 0;
	curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	ck_assert_int_eq(status, 413);
	ck_assert_uint_eq(body_read, 0);
}
END_TEST

/* How many of the held connections the server closed within timeout_ms. */
static int held_closed(int timeout_ms)
{
	int closed = 0;
	double end = now_s() + timeout_ms / 1000.0;
	for (int i = 0; i < n_held; i++) {
		int left = (int)((end - now_s()) * 1000);
		struct pollfd p = {.fd = held[i], .events = POLLIN};
		char c;
		if (poll(&p, 1, left > 0 ? left : 0) > 0 && recv(held[i], &c, 1, 0) <= 0)
			closed++;
	}
	return closed;
}

START_TEST(test_one_address_cannot_hold_more_than_its_limit)
{
	/* two more than allowed, from one address: whichever the server accepted last are closed
	 * at once, the others are kept */
	for (n_held = 0; n_held < PER_ADDRESS + 2; n_held++) {
		held[n_held] = connect_from("127.0.0.4");
		send_text(held[n_held], "GET /healthz HTTP/1.1\r\n"); /* and never the rest */
	}
	ck_assert_int_eq(held_closed(1500), 2);
	/* everyone else is served */
	ck_assert_int_eq(healthz_from("127.0.0.2", NULL), 200);
}
END_TEST

START_TEST(test_a_trusted_proxy_is_not_limited_per_address)
{
	for (n_held = 0; n_held < PER_ADDRESS + 2; n_held++) {
		held[n_held] = connect_from("127.0.0.3");
		send_text(held[n_held], "GET /healthz HTTP/1.1\r\n");
	}
	ck_assert_int_eq(held_closed(700), 0);
	ck_assert_int_eq(healthz_from("127.0.0.3", NULL), 200);
}
END_TEST

/* Sends `head` then one byte of `drip` every 200 ms; returns the seconds until the server
 * cut the connection, or a large number when it never did within 10 s. */
static double trickle(const char *head, char drip)
{
	int fd = connect_from("127.0.0.1");
	send_text(fd, head);
	double t0 = now_s();
	while (now_s() - t0 < 10) {
		usleep(200 * 1000);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 0) > 0) {
			char buf[512];
			ssize_t got = recv(fd, buf, sizeof buf, 0);
			if (got <= 0)
				break;
		}
		if (send(fd, &drip, 1, MSG_NOSIGNAL) != 1)
			break;
	}
	double took = now_s() - t0;
	close(fd);
	return took;
}

START_TEST(test_trickled_headers_are_cut_at_the_deadline)
{
	/* a byte every 200 ms renews libmicrohttpd's idle timeout forever; the deadline is 2 s */
	double took = trickle("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ", 'a');
	ck_assert_msg(took >= 1.5 && took < 6, "cut after %.1f s", took);
	ck_assert_int_eq(healthz_from("127.0.0.2", NULL), 200);
}
END_TEST

START_TEST(test_trickled_body_is_cut_at_the_deadline)
{
	double took = trickle("POST /api/v1/units HTTP/1.1\r\nHost: t\r\n"
			      "Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n",
			      ' ');
	ck_assert_msg(took >= 1.5 && took < 6, "cut after %.1f s", took);
}
END_TEST

/* Whether a connection from `from`, idle for 3 s after an answer (the header deadline is 2 s),
 * still answers a second request. */
static int kept_alive_after_idle(const char *from)
{
	int fd = connect_from(from);
	const char *get = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
	char buf[4096];
	int closed;
	send_text(fd, get);
	read_for(fd, 3000, buf, sizeof buf, &closed);
	ck_assert_msg(!strncmp(buf, "HTTP/1.1 200", 12), "got: %s", buf);
	sleep(3);
	int ok = send(fd, get, strlen(get), MSG_NOSIGNAL) == (ssize_t)strlen(get);
	if (ok) {
		read_for(fd, 3000, buf, sizeof buf, &closed);
		ok = !strncmp(buf, "HTTP/1.1 200", 12);
	}
	close(fd);
	return ok;
}

START_TEST(test_idle_kept_alive_connections_end_at_the_header_deadline_except_proxies)
{
	ck_assert(!kept_alive_after_idle("127.0.0.2"));
	ck_assert(kept_alive_after_idle("127.0.0.3"));
}
END_TEST

START_TEST(test_log_names_the_client_behind_a_trusted_proxy)
{
	ck_assert_int_eq(healthz_from("127.0.0.3", "X-Forwarded-For: 203.0.113.9, 127.0.0.3\r\n"),
			 200);
	ck_assert_int_eq(healthz_from("127.0.0.3", "Forwarded: for=\"[2001:db8::5]:1234\"\r\n"),
			 200);
	/* a header from an untrusted peer is not believed */
	ck_assert_int_eq(healthz_from("127.0.0.2", "X-Forwarded-For: 198.51.100.1\r\n"), 200);
	ck_assert_int_eq(serve_stop(&server), 0);
	server.pid = 0;
	char *log = proc_output(&server);
	ck_assert_msg(strstr(log, "\"client\":\"203.0.113.9\""), "%s", log);
	ck_assert_ptr_nonnull(strstr(log, "\"client\":\"2001:db8::5\""));
	ck_assert_ptr_nonnull(strstr(log, "\"client\":\"127.0.0.2\""));
	ck_assert_ptr_null(strstr(log, "198.51.100.1"));
	free(log);
}
END_TEST

/* VmHWM of a process, in kB. */
static long peak_kb(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	long kb = -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

static struct world big;
WORLD_FIXTURE(big, NULL)

/* POSTs the n-byte CSV of rows valid rows as a dry run of /api/v1/imports/<what> (and frees
 * it): it must be found valid, and the server's peak memory may grow by less than 24 MiB. */
static void assert_dry_run_keeps_memory_flat(const char *what, const char *token, char *csv,
					     size_t n, size_t rows)
{
	char auth[1200], path[64];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	snprintf(path, sizeof path, "/api/v1/imports/%s?dry_run=true", what);
	const char *h[] = {auth, "Content-Type: text/csv", NULL};
	long before = peak_kb(big.server.pid);
	struct http_response r;
	http_request(&r, "POST", big.server.port, path, h, csv, n);
	free(csv);
	ck_assert_msg(r.status == 200, "%ld %.300s", r.status, r.body);
	char want[64];
	snprintf(want, sizeof want, "\"rows\":%zu,\"valid\":true", rows);
	ck_assert_msg(strstr(r.body, want), "%.300s", r.body);
	http_response_free(&r);
	long grown = peak_kb(big.server.pid) - before;
	ck_assert_msg(grown < 24 * 1024, "peak memory grew by %ld kB for a %zu kB file", grown,
		      n / 1024);
}

/* A 48 MiB members file (dry run) used to cost the server about three times its size in
 * memory (body, parsed copy, per-row tables); now the upload is spooled to a file and read
 * row by row, so the server's peak grows by a small fraction of it. */
START_TEST(test_a_large_import_keeps_memory_flat)
{
	const size_t target = 48u << 20;
	char *csv = malloc(target + 4096);
	ck_assert_ptr_nonnull(csv);
	size_t n = (size_t)snprintf(csv, 128, "full_name,gender,birth_year,phone,email,unit_code\r\n");
	size_t rows = 0;
	while (n < target) {
		n += (size_t)snprintf(csv + n, 160,
				      "\"Nguyễn Văn %zu\",%s,%zu,09%08zu,p%zu@example.vn,TQ-V1\r\n", rows,
				      rows % 2 ? "female" : "male", 1960 + rows % 45, rows, rows);
		rows++;
	}
	assert_dry_run_keeps_memory_flat("members", big.officer_tq, csv, n, rows);
}
END_TEST

/* A 40 MiB units file (dry run): its in-file parents and loops used to be resolved in C over
 * the whole file held in memory (about four times its size); now its rows are staged one at
 * a time and the tree is worked out by PostgreSQL. Communes under BQ, each followed by
 * villages under it or under the next commune (a parent later in the file). */
START_TEST(test_a_large_units_import_keeps_memory_flat)
{
	const size_t target = 40u << 20;
	char *csv = malloc(target + 4096);
	ck_assert_ptr_nonnull(csv);
	size_t n = (size_t)snprintf(csv, 64, "code,name,level,parent_code\r\n");
	size_t rows = 0;
	while (n < target) {
		size_t block = rows / 50;
		if (rows % 50 == 0)
			n += (size_t)snprintf(csv + n, 128, "LC%07zu,Xã thử nghiệm %07zu,commune,BQ\r\n",
					      block, block);
		else
			n += (size_t)snprintf(csv + n, 128,
					      "LV%08zu,Thôn thử nghiệm %08zu,village,LC%07zu\r\n", rows,
					      rows, block + (rows % 2));
		rows++;
	}
	/* the last block's villages under the next commune: give it one */
	n += (size_t)snprintf(csv + n, 128, "LC%07zu,Xã cuối,commune,BQ\r\n", (rows - 1) / 50 + 1);
	rows++;
	assert_dry_run_keeps_memory_flat("units", big.admin, csv, n, rows);
}
END_TEST

Suite *intake_suite(void)
{
	Suite *s = suite_create("intake");
	TCase *tc = tcase_create("intake");
	tcase_add_unchecked_fixture(tc, suite_setup, NULL);
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_declared_length_over_the_limit_is_413_at_once);
	tcase_add_test(tc, test_an_anonymous_upload_is_answered_before_its_body);
	tcase_add_test(tc, test_expect_100_continue_over_the_limit_gets_413_not_100);
	tcase_add_test(tc, test_curl_expect_100_continue_never_sends_the_large_body);
	tcase_add_test(tc, test_one_address_cannot_hold_more_than_its_limit);
	tcase_add_test(tc, test_a_trusted_proxy_is_not_limited_per_address);
	tcase_add_test(tc, test_trickled_headers_are_cut_at_the_deadline);
	tcase_add_test(tc, test_trickled_body_is_cut_at_the_deadline);
	tcase_add_test(tc, test_idle_kept_alive_connections_end_at_the_header_deadline_except_proxies);
	tcase_add_test(tc, test_log_names_the_client_behind_a_trusted_proxy);
	suite_add_tcase(s, tc);
	TCase *big_tc = tcase_create("large import");
	tcase_add_unchecked_fixture(big_tc, setup, teardown);
	tcase_set_timeout(big_tc, 120);
	tcase_add_test(big_tc, test_a_large_import_keeps_memory_flat);
	tcase_add_test(big_tc, test_a_large_units_import_keeps_memory_flat);
	suite_add_tcase(s, big_tc);
	return s;
}
