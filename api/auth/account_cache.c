#define _GNU_SOURCE
#include "account_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../text.h"

#define BUCKETS 4096
#define KEY_MAX 80

struct entry {
	struct entry *next;
	char key[KEY_MAX];
	struct principal principal;
	long valid_after;
	long long expires_ms;
};

struct account_cache {
	pthread_mutex_t lock;
	struct entry *buckets[BUCKETS];
	int ttl_ms;
	atomic_int healthy;         /* the listener is connected and listening */
	atomic_ulong epoch;         /* bumped by every eviction and reconnect */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned bucket_of(const char *key)
{
	return (unsigned)(text_hash(key) % BUCKETS);
}

static void clear_all(struct account_cache *c)
{
	pthread_mutex_lock(&c->lock);
	atomic_fetch_add(&c->epoch, 1);
	for (int i = 0; i < BUCKETS; i++) {
		struct entry *e = c->buckets[i];
		while (e) {
			struct entry *next = e->next;
			free(e);
			e = next;
		}
		c->buckets[i] = NULL;
	}
	pthread_mutex_unlock(&c->lock);
}

static void evict(struct account_cache *c, const char *key)
{
	if (!strcmp(key, "*")) {
		clear_all(c);
		return;
	}
	pthread_mutex_lock(&c->lock);
	atomic_fetch_add(&c->epoch, 1);
	struct entry **link = &c->buckets[bucket_of(key)];
	while (*link) {
		if (!strcmp((*link)->key, key)) {
			struct entry *gone = *link;
			*link = gone->next;
			free(gone);
		} else {
			link = &(*link)->next;
		}
	}
	pthread_mutex_unlock(&c->lock);
}

void account_cache_heard(void *arg, enum listen_event event, const char *payload)
{
	struct account_cache *c = arg;
	switch (event) {
	case LISTEN_LISTENING:
		clear_all(c); /* whatever happened while we were away */
		atomic_store(&c->healthy, 1);
		break;
	case LISTEN_LOST:
		atomic_store(&c->healthy, 0);
		clear_all(c);
		break;
	case LISTEN_NOTIFIED:
		evict(c, payload);
		break;
	}
}

struct account_cache *account_cache_create(int ttl_seconds)
{
	if (ttl_seconds <= 0)
		return NULL;
	struct account_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->ttl_ms = ttl_seconds * 1000;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void account_cache_destroy(struct account_cache *c)
{
	if (!c)
		return;
	clear_all(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

unsigned long account_cache_epoch(struct account_cache *c)
{
	return c ? atomic_load(&c->epoch) : 0;
}

int account_cache_get(struct account_cache *c, const char *key, struct principal *p,
		      long *valid_after)
{
	if (!c || !atomic_load(&c->healthy))
		return 0;
	int hit = 0;
	long long now = now_ms();
	pthread_mutex_lock(&c->lock);
	for (struct entry *e = c->buckets[bucket_of(key)]; e; e = e->next)
		if (!strcmp(e->key, key) && e->expires_ms > now) {
			*p = e->principal;
			*valid_after = e->valid_after;
			hit = 1;
			break;
		}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void account_cache_put(struct account_cache *c, const char *key, const struct principal *p,
		       long valid_after, unsigned long epoch)
{
	if (!c || !atomic_load(&c->healthy) || strlen(key) >= KEY_MAX)
		return;
	struct entry *e = calloc(1, sizeof *e);
	if (!e)
		return;
	memcpy(e->key, key, strlen(key) + 1); /* fits: checked against KEY_MAX above */
	e->principal = *p;
	e->valid_after = valid_after;
	e->expires_ms = now_ms() + c->ttl_ms;
	pthread_mutex_lock(&c->lock);
	if (atomic_load(&c->epoch) != epoch) { /* something changed while we read: do not keep it */
		pthread_mutex_unlock(&c->lock);
		free(e);
		return;
	}
	unsigned b = bucket_of(key);
	struct entry **link = &c->buckets[b];
	while (*link) { /* replace an older entry for the key */
		if (!strcmp((*link)->key, key)) {
			struct entry *gone = *link;
			*link = gone->next;
			free(gone);
		} else {
			link = &(*link)->next;
		}
	}
	e->next = c->buckets[b];
	c->buckets[b] = e;
	pthread_mutex_unlock(&c->lock);
}

void account_cache_evict(struct account_cache *c, const char *key)
{
	if (c)
		evict(c, key);
}
