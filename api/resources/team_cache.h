/*
 * Team representations recently read, kept in memory so that a repeated GET /teams/{id}
 * needs no database round trip. Correctness does not rest on time: every write to teams,
 * memberships, members or units makes PostgreSQL notify cdtt_teams at commit (migration
 * 0013), which empties the cache on every replica; a write through this replica empties it
 * before its response is sent. While the change listener is not connected nothing is kept.
 * A cached team is shown only to whom the database would show it: its unit's path must lie
 * under the reader's scope, and a team leader sees only their own team.
 */
#ifndef CDTT_RESOURCES_TEAM_CACHE_H
#define CDTT_RESOURCES_TEAM_CACHE_H
#include <stddef.h>

#define TEAM_CACHE_SLOTS 16384 /* about 1 MB of slots; a representation is about 500 bytes */

struct team_cache;

struct team_cache *team_cache_create(void);
void team_cache_destroy(struct team_cache *c);

/* Forgets everything (a change was committed, or the listener reconnected). */
void team_cache_flush(struct team_cache *c);

/* Turns caching on or off (the listener's state); off also flushes. */
void team_cache_set_enabled(struct team_cache *c, int enabled);

/* The epoch to hand to team_cache_put: a flush after it makes the put a no-op. */
unsigned long team_cache_epoch(struct team_cache *c);

struct team_rep {
	char *json; /* malloc'd; the caller frees */
	size_t len;
	char version[12];
};

/* 1 with *out filled when the team is cached and visible to a reader whose scope path is
 * `scope` ("" for the whole country) and, when `only` is set, who may see that team alone;
 * 0 otherwise (not cached, or not theirs: the caller asks the database, which decides). */
int team_cache_get(struct team_cache *c, const char *id, const char *scope, const char *only,
		   struct team_rep *out);

/* Keeps what was read since `epoch`: the representation, its version and its unit's path. */
void team_cache_put(struct team_cache *c, unsigned long epoch, const char *id, const char *json,
		    size_t len, const char *version, const char *unit_path);

#endif
