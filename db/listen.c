#define _GNU_SOURCE
#include "listen.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libpq-fe.h>

#define RETRY_FIRST_MS 250
#define RETRY_MAX_MS 2000
#define POLL_MS 200
#define LISTEN_SQL_MAX 512

struct db_listener {
	char *conninfo;
	char listen_sql[LISTEN_SQL_MAX]; /* "LISTEN a; LISTEN b" for every distinct channel */
	struct listen_subscriber subs[DB_LISTEN_SUBSCRIBERS_MAX];
	size_t n_subs;
	atomic_int stopping;
	pthread_t thread;
};

static void tell_all(const struct db_listener *l, enum listen_event event)
{
	for (size_t i = 0; i < l->n_subs; i++)
		l->subs[i].tell(l->subs[i].arg, event, NULL);
}

static void tell_notified(const struct db_listener *l, const PGnotify *n)
{
	for (size_t i = 0; i < l->n_subs; i++)
		if (!strcmp(l->subs[i].channel, n->relname))
			l->subs[i].tell(l->subs[i].arg, LISTEN_NOTIFIED, n->extra);
}

static PGconn *listen_connect(const struct db_listener *l)
{
	PGconn *pg = PQconnectdb(l->conninfo);
	if (PQstatus(pg) == CONNECTION_OK) {
		PGresult *res = PQexec(pg, l->listen_sql);
		int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
		if (ok)
			return pg;
	}
	PQfinish(pg);
	return NULL;
}

/* Waits ms milliseconds, or less when the listener is asked to stop. */
static void pause_unless_stopping(struct db_listener *l, int ms)
{
	struct timespec slice = {0, 50 * 1000 * 1000};
	for (int waited = 0; waited < ms && !atomic_load(&l->stopping); waited += 50)
		nanosleep(&slice, NULL);
}

static void *listen_thread(void *arg)
{
	struct db_listener *l = arg;
	PGconn *pg = NULL;
	int retry_ms = RETRY_FIRST_MS;
	while (!atomic_load(&l->stopping)) {
		if (!pg) {
			pg = listen_connect(l);
			if (!pg) {
				pause_unless_stopping(l, retry_ms);
				retry_ms = retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : retry_ms * 2;
				continue;
			}
			retry_ms = RETRY_FIRST_MS;
			tell_all(l, LISTEN_LISTENING);
		}
		struct pollfd pfd = {.fd = PQsocket(pg), .events = POLLIN};
		int ready = poll(&pfd, 1, POLL_MS);
		if (ready < 0 || (ready > 0 && !PQconsumeInput(pg)) || PQstatus(pg) != CONNECTION_OK) {
			tell_all(l, LISTEN_LOST);
			PQfinish(pg);
			pg = NULL;
			continue;
		}
		PGnotify *n;
		while ((n = PQnotifies(pg)) != NULL) {
			tell_notified(l, n);
			PQfreemem(n);
		}
	}
	tell_all(l, LISTEN_LOST);
	PQfinish(pg);
	return NULL;
}

/* "LISTEN a; LISTEN b": each distinct channel once. 0, or -1 when it does not fit. */
static int build_listen_sql(struct db_listener *l)
{
	size_t len = 0;
	for (size_t i = 0; i < l->n_subs; i++) {
		int seen = 0;
		for (size_t j = 0; j < i; j++)
			seen |= !strcmp(l->subs[j].channel, l->subs[i].channel);
		if (seen)
			continue;
		int n = snprintf(l->listen_sql + len, sizeof l->listen_sql - len, "%sLISTEN %s",
				 len ? "; " : "", l->subs[i].channel);
		if (n < 0 || (size_t)n >= sizeof l->listen_sql - len)
			return -1;
		len += (size_t)n;
	}
	return len ? 0 : -1;
}

struct db_listener *db_listener_start(const char *conninfo, const struct listen_subscriber *subs,
				      size_t n)
{
	if (n > DB_LISTEN_SUBSCRIBERS_MAX)
		return NULL;
	struct db_listener *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	memcpy(l->subs, subs, n * sizeof *subs);
	l->n_subs = n;
	l->conninfo = strdup(conninfo);
	if (!l->conninfo || build_listen_sql(l) != 0 ||
	    pthread_create(&l->thread, NULL, listen_thread, l) != 0) {
		free(l->conninfo);
		free(l);
		return NULL;
	}
	return l;
}

void db_listener_stop(struct db_listener *l)
{
	if (!l)
		return;
	atomic_store(&l->stopping, 1);
	pthread_join(l->thread, NULL);
	free(l->conninfo);
	free(l);
}
