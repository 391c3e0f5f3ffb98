/*
 * Representations recently read (teams, members), kept in memory so that a repeated
 * single-resource GET needs no database round trip. Correctness does not rest on time: every
 * write to teams, memberships, members or units makes PostgreSQL notify cdtt_teams at commit
 * (teams_notify(), db/functions/30_teams.sql), which empties the cache on every replica; a write through this replica
 * empties it before its response is sent. While the process's listener (db/listen.h) is not
 * connected nothing is kept. An entry is shown only to whom the database would show it: it keeps its unit's
 * path, which must lie under the reader's scope; callers keep out the readers with narrower
 * rules (a team leader reading another team, a member outside their team). A representation
 * that depends on the reader's rights (personal data masked or not) is kept under one key per
 * form: members "p:<id>" / "m:<id>", teams "tp:<id>" / "tm:<id>".
 */
#ifndef CDTT_RESOURCES_REP_CACHE_H
#define CDTT_RESOURCES_REP_CACHE_H
#include <stddef.h>

#include "../../db/listen.h"

#define REP_CACHE_SLOTS 16384 /* about 1 MB of slots; a representation is about 500 bytes */
#define REP_CACHE_KEY_MAX 48  /* a kind letter, ':' and a uuid */

struct rep_cache;

struct rep_cache *rep_cache_create(void);
void rep_cache_destroy(struct rep_cache *c);

/* Forgets everything (a change was committed, or the listener reconnected). */
void rep_cache_flush(struct rep_cache *c);

/* Turns caching on or off (the listener's state); either way forgets everything. */
void rep_cache_set_enabled(struct rep_cache *c, int enabled);

/* The listener's news (db/listen.h), for a subscriber of cdtt_teams whose arg is the cache:
 * listening, keep (from empty); lost, keep nothing; a notification, forget everything. */
void rep_cache_heard(void *arg, enum listen_event event, const char *payload);

/* Reads answered from memory, and reads that had to ask the database, since the start. */
void rep_cache_counts(struct rep_cache *c, unsigned long long *hits, unsigned long long *misses);

/* The epoch to hand to rep_cache_put: a flush after it makes the put a no-op. */
unsigned long rep_cache_epoch(struct rep_cache *c);

struct rep {
	char *json; /* malloc'd; the caller frees */
	size_t len;
	char version[12];
};

/* 1 with *out filled when `key` is cached and its unit's path lies under `scope` ("" for the
 * whole country); 0 otherwise (the caller asks the database, which decides). */
int rep_cache_get(struct rep_cache *c, const char *key, const char *scope, struct rep *out);

/* Keeps what was read since `epoch`: the representation, its version and its unit's path. */
void rep_cache_put(struct rep_cache *c, unsigned long epoch, const char *key, const char *json,
		   size_t len, const char *version, const char *unit_path);

#endif
