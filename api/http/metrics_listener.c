#define _GNU_SOURCE
#include "metrics_listener.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#include "log.h"
#include "problem.h"
#include "request_id.h"

struct metrics_listener {
	struct MHD_Daemon *daemon;
	metrics_text_fn text;
	void *arg;
	int port;
};

static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, const char *type,
			     char *body, size_t len, const char *request_id, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Request-Id", request_id);
	if (allow)
		MHD_add_response_header(r, "Allow", allow);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The same problem+json the API answers, without going through its pipeline. */
static enum MHD_Result answer_problem(struct MHD_Connection *c, unsigned status,
				      const char *detail, const char *request_id,
				      const char *allow)
{
	json_t *doc = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", problem_type(status), "title",
				problem_title(status), "status", (int)status, "detail", detail,
				"instance", request_id);
	char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!text)
		return MHD_NO;
	return queue(c, status, "application/problem+json", text, strlen(text), request_id, allow);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	(void)version;
	(void)upload_data;
	static int started;
	struct metrics_listener *l = cls;
	if (!*con_cls) { /* headers only so far: wait for the (discarded) body */
		*con_cls = &started;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	char request_id[65];
	const char *sent = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
	if (request_id_acceptable(sent))
		snprintf(request_id, sizeof request_id, "%s", sent);
	else
		request_id_generate(request_id);
	if (strcmp(url, "/metrics") != 0)
		return answer_problem(c, 404, "No resource lives at this path.", request_id, NULL);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer_problem(c, 405, "This resource answers GET.", request_id, "GET");
	size_t len = 0;
	char *text = l->text(l->arg, &len);
	if (!text)
		return answer_problem(c, 500, "The metrics could not be rendered.", request_id, NULL);
	return queue(c, 200, "text/plain; version=0.0.4; charset=utf-8", text, len, request_id,
		     NULL);
}

struct metrics_listener *metrics_listener_start(const char *host, int port, metrics_text_fn text,
						void *arg)
{
	struct metrics_listener *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->text = text;
	l->arg = arg;
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, host, &addr.sin_addr);
	/* one thread is plenty for a scrape every few seconds; a short timeout keeps an idle
	 * connection from holding it */
	l->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
				     answer, l, MHD_OPTION_SOCK_ADDR, &addr,
				     MHD_OPTION_CONNECTION_LIMIT, 64, MHD_OPTION_CONNECTION_TIMEOUT,
				     10, MHD_OPTION_END);
	char where[96];
	snprintf(where, sizeof where, "%s:%d", host, port);
	if (!l->daemon) {
		log_event(LOG_ERROR, "cannot listen for metrics (address in use or not available)",
			  "metrics_listen", where);
		free(l);
		return NULL;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(l->daemon, MHD_DAEMON_INFO_LISTEN_FD);
	struct sockaddr_in bound;
	socklen_t bound_len = sizeof bound;
	l->port = info && getsockname(info->listen_fd, (struct sockaddr *)&bound, &bound_len) == 0
			  ? ntohs(bound.sin_port)
			  : port;
	snprintf(where, sizeof where, "%s:%d", host, l->port);
	log_event(LOG_INFO, "serving metrics", "metrics_listen", where);
	return l;
}

int metrics_listener_port(const struct metrics_listener *l)
{
	return l->port;
}

void metrics_listener_stop(struct metrics_listener *l)
{
	if (!l)
		return;
	MHD_stop_daemon(l->daemon);
	free(l);
}
