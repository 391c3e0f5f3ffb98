/*
 * libmicrohttpd with our own access handler, not ulfius' framework.
 *
 * Why: ulfius 2.7.13's handler (static in the library, so it cannot be wrapped) reads every
 * body whole into memory before any code of ours runs, silently cuts it at
 * max_post_body_size, and lets libmicrohttpd send "100 Continue" to any client that asks. A
 * body over its limit therefore cost its whole size in time and memory before the 413, and a
 * CSV upload lived in memory whole. Here the request is seen as soon as its headers are in:
 * a declared length over the route's limit gets 413 before a byte of body is read (no 100
 * Continue), a chunked body is cut at the limit, and bulk uploads (ROUTE_LARGE_BODY) go to a
 * temporary file instead of the heap, and only once the request's credentials hold. Requests are still ulfius' struct _u_request and
 * answers its struct _u_response (the router, the handlers and their helpers are unchanged);
 * this file only builds one and sends the other, including streamed answers (CSV exports).
 *
 * Slow clients: libmicrohttpd's connection timeout is an idle timeout that every trickled
 * byte renews, and its connection limit is shared by everyone, so a few thousand slow
 * connections from one address took the server offline. So:
 *   - each connection is tracked from accept (MHD_OPTION_NOTIFY_CONNECTION), with the phase
 *     it is in: waiting for headers (from accept, or from the previous answer on a kept-alive
 *     connection), receiving a body (from the end of the headers), or being answered;
 *   - a reaper thread shuts down (shutdown(2), never close(2): the descriptor stays
 *     libmicrohttpd's, which then closes it) any connection whose headers took longer than
 *     CDTT_HEADER_TIMEOUT or whose body took longer than CDTT_BODY_TIMEOUT, however steadily
 *     its bytes trickle in;
 *   - an address may hold at most CDTT_MAX_CONNECTIONS_PER_ADDRESS connections (trusted
 *     proxies excepted: everyone comes through them); more are refused at accept. The accept
 *     policy reserves a place and the connection's start takes it (a reservation never
 *     taken lapses), so the bound is exact even with worker threads accepting at once;
 *   - CDTT_MAX_CONNECTIONS bounds them all.
 */
#define _GNU_SOURCE
#include "intake.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>

#include "../text.h"
#include "body.h"
#include "log.h"
#include "proxy.h"

#define ADDRESS_BUCKETS 1024
#define REAPER_TICK_MS 200
#define IDLE_TIMEOUT 30 /* libmicrohttpd's own: a connection silent this long is closed */

enum phase { WAITING_HEADERS, RECEIVING_BODY, ANSWERING };

struct address_count {
	struct address_count *next;
	char address[64];
	int open;    /* connections libmicrohttpd reported started */
	int pending; /* let in at accept, not reported started yet */
	struct timespec pending_since;
};

/* One TCP connection (libmicrohttpd's socket context). */
struct conn {
	struct conn *prev, *next;
	int fd;
	char address[64];
	struct address_count *count; /* NULL: not counted (a trusted proxy) */
	int trusted;                 /* from CDTT_TRUSTED_PROXIES */
	int answered;                /* requests answered on it so far */
	enum phase phase;
	struct timespec since;
	int cut;
	char *uri; /* the raw request target of the request being read (URI log callback) */
};

/* One request (libmicrohttpd's con_cls). */
struct request {
	struct _u_request req;
	struct conn *conn;
	size_t limit, received;
	int over;      /* the body went past limit */
	int spool;     /* -1, or the temporary file the body goes to */
	void *mapped;  /* the spooled body, mapped while the router answers */
	size_t mapped_len;
	size_t cap;
	struct MHD_PostProcessor *form;
	int answered;                 /* the router ran */
	struct MHD_Response *pending; /* its answer, when it could not be queued yet */
	unsigned pending_status;
};

struct intake {
	const struct config *cfg;
	struct intake_router router;
	struct MHD_Daemon *daemon;
	int port;
	pthread_mutex_t lock; /* conns and the address counts */
	struct conn *conns;
	struct address_count *buckets[ADDRESS_BUCKETS];
	pthread_t reaper;
	int reaper_running;
	atomic_int stop_reaper;
	/* cfg's limits, or their defaults where cfg leaves 0 (a struct filled by hand) */
	int max_connections, per_address, header_timeout, body_timeout;
};

