/*
 * Idempotency-Key on creates: the same key and request within 24 hours returns the first
 * response and writes nothing; the same key with another request is 422; keys belong to
 * their principal; an expired key runs the request anew.
 *
 * The key, the write and the stored answer commit together: when PostgreSQL stops or cdtt is
 * killed in the middle of a create, or its answer cannot be stored or committed, nothing is
 * kept and the retry with the same key runs once; a second request with the key while the
 * first runs waits for it and replays its answer (409 only while the first still runs after
 * the wait). Requests are held mid-write by a trigger this suite installs, which waits for an
 * advisory lock the test holds on a session of its own.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>

#include "suites.h"
#include "world.h"

static struct world w;

#define HOLD_LOCK "4242"

/*
 * Units whose code starts with IK-HOLD wait for HOLD_LOCK after their insert; test_sleeping
 * names where units sleep until their session is ended: "write" (IK-SLEEP units, after the
 * insert), "commit" (IK-ATCOMMIT units, at COMMIT: a deferred trigger); test_failing names what
 * fails with an unexpected error: "write" (IK-FAIL units), "store" (every stored answer),
 * "commit" (IK-CFAIL units, at COMMIT).
 */
static const char holds_sql[] =
	"CREATE TABLE test_failing (what text PRIMARY KEY);"
	"CREATE FUNCTION test_hold() RETURNS trigger LANGUAGE plpgsql AS $$"
	" BEGIN PERFORM pg_advisory_xact_lock_shared(" HOLD_LOCK "); RETURN NULL; END $$;"
	"CREATE FUNCTION test_fail() RETURNS trigger LANGUAGE plpgsql AS $$"
	" BEGIN IF EXISTS (SELECT 1 FROM test_failing WHERE what = TG_ARGV[0]) THEN"
	"  RAISE EXCEPTION 'test failure' USING ERRCODE = 'XX000'; END IF; RETURN NULL; END $$;"
	"CREATE TRIGGER test_hold AFTER INSERT ON units FOR EACH ROW"
	" WHEN (NEW.code LIKE 'IK-HOLD%') EXECUTE FUNCTION test_hold();"
	"CREATE TABLE test_sleeping (what text PRIMARY KEY);"
	"CREATE FUNCTION test_sleep() RETURNS trigger LANGUAGE plpgsql AS $$"
	" BEGIN IF EXISTS (SELECT 1 FROM test_sleeping WHERE what = TG_ARGV[0]) THEN"
	"  PERFORM pg_sleep(60); END IF; RETURN NULL; END $$;"
	"CREATE TRIGGER test_sleep_write AFTER INSERT ON units FOR EACH ROW"
	" WHEN (NEW.code LIKE 'IK-SLEEP%') EXECUTE FUNCTION test_sleep('write');"
	"CREATE CONSTRAINT TRIGGER test_sleep_commit AFTER INSERT ON units"
	" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
	" WHEN (NEW.code LIKE 'IK-ATCOMMIT%') EXECUTE FUNCTION test_sleep('commit');"
	"CREATE TRIGGER test_fail_write AFTER INSERT ON units FOR EACH ROW"
	" WHEN (NEW.code LIKE 'IK-FAIL%') EXECUTE FUNCTION test_fail('write');"
	"CREATE TRIGGER test_fail_store AFTER UPDATE ON idempotency_keys FOR EACH ROW"
	" EXECUTE FUNCTION test_fail('store');"
	"CREATE CONSTRAINT TRIGGER test_fail_commit AFTER INSERT ON units"
	" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
	" WHEN (NEW.code LIKE 'IK-CFAIL%') EXECUTE FUNCTION test_fail('commit');";

static void setup(void)
{
	world_create(&w, NULL);
	db_exec_ok(w.url, holds_sql);
}

static void teardown(void)
{
	world_destroy(&w);
}

#define VILLAGE(code) "{\"code\":\"" code "\",\"name\":\"Thôn " code "\",\"level\":\"village\",\"parent_code\":\"TQ\"}"

