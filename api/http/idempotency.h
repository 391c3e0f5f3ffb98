/*
 * Idempotency-Key on creates (SPEC §6): the first request with a key runs and its response is
 * stored; the same key with the same method, path and body within 24 hours gets that response
 * again (Idempotent-Replayed: true) and writes nothing; the same key with another request
 * answers 422. Keys are per principal and live in the database, so every replica agrees.
 *
 * The key is claimed, the handler's writes are made and the answer is stored in one
 * transaction on the request's primary connection, committed before the response is sent: a
 * request that dies (PostgreSQL restarted, cdtt killed, COMMIT failed: 503) leaves neither
 * its writes nor its key, and its retry runs afresh. A second request with the same key waits
 * on the key's primary key until the first commits (it then replays that answer) or rolls back
 * (it then runs); 409 only when the first is still running after IDEMPOTENCY_WAIT_MS.
 */
#ifndef CDTT_HTTP_IDEMPOTENCY_H
#define CDTT_HTTP_IDEMPOTENCY_H
#include "http.h"

#define IDEMPOTENCY_WAIT_MS 2000

enum idempotency_outcome {
	IDEMPOTENCY_NONE,     /* no key sent: run the handler as usual */
	IDEMPOTENCY_FIRST,    /* key claimed in the open transaction: run the handler, then
			       * idempotency_finish */
	IDEMPOTENCY_ANSWERED, /* replayed, refused (422/409/400) or 503: do not run the handler */
};

enum idempotency_outcome idempotency_begin(const struct _u_request *req,
					   struct _u_response *resp, struct req_ctx *ctx);

/* Stores the response with the key and commits the handler's writes with it; a 5xx, or a
 * failure to store or commit (then answered 503), keeps nothing. */
void idempotency_finish(const struct _u_request *req, struct _u_response *resp,
			struct req_ctx *ctx);

#endif
