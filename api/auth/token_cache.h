/*
 * Access tokens already verified, by their exact bytes. Checking a token's signature and
 * parsing its claims is the largest part of an authenticated request's CPU time; a client
 * sends the same token for its whole lifetime, so the second use needs only the time window
 * compared with the clock. Only tokens that passed jwt_verify_token are kept (a forged token
 * can never be looked up as valid: the whole token is compared, signature included), and the
 * account behind a cached token is still checked on every request (account_cache.h).
 */
#ifndef CDTT_AUTH_TOKEN_CACHE_H
#define CDTT_AUTH_TOKEN_CACHE_H
#include "jwt.h"

#define TOKEN_CACHE_SLOTS 1024
#define TOKEN_CACHE_MAX_LENGTH 2048 /* longer tokens are verified every time */

struct token_cache;

struct token_cache *token_cache_create(void);
void token_cache_destroy(struct token_cache *c);

/* 1 with *out filled when the token was verified before and `now` is inside its window. */
int token_cache_get(struct token_cache *c, const char *token, long now, struct token_subject *out);

/* Remembers a token jwt_verify_token accepted (out of its window it is never returned). */
void token_cache_put(struct token_cache *c, const char *token, const struct token_subject *s);

#endif