START_TEST(test_same_key_and_body_replays_the_first_response)
{
	const char *key[] = {"Idempotency-Key: create-IK-1", NULL};
	struct http_response a, b;
	world_call(&a, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-1"), key);
	ck_assert_int_eq(a.status, 201);
	long units = world_count(&w, "units"), audit = world_count(&w, "audit_events");
	world_call(&b, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-1"), key);
	ck_assert_int_eq(b.status, 201);
	ck_assert_str_eq(a.body, b.body);
	char *replayed = http_header_value(&b, "Idempotent-Replayed");
	char *la = http_header_value(&a, "Location"), *lb = http_header_value(&b, "Location");
	char *ea = http_header_value(&a, "ETag"), *eb = http_header_value(&b, "ETag");
	ck_assert_str_eq(replayed, "true");
	ck_assert_str_eq(la, lb);
	ck_assert_str_eq(ea, eb);
	free(replayed);
	free(la);
	free(lb);
	free(ea);
	free(eb);
	ck_assert_int_eq(world_count(&w, "units"), units);
	ck_assert_int_eq(world_count(&w, "audit_events"), audit);
	http_response_free(&a);
	http_response_free(&b);
}
END_TEST

START_TEST(test_same_key_with_another_body_is_422_and_writes_nothing)
{
	const char *key[] = {"Idempotency-Key: create-IK-2", NULL};
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-2"), key);
	ck_assert_int_eq(r.status, 201);
	http_response_free(&r);
	long units = world_count(&w, "units"), audit = world_count(&w, "audit_events");
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-3"), key);
	assert_problem(&r, 422);
	assert_problem_says(&r, "Idempotency-Key");
	http_response_free(&r);
	ck_assert_int_eq(world_count(&w, "units"), units);
	ck_assert_int_eq(world_count(&w, "audit_events"), audit);
}
END_TEST

START_TEST(test_keys_belong_to_their_principal)
{
	const char *key[] = {"Idempotency-Key: shared-name", NULL};
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-4"), key);
	ck_assert_int_eq(r.status, 201);
	http_response_free(&r);
	/* another caller with the same key and body is not answered from the first caller's record */
	world_call(&r, &w, "POST", "/api/v1/units", w.admin, VILLAGE("IK-4"), key);
	assert_problem(&r, 409);
	ck_assert_ptr_null(http_header_value(&r, "Idempotent-Replayed"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_refusals_are_replayed_too_and_bad_keys_are_400)
{
	const char *key[] = {"Idempotency-Key: bad-body", NULL};
	struct http_response r;
	const char *bad = "{\"code\":\"IK 5\",\"name\":\"x\",\"level\":\"village\",\"parent_code\":\"TQ\"}";
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, bad, key);
	assert_problem(&r, 422);
	http_response_free(&r);
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, bad, key);
	ck_assert_int_eq(r.status, 422);
	char *replayed = http_header_value(&r, "Idempotent-Replayed");
	ck_assert_str_eq(replayed, "true");
	free(replayed);
	http_response_free(&r);
	char long_key[400] = "Idempotency-Key: ";
	memset(long_key + strlen(long_key), 'k', 300);
	const char *too_long[] = {long_key, NULL};
	long units = world_count(&w, "units");
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-6"), too_long);
	assert_problem(&r, 400);
	http_response_free(&r);
	ck_assert_int_eq(world_count(&w, "units"), units);
}
END_TEST

START_TEST(test_an_expired_key_runs_the_request_again)
{
	const char *key[] = {"Idempotency-Key: old-key", NULL};
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-7"), key);
	ck_assert_int_eq(r.status, 201);
	http_response_free(&r);
	db_exec_ok(w.url, "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' "
			  "WHERE key = 'old-key'");
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-7"), key);
	assert_problem(&r, 409); /* ran again: the code exists now */
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_wrong_content_type_is_refused_before_the_key_is_claimed)
{
	const char *wrong[] = {"Idempotency-Key: csv-1", "Content-Type: application/json", NULL};
	const char *csv = "code,name,level,parent_code\r\nIK-CSV,Thôn CSV,village,TQ\r\n";
	struct http_response r;
	char auth[4200];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", w.officer_tq);
	const char *h1[] = {auth, wrong[0], wrong[1], NULL};
	http_request(&r, "POST", w.server.port, "/api/v1/imports/units", h1, csv, strlen(csv));
	assert_problem(&r, 415);
	http_response_free(&r);
	/* the same key with the right type runs: the 415 was not stored */
	const char *h2[] = {auth, wrong[0], "Content-Type: text/csv", NULL};
	http_request(&r, "POST", w.server.port, "/api/v1/imports/units", h2, csv, strlen(csv));
	ck_assert_msg(r.status == 201, "%s", r.body);
	ck_assert_ptr_null(http_header_value(&r, "Idempotent-Replayed"));
	http_response_free(&r);
}
END_TEST

/* ---- requests held mid-write ---------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A session of the test's own holding HOLD_LOCK: held creates wait until it lets go. */
static PGconn *hold(void)
{
	PGconn *pg = PQconnectdb(w.url);
	ck_assert_int_eq(PQstatus(pg), CONNECTION_OK);
	PGresult *res = PQexec(pg, "SELECT pg_advisory_lock(" HOLD_LOCK ")");
	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	return pg;
}

static void let_go(PGconn *pg)
{
	PQfinish(pg);
}

static long count_of(const char *sql)
{
	char *v = db_query_value(w.url, sql);
	long n = v ? strtol(v, NULL, 10) : -1;
	free(v);
	return n;
}

/* Waits up to 10 s for want sessions to be asleep in test_sleep; 1 when they are. */
static int sessions_sleeping(long want)
{
	const char *sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
			  " AND wait_event = 'PgSleep'";
	for (double start = now_s(); now_s() - start < 10; usleep(20000))
		if (count_of(sql) == want)
			return 1;
	return 0;
}

static long units_coded(const char *code)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM units WHERE code = '%s'", code);
	return count_of(sql);
}

static long keys_named(const char *key)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM idempotency_keys WHERE key = '%s'", key);
	return count_of(sql);
}

