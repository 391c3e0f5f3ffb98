/*
 * The request context every handler receives, and the response helpers every handler uses.
 * A handler answers through these helpers only, so that every response carries the same
 * headers and every error is problem+json.
 */
#ifndef CDTT_HTTP_H
#define CDTT_HTTP_H
#include <stddef.h>
#include <time.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <ulfius.h>

#include "../../db/pool.h"
#include "../auth/principal.h"

struct server;
struct route;
struct account_cache;
struct rep_cache;
struct token_cache;
struct metrics;
struct auth;

/*
 * What of the server a handler may use, the same for every request: the pipeline points each
 * request's context at it (server.c), so that handlers need not know the server's insides.
 */
struct req_env {
	const struct auth *auth;        /* signing keys, token lifetime, the cursor key */
	struct db_pool *pool;           /* the primary's connections */
	struct db_pool *replica;        /* the replica's; NULL when there is none */
	struct account_cache *accounts; /* the accounts behind tokens; NULL when none are kept */
	struct token_cache *tokens;     /* tokens already verified */
	struct rep_cache *reps;         /* teams and members as last read */
	struct metrics *metrics;
	int metrics_elsewhere;          /* /metrics is served on CDTT_METRICS_LISTEN only */
};

struct req_ctx {
	char request_id[65];
	const struct route *route; /* NULL when no route matched */
	int route_index;           /* index into the server's route table, or -1 */
	struct timespec started;
	json_t *body;              /* the parsed JSON object of a ROUTE_JSON_BODY route; owned */
	struct server *srv;         /* the pipeline's; handlers use env */
	const struct req_env *env;
	char actor[80];            /* who made the request, for the log line; "" when anonymous */
	struct principal principal; /* kind PRINCIPAL_NONE on public routes */
	struct db_conn *conn;      /* borrowed from the pool on first use, returned after */
	int on_replica;            /* the handler reads from the replica (ROUTE_REPLICA) */
	struct db_conn *replica_conn; /* borrowed from the replica's pool, returned after */
	int tx_depth;  /* levels of the request's transaction open on conn (request_begin) */
	int tx_undone; /* the outermost level a failed statement undid part of; 0: none */
	int tx_floor;  /* levels up to this one are the request's (an Idempotency-Key's), not
			* the handler's: request_refusal_query writes there */
};

/*
 * The request's database connection, borrowed on first use and held until the response is
 * sent: the replica's for a list or report when a replica is configured and reachable, else
 * the primary's. NULL after answering 503 (database down, or every connection busy).
 */
struct db_conn *request_db(struct req_ctx *ctx, struct _u_response *resp);

/*
 * Runs a declared statement on the request's connection. Returns the result (the caller
 * PQclear()s it) with *status DB_OK or DB_ERROR, or NULL after answering 503.
 *
 * Inside a savepoint of the request's transaction (a create with an Idempotency-Key runs in
 * one), a statement that fails is rolled back to where the innermost level began, so the
 * handler may still read (e.g. what was in the way) and answer its 4xx; what that level wrote
 * before is undone too, and a transaction whose work was partly undone is never committed.
 * Write one statement per change, or ON CONFLICT, rather than catching an error to go on.
 */
PGresult *request_query(struct req_ctx *ctx, struct _u_response *resp, struct db_stmt *stmt,
			const char *const *params, enum db_status *status);

/*
 * The request's transaction, on the primary connection. The first level is BEGIN ... COMMIT,
 * each level opened inside it a SAVEPOINT: a handler opens "its" transaction alike whether or
 * not the request already runs in one (an Idempotency-Key's, which commits the handler's
 * writes together with the stored answer). request_begin and request_commit return 0, or -1
 * after answering (503 when the database is gone or COMMIT failed; nothing was kept);
 * request_rollback undoes the innermost level.
 */
int request_begin(struct req_ctx *ctx, struct _u_response *resp);
int request_commit(struct req_ctx *ctx, struct _u_response *resp);
void request_rollback(struct req_ctx *ctx);

/*
 * Runs a write that must outlive the refusal it belongs to (the count and audit event of an
 * attempt the handler is about to refuse): the handler's own levels of the request's
 * transaction are undone first (a refusal keeps none of its writes) and opened again, empty,
 * after the statement, which thus lands at the request's level — committed on its own, or with
 * an Idempotency-Key's stored answer — and not in a level the refusal will roll back. Same
 * contract as request_query.
 */
PGresult *request_refusal_query(struct req_ctx *ctx, struct _u_response *resp,
				struct db_stmt *stmt, const char *const *params,
				enum db_status *status);

/*
 * Runs a statement whose column wait_seconds tells how many seconds the caller must wait
 * before it may go on (a throttle's verdict). Returns them (0: go on), or -1 after answering: 503 when the database
 * is out of reach, 500 when the statement failed (a throttle that cannot be read holds).
 */
int request_wait_seconds(struct req_ctx *ctx, struct _u_response *resp, struct db_stmt *stmt,
			 const char *const *params);

/* Answers a one-row, one-column JSON result built by PostgreSQL, as is. */
void http_json_result(struct _u_response *resp, unsigned status, const PGresult *res);

/* The client's IP address ("" when unknown), for throttling and the log: the TCP peer, or
 * when the peer is a trusted proxy (CDTT_TRUSTED_PROXIES) the address it forwarded for
 * (http/proxy.h). out has room for 64 bytes. */
void http_client_address(const struct _u_request *req, char out[64]);

/* Sets a header on the response (copied). */
void http_header(struct _u_response *resp, const char *name, const char *value);

/* Answers with a JSON text that is already serialised (e.g. built by PostgreSQL); copied. */
void http_json_text(struct _u_response *resp, unsigned status, const char *text, size_t len);

/* Answers with a JSON value; the caller keeps (and decrefs) its reference. */
void http_json(struct _u_response *resp, unsigned status, const json_t *value);

/* Case-insensitive request header lookup; NULL when absent. */
const char *http_request_header(const struct _u_request *req, const char *name);

#endif
