/*
 * One pipeline for every request, and the server's life cycle. ulfius hands every request to
 * the router's `route_request` (router.c), which finds the route and runs `server_dispatch`, or
 * answers 404/405 itself between `server_ctx_begin` and `server_ctx_finish`; both run the same
 * steps around the answer, so request id, CORS, the log line and metrics can never be forgotten
 * by a route.
 *
 * The cut: this file builds the route table (collect_routes) and runs what surrounds a handler;
 * the router only reads that table and calls the three entry points above (server.h). This file
 * calls only route_request and route_path_matches (router.h). Neither uses the other's statics.
 * The request's database work (request_db, request_query, its transaction) is http/request_db.c.
 *
 * libmicrohttpd runs a fixed pool of CDTT_THREADS threads (poll), driven by http/intake.c,
 * which builds ulfius' request, hands it to route_request and sends its response. It keeps
 * the in-flight count (a request began, its response was sent) graceful shutdown waits on.
 */
#define _GNU_SOURCE
#include "server.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>

#include "../db/listen.h"
#include "../db/migrate.h"
#include "../db/pool.h"
#include "auth/account_cache.h"
#include "auth/bearer.h"
#include "auth/password.h"
#include "auth/token_cache.h"
#include "resources/rep_cache.h"
#include "http/body.h"
#include "http/cors.h"
#include "http/idempotency.h"
#include "http/intake.h"
#include "http/log.h"
#include "http/metrics.h"
#include "http/metrics_listener.h"
#include "http/negotiate.h"
#include "http/proxy.h"
#include "http/query.h"
#include "http/request_id.h"
#include "text.h"

#define UNMATCHED_ROUTE "(unmatched)"

static const struct route *const module_tables[] = {
	ops_routes,   token_routes,	users_routes,	    clients_routes, audit_routes,
	units_routes, teams_routes, members_routes, memberships_routes, imports_routes,
	services_routes, activities_routes, reports_routes, languages_routes,
	evaluations_routes, funding_routes,
	rubrics_routes,
	discovery_routes,
};

static atomic_int requests_in_flight;

void server_ctx_begin(struct req_ctx *ctx, struct server *srv, const struct _u_request *req)
{
	memset(ctx, 0, sizeof *ctx);
	clock_gettime(CLOCK_MONOTONIC, &ctx->started);
	ctx->srv = srv;
	ctx->env = &srv->env;
	ctx->route_index = -1;
	const char *sent = http_request_header(req, "X-Request-Id");
	if (request_id_acceptable(sent))
		snprintf(ctx->request_id, sizeof ctx->request_id, "%s", sent);
	else
		request_id_generate(ctx->request_id);
}