/* A create sent from a thread of its own; status -1 when the connection broke. */
struct call {
	int port;
	const char *key, *code;
	pthread_t thread;
	long status;
	int replayed;
	char body[4096];
	size_t len;
};

static size_t call_body(char *ptr, size_t size, size_t n, void *arg)
{
	struct call *c = arg;
	size_t room = sizeof c->body - 1 - c->len, take = size * n < room ? size * n : room;
	memcpy(c->body + c->len, ptr, take);
	c->len += take;
	c->body[c->len] = '\0';
	return size * n;
}

static size_t call_header(char *ptr, size_t size, size_t n, void *arg)
{
	struct call *c = arg;
	if (size * n >= 25 && !strncasecmp(ptr, "Idempotent-Replayed: true", 25))
		c->replayed = 1;
	return size * n;
}

static void *call_run(void *arg)
{
	struct call *c = arg;
	char url[160], auth[4200], key[300], body[300];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/units", c->port);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", w.officer_tq);
	snprintf(key, sizeof key, "Idempotency-Key: %s", c->key);
	snprintf(body, sizeof body,
		 "{\"code\":\"%s\",\"name\":\"Thôn %s\",\"level\":\"village\",\"parent_code\":\"TQ\"}",
		 c->code, c->code);
	struct curl_slist *list = curl_slist_append(NULL, auth);
	list = curl_slist_append(list, key);
	list = curl_slist_append(list, "Content-Type: application/json");
	CURL *curl = curl_easy_init();
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, call_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, call_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 40L);
	c->status = -1;
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &c->status);
	curl_easy_cleanup(curl);
	curl_slist_free_all(list);
	return NULL;
}

static void call_start(struct call *c, int port, const char *code, const char *key)
{
	memset(c, 0, sizeof *c);
	c->port = port;
	c->code = code;
	c->key = key;
	ck_assert_int_eq(pthread_create(&c->thread, NULL, call_run, c), 0);
}

