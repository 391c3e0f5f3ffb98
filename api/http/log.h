/*
 * Logs: one JSON object per line on stdout. Request lines carry the route template, never the
 * path's query, the body or a token, so no personal data reaches the log.
 */
#ifndef CDTT_HTTP_LOG_H
#define CDTT_HTTP_LOG_H
#include "../config.h"
#include "http.h"

void log_set_level(enum log_level level);

/* A line about the service itself (start, stop, migrations). */
void log_event(enum log_level level, const char *message, const char *key, const char *value);

/* The line for one answered request; client is its address (http_client_address), the only
 * thing about the requester besides the actor's id. */
void log_request(const struct req_ctx *ctx, const char *client, const char *method,
		 const char *route, unsigned status, double duration_ms);

#endif
