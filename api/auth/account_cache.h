/*
 * The accounts behind recent tokens, kept in memory so that a request costs one database
 * round trip instead of two. Correctness does not rest on the TTL: the process's listener
 * (db/listen.h) LISTENs on cdtt_accounts, and PostgreSQL notifies every replica at commit of
 * any change to a user, a client or the unit tree (accounts_notify(), db/functions/70_accounts.sql), evicting the entry at once.
 * While the listener is not connected the cache is bypassed, and it starts empty after a
 * reconnect.
 */
#ifndef CDTT_AUTH_ACCOUNT_CACHE_H
#define CDTT_AUTH_ACCOUNT_CACHE_H
#include "../../db/listen.h"
#include "principal.h"

struct account_cache;

/* A cache of accounts kept ttl_seconds; 0 keeps none (NULL is returned, and every call below
 * takes NULL as "not kept"). Not used until the listener says it listens. */
struct account_cache *account_cache_create(int ttl_seconds);
void account_cache_destroy(struct account_cache *c);

/* The listener's news (db/listen.h), for a subscriber of cdtt_accounts whose arg is the cache:
 * listening, start empty and keep; lost, keep nothing; a notification, evict its payload (a
 * key, or "*" for everything). */
void account_cache_heard(void *arg, enum listen_event event, const char *payload);

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
