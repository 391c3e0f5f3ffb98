/*
 * Pool design: an array of slots guarded by one mutex and a condition variable. A slot is
 * handed out whole (connection and prepared-statement bitmap) so that exactly one thread uses
 * a PGconn at a time. Connecting and resetting happen outside the mutex, on the borrowed slot.
 *
 * Recovery: on checkout an idle connection is polled with PQconsumeInput, which notices a
 * server that closed it (restart, failover); a broken one is reconnected, and its statements
 * are prepared again when next used. While PostgreSQL is unreachable, reconnect attempts are
 * spaced RECONNECT_SPACING_MS apart pool-wide so a burst of requests does not become a burst
 * of connection attempts; requests in between fail fast with DB_DOWN.
 */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../api/http/log.h"

#define MAX_STATEMENTS 1024
#define RECONNECT_SPACING_MS 200

struct db_conn {
	struct db_pool *pool;
	PGconn *pg;
	bool in_use;
	unsigned char prepared[MAX_STATEMENTS / 8];
};

struct db_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	char *conninfo;
	int size, in_use, waiting, wait_ms;
	long long last_failed_connect_ms; /* guarded by lock */
	struct db_conn *conns;
};

static atomic_int next_statement_slot;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* NOTICEs from migrations' IF NOT EXISTS and the like are not errors */
}

static char *conninfo_with(const char *url, int statement_timeout_ms, int replica)
{
	/* UTC sessions: dates without a zone (e.g. ?from=2025-07-01) mean UTC midnight. A session
	 * whose cdtt died mid-statement ends within a second (client_connection_check_interval),
	 * not when the statement would have: its transaction, and any Idempotency-Key it holds,
	 * are let go at once. */
	char extra[480];
	snprintf(extra, sizeof extra,
		 "connect_timeout=2&keepalives=1&keepalives_idle=30&keepalives_interval=10&"
		 "keepalives_count=3&application_name=%s&options=-c%%20TimeZone%%3DUTC%s%s",
		 replica ? "cdtt-replica" : "cdtt",
		 replica ? "%20-c%20default_transaction_read_only%3Don" : "",
		 statement_timeout_ms > 0 ? "%20-c%20statement_timeout%3D" : "");
	if (statement_timeout_ms > 0)
		snprintf(extra + strlen(extra), sizeof extra - strlen(extra), "%d",
			 statement_timeout_ms);
	snprintf(extra + strlen(extra), sizeof extra - strlen(extra), "%s",
		 "%20-c%20client_connection_check_interval%3D1000");
	size_t n = strlen(url) + strlen(extra) + 2;
	char *out = malloc(n);
	if (out)
		snprintf(out, n, "%s%c%s", url, strchr(url, '?') ? '&' : '?', extra);
	return out;
}

char *db_conninfo_for_requests(const char *url, int statement_timeout_ms)
{
	return conninfo_with(url, statement_timeout_ms, 0);
}

char *db_conninfo_for_replica(const char *url, int statement_timeout_ms)
{
	return conninfo_with(url, statement_timeout_ms, 1);
}

char *db_conninfo_with_defaults(const char *url)
{
	return conninfo_with(url, 0, 0);
}

struct db_pool *db_pool_create(const char *conninfo, int size, int wait_ms)
{
	struct db_pool *pool = calloc(1, sizeof *pool);
	if (!pool)
		return NULL;
	pool->conns = calloc((size_t)size, sizeof *pool->conns);
	pool->conninfo = strdup(conninfo);
	if (!pool->conns || !pool->conninfo) {
		free(pool->conns);
		free(pool->conninfo);
		free(pool);
		return NULL;
	}
	pthread_mutex_init(&pool->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pool->freed, &attr);
	pthread_condattr_destroy(&attr);
	for (int i = 0; i < size; i++)
		pool->conns[i].pool = pool;
	pool->size = size;
	pool->wait_ms = wait_ms;
	return pool;
}

void db_pool_destroy(struct db_pool *pool)
{
	if (!pool)
		return;
	for (int i = 0; i < pool->size; i++)
		if (pool->conns[i].pg)
			PQfinish(pool->conns[i].pg);
	pthread_cond_destroy(&pool->freed);
	pthread_mutex_destroy(&pool->lock);
	free(pool->conns);
	free(pool->conninfo);
	free(pool);
}

static bool connection_alive(PGconn *pg)
{
	if (!pg || PQstatus(pg) != CONNECTION_OK)
		return false;
	/* Reads whatever the server sent while idle: a closed socket shows up here. */
	if (!PQconsumeInput(pg))
		return false;
	return PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) == PQTRANS_IDLE;
}

/* (Re)connects a borrowed slot; false when PostgreSQL is unreachable. */
static bool slot_connect(struct db_pool *pool, struct db_conn *c)
{
	pthread_mutex_lock(&pool->lock);
	bool too_soon = pool->last_failed_connect_ms &&
			now_ms() - pool->last_failed_connect_ms < RECONNECT_SPACING_MS;
	pthread_mutex_unlock(&pool->lock);
	if (too_soon)
		return false;
	if (c->pg)
		PQfinish(c->pg);
	memset(c->prepared, 0, sizeof c->prepared);
	c->pg = PQconnectdb(pool->conninfo);
	bool ok = PQstatus(c->pg) == CONNECTION_OK;
	if (ok)
		PQsetNoticeProcessor(c->pg, quiet_notices, NULL);
	pthread_mutex_lock(&pool->lock);
	pool->last_failed_connect_ms = ok ? 0 : now_ms();
	pthread_mutex_unlock(&pool->lock);
	return ok;
}