static void call_join(struct call *c)
{
	pthread_join(c->thread, NULL);
}

/* The create, sent and answered; while PostgreSQL comes back, 503s are retried (5 s). */
static void call_now(struct call *c, int port, const char *code, const char *key)
{
	for (double start = now_s();; usleep(100000)) {
		call_start(c, port, code, key);
		call_join(c);
		if (c->status != 503 || now_s() - start > 5)
			return;
	}
}

/* Stops PostgreSQL while a create with a key is held (in its INSERT, or in its COMMIT), then
 * retries with the key once it is back: the write is made once, and that answer replayed. */
/*
 * The database stops while the keyed create of unit code sleeps at `where` ("write": after
 * its insert; "commit": inside its COMMIT). The sleeping session is the one PostgreSQL's
 * shutdown ends (no other session's end can let it finish first): 503, and after the restart
 * the retry runs once, then replays.
 */
static void database_dies_during(const char *code, const char *key, const char *where)
{
	char sql[120];
	snprintf(sql, sizeof sql, "INSERT INTO test_sleeping VALUES ('%s')", where);
	db_exec_ok(w.url, sql);
	struct call c;
	call_start(&c, w.server.port, code, key);
	ck_assert(sessions_sleeping(1));
	cluster_stop();
	call_join(&c);
	ck_assert_msg(c.status == 503, "%ld %s", c.status, c.body);
	cluster_start();
	ck_assert_int_eq(units_coded(code), 0);
	ck_assert_int_eq(keys_named(key), 0);
	db_exec_ok(w.url, "DELETE FROM test_sleeping");
	call_now(&c, w.server.port, code, key);
	ck_assert_msg(c.status == 201 && !c.replayed, "%ld %s", c.status, c.body);
	ck_assert_int_eq(units_coded(code), 1);
	call_now(&c, w.server.port, code, key);
	ck_assert_msg(c.status == 201 && c.replayed, "%ld %s", c.status, c.body);
	ck_assert_int_eq(units_coded(code), 1);
}

START_TEST(test_database_stopped_mid_write_keeps_neither_write_nor_key)
{
	database_dies_during("IK-SLEEP-DB", "db-dies-mid-write", "write");
}
END_TEST

START_TEST(test_database_stopped_during_the_commit_keeps_neither_write_nor_key)
{
	database_dies_during("IK-ATCOMMIT-DB", "db-dies-at-commit", "commit");
}
END_TEST

START_TEST(test_a_killed_server_leaves_no_key_behind_and_the_retry_runs_once)
{
	struct proc doomed = {0}, next = {0};
	serve_start(&doomed, w.url, NULL);
	PGconn *holder = hold();
	struct call c;
	call_start(&c, doomed.port, "IK-HOLD-KILL", "killed-mid-write");
	ck_assert(db_sessions_waiting(w.url, "advisory", 1));
	kill(doomed.pid, SIGKILL);
	proc_wait(&doomed, 5000);
	call_join(&c);
	ck_assert_int_eq(c.status, -1);
	/* its session ends by itself (the lock is still held): the key was never committed */
	ck_assert_msg(db_sessions_waiting(w.url, "advisory", 0), "the killed server's session lingers");
	ck_assert_int_eq(keys_named("killed-mid-write"), 0);
	let_go(holder);
	serve_start(&next, w.url, NULL);
	double start = now_s();
	call_now(&c, next.port, "IK-HOLD-KILL", "killed-mid-write");
	ck_assert_msg(c.status == 201 && !c.replayed, "%ld %s", c.status, c.body);
	ck_assert_msg(now_s() - start < 5, "the retry took %.1f s", now_s() - start);
	ck_assert_int_eq(units_coded("IK-HOLD-KILL"), 1);
	ck_assert_int_eq(serve_stop(&next), 0);
}
END_TEST

