/*
 * Login throttling (throttle.h): the C side only names the account and asks PostgreSQL, where
 * the check and the count are one statement under row locks (login_attempt_begin in
 * db/functions/70_accounts.sql), so concurrent attempts on several replicas count exactly.
 */
#define _GNU_SOURCE
#include "throttle.h"

#include <stdio.h>
#include <stdlib.h>

#include "../http/problem.h"

static struct db_stmt attempt_begin = DB_STMT("login_attempt_begin", 2,
	"SELECT login_attempt_begin($1, $2) AS wait_seconds");

static struct db_stmt attempt_succeeded = DB_STMT("login_attempt_succeeded", 2,
	"SELECT login_attempt_succeeded($1, $2)");

static struct db_stmt attempt_failed = DB_STMT("login_attempt_failed", 3,
	"INSERT INTO audit_events (actor_type, action, entity_type, entity_id, request_id)"
	" VALUES ('anonymous', 'auth.login_failed', $1, $2, $3)");

/* "user:name" or "client:id": a username and a client id may be spelt alike. */
static void account_key(char out[96], const char *kind, const char *who)
{
	snprintf(out, 96, "%s:%s", kind, who);
}

/* Runs a statement that answers nothing worth reading; 0, or -1 after answering. */
static int run(struct req_ctx *ctx, struct _u_response *resp, struct db_stmt *stmt,
	       const char *const *params)
{
	enum db_status st;
	PGresult *res = request_query(ctx, resp, stmt, params, &st);
	if (!res)
		return -1;
	PQclear(res);
	if (st != DB_OK) {
		problem(resp, ctx, 500, NULL);
		return -1;
	}
	return 0;
}

int login_throttled(struct req_ctx *ctx, struct _u_response *resp, const char *kind,
		    const char *who, const char *address)
{
	char key[96];
	account_key(key, kind, who);
	const char *params[2] = {key, address};
	int wait = request_wait_seconds(ctx, resp, &attempt_begin, params);
	if (wait <= 0)
		return wait < 0 ? -1 : 0;
	char detail[160];
	snprintf(detail, sizeof detail,
		 "Too many failed attempts for this account; the next one is checked in %d "
		 "seconds.",
		 wait);
	problem_retry_after(resp, ctx, wait, detail);
	return -1;
}

int login_failed(struct req_ctx *ctx, struct _u_response *resp, const char *kind,
		 const char *who, const char *address)
{
	(void)address; /* counted already, by login_throttled */
	const char *params[3] = {kind, who, ctx->request_id};
	return run(ctx, resp, &attempt_failed, params);
}

int login_succeeded(struct req_ctx *ctx, struct _u_response *resp, const char *kind,
		    const char *who, const char *address)
{
	char key[96];
	account_key(key, kind, who);
	const char *params[2] = {key, address};
	return run(ctx, resp, &attempt_succeeded, params);
}
