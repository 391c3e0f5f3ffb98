/*
 * Access tokens: issuing ours, and verifying ours or a trusted identity provider's. libjwt
 * checks the signature only; everything else is checked here: the algorithm must be the one
 * the key was configured for (no "none", no HMAC keyed with a public key), exp and nbf with at
 * most 60 s of leeway, iss and aud exactly.
 */
#ifndef CDTT_AUTH_JWT_H
#define CDTT_AUTH_JWT_H
#include <stddef.h>
#include <jansson.h>
#include "../config.h"
#include "keys.h"
#include "principal.h"

#define JWT_LEEWAY_SECONDS 60
#define JWT_MAX_LENGTH 8192

struct auth {
	struct jwt_key ours;
	struct jwt_key previous; /* during a key rotation: the key we signed with before */
	int has_previous;
	char *jwks_json;         /* what /.well-known/jwks.json publishes: ours and previous */
	struct jwt_key trusted;
	int has_trusted;
	const char *issuer, *audience;                 /* ours (borrowed from the config) */
	const char *trusted_issuer, *trusted_audience; /* borrowed */
	int token_ttl;
	unsigned char cursor_key[32]; /* signs list cursors; derived from the signing key */
};

/* Loads the keys the configuration names. Returns 0, or -1 with a line naming the variable. */
int auth_init(struct auth *a, const struct config *cfg, char *err, size_t errlen);
void auth_free(struct auth *a);

/* Who a valid token speaks for. */
struct token_subject {
	enum principal_kind kind;
	int external;        /* from the trusted identity provider: identify by username */
	char id[37];         /* ours: the account's uuid */
	char username[65];   /* external: preferred_username, or sub */
	long issued_at;      /* iat, or the time of verification when the token has none */
	unsigned scopes;     /* ours, systems: the scopes the token was granted (a token asked
			      * for fewer than its client holds carries only those) */
	long valid_from;     /* the clock window (epoch seconds, leeway included) in which the */
	long valid_until;    /* token's time claims hold */
};

/*
 * 0 when the token is valid (fills *out), -1 otherwise. Never says why: callers answer 401.
 * Ours are verified with the key their header's kid names (ours, or the previous one during
 * a rotation).
 */
int jwt_verify_token(const struct auth *a, const char *token, long now, struct token_subject *out);

/*
 * The claims of a token jwt_verify_token accepted, as a new JSON object (NULL on failure):
 * its payload, read again without checking anything. Never call it on an unverified token.
 */
json_t *jwt_verified_claims(const char *token);

/*
 * Issues a token for a principal whose account was just checked; claims: iss, aud, sub, iat,
 * nbf, exp, jti, and role + unit (people) or scope + unit + client_id (systems).
 * Returns a malloc'd string, or NULL.
 */
char *jwt_issue_token(const struct auth *a, const struct principal *p, const char *scope_text,
		      long now);

#endif