START_TEST(test_a_second_request_with_the_key_waits_and_replays_the_first)
{
	PGconn *holder = hold();
	struct call first, second;
	call_start(&first, w.server.port, "IK-HOLD-TWO", "two-at-once");
	ck_assert(db_sessions_waiting(w.url, "advisory", 1));
	call_start(&second, w.server.port, "IK-HOLD-TWO", "two-at-once");
	/* the second waits on the first's key */
	ck_assert(db_sessions_waiting(w.url, "transactionid", 1));
	let_go(holder);
	call_join(&first);
	call_join(&second);
	ck_assert_msg(first.status == 201 && !first.replayed, "%ld %s", first.status, first.body);
	if (second.status == 409) /* the machine was slow: the first ran past the wait */
		call_now(&second, w.server.port, "IK-HOLD-TWO", "two-at-once");
	ck_assert_msg(second.status == 201 && second.replayed, "%ld %s", second.status, second.body);
	ck_assert_str_eq(first.body, second.body);
	ck_assert_int_eq(units_coded("IK-HOLD-TWO"), 1);
}
END_TEST

START_TEST(test_while_the_first_runs_past_the_wait_the_second_is_409_then_replayed)
{
	PGconn *holder = hold();
	struct call first, second;
	call_start(&first, w.server.port, "IK-HOLD-LONG", "long-first");
	ck_assert(db_sessions_waiting(w.url, "advisory", 1));
	call_now(&second, w.server.port, "IK-HOLD-LONG", "long-first"); /* ~2 s */
	ck_assert_msg(second.status == 409, "%ld %s", second.status, second.body);
	ck_assert_ptr_nonnull(strstr(second.body, "being answered"));
	let_go(holder);
	call_join(&first);
	ck_assert_msg(first.status == 201, "%ld %s", first.status, first.body);
	call_now(&second, w.server.port, "IK-HOLD-LONG", "long-first");
	ck_assert_msg(second.status == 201 && second.replayed, "%ld %s", second.status, second.body);
	ck_assert_int_eq(units_coded("IK-HOLD-LONG"), 1);
}
END_TEST

START_TEST(test_a_conflict_the_database_found_is_stored_and_replayed_with_its_detail)
{
	world_add_unit(&w, "IK-TV", "Thôn IK", "village", "TQ");
	const char *team = "{\"unit_code\":\"IK-TV\",\"name\":\"Tổ IK\",\"established_on\":\"2021-01-01\"}";
	const char *key[] = {"Idempotency-Key: second-team", NULL};
	struct http_response r, again;
	world_call(&r, &w, "POST", "/api/v1/teams", w.officer_tq, team, NULL);
	ck_assert_int_eq(r.status, 201);
	char first[64];
	snprintf(first, sizeof first, "%s", json_field(r.body, "id"));
	http_response_free(&r);
	long teams = world_count(&w, "teams"), audit = world_count(&w, "audit_events");
	/* the unique index refuses the insert; the 409 then reads which team is in the way */
	world_call(&r, &w, "POST", "/api/v1/teams", w.officer_tq, team, key);
	assert_problem(&r, 409);
	assert_problem_says(&r, first);
	world_call(&again, &w, "POST", "/api/v1/teams", w.officer_tq, team, key);
	ck_assert_int_eq(again.status, 409);
	ck_assert_str_eq(r.body, again.body);
	char *replayed = http_header_value(&again, "Idempotent-Replayed");
	ck_assert_str_eq(replayed, "true");
	free(replayed);
	http_response_free(&r);
	http_response_free(&again);
	ck_assert_int_eq(world_count(&w, "teams"), teams);
	ck_assert_int_eq(world_count(&w, "audit_events"), audit);
}
END_TEST

START_TEST(test_a_5xx_is_not_stored_and_the_retry_runs)
{
	struct call c;
	db_exec_ok(w.url, "INSERT INTO test_failing VALUES ('write')");
	call_now(&c, w.server.port, "IK-FAIL-1", "fails-once");
	db_exec_ok(w.url, "DELETE FROM test_failing");
	ck_assert_msg(c.status == 500, "%ld %s", c.status, c.body);
	ck_assert_int_eq(keys_named("fails-once"), 0);
	call_now(&c, w.server.port, "IK-FAIL-1", "fails-once");
	ck_assert_msg(c.status == 201 && !c.replayed, "%ld %s", c.status, c.body);
	ck_assert_int_eq(units_coded("IK-FAIL-1"), 1);
}
END_TEST

