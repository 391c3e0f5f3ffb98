/*
 * /metrics on an address of its own (CDTT_METRICS_LISTEN), e.g. one only the cluster's network
 * reaches, so that the API's port does not publish the service's traffic figures. A small
 * libmicrohttpd daemon of one thread, separate from the API's: it answers GET /metrics, and
 * 404/405 problems for anything else.
 */
#ifndef CDTT_HTTP_METRICS_LISTENER_H
#define CDTT_HTTP_METRICS_LISTENER_H
#include <stddef.h>

/* Renders the exposition text (malloc'd, *len set), or NULL when it could not. */
typedef char *(*metrics_text_fn)(void *arg, size_t *len);

struct metrics_listener;

/* Listens on host:port (IPv4; port 0 picks one). NULL after logging why it could not. */
struct metrics_listener *metrics_listener_start(const char *host, int port, metrics_text_fn text,
						void *arg);

/* The port actually bound. */
int metrics_listener_port(const struct metrics_listener *l);

/* Stops listening and waits for the request being answered, if any. NULL is fine. */
void metrics_listener_stop(struct metrics_listener *l);

#endif
