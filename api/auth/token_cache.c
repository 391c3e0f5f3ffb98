#define _GNU_SOURCE
#include "token_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../text.h"

/* Direct-mapped: a token has one slot, and a newer token in that slot replaces it. */
struct slot {
	pthread_mutex_t lock;
	uint64_t hash;
	size_t len;
	char *token;
	struct token_subject subject;
};

struct token_cache {
	struct slot slots[TOKEN_CACHE_SLOTS];
};

struct token_cache *token_cache_create(void)
{
	struct token_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	for (size_t i = 0; i < TOKEN_CACHE_SLOTS; i++)
		pthread_mutex_init(&c->slots[i].lock, NULL);
	return c;
}

void token_cache_destroy(struct token_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < TOKEN_CACHE_SLOTS; i++) {
		free(c->slots[i].token);
		pthread_mutex_destroy(&c->slots[i].lock);
	}
	free(c);
}

int token_cache_get(struct token_cache *c, const char *token, long now, struct token_subject *out)
{
	if (!c)
		return 0;
	size_t len = strlen(token);
	uint64_t h = text_hash(token);
	struct slot *s = &c->slots[h % TOKEN_CACHE_SLOTS];
	int hit = 0;
	pthread_mutex_lock(&s->lock);
	if (s->token && s->hash == h && s->len == len && !memcmp(s->token, token, len) &&
	    now >= s->subject.valid_from && now <= s->subject.valid_until) {
		*out = s->subject;
		hit = 1;
	}
	pthread_mutex_unlock(&s->lock);
	return hit;
}

void token_cache_put(struct token_cache *c, const char *token, const struct token_subject *subject)
{
	if (!c)
		return;
	size_t len = strlen(token);
	if (len > TOKEN_CACHE_MAX_LENGTH)
		return;
	uint64_t h = text_hash(token);
	char *copy = malloc(len + 1);
	if (!copy)
		return;
	memcpy(copy, token, len + 1);
	struct slot *s = &c->slots[h % TOKEN_CACHE_SLOTS];
	pthread_mutex_lock(&s->lock);
	char *old = s->token;
	s->token = copy;
	s->hash = h;
	s->len = len;
	s->subject = *subject;
	pthread_mutex_unlock(&s->lock);
	free(old);
}
