/*
 * Prometheus metrics: requests by route template, method and status; a latency histogram by
 * route; the pools' gauges; single reads answered from memory. Counters are atomics, so
 * recording never takes a lock.
 */
#ifndef CDTT_HTTP_METRICS_H
#define CDTT_HTTP_METRICS_H
#include <stddef.h>

struct metrics;
struct db_pool;

/* One series per label: labels[i] = {method, route}, for i < n. */
struct metrics *metrics_create(size_t n, const char *const (*labels)[2]);
void metrics_destroy(struct metrics *m);

void metrics_observe(struct metrics *m, size_t label, unsigned status, double seconds);

/* What the server adds to its request counters. */
struct metrics_state {
	struct db_pool *pool;
	struct db_pool *replica; /* NULL without CDTT_DATABASE_REPLICA_URL */
	unsigned long long kept_hits, kept_misses;
};

/* Renders the text exposition format; the caller frees the result. NULL when out of memory. */
char *metrics_render(struct metrics *m, const struct metrics_state *state, size_t *len);

#endif
