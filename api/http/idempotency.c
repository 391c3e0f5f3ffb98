#include "idempotency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "../text.h"
#include "log.h"
#include "problem.h"

/*
 * Inserts the key (a key older than 24 hours is taken over). While another transaction holds
 * a row with this key uncommitted, this waits for it: after its COMMIT the statement returns
 * no row (the answer is then read and replayed), after its ROLLBACK it inserts. The status
 * stays NULL only inside this transaction: idempotency_finish writes the answer before COMMIT
 * (idempotency_key_answered() in db/functions/90_idempotency.sql refuses a commit without it).
 */
static struct db_stmt claim_key = DB_STMT("idempotency_claim", 3,
	"INSERT INTO idempotency_keys (principal_id, key, request_hash)"
	" VALUES ($1::uuid, $2, $3)"
	" ON CONFLICT (principal_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
	"  status = NULL, body = NULL, location = NULL, etag = NULL, created_at = now()"
	"  WHERE idempotency_keys.created_at < now() - interval '24 hours'"
	" RETURNING 1");

static struct db_stmt read_key = DB_READ("idempotency_read", 2,
	"SELECT request_hash, status, body, location, etag FROM idempotency_keys"
	" WHERE principal_id = $1::uuid AND key = $2");

static struct db_stmt store_key = DB_STMT("idempotency_store", 6,
	"UPDATE idempotency_keys SET status = $3::int, body = $4, location = $5, etag = $6"
	" WHERE principal_id = $1::uuid AND key = $2");

static const char *key_of(const struct _u_request *req)
{
	return http_request_header(req, "Idempotency-Key");
}

static void request_hash(const struct _u_request *req, char out[65])
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)req->http_verb, strlen(req->http_verb));
	crypto_hash_sha256_update(&st, (const unsigned char *)" ", 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)req->http_url, strlen(req->http_url));
	crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
	if (req->binary_body_length)
		crypto_hash_sha256_update(&st, req->binary_body, req->binary_body_length);
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(out, 65, digest, sizeof digest);
}

static void replay(struct _u_response *resp, const PGresult *res)
{
	const char *status_text = db_value(res, 0, "status"), *body = db_value(res, 0, "body");
	const char *location = db_value(res, 0, "location"), *etag = db_value(res, 0, "etag");
	unsigned status = (unsigned)atoi(status_text ? status_text : "0");
	ulfius_set_binary_body_response(resp, status, body ? body : "", body ? strlen(body) : 0);
	http_header(resp, "Content-Type",
		    status >= 400 ? "application/problem+json" : "application/json");
	if (location)
		http_header(resp, "Location", location);
	if (etag)
		http_header(resp, "ETag", etag);
	http_header(resp, "Idempotent-Replayed", "true");
}

/* 0 when the transaction's lock waits are bounded (wait_ms) or back to the session's own. */
static int bound_lock_wait(struct req_ctx *ctx, struct _u_response *resp, int wait_ms)
{
	char sql[64];
	if (wait_ms)
		snprintf(sql, sizeof sql, "SET LOCAL lock_timeout = %d", wait_ms);
	else
		snprintf(sql, sizeof sql, "SET LOCAL lock_timeout TO DEFAULT");
	enum db_status st = db_command(ctx->conn, sql);
	if (st == DB_OK)
		return 0;
	if (st == DB_DOWN || PQstatus(db_conn_pg(ctx->conn)) == CONNECTION_BAD)
		problem_unavailable(resp, ctx, 0);
	else
		problem(resp, ctx, 500, NULL);
	return -1;
}

/* The key is someone else's answer, or another request's: replays it or refuses. */
static void answer_from_key(struct _u_response *resp, struct req_ctx *ctx,
			    const char *const *params, const char *hash)
{
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &read_key, params, &st);
	if (!res)
		return;
	const char *stored_hash = st == DB_OK ? db_value(res, 0, "request_hash") : NULL;
	if (st != DB_OK || PQntuples(res) != 1 || !db_value(res, 0, "status"))
		problem(resp, ctx, 500, NULL); /* the claim found it committed, with its answer */
	else if (!stored_hash || strcmp(stored_hash, hash) != 0)
		problem(resp, ctx, 422,
			"This Idempotency-Key was used for a different request; use a new key.");
	else
		replay(resp, res);
	PQclear(res);
}