static double seconds_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Seconds the connection has been in its phase (under the lock: the reaper reads it too). */
static double phase_age(struct intake *in, struct conn *c)
{
	pthread_mutex_lock(&in->lock);
	double age = seconds_since(&c->since);
	pthread_mutex_unlock(&in->lock);
	return age;
}

static void set_phase(struct intake *in, struct conn *c, enum phase phase)
{
	if (!c)
		return;
	pthread_mutex_lock(&in->lock);
	c->phase = phase;
	clock_gettime(CLOCK_MONOTONIC, &c->since);
	pthread_mutex_unlock(&in->lock);
}

/* ---- per-address counts (under in->lock) --------------------------------------------- */

static struct address_count **bucket_of(struct intake *in, const char *address)
{
	return &in->buckets[text_hash(address) % ADDRESS_BUCKETS];
}

static struct address_count *address_find(struct intake *in, const char *address)
{
	for (struct address_count *a = *bucket_of(in, address); a; a = a->next)
		if (!strcmp(a->address, address))
			return a;
	return NULL;
}

static struct address_count *address_entry(struct intake *in, const char *address)
{
	struct address_count *a = address_find(in, address);
	if (!a) {
		a = calloc(1, sizeof *a);
		if (!a)
			return NULL; /* not counted: better than refusing for want of memory */
		snprintf(a->address, sizeof a->address, "%s", address);
		struct address_count **b = bucket_of(in, address);
		a->next = *b;
		*b = a;
	}
	return a;
}

static void address_forget_if_unused(struct intake *in, struct address_count *a)
{
	if (a->open > 0 || a->pending > 0)
		return;
	for (struct address_count **p = bucket_of(in, a->address); *p; p = &(*p)->next)
		if (*p == a) {
			*p = a->next;
			free(a);
			return;
		}
}

/* A connection let in at accept becomes an open one. */
static struct address_count *address_take(struct intake *in, const char *address)
{
	struct address_count *a = address_entry(in, address);
	if (a) {
		a->open++;
		if (a->pending > 0)
			a->pending--;
	}
	return a;
}

static void address_release(struct intake *in, struct address_count *a)
{
	if (!a)
		return;
	a->open--;
	address_forget_if_unused(in, a);
}

/* Reservations libmicrohttpd never turned into a connection (it refused it for its own
 * reasons, e.g. CDTT_MAX_CONNECTIONS reached) lapse after a second. */
static void addresses_expire(struct intake *in)
{
	for (size_t i = 0; i < ADDRESS_BUCKETS; i++)
		for (struct address_count *a = in->buckets[i], *next; a; a = next) {
			next = a->next;
			if (a->pending > 0 && seconds_since(&a->pending_since) > 1) {
				a->pending = 0;
				address_forget_if_unused(in, a);
			}
		}
}

/* Check and reservation under one lock, so that worker threads accepting at the same instant
 * cannot together let an address past its limit. */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
	(void)len;
	struct intake *in = cls;
	char address[64];
	proxy_peer_text(addr, address);
	if (proxy_trusts(&in->cfg->trusted_proxies, address))
		return MHD_YES;
	pthread_mutex_lock(&in->lock);
	struct address_count *a = address_entry(in, address);
	int full = a && a->open + a->pending >= in->per_address;
	if (a && !full) {
		a->pending++;
		clock_gettime(CLOCK_MONOTONIC, &a->pending_since);
	}
	pthread_mutex_unlock(&in->lock);
	return full ? MHD_NO : MHD_YES;
}

/* ---- connections ---------------------------------------------------------------------- */

