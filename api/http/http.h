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
#include <ulfius.h>

struct server;
struct route;

struct req_ctx {
	char request_id[65];
	const struct route *route; /* NULL when no route matched */
	int route_index;           /* index into the server's route table, or -1 */
	struct timespec started;
	json_t *body;              /* the parsed JSON object of a ROUTE_JSON_BODY route; owned */
	struct server *srv;
	char actor[80];            /* who made the request, for the log line; "" when anonymous */
};

/* Sets a header on the response (copied). */
void http_header(struct _u_response *resp, const char *name, const char *value);

/* Answers with a JSON text that is already serialised (e.g. built by PostgreSQL); copied. */
void http_json_text(struct _u_response *resp, unsigned status, const char *text, size_t len);

/* Answers with a JSON value; the caller keeps (and decrefs) its reference. */
void http_json(struct _u_response *resp, unsigned status, const json_t *value);

/* Case-insensitive request header lookup; NULL when absent. */
const char *http_request_header(const struct _u_request *req, const char *name);

#endif