void server_ctx_finish(struct req_ctx *ctx, const struct _u_request *req,
		       struct _u_response *resp, size_t label)
{
	struct server *srv = ctx->srv;
	http_header(resp, "X-Request-Id", ctx->request_id);
	/* what a token opens (personal data among it) stays out of shared and browser caches */
	if (!ctx->route || !(ctx->route->flags & ROUTE_PUBLIC))
		http_header(resp, "Cache-Control", "no-store");
	/* JSON, CSV and problems are data, never a page to run or frame (OWASP REST security) */
	http_header(resp, "X-Content-Type-Options", "nosniff");
	if (!u_map_has_key_case(resp->map_header, "Content-Security-Policy"))
		http_header(resp, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
	cors_apply(srv->cfg, req, resp);
	if (atomic_load(&srv->stopping))
		http_header(resp, "Connection", "close");
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double seconds = (double)(now.tv_sec - ctx->started.tv_sec) +
			 (double)(now.tv_nsec - ctx->started.tv_nsec) / 1e9;
	const char *route = ctx->route ? ctx->route->path : UNMATCHED_ROUTE;
	while (ctx->tx_depth > 0) /* a path that left it open: the pooled connection goes back clean */
		request_rollback(ctx);
	if (ctx->conn) {
		db_release(srv->pool, ctx->conn);
		ctx->conn = NULL;
	}
	if (ctx->replica_conn) {
		db_release(srv->replica, ctx->replica_conn);
		ctx->replica_conn = NULL;
	}
	char client[64];
	http_client_address(req, client);
	log_request(ctx, client, req->http_verb, route, resp->status, seconds * 1000);
	metrics_observe(srv->metrics, label, resp->status, seconds);
	json_decref(ctx->body);
	ctx->body = NULL;
}

void server_dispatch(const struct _u_request *req, struct _u_response *resp, struct server *srv,
		     size_t index)
{
	struct req_ctx ctx;
	server_ctx_begin(&ctx, srv, req);
	ctx.route = &srv->routes[index];
	ctx.route_index = (int)index;
	unsigned flags = ctx.route->flags;
	const struct config *cfg = srv->cfg;
	size_t limit = flags & ROUTE_LARGE_BODY ? cfg->max_import_bytes : cfg->max_body_bytes;
	if (body_check_size(req, resp, &ctx, limit) == 0 &&
	    ((flags & ROUTE_PUBLIC) || bearer_authenticate(srv->auth, req, resp, &ctx) == 0) &&
	    query_check_encoding(req, resp, &ctx) == 0 &&
	    ((flags & ROUTE_OWN_MEDIA) || negotiate(req, resp, &ctx, !!(flags & ROUTE_CSV)) == 0) &&
	    (!(flags & ROUTE_JSON_BODY) || body_parse_json(req, resp, &ctx) == 0) &&
	    (!(flags & ROUTE_CSV_BODY) || body_require_csv(req, resp, &ctx) == 0)) {
		enum idempotency_outcome idem = (flags & ROUTE_IDEMPOTENT)
							? idempotency_begin(req, resp, &ctx)
							: IDEMPOTENCY_NONE;
		/* who is asking was read from the primary; what they read may come from the replica,
		 * unless it runs in the Idempotency-Key's transaction, which lives on the primary */
		ctx.on_replica = (flags & ROUTE_REPLICA) && srv->replica && idem != IDEMPOTENCY_FIRST;
		if (idem != IDEMPOTENCY_ANSWERED)
			ctx.route->handler(req, resp, &ctx);
		if (idem == IDEMPOTENCY_FIRST) /* commits; only then is the answer final */
			idempotency_finish(req, resp, &ctx);
		/* this replica's readers see the write at once (it is committed by now); others when
		 * PostgreSQL notifies */
		if (srv->route_info[index].changes_reps)
			rep_cache_flush(srv->reps);
	}
	server_ctx_finish(&ctx, req, resp, index);
}

static size_t count_routes(const struct route *table)
{
	size_t n = 0;
	while (table && table[n].method)
		n++;
	return n;
}

static int collect_routes(struct server *srv, const struct route *extra)
{
	size_t n = count_routes(extra);
	for (size_t t = 0; t < sizeof module_tables / sizeof module_tables[0]; t++)
		n += count_routes(module_tables[t]);
	srv->routes = calloc(n, sizeof *srv->routes);
	if (!srv->routes)
		return -1;
	for (size_t t = 0; t < sizeof module_tables / sizeof module_tables[0]; t++)
		for (const struct route *r = module_tables[t]; r->method; r++)
			srv->routes[srv->n_routes++] = *r;
	for (const struct route *r = extra; r && r->method; r++)
		srv->routes[srv->n_routes++] = *r;
	srv->route_info = calloc(n ? n : 1, sizeof *srv->route_info);
	if (!srv->route_info)
		return -1;
	for (size_t i = 0; i < n; i++)
		for (const char *p = srv->routes[i].path; *p; p++)
			srv->route_info[i].params += *p == '{';
	/* the writes of the modules the kept representations (teams, members) are made of */
	for (size_t i = 0; i < n; i++)
		srv->route_info[i].changes_reps = !!(srv->routes[i].flags & ROUTE_CHANGES_KEPT);
	return 0;
}

/* The body limit of the route a request goes to (CDTT_MAX_IMPORT_BYTES for bulk uploads,
 * whose bodies go to a temporary file), known from its headers, before its body is read. */
static size_t route_body_limit(void *cls, const char *method, const char *path, int *spool)
{
	struct server *srv = cls;
	for (size_t i = 0; i < srv->n_routes; i++) {
		const struct route *r = &srv->routes[i];
		if ((r->flags & ROUTE_LARGE_BODY) && !strcmp(r->method, method) &&
		    route_path_matches(r->path, path)) {
			*spool = 1;
			return srv->cfg->max_import_bytes;
		}
	}
	*spool = 0;
	return srv->cfg->max_body_bytes;
}

/* A bulk upload is read only from an authenticated caller (the pipeline checks it again, from
 * the token cache, when the whole request is routed). */
static int route_admits_upload(void *cls, const struct _u_request *req)
{
	struct server *srv = cls;
	struct req_ctx ctx;
	struct _u_response resp;
	if (ulfius_init_response(&resp) != U_OK)
		return 0;
	server_ctx_begin(&ctx, srv, req);
	int ok = bearer_authenticate(srv->auth, req, &resp, &ctx) == 0;
	if (ctx.conn)
		db_release(srv->pool, ctx.conn);
	if (ctx.replica_conn)
		db_release(srv->replica, ctx.replica_conn);
	ulfius_clean_response(&resp);
	return ok;
}

/* libmicrohttpd, fed to route_request through http/intake.c; 0, or -1 when it cannot listen. */
static int start_listening(struct server *srv, const struct sockaddr_in *addr)
{
	proxy_set_trusted(&srv->cfg->trusted_proxies);
	struct intake_router router = {srv, route_body_limit, route_admits_upload, route_request,
				       &requests_in_flight};
	srv->intake = intake_start(srv->cfg, &router, addr);
	if (!srv->intake)
		return -1;
	srv->port = intake_port(srv->intake);
	return 0;
}

static void server_free(struct server *srv)
{
	metrics_listener_stop(srv->metrics_listener);
	intake_stop(srv->intake);
	db_listener_stop(srv->listener); /* first: it tells the caches below */
	account_cache_destroy(srv->accounts);
	token_cache_destroy(srv->tokens);
	db_pool_destroy(srv->pool);
	db_pool_destroy(srv->replica);
	metrics_destroy(srv->metrics);
	free(srv->route_info);
	rep_cache_destroy(srv->reps);
	free(srv->routes);
	free(srv);
}

static struct metrics *metrics_for_routes(const struct server *srv)
{
	const char *(*labels)[2] = calloc(srv->n_routes + 1, sizeof *labels);
	if (!labels)
		return NULL;
	for (size_t i = 0; i < srv->n_routes; i++) {
		labels[i][0] = srv->routes[i].method;
		labels[i][1] = srv->routes[i].path;
	}
	labels[srv->n_routes][0] = "*";
	labels[srv->n_routes][1] = UNMATCHED_ROUTE;
	struct metrics *m = metrics_create(srv->n_routes + 1, (const char *const(*)[2])labels);
	free(labels);
	return m;
}

/*
 * The process's listener and the copies that follow the database through it: the accounts
 * behind tokens (cdtt_accounts) and the kept teams and members (cdtt_teams). Only when accounts
 * are kept (CDTT_ACCOUNT_CACHE_TTL > 0): with 0, nothing listens and nothing is kept.
 */
static void start_following(struct server *srv, const char *conninfo)
{
	srv->accounts = account_cache_create(srv->cfg->account_cache_ttl);
	if (!srv->accounts)
		return;
	const struct listen_subscriber subs[] = {
		{"cdtt_accounts", account_cache_heard, srv->accounts},
		{"cdtt_teams", rep_cache_heard, srv->reps},
	};
	srv->listener = db_listener_start(conninfo, subs, srv->reps ? 2 : 1);
	if (!srv->listener) {
		account_cache_destroy(srv->accounts);
		srv->accounts = NULL;
	}
}

/* With CDTT_METRICS_LISTEN, /metrics moves to its own address (and the API's port says 404). */
static int start_metrics_listener(struct server *srv)
{
	if (!srv->cfg->metrics_host[0])
		return 0;
	srv->metrics_listener = metrics_listener_start(srv->cfg->metrics_host, srv->cfg->metrics_port,
						       server_metrics_text, &srv->env);
	return srv->metrics_listener ? 0 : -1;
}

struct server *server_start(const struct config *cfg, const struct auth *auth,
			    const struct route *extra)
{
	struct server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return NULL;
	srv->cfg = cfg;
	srv->auth = auth;
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->listen_port)};
	inet_pton(AF_INET, cfg->listen_host, &addr.sin_addr);

	char *conninfo = db_conninfo_for_requests(cfg->database_url, cfg->statement_timeout_ms);
	srv->pool = conninfo ? db_pool_create(conninfo, cfg->db_pool_size, cfg->db_wait_ms) : NULL;
	srv->reps = rep_cache_create();
	if (conninfo)
		start_following(srv, conninfo);
	srv->tokens = token_cache_create();
	free(conninfo);
	if (cfg->replica_url) {
		char *replica = db_conninfo_for_replica(cfg->replica_url, cfg->statement_timeout_ms);
		srv->replica = replica ? db_pool_create(replica, cfg->db_pool_size, cfg->db_wait_ms)
				       : NULL;
		free(replica);
		if (!srv->replica) {
			log_event(LOG_ERROR, "cannot set up the replica's pool", NULL, NULL);
			server_free(srv);
			return NULL;
		}
	}
	if (!srv->pool || !srv->tokens || !srv->reps || collect_routes(srv, extra) != 0 ||
	    !(srv->metrics = metrics_for_routes(srv))) {
		log_event(LOG_ERROR, "cannot set up the routes", NULL, NULL);
		server_free(srv);
		return NULL;
	}
	/* before the first request can arrive; a metrics listener that fails stops start-up */
	srv->env = (struct req_env){.auth = srv->auth, .pool = srv->pool, .replica = srv->replica,
				    .accounts = srv->accounts, .tokens = srv->tokens, .reps = srv->reps,
				    .metrics = srv->metrics,
				    .metrics_elsewhere = cfg->metrics_host[0] != '\0'};
	/* the metrics listener first: once the API port answers, both do */
	if (start_metrics_listener(srv) != 0) {
		server_free(srv);
		return NULL;
	}
	if (start_listening(srv, &addr) != 0) {
		char where[80];
		snprintf(where, sizeof where, "%s:%d", cfg->listen_host, cfg->listen_port);
		log_event(LOG_ERROR, "cannot listen (address in use or not available)", "listen", where);
		server_free(srv);
		return NULL;
	}
	return srv;
}