static void connection_notify(void *cls, struct MHD_Connection *connection, void **socket_context,
			      enum MHD_ConnectionNotificationCode code)
{
	struct intake *in = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		struct conn *c = calloc(1, sizeof *c);
		if (!c)
			return; /* untracked: no deadline, no count, but served */
		const union MHD_ConnectionInfo *fd =
			MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *peer =
			MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		c->fd = fd ? fd->connect_fd : -1;
		proxy_peer_text(peer ? peer->client_addr : NULL, c->address);
		clock_gettime(CLOCK_MONOTONIC, &c->since);
		c->phase = WAITING_HEADERS;
		pthread_mutex_lock(&in->lock);
		c->trusted = proxy_trusts(&in->cfg->trusted_proxies, c->address);
		if (!c->trusted)
			c->count = address_take(in, c->address);
		c->next = in->conns;
		if (in->conns)
			in->conns->prev = c;
		in->conns = c;
		pthread_mutex_unlock(&in->lock);
		*socket_context = c;
		return;
	}
	struct conn *c = *socket_context;
	if (!c)
		return;
	/* Reported before libmicrohttpd closes the descriptor, so the reaper never shuts down a
	 * descriptor number that was reused meanwhile. */
	pthread_mutex_lock(&in->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		in->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	address_release(in, c->count);
	pthread_mutex_unlock(&in->lock);
	free(c->uri);
	free(c);
	*socket_context = NULL;
}

static struct conn *conn_of(struct MHD_Connection *connection)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return info ? info->socket_context : NULL;
}

/* The raw request target (undecoded, with its query), kept for the request to come. */
static void *uri_logged(void *cls, const char *uri, struct MHD_Connection *connection)
{
	(void)cls;
	struct conn *c = conn_of(connection);
	if (c) {
		free(c->uri);
		c->uri = strdup(uri);
	}
	return NULL;
}

static void *reaper_main(void *arg)
{
	struct intake *in = arg;
	struct timespec tick = {0, REAPER_TICK_MS * 1000 * 1000};
	while (!atomic_load(&in->stop_reaper)) {
		nanosleep(&tick, NULL);
		int cut = 0;
		char last[64] = "";
		pthread_mutex_lock(&in->lock);
		for (struct conn *c = in->conns; c; c = c->next) {
			int limit = c->phase == WAITING_HEADERS   ? in->header_timeout
				    : c->phase == RECEIVING_BODY ? in->body_timeout
								 : 0;
			/* A proxy keeps idle connections open for its next requests (and sends each
			 * whole, having buffered it): between requests only libmicrohttpd's idle
			 * timeout applies to it. */
			if (c->trusted && c->phase == WAITING_HEADERS && c->answered)
				continue;
			if (c->cut || !limit || c->fd < 0 || seconds_since(&c->since) <= limit)
				continue;
			shutdown(c->fd, SHUT_RDWR); /* libmicrohttpd sees the end and closes it */
			c->cut = 1;
			cut++;
			snprintf(last, sizeof last, "%s", c->address);
		}
		addresses_expire(in);
		pthread_mutex_unlock(&in->lock);
		if (cut) {
			char n[16];
			snprintf(n, sizeof n, "%d", cut);
			log_event(LOG_WARN, "connections cut: request not sent within its deadline",
				  "connections", n);
			log_event(LOG_DEBUG, "last connection cut", "client", last);
		}
	}
	return NULL;
}

/* ---- requests ------------------------------------------------------------------------- */

/* Header and query values go in the maps as ulfius would put them: valid UTF-8 only, and a
 * repeated name gets its values joined by commas. */
static enum MHD_Result fill_map(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	(void)kind;
	struct _u_map *map = cls;
	if (!key || !utf8_valid(key) || (value && !utf8_valid(value)))
		return MHD_YES;
	const char *before = u_map_get(map, key);
	if (!before)
		return u_map_put(map, key, value ? value : "") == U_OK ? MHD_YES : MHD_NO;
	size_t n = strlen(before) + (value ? strlen(value) : 0) + 2;
	char *joined = malloc(n);
	if (!joined)
		return MHD_NO;
	snprintf(joined, n, "%s,%s", before, value ? value : "");
	int rc = u_map_put(map, key, joined);
	free(joined);
	return rc == U_OK ? MHD_YES : MHD_NO;
}