START_TEST(test_an_answer_that_cannot_be_stored_keeps_no_write)
{
	struct call c;
	db_exec_ok(w.url, "INSERT INTO test_failing VALUES ('store')");
	call_now(&c, w.server.port, "IK-STORE-1", "store-fails");
	db_exec_ok(w.url, "DELETE FROM test_failing");
	ck_assert_msg(c.status == 500, "%ld %s", c.status, c.body);
	ck_assert_int_eq(units_coded("IK-STORE-1"), 0);
	ck_assert_int_eq(keys_named("store-fails"), 0);
	call_now(&c, w.server.port, "IK-STORE-1", "store-fails");
	ck_assert_msg(c.status == 201 && !c.replayed, "%ld %s", c.status, c.body);
	ck_assert_int_eq(units_coded("IK-STORE-1"), 1);
}
END_TEST

START_TEST(test_a_failed_commit_is_503_without_location_and_keeps_nothing)
{
	const char *key[] = {"Idempotency-Key: commit-fails", NULL};
	const char *body = VILLAGE("IK-CFAIL-1");
	struct http_response r;
	db_exec_ok(w.url, "INSERT INTO test_failing VALUES ('commit')");
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, body, key);
	db_exec_ok(w.url, "DELETE FROM test_failing");
	assert_problem(&r, 503);
	char *retry = http_header_value(&r, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	free(retry);
	ck_assert_ptr_null(http_header_value(&r, "Location"));
	http_response_free(&r);
	ck_assert_int_eq(units_coded("IK-CFAIL-1"), 0);
	ck_assert_int_eq(keys_named("commit-fails"), 0);
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, body, key);
	ck_assert_int_eq(r.status, 201);
	ck_assert_ptr_null(http_header_value(&r, "Idempotent-Replayed"));
	http_response_free(&r);
	ck_assert_int_eq(units_coded("IK-CFAIL-1"), 1);
}
END_TEST

