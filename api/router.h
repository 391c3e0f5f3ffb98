/*
 * The router (router.c): which route a request goes to, its path parameters, and the answer
 * when none fits (404, 405 with Allow, the CORS preflight). It only reads the server's route
 * table; what runs around a handler is the pipeline's (server.c).
 */
#ifndef CDTT_ROUTER_H
#define CDTT_ROUTER_H
#include <ulfius.h>

/* True when a concrete path (query allowed) fits a route template; {name} is one segment. */
int route_path_matches(const char *tmpl, const char *path);

/*
 * Every request comes here (user_data is the struct server): the route whose method and
 * template fit, its {name} segments bound into map_url, run by the pipeline; or 404/405/the
 * preflight, answered through the pipeline too. Always U_CALLBACK_COMPLETE.
 */
int route_request(const struct _u_request *req, struct _u_response *resp, void *user_data);

#endif