struct db_conn *db_acquire(struct db_pool *pool, enum db_status *status)
{
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += pool->wait_ms / 1000;
	deadline.tv_nsec += (long)(pool->wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}

	struct db_conn *c = NULL;
	pthread_mutex_lock(&pool->lock);
	pool->waiting++;
	while (pool->in_use == pool->size) {
		if (pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline) == ETIMEDOUT &&
		    pool->in_use == pool->size)
			break;
	}
	pool->waiting--;
	if (pool->in_use < pool->size) {
		/* Prefer a slot that already holds a connection. */
		for (int i = 0; i < pool->size; i++)
			if (!pool->conns[i].in_use && (!c || (!c->pg && pool->conns[i].pg)))
				c = &pool->conns[i];
		c->in_use = true;
		pool->in_use++;
	}
	pthread_mutex_unlock(&pool->lock);
	if (!c) {
		*status = DB_BUSY;
		return NULL;
	}
	if (!connection_alive(c->pg) && !slot_connect(pool, c)) {
		db_release(pool, c);
		*status = DB_DOWN;
		return NULL;
	}
	*status = DB_OK;
	return c;
}

void db_release(struct db_pool *pool, struct db_conn *conn)
{
	if (!conn)
		return;
	pthread_mutex_lock(&pool->lock);
	conn->in_use = false;
	pool->in_use--;
	pthread_cond_signal(&pool->freed);
	pthread_mutex_unlock(&pool->lock);
}

void db_pool_stats(struct db_pool *pool, struct db_pool_stats *out)
{
	pthread_mutex_lock(&pool->lock);
	out->size = pool->size;
	out->in_use = pool->in_use;
	out->waiting = pool->waiting;
	pthread_mutex_unlock(&pool->lock);
}

static int statement_slot(struct db_stmt *stmt)
{
	int slot = atomic_load(&stmt->slot);
	if (slot)
		return slot - 1;
	int mine = atomic_fetch_add(&next_statement_slot, 1) + 1;
	int expected = 0;
	if (!atomic_compare_exchange_strong(&stmt->slot, &expected, mine))
		mine = expected; /* another thread numbered it first; our number stays unused */
	return mine - 1;
}

static enum db_status classify(PGconn *pg, PGresult *res)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return DB_OK;
	return PQstatus(pg) == CONNECTION_BAD ? DB_DOWN : DB_ERROR;
}

static PGresult *exec_once(struct db_conn *c, struct db_stmt *stmt, const char *const *params,
			   enum db_status *status)
{
	int slot = statement_slot(stmt);
	if (slot >= MAX_STATEMENTS) {
		char n[16];
		snprintf(n, sizeof n, "%d", MAX_STATEMENTS);
		log_event(LOG_ERROR, "more database statements declared than the pool can prepare",
			  "limit", n);
		*status = DB_ERROR;
		return NULL;
	}
	unsigned char bit = (unsigned char)(1u << (slot % 8));
	if (!(c->prepared[slot / 8] & bit)) {
		PGresult *prep = PQprepare(c->pg, stmt->name, stmt->sql, stmt->nparams, NULL);
		*status = classify(c->pg, prep);
		if (*status != DB_OK)
			return prep;
		PQclear(prep);
		c->prepared[slot / 8] |= bit;
	}
	PGresult *res = PQexecPrepared(c->pg, stmt->name, stmt->nparams, params, NULL, NULL, 0);
	*status = classify(c->pg, res);
	return res;
}

PGresult *db_exec(struct db_conn *c, struct db_stmt *stmt, const char *const *params,
		  enum db_status *status)
{
	/* inside a transaction a fresh connection would run the read, and what follows, outside it */
	int idle = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
	PGresult *res = exec_once(c, stmt, params, status);
	if (*status == DB_DOWN && stmt->readonly && idle) {
		PQclear(res);
		/* The connection broke under us (a restart since the last checkout): one retry on a
		 * fresh connection, since reading twice is harmless. */
		res = NULL;
		if (slot_connect(c->pool, c))
			res = exec_once(c, stmt, params, status);
		else
			*status = DB_DOWN;
	}
	if (*status == DB_DOWN) {
		PQclear(res);
		return NULL;
	}
	return res;
}

enum db_status db_command(struct db_conn *c, const char *sql)
{
	PGresult *res = PQexec(c->pg, sql);
	enum db_status st = classify(c->pg, res);
	PQclear(res);
	return st;
}

const char *db_sqlstate(const PGresult *res)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	return s ? s : "";
}

const char *db_constraint(const PGresult *res)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	return s ? s : "";
}

PGconn *db_conn_pg(struct db_conn *c)
{
	return c->pg;
}

const char *db_value(const PGresult *res, int row, const char *column)
{
	int col = PQfnumber(res, column);
	if (col < 0) {
		log_event(LOG_ERROR, "a statement does not return the column read", "column", column);
		return NULL;
	}
	return row >= PQntuples(res) || PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

int db_true(const PGresult *res, int row, const char *column)
{
	const char *v = db_value(res, row, column);
	return v && !strcmp(v, "t");
}
