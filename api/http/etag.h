/*
 * Optimistic concurrency: every single-resource read sends ETag: "<version>", and every update
 * needs If-Match with it: missing answers 428, stale (or unparsable) answers 412.
 */
#ifndef CDTT_HTTP_ETAG_H
#define CDTT_HTTP_ETAG_H
#include "http.h"

/* Sets ETag from a version number given as text. */
void etag_set(struct _u_response *resp, const char *version);

/* Reads If-Match into version_out[16]. Returns 0, or -1 after answering 428 or 412. */
int etag_require_if_match(const struct _u_request *req, struct _u_response *resp,
			  const struct req_ctx *ctx, char version_out[16]);

#endif
