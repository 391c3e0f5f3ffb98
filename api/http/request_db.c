/*
 * The request's database work (declared in http/http.h): its connection, borrowed on first use
 * (the replica's for reads when there is one), its statements, and its transaction with
 * savepoints. The connections go back to their pools when the response is done
 * (server_ctx_finish, server.c), which also rolls back a transaction a path left open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/pool.h"
#include "../server.h"
#include "http.h"
#include "log.h"
#include "problem.h"

struct db_conn *request_db(struct req_ctx *ctx, struct _u_response *resp)
{
	if (ctx->on_replica && !ctx->tx_depth) { /* an open transaction is the primary's */
		enum db_status st;
		if (!ctx->replica_conn)
			ctx->replica_conn = db_acquire(ctx->srv->replica, &st);
		if (ctx->replica_conn)
			return ctx->replica_conn;
		ctx->on_replica = 0; /* the replica is down or busy: the primary answers */
		log_event(LOG_WARN, "replica unavailable; reading from the primary", "request_id",
			  ctx->request_id);
	}
	if (ctx->conn)
		return ctx->conn;
	enum db_status st;
	ctx->conn = db_acquire(ctx->srv->pool, &st);
	if (!ctx->conn)
		problem_unavailable(resp, ctx, st == DB_BUSY);
	return ctx->conn;
}

PGresult *request_query(struct req_ctx *ctx, struct _u_response *resp, struct db_stmt *stmt,
			const char *const *params, enum db_status *status)
{
	struct db_conn *conn = request_db(ctx, resp);
	if (!conn)
		return NULL;
	PGresult *res = db_exec(conn, stmt, params, status);
	if (*status == DB_ERROR && conn == ctx->conn && ctx->tx_depth >= 2) {
		/* the failure aborted the transaction: back to the innermost savepoint (which stays),
		 * remembering that this level's work was partly undone (see request_commit) */
		char sql[48];
		snprintf(sql, sizeof sql, "ROLLBACK TO SAVEPOINT cdtt_%d", ctx->tx_depth);
		if (db_command(conn, sql) == DB_OK && (!ctx->tx_undone || ctx->tx_undone > ctx->tx_depth))
			ctx->tx_undone = ctx->tx_depth;
	}
	if (*status == DB_DOWN) {
		PQclear(res);
		problem_unavailable(resp, ctx, 0);
		return NULL;
	}
	if (*status == DB_ERROR && !strcmp(db_sqlstate(res), SQLSTATE_QUERY_CANCELED)) { /* statement_timeout */
		PQclear(res);
		problem(resp, ctx, 503, "The request took longer than the service allows; retry later "
					"or ask for less (a smaller unit, a shorter period).");
		http_header(resp, "Retry-After", "5");
		return NULL;
	}
	return res;
}

/* Answers a transaction that could not be kept: what the handler had answered (its Location
 * and ETag too) is replaced, since nothing of it was committed. */
static void answer_not_kept(struct _u_response *resp, struct req_ctx *ctx, unsigned status)
{
	u_map_remove_from_key(resp->map_header, "Location");
	u_map_remove_from_key(resp->map_header, "ETag");
	if (status == 503) {
		problem(resp, ctx, 503, "The change could not be saved; nothing was kept. Retry shortly.");
		http_header(resp, "Retry-After", "1");
	} else {
		problem(resp, ctx, status, NULL);
	}
}

int request_begin(struct req_ctx *ctx, struct _u_response *resp)
{
	int saved = ctx->on_replica;
	ctx->on_replica = 0; /* writes go to the primary */
	struct db_conn *conn = request_db(ctx, resp);
	ctx->on_replica = saved;
	if (!conn)
		return -1;
	char sql[48];
	if (ctx->tx_depth == 0)
		snprintf(sql, sizeof sql, "BEGIN");
	else
		snprintf(sql, sizeof sql, "SAVEPOINT cdtt_%d", ctx->tx_depth + 1);
	if (db_command(conn, sql) != DB_OK) {
		answer_not_kept(resp, ctx, PQstatus(db_conn_pg(conn)) == CONNECTION_BAD ? 503 : 500);
		return -1;
	}
	ctx->tx_depth++;
	return 0;
}

int request_commit(struct req_ctx *ctx, struct _u_response *resp)
{
	if (ctx->tx_depth <= 0 || !ctx->conn)
		return 0;
	int level = ctx->tx_depth;
	if (level > 1) {
		char sql[48];
		snprintf(sql, sizeof sql, "RELEASE SAVEPOINT cdtt_%d", level);
		if (db_command(ctx->conn, sql) != DB_OK) {
			request_rollback(ctx);
			answer_not_kept(resp, ctx, 503);
			return -1;
		}
		ctx->tx_depth--;
		if (ctx->tx_undone >= level) /* the enclosing level now holds partial work */
			ctx->tx_undone = level - 1;
		return 0;
	}
	if (ctx->tx_undone) { /* part of the work was undone by a failed statement */
		request_rollback(ctx);
		answer_not_kept(resp, ctx, 500);
		return -1;
	}
	/* An aborted transaction "commits" as ROLLBACK: only the tag COMMIT means it was kept. */
	PGresult *res = PQexec(db_conn_pg(ctx->conn), "COMMIT");
	int kept = PQresultStatus(res) == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(res), "COMMIT");
	PQclear(res);
	ctx->tx_depth = 0;
	if (!kept) {
		log_event(LOG_WARN, "a transaction could not be committed", "request_id",
			  ctx->request_id);
		if (PQtransactionStatus(db_conn_pg(ctx->conn)) != PQTRANS_IDLE)
			db_command(ctx->conn, "ROLLBACK");
		answer_not_kept(resp, ctx, 503);
		return -1;
	}
	return 0;
}

void request_rollback(struct req_ctx *ctx)
{
	if (ctx->tx_depth <= 0)
		return;
	int level = ctx->tx_depth--;
	if (ctx->tx_undone >= level)
		ctx->tx_undone = 0;
	if (!ctx->conn)
		return;
	char sql[96];
	if (level == 1)
		snprintf(sql, sizeof sql, "ROLLBACK");
	else
		snprintf(sql, sizeof sql, "ROLLBACK TO SAVEPOINT cdtt_%d; RELEASE SAVEPOINT cdtt_%d",
			 level, level);
	/* when it fails the connection is broken, and the pool replaces it on the next checkout */
	db_command(ctx->conn, sql);
}

PGresult *request_refusal_query(struct req_ctx *ctx, struct _u_response *resp,
				struct db_stmt *stmt, const char *const *params,
				enum db_status *status)
{
	int reopen = 0;
	while (ctx->tx_depth > ctx->tx_floor) {
		request_rollback(ctx);
		reopen++;
	}
	PGresult *res = request_query(ctx, resp, stmt, params, status);
	while (res && reopen-- > 0)
		if (request_begin(ctx, resp) != 0) { /* it answered 503 or 500 */
			PQclear(res);
			return NULL;
		}
	return res;
}

int request_wait_seconds(struct req_ctx *ctx, struct _u_response *resp, struct db_stmt *stmt,
			 const char *const *params)
{
	enum db_status st;
	PGresult *res = request_query(ctx, resp, stmt, params, &st);
	if (!res)
		return -1;
	int wait = -1;
	if (st == DB_OK && PQntuples(res) == 1) {
		const char *seconds = db_value(res, 0, "wait_seconds");
		wait = seconds ? atoi(seconds) : 0;
	}
	PQclear(res);
	if (wait < 0)
		problem(resp, ctx, 500, NULL);
	return wait;
}
