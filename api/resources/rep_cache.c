#define _GNU_SOURCE
#include "rep_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../text.h"

/* Direct-mapped by key; an entry counts only if it was put in the current epoch. `data` holds
 * the representation (len bytes and a NUL) followed by the unit's path. */
struct slot {
	char key[REP_CACHE_KEY_MAX];
	char version[12];
	char *data;
	size_t len;
	unsigned long epoch;
};

struct rep_cache {
	pthread_mutex_t lock;
	atomic_ulong epoch;
	atomic_int enabled;
	atomic_ullong hits, misses;
	struct slot slots[REP_CACHE_SLOTS];
};

static unsigned slot_of(const char *key)
{
	return (unsigned)(text_hash(key) % REP_CACHE_SLOTS);
}

struct rep_cache *rep_cache_create(void)
{
	struct rep_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	atomic_store(&c->epoch, 1);
	return c;
}

void rep_cache_destroy(struct rep_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < REP_CACHE_SLOTS; i++)
		free(c->slots[i].data);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void rep_cache_flush(struct rep_cache *c)
{
	if (c)
		atomic_fetch_add(&c->epoch, 1);
}

void rep_cache_set_enabled(struct rep_cache *c, int enabled)
{
	if (!c)
		return;
	atomic_fetch_add(&c->epoch, 1);
	atomic_store(&c->enabled, enabled);
}

void rep_cache_heard(void *arg, enum listen_event event, const char *payload)
{
	(void)payload;
	if (event == LISTEN_NOTIFIED)
		rep_cache_flush(arg);
	else
		rep_cache_set_enabled(arg, event == LISTEN_LISTENING);
}

void rep_cache_counts(struct rep_cache *c, unsigned long long *hits, unsigned long long *misses)
{
	*hits = c ? atomic_load(&c->hits) : 0;
	*misses = c ? atomic_load(&c->misses) : 0;
}

unsigned long rep_cache_epoch(struct rep_cache *c)
{
	return c ? atomic_load(&c->epoch) : 0;
}

/* True when ltree `path` is `scope` or below it ("" is the root of everything). */
static int path_under(const char *path, const char *scope)
{
	size_t n = strlen(scope);
	return n == 0 || (!strncmp(path, scope, n) && (path[n] == '\0' || path[n] == '.'));
}

int rep_cache_get(struct rep_cache *c, const char *key, const char *scope, struct rep *out)
{
	if (!c)
		return 0;
	if (!atomic_load(&c->enabled)) {
		atomic_fetch_add(&c->misses, 1);
		return 0;
	}
	struct slot *s = &c->slots[slot_of(key)];
	int hit = 0;
	pthread_mutex_lock(&c->lock);
	if (s->data && s->epoch == atomic_load(&c->epoch) && !strcmp(s->key, key) &&
	    path_under(s->data + s->len + 1, scope) && (out->json = malloc(s->len + 1)) != NULL) {
		memcpy(out->json, s->data, s->len + 1);
		out->len = s->len;
		memcpy(out->version, s->version, sizeof out->version);
		hit = 1;
	}
	pthread_mutex_unlock(&c->lock);
	atomic_fetch_add(hit ? &c->hits : &c->misses, 1);
	return hit;
}

void rep_cache_put(struct rep_cache *c, unsigned long epoch, const char *key, const char *json,
		   size_t len, const char *version, const char *unit_path)
{
	if (!c || !atomic_load(&c->enabled) || strlen(key) >= REP_CACHE_KEY_MAX ||
	    strlen(version) >= sizeof c->slots[0].version)
		return;
	size_t path_len = strlen(unit_path);
	char *copy = malloc(len + 1 + path_len + 1);
	if (!copy)
		return;
	memcpy(copy, json, len);
	copy[len] = '\0';
	memcpy(copy + len + 1, unit_path, path_len + 1);
	struct slot *s = &c->slots[slot_of(key)];
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
	memcpy(s->key, key, strlen(key) + 1);
	snprintf(s->version, sizeof s->version, "%s", version);
	pthread_mutex_unlock(&c->lock);
	free(old);
}
