/*
 * What other systems need to find and check our tokens without reading our documentation:
 *   GET /.well-known/oauth-authorization-server (RFC 8414) and the same document at
 *       /.well-known/openid-configuration, where OpenID Connect libraries look for it;
 *   POST /api/v1/auth/introspect (RFC 7662): is this token active, and for whom.
 *
 * URLs in the metadata are absolute: from the issuer when it is a URL (as it should be in
 * production: CDTT_JWT_ISSUER=https://...), otherwise from the request's Host.
 *
 * Introspection answers {"active": false} for anything it cannot vouch for: malformed, forged,
 * expired, not yet valid, ended (account disabled, password changed, client deleted), a
 * trusted identity provider's token (ask that provider), or unknown; only a client may ask.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../http/body.h"
#include "../http/problem.h"
#include "../server.h"
#include "bearer.h"
#include "client_auth.h"
#include "jwt.h"

/* The origin metadata URLs start with: the issuer without a trailing '/', or http://<Host>
 * when the issuer is a plain name and Host looks like a host; "" otherwise. */
static void base_url(const struct _u_request *req, const char *issuer, char *out, size_t cap)
{
	out[0] = '\0';
	if (strstr(issuer, "://")) {
		snprintf(out, cap, "%s", issuer);
		size_t n = strlen(out);
		if (n && out[n - 1] == '/')
			out[n - 1] = '\0';
		return;
	}
	const char *host = http_request_header(req, "Host");
	if (!host || !*host || strlen(host) > 255 ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
		    strlen(host))
		return;
	snprintf(out, cap, "http://%s", host);
}

/* 200 with doc (decref'd) and its Cache-Control; 500 when doc is NULL (out of memory). */
static void send_document(struct _u_response *resp, const struct req_ctx *ctx, json_t *doc,
			  const char *cache_control)
{
	if (!doc) {
		problem(resp, ctx, 500, NULL);
		return;
	}
	http_json(resp, 200, doc);
	json_decref(doc);
	http_header(resp, "Cache-Control", cache_control);
}

static void metadata(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const struct auth *a = ctx->env->auth;
	char base[300], token[400], jwks[400], introspection[400], docs[400];
	base_url(req, a->issuer, base, sizeof base);
	snprintf(token, sizeof token, "%s/api/v1/auth/token", base);
	snprintf(jwks, sizeof jwks, "%s/.well-known/jwks.json", base);
	snprintf(introspection, sizeof introspection, "%s/api/v1/auth/introspect", base);
	snprintf(docs, sizeof docs, "%s/docs", base);
	json_t *scopes = json_array();
	for (size_t i = 0; scope_name(i); i++)
		json_array_append_new(scopes, json_string(scope_name(i)));
	json_t *doc = json_pack(
		"{s:s, s:s, s:s, s:s, s:[ss], s:[ss], s:[ss], s:o, s:[], s:s}", "issuer", a->issuer,
		"token_endpoint", token, "jwks_uri", jwks, "introspection_endpoint", introspection,
		"grant_types_supported", "password", "client_credentials",
		"token_endpoint_auth_methods_supported", "client_secret_basic", "client_secret_post",
		"introspection_endpoint_auth_methods_supported", "client_secret_basic",
		"client_secret_post", "scopes_supported", scopes, "response_types_supported",
		"service_documentation", docs);
	send_document(resp, ctx, doc, "public, max-age=300");
}

/* {"active": false}: the one answer for every token we cannot vouch for (RFC 7662 §2.2). */
static void inactive(struct _u_response *resp)
{
	http_json_text(resp, 200, "{\"active\":false}", 16);
	http_header(resp, "Cache-Control", "no-store");
}

static void introspect(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	if (!media_type_is(http_request_header(req, "Content-Type"),
			   "application/x-www-form-urlencoded")) {
		problem(resp, ctx, 415, "Send application/x-www-form-urlencoded (RFC 7662).");
		return;
	}
	const struct _u_map *form = req->map_post_body;
	const char *id = u_map_get(form, "client_id"), *secret = u_map_get(form, "client_secret");
	const char *token = u_map_get(form, "token");
	/* a value holding a NUL ("x%00") is refused rather than cut short */
	if (id && strlen(id) != (size_t)u_map_get_length(form, "client_id"))
		id = NULL;
	if (secret && strlen(secret) != (size_t)u_map_get_length(form, "client_secret"))
		secret = NULL;
	struct client_account caller;
	if (client_authenticate(req, id, secret, resp, ctx, &caller))
		return;
	if (!token || !*token || strlen(token) != (size_t)u_map_get_length(form, "token")) {
		oauth_error(resp, 400, "invalid_request", "token is required.");
		return;
	}
	const struct auth *a = ctx->env->auth;
	struct token_subject subject;
	struct principal p;
	long now = (long)time(NULL);
	if (jwt_verify_token(a, token, now, &subject) != 0 || subject.external) {
		inactive(resp);
		return;
	}
	int found = principal_load(ctx, resp, &subject, &p);
	if (found < 0)
		return;
	json_t *claims = found ? jwt_verified_claims(token) : NULL;
	if (!claims) {
		inactive(resp);
		return;
	}
	json_t *doc = json_pack("{s:b, s:s}", "active", 1, "token_type", "Bearer");
	static const char *const copied[] = {"sub", "scope", "client_id", "exp", "iat", "nbf",
					     "iss", "aud", "jti", "role", "unit"};
	for (size_t i = 0; doc && i < sizeof copied / sizeof copied[0]; i++) {
		json_t *v = json_object_get(claims, copied[i]);
		if (v)
			json_object_set(doc, copied[i], v);
	}
	if (doc && subject.kind == PRINCIPAL_USER)
		json_object_set_new(doc, "username", json_string(p.name));
	json_decref(claims);
	send_document(resp, ctx, doc, "no-store");
}

const struct route discovery_routes[] = {
	{"GET", "/.well-known/oauth-authorization-server", metadata, ROUTE_PUBLIC},
	{"GET", "/.well-known/openid-configuration", metadata, ROUTE_PUBLIC},
	{"POST", "/api/v1/auth/introspect", introspect, ROUTE_PUBLIC},
	{0},
};