/* A form field's bytes (application/x-www-form-urlencoded), into map_post_body. */
static enum MHD_Result form_field(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *filename, const char *content_type,
				  const char *transfer_encoding, const char *data, uint64_t off,
				  size_t size)
{
	(void)kind, (void)filename, (void)content_type, (void)transfer_encoding;
	struct request *r = cls;
	struct _u_map *map = r->req.map_post_body;
	if (!key)
		return MHD_YES;
	ssize_t have = u_map_has_key(map, key) ? u_map_get_length(map, key) : -1;
	if (have < 0)
		return u_map_put_binary(map, key, data ? data : "", 0, size) == U_OK ? MHD_YES : MHD_NO;
	if (off == 0) { /* the same name again: values joined by a comma */
		if (u_map_put_binary(map, key, ",", (uint64_t)have, 1) != U_OK)
			return MHD_NO;
		have++;
	}
	if (!size)
		return MHD_YES;
	return u_map_put_binary(map, key, data, (uint64_t)have, size) == U_OK ? MHD_YES : MHD_NO;
}

static void request_free(struct request *r)
{
	if (!r)
		return;
	if (r->form)
		MHD_destroy_post_processor(r->form);
	if (r->mapped) {
		munmap(r->mapped, r->mapped_len);
		r->req.binary_body = NULL; /* the mapping, not ulfius' to free */
	}
	if (r->spool >= 0)
		close(r->spool);
	if (r->pending)
		MHD_destroy_response(r->pending);
	ulfius_clean_request(&r->req);
	free(r);
}

static int spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	char path[256];
	snprintf(path, sizeof path, "%s/cdtt-upload-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path); /* nameless: gone with its descriptor whatever happens */
	return fd;
}

/* Builds the request from the headers (no body yet); NULL when out of memory. */
static struct request *intake_request_open(struct intake *in, struct MHD_Connection *connection,
				     const char *method, const char *version)
{
	struct request *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->spool = -1;
	if (ulfius_init_request(&r->req) != U_OK) {
		free(r);
		return NULL;
	}
	r->conn = conn_of(connection);
	if (r->conn && !r->conn->uri)
		goto fail; /* the target was lost to memory: not answered as if for "/" */
	const char *uri = r->conn ? r->conn->uri : "/";
	const union MHD_ConnectionInfo *peer =
		MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	r->req.http_verb = strdup(method);
	r->req.http_protocol = strdup(version);
	r->req.http_url = strdup(uri);
	r->req.url_path = strndup(uri, strcspn(uri, "?"));
	r->req.client_address = calloc(1, sizeof(struct sockaddr_in6));
	if (!r->req.http_verb || !r->req.http_protocol || !r->req.http_url || !r->req.url_path ||
	    !r->req.client_address)
		goto fail;
	if (peer && peer->client_addr)
		memcpy(r->req.client_address, peer->client_addr,
		       peer->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
								: sizeof(struct sockaddr_in));
	MHD_get_connection_values(connection, MHD_HEADER_KIND, fill_map, r->req.map_header);
	MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, fill_map, r->req.map_url);
	r->req.auth_basic_user =
		MHD_basic_auth_get_username_password(connection, &r->req.auth_basic_password);
	int spool = 0;
	r->limit = in->router.body_limit(in->router.cls, method, uri, &spool);
	const char *ct = u_map_get_case(r->req.map_header, "Content-Type");
	if (ct && !strncasecmp(ct, "application/x-www-form-urlencoded", 33)) {
		r->form = MHD_create_post_processor(connection, 1024, form_field, r);
		if (!r->form)
			goto fail;
	}
	if (spool && (r->spool = spool_open()) < 0)
		goto fail;
	return r;
fail:
	request_free(r);
	return NULL;
}

/* The declared length is over the limit (the same rule as the pipeline's 413). */
static int declared_too_large(struct MHD_Connection *connection, size_t limit)
{
	return content_length_exceeds(
		MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
					    MHD_HTTP_HEADER_CONTENT_LENGTH),
		limit);
}

/* Takes a piece of body: into memory or the spool file, and the form parser. At most one
 * byte past the limit is kept, so that the router sees it is over and answers 413. */
