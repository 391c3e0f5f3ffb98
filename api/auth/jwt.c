#define _GNU_SOURCE
#include "jwt.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sodium.h>

#include "../http/request_id.h"

static int prefixed(char *err, size_t errlen, const char *var, const char *inner)
{
	char copy[256];
	snprintf(copy, sizeof copy, "%s", inner);
	snprintf(err, errlen, "%s: %s", var, copy);
	return -1;
}

int auth_init(struct auth *a, const struct config *cfg, char *err, size_t errlen)
{
	memset(a, 0, sizeof *a);
	char inner[256];
	if (cfg->jwt_secret) {
		if (jwt_key_from_secret(&a->ours, cfg->jwt_secret, inner, sizeof inner))
			return prefixed(err, errlen, "CDTT_JWT_SECRET", inner);
	} else if (jwt_key_from_private_pem_file(&a->ours, cfg->jwt_key_file, inner, sizeof inner)) {
		return prefixed(err, errlen, "CDTT_JWT_KEY_FILE", inner);
	}
	if (cfg->jwt_previous_key_file) {
		if (jwt_key_from_pem_file(&a->previous, cfg->jwt_previous_key_file, inner,
					  sizeof inner))
			return prefixed(err, errlen, "CDTT_JWT_PREVIOUS_KEY_FILE", inner);
		a->has_previous = 1;
		if (!strcmp(a->previous.kid, a->ours.kid))
			return prefixed(err, errlen, "CDTT_JWT_PREVIOUS_KEY_FILE",
					"the previous key is the signing key itself");
	}
	a->jwks_json = jwks_merge(a->ours.jwks_json, a->has_previous ? a->previous.jwks_json : NULL);
	if (!a->jwks_json)
		return prefixed(err, errlen, "CDTT_JWT_KEY_FILE", "out of memory building the JWKS");
	if (cfg->trusted_issuer_key_file) {
		if (jwt_key_from_public_pem_file(&a->trusted, cfg->trusted_issuer_key_file, inner,
						 sizeof inner))
			return prefixed(err, errlen, "CDTT_TRUSTED_ISSUER_KEY_FILE", inner);
		a->has_trusted = 1;
	}
	a->issuer = cfg->jwt_issuer;
	a->audience = cfg->jwt_audience;
	a->trusted_issuer = cfg->trusted_issuer;
	a->trusted_audience = cfg->trusted_audience;
	a->token_ttl = cfg->token_ttl;
	static const char context[] = "cdtt list cursor key";
	crypto_generichash(a->cursor_key, sizeof a->cursor_key, (const unsigned char *)context,
			   sizeof context - 1, a->ours.sign_key, a->ours.sign_len);
	return 0;
}

void auth_free(struct auth *a)
{
	jwt_key_free(&a->ours);
	if (a->has_previous)
		jwt_key_free(&a->previous);
	free(a->jwks_json);
	if (a->has_trusted)
		jwt_key_free(&a->trusted);
	sodium_memzero(a->cursor_key, sizeof a->cursor_key);
}

static int audience_matches(json_t *aud, const char *want)
{
	if (json_is_string(aud))
		return !strcmp(json_string_value(aud), want);
	if (!json_is_array(aud))
		return 0;
	size_t i;
	json_t *v;
	json_array_foreach(aud, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), want))
		return 1;
	return 0;
}

/* A claimed time moved by `leeway` seconds, clamped to what a long holds (claims are any JSON
 * integer). */
static long leeway_added(json_int_t t, long leeway)
{
	if (leeway > 0 && t > (json_int_t)(LONG_MAX - leeway))
		return LONG_MAX;
	if (leeway < 0 && t < (json_int_t)(LONG_MIN - leeway))
		return LONG_MIN;
	return (long)t + leeway;
}

/*
 * The clock window in which the time claims hold, leeway included: from the later of nbf and
 * iat (iat not in the future), until exp. 0 when exp is missing, a time claim is not an
 * integer, or nbf is missing where it is required (ours). token_cache keeps the window.
 */
static int time_window(json_t *claims, int nbf_required, long *from, long *until)
{
	json_t *exp = json_object_get(claims, "exp"), *nbf = json_object_get(claims, "nbf"),
	       *iat = json_object_get(claims, "iat");
	if (!json_is_integer(exp) || (nbf ? !json_is_integer(nbf) : nbf_required) ||
	    (iat && !json_is_integer(iat)))
		return 0;
	*until = leeway_added(json_integer_value(exp), JWT_LEEWAY_SECONDS);
	*from = nbf ? leeway_added(json_integer_value(nbf), -JWT_LEEWAY_SECONDS) : LONG_MIN;
	if (iat && leeway_added(json_integer_value(iat), -JWT_LEEWAY_SECONDS) > *from)
		*from = leeway_added(json_integer_value(iat), -JWT_LEEWAY_SECONDS);
	return 1;
}

