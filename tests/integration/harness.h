/*
 * Integration test harness: a fresh database per suite in the throwaway cluster that
 * tests/run.sh started, cdtt as a subprocess (or in-process), and an HTTP client on libcurl.
 *
 * Environment (set by tests/run.sh): CDTT_BIN (the binary under test), CDTT_TEST_PGDIR (the
 * cluster's folder, for stopping and starting it), CDTT_TEST_ADMIN_URL (superuser URL).
 */
#ifndef CDTT_TEST_HARNESS_H
#define CDTT_TEST_HARNESS_H
#include <stddef.h>
#include <sys/types.h>
#include <check.h>
#include <libpq-fe.h>

#define TEST_JWT_SECRET "test-secret-0123456789abcdef-0123456789"

/* Creates an empty database owned by the cdtt role; returns its URL (static storage). */
const char *db_create(const char *name_hint);

/* Runs SQL on a database URL; returns the first value of the first row (malloc'd) or NULL. */
char *db_query_value(const char *url, const char *sql);
/* Runs SQL on a database URL; ck_assert's success. */
void db_exec_ok(const char *url, const char *sql);
/* Waits (10 s at most) until `want` sessions of the database wait for a lock of the kind
 * `wait_event` (advisory, transactionid, tuple …); 1 when they do, 0 when time ran out. */
int db_sessions_waiting(const char *url, const char *wait_event, long want);

/* Stops / starts the test cluster (tests/run.sh's deploy/pg.sh cluster). */
void cluster_stop(void);
void cluster_start(void);

/* A free TCP port on 127.0.0.1 (bound and released). */
int free_port(void);

struct proc {
	pid_t pid;
	int port;
	char log_path[256]; /* the child's stdout and stderr */
};

/*
 * Runs `cdtt ARGS...` with only the given CDTT_* variables (a NULL-terminated list of
 * "NAME=value" strings), output to a file. proc_wait returns the exit code (or 128 + signal).
 */
void proc_spawn(struct proc *p, const char *const *env, const char *const *args);
int proc_wait(struct proc *p, int timeout_ms);
char *proc_output(const struct proc *p); /* the whole log file, malloc'd */
/* The log without the members whose values are chance digits (time, request_id, duration_ms,
 * actor, client), one JSON line per line, for asserting that a value was never logged; malloc'd */
char *proc_output_content(const struct proc *p);

/* `cdtt serve` on a free port against database_url, extra env appended; waits for /healthz.
 * "CDTT_DATABASE_REPLICA_URL=" with no value names database_url itself as the replica. */
void serve_start(struct proc *p, const char *database_url, const char *const *extra_env);
/* SIGTERM and wait; returns the exit code. */
int serve_stop(struct proc *p);

struct http_response {
	long status;
	char *body;
	size_t body_len;
	char *headers; /* raw header block of the final response */
};

/*
 * One request. headers: NULL-terminated "Name: value" strings (or NULL). body may be NULL.
 * ck_assert's that the transport worked.
 */
void http_request(struct http_response *r, const char *method, int port, const char *path,
		  const char *const *headers, const char *body, size_t body_len);
/* GET shorthand. */
void http_get(struct http_response *r, int port, const char *path);
/* A response header's value (malloc'd), case-insensitive, or NULL. */
char *http_header_value(const struct http_response *r, const char *name);
void http_response_free(struct http_response *r);

/* Asserts the response is problem+json with this status, and its instance is the request id. */
void assert_problem(const struct http_response *r, long status);

#endif