static int body_take(struct request *r, const char *data, size_t size)
{
	if (r->received + size > r->limit) {
		size = r->limit + 1 - r->received;
		r->over = 1;
	}
	/* a form the parser refuses (raw spaces...) is left incomplete: the handler says 400 */
	if (r->form && MHD_post_process(r->form, data, size) != MHD_YES) {
		MHD_destroy_post_processor(r->form);
		r->form = NULL;
	}
	if (r->spool >= 0) {
		for (size_t done = 0; done < size;) {
			ssize_t w = write(r->spool, data + done, size - done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
			done += (size_t)w;
		}
	} else {
		if (r->received + size > r->cap) {
			size_t cap = r->cap ? r->cap : 4096;
			while (cap < r->received + size)
				cap *= 2;
			void *grown = realloc(r->req.binary_body, cap);
			if (!grown)
				return -1;
			r->req.binary_body = grown;
			r->cap = cap;
		}
		memcpy((char *)r->req.binary_body + r->received, data, size);
	}
	r->received += size;
	r->req.binary_body_length = r->received;
	return 0;
}

/* The spooled body, mapped read-only for the router. */
static int spool_map(struct request *r)
{
	if (r->spool < 0 || r->received == 0)
		return 0;
	void *m = mmap(NULL, r->received, PROT_READ, MAP_PRIVATE, r->spool, 0);
	if (m == MAP_FAILED)
		return -1;
	madvise(m, r->received, MADV_SEQUENTIAL);
	r->mapped = m;
	r->mapped_len = r->received;
	r->req.binary_body = m;
	r->req.binary_body_length = r->received;
	return 0;
}

static struct MHD_Response *response_to_mhd(struct _u_response *resp)
{
	struct MHD_Response *out;
	if (resp->stream_callback) {
		out = MHD_create_response_from_callback(resp->stream_size, resp->stream_block_size,
							resp->stream_callback, resp->stream_user_data,
							resp->stream_callback_free);
		if (out) /* libmicrohttpd owns the stream's data from here */
			resp->stream_callback_free = NULL;
	} else {
		out = MHD_create_response_from_buffer(resp->binary_body_length, resp->binary_body,
						      MHD_RESPMEM_MUST_COPY);
	}
	if (!out)
		return NULL;
	const char **keys = u_map_enum_keys(resp->map_header);
	for (size_t i = 0; keys && keys[i]; i++)
		MHD_add_response_header(out, keys[i], u_map_get(resp->map_header, keys[i]));
	return out;
}

/* Routes and answers the request; MHD_NO when nothing could be sent (the connection ends).
 * An answer given while a body is arriving (413) may have to wait for the body's end to be
 * queued: it is kept, and queued then. */
static enum MHD_Result answer(struct intake *in, struct MHD_Connection *connection,
			      struct request *r)
{
	if (r->pending) {
		enum MHD_Result rc = MHD_queue_response(connection, r->pending_status, r->pending);
		MHD_destroy_response(r->pending);
		r->pending = NULL;
		return rc;
	}
	r->answered = 1;
	set_phase(in, r->conn, ANSWERING);
	if (!r->over && spool_map(r) != 0)
		return MHD_NO;
	struct _u_response resp;
	if (ulfius_init_response(&resp) != U_OK)
		return MHD_NO;
	in->router.answer(&r->req, &resp, in->router.cls);
	struct MHD_Response *out = response_to_mhd(&resp);
	enum MHD_Result rc = MHD_NO;
	if (out) {
		rc = MHD_queue_response(connection, (unsigned)resp.status, out);
		if (rc == MHD_YES) {
			MHD_destroy_response(out);
		} else {
			r->pending = out;
			r->pending_status = (unsigned)resp.status;
		}
	}
	if (resp.stream_callback_free) /* not handed over */
		resp.stream_callback_free(resp.stream_user_data);
	ulfius_clean_response(&resp);
	return rc == MHD_YES || r->pending ? MHD_YES : MHD_NO;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *connection,
				      const char *url, const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	(void)url; /* decoded and cut at '?': the raw target comes from the URI log callback */
	struct intake *in = cls;
	struct request *r = *con_cls;
	if (!r) { /* the headers are in */
		r = intake_request_open(in, connection, method, version);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		atomic_fetch_add(in->router.in_flight, 1);
		set_phase(in, r->conn, RECEIVING_BODY);
		if (declared_too_large(connection, r->limit)) {
			/* answered now: no 100 Continue, and not a byte of the body is read */
			r->over = 1;
			return answer(in, connection, r);
		}
		if (r->spool >= 0 && !in->router.admits_upload(in->router.cls, &r->req))
			return answer(in, connection, r); /* the router says why (401...) */
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (r->conn && phase_age(in, r->conn) > in->body_timeout)
			return MHD_NO; /* past its deadline: the reaper would cut it anyway */
		size_t size = *upload_data_size;
		*upload_data_size = 0;
		if (r->answered)
			return MHD_YES; /* answered already (413); the rest is dropped */
		if (body_take(r, upload_data, size) != 0)
			return MHD_NO;
		if (r->over) /* a body past the limit: answered at once */
			return answer(in, connection, r);
		return MHD_YES;
	}
	if (r->answered && !r->pending)
		return MHD_YES;
	return answer(in, connection, r);
}

static void request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	(void)toe;
	struct intake *in = cls;
	struct request *r = *con_cls;
	if (!r)
		return;
	*con_cls = NULL;
	/* a kept-alive connection gets CDTT_HEADER_TIMEOUT again for its next request */
	struct conn *c = r->conn ? r->conn : conn_of(connection);
	if (c) {
		pthread_mutex_lock(&in->lock);
		c->answered++;
		pthread_mutex_unlock(&in->lock);
	}
	set_phase(in, c, WAITING_HEADERS);
	request_free(r);
	atomic_fetch_sub(in->router.in_flight, 1);
}

