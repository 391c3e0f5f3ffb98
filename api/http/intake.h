/*
 * How requests arrive: libmicrohttpd driven by our own access handler (intake.c says why),
 * which turns each request into ulfius' struct _u_request, has the router answer it into a
 * struct _u_response, and sends that back. Also: the connection limits (in all, per client
 * address) and the deadlines for headers and bodies.
 */
#ifndef CDTT_HTTP_INTAKE_H
#define CDTT_HTTP_INTAKE_H
#include <stdatomic.h>
#include <stddef.h>
#include <netinet/in.h>
#include <ulfius.h>

#include "../config.h"

struct intake;

struct intake_router {
	void *cls;
	/* The body limit of the route method + path (raw, with any query) goes to; *spool set
	 * when its body is kept in a temporary file rather than in memory (bulk uploads). */
	size_t (*body_limit)(void *cls, const char *method, const char *path, int *spool);
	/* For a body that would be spooled: whether the request may send it (its credentials
	 * hold). When not, the request is answered at once (401...) and no body is read, so
	 * that anonymous clients cannot fill the temporary files. */
	int (*admits_upload)(void *cls, const struct _u_request *req);
	/* Answers a whole request (the router); the response is then sent. */
	int (*answer)(const struct _u_request *req, struct _u_response *resp, void *cls);
	/* Counts requests begun and not yet answered (graceful shutdown waits on it). */
	atomic_int *in_flight;
};

/* Listens on addr with cfg's threads and limits; NULL when it cannot. */
struct intake *intake_start(const struct config *cfg, const struct intake_router *router,
			    const struct sockaddr_in *addr);
/* The port bound. */
int intake_port(const struct intake *in);
/* Stops accepting (the listening socket is closed); open connections go on. */
void intake_quiesce(struct intake *in);
/* Closes everything and frees. NULL is fine. */
void intake_stop(struct intake *in);

#endif
