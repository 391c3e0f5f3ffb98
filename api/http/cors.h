/*
 * CORS: only origins listed in CDTT_CORS_ORIGINS get Access-Control-* headers; every other
 * origin gets none, and the browser refuses the response.
 */
#ifndef CDTT_HTTP_CORS_H
#define CDTT_HTTP_CORS_H
#include "../config.h"
#include "http.h"

/* The value for Access-Control-Allow-Origin, or NULL when origin is not allowed. */
const char *cors_allowed_origin(const struct config *cfg, const char *origin);

/* Adds the headers of a simple (non-preflight) response when the request's origin is allowed. */
void cors_apply(const struct config *cfg, const struct _u_request *req,
		struct _u_response *resp);

/* Adds the preflight answer's headers; `allow` lists the methods the path takes. */
void cors_preflight(const struct config *cfg, const struct _u_request *req,
		    struct _u_response *resp, const char *allow);

#endif
