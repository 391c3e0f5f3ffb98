/*
 * The router: ulfius hands every request to `route_request`, which finds the route whose
 * method and template fit (the most literal one when several do), binds its {name} segments,
 * and hands the request to the pipeline (server_dispatch, server.c); or, when no route fits,
 * answers 404, 405 with Allow, or the CORS preflight itself, inside the same pipeline steps
 * (server_ctx_begin / server_ctx_finish), so that those answers carry the request id, CORS
 * headers, the log line and metrics too.
 *
 * The cut: this file only reads the server's route table (srv->routes, srv->route_info) and
 * calls the pipeline's entry points declared in server.h; server.c builds the table and calls
 * only route_request and route_path_matches (router.h). Neither uses the other's statics.
 */
#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "http/cors.h"
#include "http/problem.h"
#include "http/query.h"
#include "text.h"

/* Puts the segment, percent-decoded, into map_url under the template segment's {name} (path
 * parameters win over query parameters of the same name); 0 when it is not clean UTF-8. */
static int bind_segment(const struct _u_request *req, const char *tmpl, size_t tl,
			const char *path, size_t pl)
{
	char name[64], *value = percent_decode(path, pl, 0);
	snprintf(name, sizeof name, "%.*s", (int)(tl - 2), tmpl + 1);
	int ok = value && utf8_valid(value) && text_is_clean(value, 0) &&
		 u_map_put(req->map_url, name, value) == U_OK;
	free(value);
	return ok;
}

/*
 * Walks a template and a concrete path segment by segment: 1 when the path fits ({name}
 * matches one non-empty segment). With req, each {name} segment is also bound (bind_segment),
 * and one that is not clean UTF-8 fits nothing.
 */
static int route_walk(const char *tmpl, const char *path, const struct _u_request *req)
{
	for (;;) {
		while (*tmpl == '/')
			tmpl++;
		while (*path == '/')
			path++;
		if (!*tmpl || !*path)
			return !*tmpl && !*path;
		size_t tl = strcspn(tmpl, "/"), pl = strcspn(path, "/?");
		if (!(tmpl[0] == '{' && pl > 0) && (tl != pl || strncmp(tmpl, path, tl) != 0))
			return 0;
		if (tmpl[0] == '{' && req && !bind_segment(req, tmpl, tl, path, pl))
			return 0;
		tmpl += tl;
		path += pl;
		if (*path == '?')
			return !*tmpl || !strcspn(tmpl, "/");
	}
}

/* True when the concrete path fits the template; {name} matches one non-empty segment. */
int route_path_matches(const char *tmpl, const char *path)
{
	return route_walk(tmpl, path, NULL);
}

/* Writes the methods the path takes ("GET, POST") into allow; returns how many. */
static int allowed_methods(const struct server *srv, const char *path, char *allow, size_t cap)
{
	int n = 0;
	allow[0] = '\0';
	for (size_t i = 0; i < srv->n_routes; i++) {
		if (!route_path_matches(srv->routes[i].path, path))
			continue;
		size_t len = strlen(allow);
		snprintf(allow + len, cap - len, "%s%s", n ? ", " : "", srv->routes[i].method);
		n++;
	}
	return n;
}

/* No route takes this method at this path (or a segment names nothing, `nothing` set): 404,
 * the preflight, or 405 with Allow. */
static void answer_unrouted(const struct _u_request *req, struct _u_response *resp,
			    struct server *srv, int nothing)
{
	struct req_ctx ctx;
	server_ctx_begin(&ctx, srv, req);
	char allow[160];
	const char *path = req->url_path ? req->url_path : "/";
	if (nothing || allowed_methods(srv, path, allow, sizeof allow - 10) == 0) {
		problem(resp, &ctx, 404, "No resource lives at this path.");
	} else if (!strcmp(req->http_verb, "OPTIONS")) {
		size_t len = strlen(allow); /* allowed_methods left room for it */
		snprintf(allow + len, sizeof allow - len, ", OPTIONS");
		ulfius_set_empty_body_response(resp, 204);
		http_header(resp, "Allow", allow);
		cors_preflight(srv->cfg, req, resp, allow);
	} else {
		char detail[200];
		snprintf(detail, sizeof detail, "This resource answers %s.", allow);
		problem(resp, &ctx, 405, detail);
		http_header(resp, "Allow", allow);
	}
	server_ctx_finish(&ctx, req, resp, srv->n_routes);
}

/*
 * Every request comes here (ulfius' own matching splits the URL once per registered route):
 * the route whose method and template fit, the most literal one when several do
 * ("/imports/members" before "/imports/{id}").
 */
int route_request(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct server *srv = user_data;
	const char *path = req->url_path ? req->url_path : "/";
	size_t best = srv->n_routes;
	for (size_t i = 0; i < srv->n_routes; i++) {
		const struct route *r = &srv->routes[i];
		if (strcmp(r->method, req->http_verb) != 0 || !route_path_matches(r->path, path))
			continue;
		if (best == srv->n_routes || srv->route_info[i].params < srv->route_info[best].params)
			best = i;
	}
	if (best == srv->n_routes)
		answer_unrouted(req, resp, srv, 0);
	else if (!route_walk(srv->routes[best].path, path, req)) /* binds its parameters */
		answer_unrouted(req, resp, srv, 1);
	else
		server_dispatch(req, resp, srv, best);
	return U_CALLBACK_COMPLETE;
}

