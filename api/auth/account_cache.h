/*
 * The accounts behind recent tokens, kept in memory so that a request costs one database
 * round trip instead of two. Correctness does not rest on the TTL: a listener connection
 * LISTENs on cdtt_accounts, and PostgreSQL notifies every replica at commit of any change to
 * a user, a client or the unit tree (migration 0010), evicting the entry at once. While the
 * listener is not connected the cache is bypassed, and it starts empty after a reconnect.
 */
#ifndef CDTT_AUTH_ACCOUNT_CACHE_H
#define CDTT_AUTH_ACCOUNT_CACHE_H
#include "principal.h"

struct account_cache;

/* What the listener tells another in-memory copy that follows the database (rep_cache). */
enum follow_event {
	FOLLOW_LISTENING, /* (re)connected: start afresh */
	FOLLOW_LOST,      /* not listening: keep nothing */
	FOLLOW_CHANGED,   /* a notification on cdtt_teams */
};
struct follower {
	void (*tell)(void *arg, enum follow_event event);
	void *arg;
};

/* Starts the listener thread; ttl_seconds 0 disables caching (NULL is returned, and the
 * follower, if any, is never told to start). */
struct account_cache *account_cache_start(const char *conninfo, int ttl_seconds,
					  struct follower follower);
void account_cache_stop(struct account_cache *c);

/* The epoch to hand to account_cache_put: changes seen after it make the put a no-op. */
unsigned long account_cache_epoch(struct account_cache *c);

/* 1 with *p and *valid_after filled when key is cached and fresh, else 0. */
int account_cache_get(struct account_cache *c, const char *key, struct principal *p,
		      long *valid_after);

/* Caches what was read from the database since `epoch` (skipped if anything changed since). */
void account_cache_put(struct account_cache *c, const char *key, const struct principal *p,
		       long valid_after, unsigned long epoch);

/* Forgets key now (a write through this process): other replicas hear it through NOTIFY. */
void account_cache_evict(struct account_cache *c, const char *key);

#endif
