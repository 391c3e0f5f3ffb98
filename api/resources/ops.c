/*
 * Operations endpoints, open without a token: liveness, readiness (database reachable and
 * migrations current), Prometheus metrics, the OpenAPI document and its HTML rendering, both
 * built into the binary so that a closed network needs nothing else.
 */
#include <stdlib.h>
#include <string.h>

#include "../../db/migrate.h"
#include "../../db/pool.h"
#include "../embedded.h"
#include "../http/metrics.h"
#include "../http/problem.h"
#include "../server.h" /* server_metrics_text, defined here */
#include "rep_cache.h"

static struct db_stmt applied_version = DB_READ("ops_applied_version", 0,
	MIGRATE_APPLIED_VERSION_SQL);

static void healthz(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	(void)ctx;
	static const char body[] = "{\"status\":\"ok\"}";
	http_json_text(resp, 200, body, sizeof body - 1);
	http_header(resp, "Cache-Control", "no-store");
}

static void readyz(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	enum db_status st;
	struct db_conn *conn = db_acquire(ctx->env->pool, &st);
	http_header(resp, "Cache-Control", "no-store");
	if (!conn) {
		problem_unavailable(resp, ctx, st == DB_BUSY);
		return;
	}
	PGresult *res = db_exec(conn, &applied_version, NULL, &st);
	db_release(ctx->env->pool, conn);
	if (st != DB_OK) {
		PQclear(res);
		problem_unavailable(resp, ctx, 0);
		return;
	}
	const char *version = db_value(res, 0, "version");
	long applied = version ? atol(version) : 0;
	PQclear(res);
	long expected = migrate_latest_version(migrations_embedded, migrations_embedded_count);
	if (applied < expected) {
		problem(resp, ctx, 503, "The database schema is older than this version expects.");
		http_header(resp, "Retry-After", "5");
		return;
	}
	static const char body[] = "{\"status\":\"ready\"}";
	http_json_text(resp, 200, body, sizeof body - 1);
}

static char *env_metrics_text(const struct req_env *env, size_t *len)
{
	struct metrics_state st = {.pool = env->pool, .replica = env->replica};
	rep_cache_counts(env->reps, &st.kept_hits, &st.kept_misses);
	return metrics_render(env->metrics, &st, len);
}

char *server_metrics_text(void *env, size_t *len)
{
	return env_metrics_text(env, len);
}

static void metrics(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	if (ctx->env->metrics_elsewhere) { /* served on CDTT_METRICS_LISTEN only */
		problem(resp, ctx, 404, "No resource lives at this path.");
		return;
	}
	size_t len = 0;
	char *text = env_metrics_text(ctx->env, &len);
	if (!text) {
		problem(resp, ctx, 500, NULL);
		return;
	}
	ulfius_set_binary_body_response(resp, 200, text, len);
	free(text);
	http_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	http_header(resp, "Cache-Control", "no-store");
}

static void openapi_json(const struct _u_request *req, struct _u_response *resp,
			 struct req_ctx *ctx)
{
	(void)req;
	(void)ctx;
	const struct embedded_file *spec = &spec_embedded[0];
	http_json_text(resp, 200, (const char *)spec->data, spec->len);
	http_header(resp, "Cache-Control", "public, max-age=300");
}

static void docs(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	(void)ctx;
	const struct embedded_file *page = &spec_embedded[1];
	ulfius_set_binary_body_response(resp, 200, (const char *)page->data, page->len);
	http_header(resp, "Content-Type", "text/html; charset=utf-8");
	http_header(resp, "Cache-Control", "public, max-age=300");
	/* The page is self-contained: forbid it to load anything from elsewhere. */
	http_header(resp, "Content-Security-Policy",
		    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
		    "img-src data:; connect-src 'self'; frame-ancestors 'none'");
}

const struct route ops_routes[] = {
	{"GET", "/healthz", healthz, ROUTE_PUBLIC},
	{"GET", "/readyz", readyz, ROUTE_PUBLIC},
	{"GET", "/metrics", metrics, ROUTE_PUBLIC | ROUTE_OWN_MEDIA},
	{"GET", "/openapi.json", openapi_json, ROUTE_PUBLIC},
	{"GET", "/docs", docs, ROUTE_PUBLIC | ROUTE_OWN_MEDIA},
	{0},
};