void server_stop(struct server *srv)
{
	if (!srv)
		return;
	atomic_store(&srv->stopping, 1);
	/* Stop accepting first; connections already open may finish what they started. */
	intake_quiesce(srv->intake);
	struct timespec tick = {0, 20 * 1000 * 1000};
	for (int waited = 0; atomic_load(&requests_in_flight) > 0 &&
			     waited < srv->cfg->shutdown_grace * 50; waited++)
		nanosleep(&tick, NULL);
	int left = atomic_load(&requests_in_flight);
	if (left > 0) {
		char n[16];
		snprintf(n, sizeof n, "%d", left);
		log_event(LOG_WARN, "shutdown grace period over; closing requests in flight",
			  "requests", n);
	}
	server_free(srv);
}

void server_each_route(void (*each)(const char *method, const char *path, void *arg), void *arg)
{
	for (size_t t = 0; t < sizeof module_tables / sizeof module_tables[0]; t++)
		for (const struct route *r = module_tables[t]; r->method; r++)
			each(r->method, r->path, arg);
}

static int migrate_at_start(const struct config *cfg)
{
	char err[512];
	int applied = migrate_database(cfg->database_url, err, sizeof err);
	if (applied < 0) {
		log_event(LOG_ERROR, "migrations failed", "error", err);
		return -1;
	}
	char n[16];
	snprintf(n, sizeof n, "%d", applied);
	log_event(LOG_INFO, "migrations applied", "count", n);
	return 0;
}

int server_run(const struct config *cfg, char *err, size_t errlen)
{
	/* Block the signals before any thread starts, so that only sigwait below receives them. */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct auth auth;
	if (auth_init(&auth, cfg, err, errlen) != 0) {
		auth_free(&auth);
		return 2;
	}
	if (password_init() != 0 || migrate_at_start(cfg) != 0) {
		auth_free(&auth);
		return 1;
	}
	struct server *srv = server_start(cfg, &auth, NULL);
	if (!srv) {
		auth_free(&auth);
		return 1;
	}
	char where[80];
	snprintf(where, sizeof where, "%s:%d", cfg->listen_host, srv->port);
	log_event(LOG_INFO, "listening", "listen", where);

	int sig = 0;
	sigwait(&stop_signals, &sig);
	log_event(LOG_INFO, "stopping", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	server_stop(srv);
	auth_free(&auth);
	log_event(LOG_INFO, "stopped", NULL, NULL);
	return 0;
}
