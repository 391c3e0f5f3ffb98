#include "metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/pool.h"

#define STATUS_SLOTS 24 /* distinct statuses one route answers; more fold into the last */

static const double bucket_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				       0.1,   0.25,   0.5,   1,    2.5,   5};
#define N_BUCKETS (sizeof bucket_bounds / sizeof bucket_bounds[0])

struct series {
	const char *method, *route;
	atomic_uint status[STATUS_SLOTS]; /* 0 = free slot */
	atomic_ullong count_by_status[STATUS_SLOTS];
	atomic_ullong buckets[N_BUCKETS]; /* non-cumulative; cumulated when rendered */
	atomic_ullong count;
	atomic_ullong micros_sum;
};

struct metrics {
	size_t n;
	struct series *series;
};

struct metrics *metrics_create(size_t n, const char *const (*labels)[2])
{
	struct metrics *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->series = calloc(n, sizeof *m->series);
	if (!m->series) {
		free(m);
		return NULL;
	}
	m->n = n;
	for (size_t i = 0; i < n; i++) {
		m->series[i].method = labels[i][0];
		m->series[i].route = labels[i][1];
	}
	return m;
}

void metrics_destroy(struct metrics *m)
{
	if (m) {
		free(m->series);
		free(m);
	}
}

void metrics_observe(struct metrics *m, size_t label, unsigned status, double seconds)
{
	if (label >= m->n)
		return;
	struct series *s = &m->series[label];
	size_t slot = STATUS_SLOTS - 1;
	for (size_t i = 0; i < STATUS_SLOTS; i++) {
		unsigned seen = atomic_load(&s->status[i]);
		if (seen == status) {
			slot = i;
			break;
		}
		if (seen == 0) {
			unsigned expected = 0;
			if (atomic_compare_exchange_strong(&s->status[i], &expected, status) ||
			    expected == status) {
				slot = i;
				break;
			}
		}
	}
	atomic_fetch_add(&s->count_by_status[slot], 1);
	size_t b = 0;
	while (b < N_BUCKETS && seconds > bucket_bounds[b])
		b++;
	if (b < N_BUCKETS)
		atomic_fetch_add(&s->buckets[b], 1);
	atomic_fetch_add(&s->count, 1);
	atomic_fetch_add(&s->micros_sum, (unsigned long long)(seconds * 1e6));
}

struct text {
	char *buf;
	size_t len, cap;
	int failed; /* a line was lost to memory: no text rather than one missing series */
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = 1;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap * 2 + (size_t)n;
		char *grown = realloc(t->buf, cap);
		if (!grown) {
			t->failed = 1;
			return;
		}
		t->buf = grown;
		t->cap = cap;
	}
}

/* A pool's three gauges, named prefix_size, prefix_in_use and prefix_waiting. */
static void put_pool(struct text *t, const char *prefix, const char *what, struct db_pool *pool)
{
	struct db_pool_stats ps;
	db_pool_stats(pool, &ps);
	put(t,
	    "# HELP %s_size Connections the %s may hold.\n"
	    "# TYPE %s_size gauge\n%s_size %d\n"
	    "# HELP %s_in_use Connections borrowed by requests now.\n"
	    "# TYPE %s_in_use gauge\n%s_in_use %d\n"
	    "# HELP %s_waiting Requests waiting for a free connection now.\n"
	    "# TYPE %s_waiting gauge\n%s_waiting %d\n",
	    prefix, what, prefix, prefix, ps.size, prefix, prefix, prefix, ps.in_use, prefix, prefix,
	    prefix, ps.waiting);
}

char *metrics_render(struct metrics *m, const struct metrics_state *state, size_t *len)
{
	struct text t = {malloc(8192), 0, 8192, 0};
	if (!t.buf)
		return NULL;
	t.buf[0] = '\0';
	put(&t, "# HELP cdtt_http_requests_total Requests answered, by route template, method and "
		"status.\n# TYPE cdtt_http_requests_total counter\n");
	for (size_t i = 0; i < m->n; i++) {
		struct series *s = &m->series[i];
		for (size_t k = 0; k < STATUS_SLOTS; k++) {
			unsigned st = atomic_load(&s->status[k]);
			if (st)
				put(&t,
				    "cdtt_http_requests_total{method=\"%s\",route=\"%s\",status=\"%u\"} "
				    "%llu\n",
				    s->method, s->route, st, atomic_load(&s->count_by_status[k]));
		}
	}
	put(&t, "# HELP cdtt_http_request_duration_seconds Time to answer a request, by route.\n"
		"# TYPE cdtt_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < m->n; i++) {
		struct series *s = &m->series[i];
		unsigned long long count = atomic_load(&s->count), cumulative = 0;
		if (!count)
			continue;
		for (size_t b = 0; b < N_BUCKETS; b++) {
			cumulative += atomic_load(&s->buckets[b]);
			put(&t,
			    "cdtt_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
			    "le=\"%g\"} %llu\n",
			    s->method, s->route, bucket_bounds[b], cumulative);
		}
		put(&t,
		    "cdtt_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} "
		    "%llu\n"
		    "cdtt_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n"
		    "cdtt_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
		    s->method, s->route, count, s->method, s->route,
		    (double)atomic_load(&s->micros_sum) / 1e6, s->method, s->route, count);
	}
	put_pool(&t, "cdtt_db_pool", "database pool", state->pool);
	if (state->replica)
		put_pool(&t, "cdtt_db_replica_pool", "replica's pool", state->replica);
	put(&t,
	    "# HELP cdtt_kept_reads_total Single reads of teams and members, answered from memory "
	    "(hit) or by the database (miss).\n"
	    "# TYPE cdtt_kept_reads_total counter\n"
	    "cdtt_kept_reads_total{result=\"hit\"} %llu\n"
	    "cdtt_kept_reads_total{result=\"miss\"} %llu\n",
	    state->kept_hits, state->kept_misses);
	if (t.failed) {
		free(t.buf);
		return NULL;
	}
	*len = t.len;
	return t.buf;
}
