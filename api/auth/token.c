/*
 * POST /api/v1/auth/token (RFC 6749): the `password` grant for people and the
 * `client_credentials` grant for systems, as application/x-www-form-urlencoded or JSON.
 * GET /.well-known/jwks.json (RFC 7517): the public keys that verify our tokens (two during a
 * key rotation: CDTT_JWT_PREVIOUS_KEY_FILE).
 *
 * Every secret checked is throttled (throttle.h): a failing account waits longer and longer
 * before its next secret is checked, without locking out its owner's usual addresses. Unknown
 * accounts, wrong passwords and disabled accounts get the same answer after the same work
 * (a dummy Argon2id verification, a constant-time comparison of secrets).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "../http/body.h"
#include "../http/problem.h"
#include "../server.h"
#include "bearer.h"
#include "client_auth.h"
#include "jwt.h"
#include "password.h"
#include "throttle.h"

static struct db_stmt user_for_login = DB_READ("token_user_for_login", 1,
	"SELECT " PRINCIPAL_USER_COLUMNS ", u.password_hash, u.status" PRINCIPAL_USER_FROM
	" WHERE u.username = $1");

static struct db_stmt user_logged_in = DB_STMT("token_user_logged_in", 3,
	"WITH u AS (UPDATE users SET last_login_at = now() WHERE id = $1::uuid RETURNING id)"
	" INSERT INTO audit_events (actor_type, actor_id, actor_name, action, entity_type,"
	"  entity_id, request_id)"
	" SELECT 'user', id, $2, 'auth.token_issued', 'user', id::text, $3 FROM u");

static struct db_stmt client_issued = DB_STMT("token_client_issued", 4,
	"INSERT INTO audit_events (actor_type, actor_id, actor_name, action, entity_type,"
	" entity_id, after, request_id)"
	" VALUES ('client', $1::uuid, $2, 'auth.token_issued', 'client', $1,"
	" jsonb_build_object('scope', $3::text), $4)");

/* The request's parameters, from a form or a JSON object. */
struct token_params {
	json_t *json;                        /* owned when the body was JSON */
	const struct _u_request *req;
};

/* A parameter's value; NULL when absent, not a string, or holding a NUL ("admin%00"). */
static const char *param(const struct token_params *tp, const char *name)
{
	if (tp->json) {
		json_t *v = json_object_get(tp->json, name);
		return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v)
			       ? json_string_value(v)
			       : NULL;
	}
	const char *v = u_map_get(tp->req->map_post_body, name);
	ssize_t len = u_map_get_length(tp->req->map_post_body, name);
	return v && len >= 0 && strlen(v) == (size_t)len ? v : NULL;
}

/*
 * Signs and sends a token. valid_after is when the account last ended its tokens (a password
 * change, a disable): a token issued in that same second must still count, so its iat is never
 * before it.
 */
static void issue(struct _u_response *resp, struct req_ctx *ctx, const struct principal *p,
		  const char *scope, long valid_after)
{
	long now = (long)time(NULL);
	char *token = jwt_issue_token(ctx->env->auth, p, scope, now > valid_after ? now : valid_after);
	if (!token) {
		problem(resp, ctx, 500, "The token could not be signed.");
		return;
	}
	json_t *doc = json_pack("{s:s, s:s, s:i}", "access_token", token, "token_type", "Bearer",
				"expires_in", ctx->env->auth->token_ttl);
	if (scope)
		json_object_set_new(doc, "scope", json_string(scope));
	http_json(resp, 200, doc);
	json_decref(doc);
	free(token);
	http_header(resp, "Cache-Control", "no-store");
	http_header(resp, "Pragma", "no-cache");
}