static int is_uuid(const char *s)
{
	if (!s || strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		char c = s[i];
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return 1;
}

/* Decodes with one key; returns the claims (new reference) when signature and alg hold. */
static json_t *decode_with(const struct jwt_key *k, const char *token)
{
	jwt_t *jwt = NULL;
	json_t *claims = NULL;
	if (jwt_decode(&jwt, token, k->verify_key, (int)k->verify_len) != 0 || !jwt)
		goto out;
	/* libjwt accepts whatever alg the header names that the key bytes can serve, e.g. HS256
	 * keyed with our public PEM: only the configured algorithm counts. */
	if (jwt_get_alg(jwt) != k->alg)
		goto out;
	char *text = jwt_get_grants_json(jwt, NULL);
	if (text) {
		claims = json_loads(text, 0, NULL);
		free(text);
	}
	if (claims && !json_is_object(claims)) {
		json_decref(claims);
		claims = NULL;
	}
out:
	jwt_free(jwt);
	return claims;
}

/*
 * Segment `index` of a compact JWS (0 the header, 1 the payload) decoded as a JSON object (a
 * new reference), or NULL. Nothing is verified here.
 */
static json_t *segment_json(const char *token, int index)
{
	const char *start = token;
	for (int i = 0; i < index; i++) {
		start = strchr(start, '.');
		if (!start)
			return NULL;
		start++;
	}
	const char *end = strchr(start, '.');
	size_t len = end ? (size_t)(end - start) : strlen(start);
	if (len == 0 || len > JWT_MAX_LENGTH)
		return NULL;
	unsigned char *bin = malloc(len);
	size_t bin_len = 0;
	json_t *doc = NULL;
	if (bin && sodium_base642bin(bin, len, start, len, NULL, &bin_len, NULL,
				     sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0)
		doc = json_loadb((const char *)bin, bin_len, 0, NULL);
	free(bin);
	if (doc && !json_is_object(doc)) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

json_t *jwt_verified_claims(const char *token)
{
	return segment_json(token, 1);
}

/* Ours: the key the header's kid names; the signing key when there is no kid (HS256). */
static const struct jwt_key *our_key_for(const struct auth *a, const char *token)
{
	if (!a->has_previous)
		return &a->ours;
	json_t *header = segment_json(token, 0);
	const char *kid = json_string_value(json_object_get(header, "kid"));
	const struct jwt_key *k = kid && !strcmp(kid, a->previous.kid) ? &a->previous : &a->ours;
	json_decref(header);
	return k;
}

int jwt_verify_token(const struct auth *a, const char *token, long now, struct token_subject *out)
{
	memset(out, 0, sizeof *out);
	size_t len = strlen(token);
	if (len == 0 || len > JWT_MAX_LENGTH)
		return -1;
	int external = 0;
	json_t *claims = decode_with(our_key_for(a, token), token);
	if (!claims && a->has_trusted) {
		claims = decode_with(&a->trusted, token);
		external = 1;
	}
	if (!claims)
		return -1;
	int ok = 0;
	json_t *iat = json_object_get(claims, "iat");
	out->issued_at = json_is_integer(iat) ? (long)json_integer_value(iat) : now;
	int timely = time_window(claims, !external, &out->valid_from, &out->valid_until) &&
		     now >= out->valid_from && now <= out->valid_until;
	const char *iss = json_string_value(json_object_get(claims, "iss"));
	const char *sub = json_string_value(json_object_get(claims, "sub"));
	json_t *aud = json_object_get(claims, "aud");
	if (!external) {
		ok = iss && !strcmp(iss, a->issuer) && audience_matches(aud, a->audience) &&
		     timely && is_uuid(sub);
		if (ok) {
			out->kind = json_object_get(claims, "client_id") ? PRINCIPAL_CLIENT : PRINCIPAL_USER;
			memcpy(out->id, sub, 37); /* is_uuid: 36 characters and the NUL */
			const char *scope = json_string_value(json_object_get(claims, "scope"));
			if (out->kind == PRINCIPAL_CLIENT)
				ok = scope && scopes_parse(scope, &out->scopes) == 0;
		}
	} else {
		const char *name = json_string_value(json_object_get(claims, "preferred_username"));
		if (!name)
			name = sub;
		ok = iss && !strcmp(iss, a->trusted_issuer) &&
		     audience_matches(aud, a->trusted_audience) && timely &&
		     name && strlen(name) < sizeof out->username;
		if (ok) {
			out->kind = PRINCIPAL_USER;
			out->external = 1;
			snprintf(out->username, sizeof out->username, "%s", name);
		}
	}
	json_decref(claims);
	return ok ? 0 : -1;
}

char *jwt_issue_token(const struct auth *a, const struct principal *p, const char *scope_text,
		      long now)
{
	char jti[37];
	request_id_generate(jti);
	json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "iss", a->issuer, "aud",
				   a->audience, "sub", p->id, "iat", (json_int_t)now, "nbf",
				   (json_int_t)now, "exp", (json_int_t)(now + a->token_ttl), "jti", jti);
	json_object_set_new(claims, "unit", p->unit_code[0] ? json_string(p->unit_code) : json_null());
	if (p->kind == PRINCIPAL_CLIENT) {
		json_object_set_new(claims, "scope", json_string(scope_text ? scope_text : ""));
		json_object_set_new(claims, "client_id", json_string(p->name));
	} else {
		json_object_set_new(claims, "role", json_string(role_name(p->role)));
	}
	char *grants = json_dumps(claims, JSON_COMPACT);
	json_decref(claims);
	jwt_t *jwt = NULL;
	char *token = NULL;
	if (grants && jwt_new(&jwt) == 0 && jwt_add_grants_json(jwt, grants) == 0 &&
	    jwt_set_alg(jwt, a->ours.alg, a->ours.sign_key, (int)a->ours.sign_len) == 0) {
		if (a->ours.kid[0])
			jwt_add_header(jwt, "kid", a->ours.kid);
		token = jwt_encode_str(jwt);
	}
	jwt_free(jwt);
	free(grants);
	return token;
}
