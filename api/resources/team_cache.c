#define _GNU_SOURCE
#include "team_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Direct-mapped by id; an entry counts only if it was put in the current epoch. `data` holds
 * the representation (len bytes and a NUL) followed by the unit's path. */
struct slot {
	char id[37];
	char version[12];
	char *data;
	size_t len;
	unsigned long epoch;
};

struct team_cache {
	pthread_mutex_t lock;
	atomic_ulong epoch;
	atomic_int enabled;
	struct slot slots[TEAM_CACHE_SLOTS];
};

static unsigned slot_of(const char *id)
{
	unsigned h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % TEAM_CACHE_SLOTS;
}

struct team_cache *team_cache_create(void)
{
	struct team_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	atomic_store(&c->epoch, 1);
	return c;
}

void team_cache_destroy(struct team_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < TEAM_CACHE_SLOTS; i++)
		free(c->slots[i].data);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void team_cache_flush(struct team_cache *c)
{
	if (c)
		atomic_fetch_add(&c->epoch, 1);
}

void team_cache_set_enabled(struct team_cache *c, int enabled)
{
	if (!c)
		return;
	atomic_fetch_add(&c->epoch, 1);
	atomic_store(&c->enabled, enabled);
}

unsigned long team_cache_epoch(struct team_cache *c)
{
	return c ? atomic_load(&c->epoch) : 0;
}

/* True when ltree `path` is `scope` or below it ("" is the root of everything). */
static int path_under(const char *path, const char *scope)
{
	size_t n = strlen(scope);
	return n == 0 || (!strncmp(path, scope, n) && (path[n] == '\0' || path[n] == '.'));
}

int team_cache_get(struct team_cache *c, const char *id, const char *scope, const char *only,
		   struct team_rep *out)
{
	if (!c || !atomic_load(&c->enabled) || (only && strcmp(only, id) != 0))
		return 0;
	struct slot *s = &c->slots[slot_of(id)];
	int hit = 0;
	pthread_mutex_lock(&c->lock);
	if (s->data && s->epoch == atomic_load(&c->epoch) && !strcmp(s->id, id) &&
	    path_under(s->data + s->len + 1, scope) && (out->json = malloc(s->len + 1)) != NULL) {
		memcpy(out->json, s->data, s->len + 1);
		out->len = s->len;
		memcpy(out->version, s->version, sizeof out->version);
		hit = 1;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void team_cache_put(struct team_cache *c, unsigned long epoch, const char *id, const char *json,
		    size_t len, const char *version, const char *unit_path)
{
	if (!c || !atomic_load(&c->enabled) || strlen(id) != 36 ||
	    strlen(version) >= sizeof c->slots[0].version)
		return;
	size_t path_len = strlen(unit_path);
	char *copy = malloc(len + 1 + path_len + 1);
	if (!copy)
		return;
	memcpy(copy, json, len);
	copy[len] = '\0';
	memcpy(copy + len + 1, unit_path, path_len + 1);
	struct slot *s = &c->slots[slot_of(id)];
	pthread_mutex_lock(&c->lock);
	if (atomic_load(&c->epoch) != epoch) { /* something changed while we read */
		pthread_mutex_unlock(&c->lock);
		free(copy);
		return;
	}
	char *old = s->data;
	s->data = copy;
	s->len = len;
	s->epoch = epoch;
	memcpy(s->id, id, 37);
	snprintf(s->version, sizeof s->version, "%s", version);
	pthread_mutex_unlock(&c->lock);
	free(old);
}
