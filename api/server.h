/*
 * The HTTP server: the route table every module contributes to, the pipeline each request goes
 * through (request id, CORS, body limit, JSON parsing, handler, log line, metrics), start-up and
 * graceful shutdown.
 */
#ifndef CDTT_SERVER_H
#define CDTT_SERVER_H
#include <stdatomic.h>
#include "config.h"
#include "http/http.h"

enum route_flags {
	ROUTE_JSON_BODY = 1 << 0, /* the body must be a JSON object: 415/400 otherwise */
	ROUTE_PUBLIC = 1 << 1,    /* no bearer token needed (ops endpoints, the token endpoint) */
	ROUTE_IDEMPOTENT = 1 << 2, /* a create: honours Idempotency-Key */
	ROUTE_LARGE_BODY = 1 << 3, /* bulk uploads: CDTT_MAX_IMPORT_BYTES, not CDTT_MAX_BODY_BYTES */
	ROUTE_CSV_BODY = 1 << 4,   /* the body must be text/csv: 415 otherwise */
	ROUTE_REPLICA = 1 << 5,    /* a list or report: read from the replica when there is one */
	ROUTE_CSV = 1 << 12,       /* can answer text/csv as well as JSON (http/negotiate.h) */
	ROUTE_OWN_MEDIA = 1 << 13, /* answers one media type of its own (metrics, the docs page):
				    * no negotiation */
};

typedef void (*route_handler)(const struct _u_request *req, struct _u_response *resp,
			      struct req_ctx *ctx);

/* Paths are written as in the OpenAPI document: /api/v1/units/{code}. */
struct route {
	const char *method;
	const char *path;
	route_handler handler;
	unsigned flags;
};

struct auth;

struct route_info {
	unsigned char params;       /* the number of {name} segments of its path */
	unsigned char changes_reps; /* a write that can change a kept representation */
};

struct server {
	const struct config *cfg;
	const struct auth *auth;
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
};

/* The route tables of the modules, each ending with a {0} entry. */
extern const struct route ops_routes[];
extern const struct route token_routes[];
extern const struct route users_routes[];
extern const struct route clients_routes[];
extern const struct route audit_routes[];
extern const struct route units_routes[];
extern const struct route teams_routes[];
extern const struct route members_routes[];
extern const struct route memberships_routes[];
extern const struct route imports_routes[];
extern const struct route services_routes[];
extern const struct route languages_routes[];
extern const struct route activities_routes[];
extern const struct route reports_routes[];
extern const struct route discovery_routes[];

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

/* True when a concrete path (query allowed) fits a route template; {name} is one segment. */
int route_path_matches(const char *tmpl, const char *path);

/* The Prometheus text of a struct server's metrics (resources/ops.c); the caller frees it. */
char *server_metrics_text(void *srv, size_t *len);

/* Calls each(method, path, arg) for every route (`cdtt routes`, the route-inventory test). */
void server_each_route(void (*each)(const char *method, const char *path, void *arg), void *arg);

#endif
