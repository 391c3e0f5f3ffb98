/*
 * A route: one row of a module's table (method, path template, handler, flags), and the tables
 * themselves. A leaf header: a resource file that only declares its table includes this, not
 * server.h, so that it does not depend on the server's insides (pools, caches, listener).
 */
#ifndef CDTT_ROUTE_H
#define CDTT_ROUTE_H
#include <ulfius.h>

struct req_ctx; /* http/http.h */

/* What the pipeline (server.c) does for a route. Every flag is a bit of its own: add a new one
 * to the check below. */
enum route_flags {
	ROUTE_JSON_BODY = 1 << 0, /* the body must be a JSON object: 415/400 otherwise */
	ROUTE_PUBLIC = 1 << 1,    /* no bearer token needed (ops endpoints, the token endpoint) */
	ROUTE_IDEMPOTENT = 1 << 2, /* a create: honours Idempotency-Key */
	ROUTE_LARGE_BODY = 1 << 3, /* bulk uploads: CDTT_MAX_IMPORT_BYTES, not CDTT_MAX_BODY_BYTES */
	ROUTE_CSV_BODY = 1 << 4,   /* the body must be text/csv: 415 otherwise */
	ROUTE_REPLICA = 1 << 5,    /* a list or report: read from the replica when there is one */
	ROUTE_CHANGES_KEPT = 1 << 6, /* a write that can change a kept representation (a team or a
				      * member, resources/rep_cache.h): flushes them after */
	ROUTE_CSV = 1 << 12,       /* can answer text/csv as well as JSON (http/negotiate.h) */
	ROUTE_OWN_MEDIA = 1 << 13, /* answers one media type of its own (metrics, the docs page):
				    * no negotiation */
};

/* Single bits that share none: their sum is their union only when no two are the same bit. */
_Static_assert(ROUTE_JSON_BODY + ROUTE_PUBLIC + ROUTE_IDEMPOTENT + ROUTE_LARGE_BODY +
			       ROUTE_CSV_BODY + ROUTE_REPLICA + ROUTE_CHANGES_KEPT + ROUTE_CSV +
			       ROUTE_OWN_MEDIA ==
		       (ROUTE_JSON_BODY | ROUTE_PUBLIC | ROUTE_IDEMPOTENT | ROUTE_LARGE_BODY |
			ROUTE_CSV_BODY | ROUTE_REPLICA | ROUTE_CHANGES_KEPT | ROUTE_CSV |
			ROUTE_OWN_MEDIA),
	       "two route flags share a bit");

typedef void (*route_handler)(const struct _u_request *req, struct _u_response *resp,
			      struct req_ctx *ctx);

/* Paths are written as in the OpenAPI document: /api/v1/units/{code}. */
struct route {
	const char *method;
	const char *path;
	route_handler handler;
	unsigned flags;
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
extern const struct route rubrics_routes[];
extern const struct route languages_routes[];
extern const struct route activities_routes[];
extern const struct route reports_routes[];
extern const struct route evaluations_routes[];
extern const struct route funding_routes[];
extern const struct route discovery_routes[];

#endif