static void password_grant(const struct token_params *tp, struct _u_response *resp,
			   struct req_ctx *ctx, const char *address)
{
	const char *username = param(tp, "username"), *password = param(tp, "password");
	if (!username || !password || !*username) {
		oauth_error(resp, 400, "invalid_request", "username and password are required.");
		return;
	}
	char name[65];
	size_t n = strlen(username);
	int plausible = n < sizeof name && strlen(password) <= PASSWORD_MAX_LENGTH;
	snprintf(name, sizeof name, "%s", plausible ? username : "");
	for (char *c = name; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	if (login_throttled(ctx, resp, LOGIN_USER, name, address))
		return;
	const char *params[1] = {name};
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &user_for_login, params, &st);
	if (!res)
		return;
	int found = st == DB_OK && PQntuples(res) == 1 && plausible;
	int ok = password_verify(plausible ? password : "", found ? db_value(res, 0, "password_hash") : NULL);
	ok = ok && found && !strcmp(db_value(res, 0, "status"), "active");
	struct principal p;
	long valid_after = 0;
	if (ok) {
		principal_from_row(&p, PRINCIPAL_USER, res);
		valid_after = principal_valid_after(res);
	}
	PQclear(res);
	if (!ok) {
		if (login_failed(ctx, resp, LOGIN_USER, name, address) == 0)
			oauth_error(resp, 400, "invalid_grant", "The username or password is wrong.");
		return;
	}
	if (login_succeeded(ctx, resp, LOGIN_USER, name, address))
		return;
	const char *audit[3] = {p.id, p.name, ctx->request_id};
	res = request_query(ctx, resp, &user_logged_in, audit, &st);
	if (!res)
		return;
	PQclear(res);
	issue(resp, ctx, &p, NULL, valid_after);
}

/* Scopes requested must be a subset of the client's; returns the granted text or NULL. */
static int grant_scopes(const char *requested, const char *allowed_text, char *granted, size_t cap)
{
	unsigned allowed, want;
	if (scopes_parse(allowed_text, &allowed) != 0)
		return -1;
	if (!requested || !*requested) {
		snprintf(granted, cap, "%s", allowed_text);
		return 0;
	}
	if (strlen(requested) >= cap || scopes_parse(requested, &want) != 0 || (want & ~allowed))
		return -1;
	snprintf(granted, cap, "%s", requested);
	return 0;
}

static void client_grant(const struct token_params *tp, const struct _u_request *req,
			 struct _u_response *resp, struct req_ctx *ctx)
{
	struct client_account client;
	if (client_authenticate(req, param(tp, "client_id"), param(tp, "client_secret"), resp, ctx,
				&client))
		return;
	char granted[160] = "";
	if (grant_scopes(param(tp, "scope"), client.scopes, granted, sizeof granted) != 0) {
		oauth_error(resp, 400, "invalid_scope", "The scope asked for exceeds the client's scopes.");
		return;
	}
	const char *audit[4] = {client.p.id, client.p.name, granted, ctx->request_id};
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &client_issued, audit, &st);
	if (!res)
		return;
	PQclear(res);
	issue(resp, ctx, &client.p, granted, client.valid_after);
}

static void token_endpoint(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	struct token_params tp = {NULL, req};
	const char *ct = http_request_header(req, "Content-Type");
	if (media_type_is(ct, "application/json")) {
		if (body_parse_json(req, resp, ctx) != 0)
			return;
		tp.json = ctx->body; /* freed with the request context */
	} else if (!media_type_is(ct, "application/x-www-form-urlencoded")) {
		problem(resp, ctx, 415,
			"Send application/x-www-form-urlencoded (RFC 6749) or application/json.");
		return;
	}
	char address[64];
	http_client_address(req, address);
	const char *grant = param(&tp, "grant_type");
	if (!grant)
		oauth_error(resp, 400, "invalid_request", "grant_type is required.");
	else if (!strcmp(grant, "password"))
		password_grant(&tp, resp, ctx, address);
	else if (!strcmp(grant, "client_credentials"))
		client_grant(&tp, req, resp, ctx);
	else
		oauth_error(resp, 400, "unsupported_grant_type",
			    "Use grant_type password or client_credentials.");
}

static void jwks(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	const char *doc = ctx->env->auth->jwks_json;
	http_json_text(resp, 200, doc, strlen(doc));
	http_header(resp, "Content-Type", "application/jwk-set+json");
	http_header(resp, "Cache-Control", "public, max-age=300");
}

const struct route token_routes[] = {
	{"POST", "/api/v1/auth/token", token_endpoint, ROUTE_PUBLIC},
	{"GET", "/.well-known/jwks.json", jwks, ROUTE_PUBLIC},
	{0},
};
