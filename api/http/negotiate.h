/*
 * Content negotiation, done once in the pipeline for every route: which representation a
 * request gets among those its route can produce (JSON always; CSV on the lists and reports
 * flagged ROUTE_CSV). `?format=json|csv` decides when present; otherwise `Accept`, read as
 * RFC 9110 §12.5.1 says (lists, q-values, wildcard ranges; no Accept means JSON).
 */
#ifndef CDTT_HTTP_NEGOTIATE_H
#define CDTT_HTTP_NEGOTIATE_H
#include "http.h"

enum media {
	MEDIA_NONE = -1,        /* nothing the route produces is acceptable: 406 */
	MEDIA_BAD_FORMAT = -2,  /* ?format= names no representation: 422 */
	MEDIA_JSON = 0,
	MEDIA_CSV = 1,
};

/* The representation an Accept header value prefers among JSON (and CSV when csv_offered);
 * NULL or empty accept is JSON. Ties go to JSON, unless CSV was named more specifically. */
enum media negotiate_accept(const char *accept, int csv_offered);

/* The representation the request asks for: ?format= first, then Accept. */
enum media negotiate_media(const struct _u_request *req, int csv_offered);

/* The pipeline's step: 0 when the route can answer what the request accepts; otherwise answers
 * 406 (nothing acceptable) or 422 (an unknown format, naming the parameter) and returns -1. */
int negotiate(const struct _u_request *req, struct _u_response *resp, const struct req_ctx *ctx,
	      int csv_offered);

#endif
