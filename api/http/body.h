/*
 * Request bodies: the size limit (413, from Content-Length before anything is parsed, and from
 * what arrived for chunked uploads), the content type (415) and JSON syntax (400).
 */
#ifndef CDTT_HTTP_BODY_H
#define CDTT_HTTP_BODY_H
#include "http.h"

/* True when the Content-Type header names `type` (case-insensitive, parameters ignored). */
int media_type_is(const char *header, const char *type);

/* True when a Content-Length value declares more than limit bytes (or a number too large to
 * read); a value that is not a number is not "too large" (it is refused elsewhere). */
int content_length_exceeds(const char *value, size_t limit);

/* 413 when the request is larger than limit; returns -1 after answering, 0 to go on. */
int body_check_size(const struct _u_request *req, struct _u_response *resp,
		    const struct req_ctx *ctx, size_t limit);

/*
 * For routes that take a JSON object: checks the content type (application/json, or
 * application/merge-patch+json for PATCH) and parses the body into ctx->body. Returns -1 after
 * answering 400/415, 0 to go on.
 */
int body_parse_json(const struct _u_request *req, struct _u_response *resp,
		    struct req_ctx *ctx);

/* For routes that take CSV: 415 unless the body is text/csv (UTF-8); returns -1 after answering. */
int body_require_csv(const struct _u_request *req, struct _u_response *resp,
		     const struct req_ctx *ctx);

#endif