enum idempotency_outcome idempotency_begin(const struct _u_request *req,
					   struct _u_response *resp, struct req_ctx *ctx)
{
	const char *key = key_of(req);
	if (!key || ctx->principal.kind == PRINCIPAL_NONE)
		return IDEMPOTENCY_NONE;
	if (!*key || strlen(key) > 255 || !text_is_clean(key, 0)) {
		problem(resp, ctx, 400, "Idempotency-Key must be 1-255 printable characters.");
		return IDEMPOTENCY_ANSWERED;
	}
	char hash[65];
	request_hash(req, hash);
	const char *params[3] = {ctx->principal.id, key, hash};
	if (request_begin(ctx, resp) != 0)
		return IDEMPOTENCY_ANSWERED;
	if (bound_lock_wait(ctx, resp, IDEMPOTENCY_WAIT_MS) != 0)
		goto answered;
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &claim_key, params, &st);
	if (!res)
		goto answered;
	int claimed = st == DB_OK && PQntuples(res) == 1;
	const char *state = st == DB_OK ? "" : db_sqlstate(res);
	if (!strcmp(state, SQLSTATE_LOCK_NOT_AVAILABLE)) { /* lock_timeout: the first is still being answered */
		problem(resp, ctx, 409, "A request with this Idempotency-Key is being answered; "
					"retry shortly to get its answer.");
		http_header(resp, "Retry-After", "1");
	} else if (st != DB_OK) {
		problem(resp, ctx, 500, NULL);
	} else if (!claimed) {
		answer_from_key(resp, ctx, params, hash);
	}
	PQclear(res);
	if (!claimed)
		goto answered;
	/* the handler's own level: its statements wait for locks as long as anywhere else, and
	 * one that fails is undone to here so that its 4xx can still be stored */
	if (bound_lock_wait(ctx, resp, 0) != 0 || request_begin(ctx, resp) != 0)
		goto answered;
	ctx->tx_floor = 1; /* the key's level, committed with the stored answer */
	return IDEMPOTENCY_FIRST;
answered:
	/* nothing to keep (a replay's ON CONFLICT also locked the key's row: let it go) */
	while (ctx->tx_depth > 0)
		request_rollback(ctx);
	return IDEMPOTENCY_ANSWERED;
}

/* A refused answer's Location and ETag name nothing that was kept. */
static void forget_location_and_etag(struct _u_response *resp)
{
	u_map_remove_from_key(resp->map_header, "Location");
	u_map_remove_from_key(resp->map_header, "ETag");
}

/* Writes the answer into the key's row; 0, or -1 after answering 503/500 instead. */
static int store_answer(const struct _u_request *req, struct _u_response *resp,
			struct req_ctx *ctx)
{
	char status[24], *body = malloc(resp->binary_body_length + 1);
	if (!body) {
		problem(resp, ctx, 500, NULL);
		return -1;
	}
	if (resp->binary_body_length)
		memcpy(body, resp->binary_body, resp->binary_body_length);
	body[resp->binary_body_length] = '\0';
	snprintf(status, sizeof status, "%ld", resp->status);
	const char *params[6] = {ctx->principal.id, key_of(req), status, body,
				 u_map_get(resp->map_header, "Location"),
				 u_map_get(resp->map_header, "ETag")};
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &store_key, params, &st);
	int stored = res && st == DB_OK && !strcmp(PQcmdTuples(res), "1");
	free(body);
	if (stored) {
		PQclear(res);
		return 0;
	}
	forget_location_and_etag(resp); /* nothing is kept, so they name nothing */
	if (res) { /* else 503 was answered */
		log_event(LOG_ERROR, "an Idempotency-Key's answer could not be stored", "request_id",
			  ctx->request_id);
		problem(resp, ctx, 500, NULL);
	}
	PQclear(res);
	return -1;
}

void idempotency_finish(const struct _u_request *req, struct _u_response *resp,
			struct req_ctx *ctx)
{
	if (ctx->tx_depth != 2) { /* a handler left a level of its own open, or closed ours */
		log_event(LOG_ERROR, "a handler left its transaction open", "request_id",
			  ctx->request_id);
		forget_location_and_etag(resp);
		problem(resp, ctx, 500, NULL);
	}
	/* the handler's level: a refusal keeps none of its writes, a success keeps them all */
	if (resp->status >= 400 || ctx->tx_depth != 2)
		request_rollback(ctx);
	else if (request_commit(ctx, resp) != 0)
		goto discard;
	if (resp->status >= 500 || ctx->tx_depth != 1)
		goto discard; /* not stored: a retry with the same key runs again */
	if (store_answer(req, resp, ctx) != 0)
		goto discard;
	request_commit(ctx, resp); /* on failure it answers 503 and nothing was kept */
	return;
discard:
	while (ctx->tx_depth > 0)
		request_rollback(ctx);
}