START_TEST(test_a_committed_key_always_has_its_answer)
{
	/* the database itself refuses a key without its answer (idempotency_key_answered(),
	 * db/functions/90_idempotency.sql) */
	PGconn *pg = PQconnectdb(w.url);
	ck_assert_int_eq(PQstatus(pg), CONNECTION_OK);
	PGresult *res = PQexec(pg, "INSERT INTO idempotency_keys (principal_id, key, request_hash)"
				   " VALUES (gen_random_uuid(), 'no-answer', 'x')");
	ck_assert_int_ne(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	PQfinish(pg);
	ck_assert_int_eq(keys_named("no-answer"), 0);
}
END_TEST

START_TEST(test_many_requests_with_one_key_at_once_write_once)
{
	enum { N = 8 };
	struct call c[N];
	for (int i = 0; i < N; i++)
		call_start(&c[i], w.server.port, "IK-MANY", "many-at-once");
	int ran = 0, replayed = 0;
	for (int i = 0; i < N; i++) {
		call_join(&c[i]);
		ck_assert_msg(c[i].status == 201 || c[i].status == 409, "%ld %s", c[i].status,
			      c[i].body);
		ran += c[i].status == 201 && !c[i].replayed;
		replayed += c[i].status == 201 && c[i].replayed;
	}
	ck_assert_int_eq(ran, 1);
	ck_assert_int_ge(replayed, 1);
	ck_assert_int_eq(units_coded("IK-MANY"), 1);
}
END_TEST

/* A keyed CSV import (its own transaction becomes a savepoint of the key's). */
static void import_units(struct http_response *r, const char *key, const char *csv)
{
	char auth[4200], key_header[300];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", w.officer_tq);
	snprintf(key_header, sizeof key_header, "Idempotency-Key: %s", key);
	const char *headers[] = {auth, key_header, "Content-Type: text/csv", NULL};
	http_request(r, "POST", w.server.port, "/api/v1/imports/units", headers, csv, strlen(csv));
}

START_TEST(test_a_keyed_import_commits_with_its_key_or_not_at_all)
{
	const char *bad = "code,name,level,parent_code\r\nIK-IMP-1,Thôn 1,village,NOWHERE\r\n";
	struct http_response r, again;
	import_units(&r, "import-bad", bad);
	assert_problem(&r, 422);
	import_units(&again, "import-bad", bad);
	ck_assert_int_eq(again.status, 422);
	ck_assert_str_eq(r.body, again.body);
	char *replayed = http_header_value(&again, "Idempotent-Replayed");
	ck_assert_str_eq(replayed, "true");
	free(replayed);
	http_response_free(&r);
	http_response_free(&again);

	const char *good = "code,name,level,parent_code\r\nIK-IMP-2,Thôn 2,village,TQ\r\n"
			   "IK-CFAIL-IMP,Thôn 3,village,TQ\r\n";
	db_exec_ok(w.url, "INSERT INTO test_failing VALUES ('commit')");
	import_units(&r, "import-commit", good);
	db_exec_ok(w.url, "DELETE FROM test_failing");
	assert_problem(&r, 503);
	http_response_free(&r);
	ck_assert_int_eq(units_coded("IK-IMP-2") + units_coded("IK-CFAIL-IMP"), 0);
	ck_assert_int_eq(keys_named("import-commit"), 0);
	import_units(&r, "import-commit", good);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	ck_assert_ptr_null(http_header_value(&r, "Idempotent-Replayed"));
	http_response_free(&r);
	import_units(&r, "import-commit", good);
	ck_assert_int_eq(r.status, 201);
	replayed = http_header_value(&r, "Idempotent-Replayed");
	ck_assert_str_eq(replayed, "true");
	free(replayed);
	http_response_free(&r);
	ck_assert_int_eq(units_coded("IK-IMP-2") + units_coded("IK-CFAIL-IMP"), 2);
}
END_TEST

Suite *idempotency_suite(void)
{
	Suite *s = suite_create("idempotency");
	TCase *tc = tcase_create("keys");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_same_key_and_body_replays_the_first_response);
	tcase_add_test(tc, test_same_key_with_another_body_is_422_and_writes_nothing);
	tcase_add_test(tc, test_keys_belong_to_their_principal);
	tcase_add_test(tc, test_refusals_are_replayed_too_and_bad_keys_are_400);
	tcase_add_test(tc, test_an_expired_key_runs_the_request_again);
	tcase_add_test(tc, test_a_wrong_content_type_is_refused_before_the_key_is_claimed);
	suite_add_tcase(s, tc);
	TCase *tx = tcase_create("one transaction");
	tcase_set_timeout(tx, 90);
	tcase_add_unchecked_fixture(tx, setup, teardown);
	tcase_add_test(tx, test_database_stopped_mid_write_keeps_neither_write_nor_key);
	tcase_add_test(tx, test_database_stopped_during_the_commit_keeps_neither_write_nor_key);
	tcase_add_test(tx, test_a_killed_server_leaves_no_key_behind_and_the_retry_runs_once);
	tcase_add_test(tx, test_a_second_request_with_the_key_waits_and_replays_the_first);
	tcase_add_test(tx, test_while_the_first_runs_past_the_wait_the_second_is_409_then_replayed);
	tcase_add_test(tx, test_a_conflict_the_database_found_is_stored_and_replayed_with_its_detail);
	tcase_add_test(tx, test_a_5xx_is_not_stored_and_the_retry_runs);
	tcase_add_test(tx, test_an_answer_that_cannot_be_stored_keeps_no_write);
	tcase_add_test(tx, test_a_failed_commit_is_503_without_location_and_keeps_nothing);
	tcase_add_test(tx, test_a_committed_key_always_has_its_answer);
	tcase_add_test(tx, test_many_requests_with_one_key_at_once_write_once);
	tcase_add_test(tx, test_a_keyed_import_commits_with_its_key_or_not_at_all);
	suite_add_tcase(s, tx);
	return s;
}
