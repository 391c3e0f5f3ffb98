/*
 * Idempotency-Key on creates (SPEC §6): the first request with a key runs and its response is
 * stored; the same key with the same method, path and body within 24 hours gets that response
 * again (Idempotent-Replayed: true) and writes nothing; the same key with another request
 * answers 422; while the first is still running, 409. Keys are per principal and live in the
 * database, so every replica agrees.
 */
#ifndef CDTT_HTTP_IDEMPOTENCY_H
#define CDTT_HTTP_IDEMPOTENCY_H
#include "http.h"

enum idempotency_outcome {
	IDEMPOTENCY_NONE,     /* no key sent: run the handler as usual */
	IDEMPOTENCY_FIRST,    /* key recorded as pending: run the handler, then idempotency_finish */
	IDEMPOTENCY_ANSWERED, /* replayed, refused (422/409/400) or 503: do not run the handler */
};

enum idempotency_outcome idempotency_begin(const struct _u_request *req,
					   struct _u_response *resp, struct req_ctx *ctx);

/* Stores the response for the key (or forgets the key when the response is a 5xx). */
void idempotency_finish(const struct _u_request *req, struct _u_response *resp,
			struct req_ctx *ctx);

#endif