/* ---- the daemon ----------------------------------------------------------------------- */

struct intake *intake_start(const struct config *cfg, const struct intake_router *router,
			    const struct sockaddr_in *addr)
{
	struct intake *in = calloc(1, sizeof *in);
	if (!in)
		return NULL;
	in->cfg = cfg;
	in->router = *router;
	pthread_mutex_init(&in->lock, NULL);
	in->max_connections = cfg->max_connections ? cfg->max_connections : CONFIG_MAX_CONNECTIONS;
	in->per_address = cfg->max_connections_per_address ? cfg->max_connections_per_address
							    : CONFIG_MAX_CONNECTIONS_PER_ADDRESS;
	in->header_timeout = cfg->header_timeout ? cfg->header_timeout : CONFIG_HEADER_TIMEOUT;
	in->body_timeout = cfg->body_timeout ? cfg->body_timeout : CONFIG_BODY_TIMEOUT;
	struct MHD_OptionItem options[] = {
		{MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, in->max_connections, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT, NULL},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_completed, in},
		{MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)connection_notify, in},
		{MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_logged, in},
		{MHD_OPTION_SOCK_ADDR, 0, (void *)addr},
		{MHD_OPTION_END, 0, NULL},
	};
	/* poll, not epoll: with a thread pool, MHD_quiesce_daemon races the workers over the
	 * listen socket's epoll registration and aborts the process (MHD 0.9.75). */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC;
	in->daemon = MHD_start_daemon(flags, ntohs(addr->sin_port), accept_policy, in,
				      access_handler, in, MHD_OPTION_ARRAY, options, MHD_OPTION_END);
	if (!in->daemon) {
		intake_stop(in);
		return NULL;
	}
	/* The port actually bound (port 0 asks for an ephemeral one, which tests use). */
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(in->daemon, MHD_DAEMON_INFO_LISTEN_FD);
	struct sockaddr_in bound;
	socklen_t bound_len = sizeof bound;
	in->port = info && getsockname(info->listen_fd, (struct sockaddr *)&bound, &bound_len) == 0
			   ? ntohs(bound.sin_port)
			   : ntohs(addr->sin_port);
	if (pthread_create(&in->reaper, NULL, reaper_main, in) != 0) {
		intake_stop(in);
		return NULL;
	}
	in->reaper_running = 1;
	return in;
}

int intake_port(const struct intake *in)
{
	return in->port;
}

void intake_quiesce(struct intake *in)
{
	MHD_socket listener = MHD_quiesce_daemon(in->daemon);
	if (listener != MHD_INVALID_SOCKET)
		close(listener); /* new connections are refused from here on */
}

void intake_stop(struct intake *in)
{
	if (!in)
		return;
	if (in->reaper_running) {
		atomic_store(&in->stop_reaper, 1);
		pthread_join(in->reaper, NULL);
	}
	if (in->daemon)
		MHD_stop_daemon(in->daemon);
	for (size_t i = 0; i < ADDRESS_BUCKETS; i++)
		while (in->buckets[i]) {
			struct address_count *a = in->buckets[i];
			in->buckets[i] = a->next;
			free(a);
		}
	pthread_mutex_destroy(&in->lock);
	free(in);
}
