/*
 * The HTTP server: the route table every module contributes to (route.h), the pipeline each
 * request goes through (request id, CORS, body limit, JSON parsing, handler, log line, metrics),
 * start-up and graceful shutdown. Which route a request goes to is the router's (router.h).
 */
#ifndef CDTT_SERVER_H
#define CDTT_SERVER_H
#include <stdatomic.h>
#include "config.h"
#include "http/http.h"
#include "route.h"
#include "router.h"

struct auth;

struct route_info {
	unsigned char params;       /* the number of {name} segments of its path */
	unsigned char changes_reps; /* a write that can change a kept representation */
};

struct server {
	const struct config *cfg;
	const struct auth *auth;
	struct db_listener *listener;   /* LISTENs for the caches (db/listen.h); NULL without them */
	struct account_cache *accounts; /* NULL when CDTT_ACCOUNT_CACHE_TTL is 0 */
	struct token_cache *tokens;     /* tokens already verified */
	struct rep_cache *reps;         /* teams and members as last read (resources/rep_cache.h) */
	struct db_pool *pool;
	struct db_pool *replica; /* CDTT_DATABASE_REPLICA_URL's pool; NULL when unset */
	struct metrics *metrics;
	struct metrics_listener *metrics_listener; /* CDTT_METRICS_LISTEN's; NULL when unset */
	struct route *routes; /* every module's table, in one array */
	size_t n_routes;
	struct route_info *route_info; /* what the router knows of each route, by index */
	struct intake *intake;  /* the listener (http/intake.h) */
	int port;             /* the bound port (useful when CDTT_LISTEN asked for port 0) */
	atomic_int stopping;
	struct req_env env; /* what handlers reach of all this (http/http.h) */
};

/*
 * Starts serving: the modules' routes plus `extra` (NULL, or a {0}-terminated table, used by
 * tests). Returns NULL after logging why it could not start.
 */
struct server *server_start(const struct config *cfg, const struct auth *auth,
			    const struct route *extra);

/* Stops accepting, lets requests in flight finish (up to cfg->shutdown_grace s), frees all. */
void server_stop(struct server *srv);

/* `cdtt serve`: migrate, start, wait for SIGTERM/SIGINT, stop. Returns the exit code; on 2
 * (unusable signing keys) err says why, for the caller to tell the operator. */
int server_run(const struct config *cfg, char *err, size_t errlen);

/*
 * The pipeline, for the router (router.c). server_dispatch runs route `index` of srv->routes
 * with every step around its handler. An answer the router writes itself goes between
 * server_ctx_begin and server_ctx_finish, which add what every response carries (request id,
 * security headers, CORS), give the connections back, and write the log line and the metrics
 * under `label` (the route's index; srv->n_routes for an unmatched request).
 */
void server_dispatch(const struct _u_request *req, struct _u_response *resp, struct server *srv,
		     size_t index);
void server_ctx_begin(struct req_ctx *ctx, struct server *srv, const struct _u_request *req);
void server_ctx_finish(struct req_ctx *ctx, const struct _u_request *req,
		       struct _u_response *resp, size_t label);

/* The Prometheus text of a struct req_env's metrics (resources/ops.c); the caller frees it. */
char *server_metrics_text(void *srv, size_t *len);

/* Calls each(method, path, arg) for every route (`cdtt routes`, the route-inventory test). */
void server_each_route(void (*each)(const char *method, const char *path, void *arg), void *arg);

#endif
