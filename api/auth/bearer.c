#define _GNU_SOURCE
#include "bearer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../http/problem.h"
#include "../server.h"
#include "account_cache.h"
#include "token_cache.h"

/* Columns: id, name, role or scopes, unit_code, scope path, team_id, and the time (epoch
 * seconds) before which tokens no longer count. */
#define USER_COLUMNS                                                                      \
	"SELECT u.id::text, u.username, u.role, coalesce(u.unit_code, ''),"              \
	" CASE WHEN u.role = 'admin' THEN '' ELSE coalesce(n.path::text, 'none') END,"   \
	" coalesce(u.team_id::text, ''), CASE WHEN u.tokens_valid_after = '-infinity' THEN 0"\
	" ELSE extract(epoch FROM u.tokens_valid_after)::bigint END"                     \
	" FROM users u LEFT JOIN units n ON n.code = u.unit_code"

static struct db_stmt user_by_id = DB_READ("principal_user_by_id", 1,
	USER_COLUMNS " WHERE u.id = $1::uuid AND u.status = 'active'");

static struct db_stmt user_by_username = DB_READ("principal_user_by_username", 1,
	USER_COLUMNS " WHERE u.username = lower($1) AND u.status = 'active'");

static struct db_stmt client_by_id = DB_READ("principal_client_by_id", 1,
	"SELECT c.id::text, c.client_id, array_to_string(c.scopes, ' '), c.unit_code,"
	" coalesce(n.path::text, 'none'), '', CASE WHEN c.tokens_valid_after = '-infinity'"
	" THEN 0 ELSE extract(epoch FROM c.tokens_valid_after)::bigint END"
	" FROM clients c LEFT JOIN units n ON n.code = c.unit_code"
	" WHERE c.id = $1::uuid AND c.status = 'active'");

void principal_from_row(struct principal *p, enum principal_kind kind, const PGresult *res)
{
	memset(p, 0, sizeof *p);
	p->kind = kind;
	snprintf(p->id, sizeof p->id, "%s", PQgetvalue(res, 0, 0));
	snprintf(p->name, sizeof p->name, "%s", PQgetvalue(res, 0, 1));
	if (kind == PRINCIPAL_USER)
		p->role = role_from_name(PQgetvalue(res, 0, 2));
	else if (scopes_parse(PQgetvalue(res, 0, 2), &p->scopes) != 0)
		p->scopes = 0;
	snprintf(p->unit_code, sizeof p->unit_code, "%s", PQgetvalue(res, 0, 3));
	snprintf(p->scope_path, sizeof p->scope_path, "%s", PQgetvalue(res, 0, 4));
	snprintf(p->team_id, sizeof p->team_id, "%s", PQgetvalue(res, 0, 5));
}

int principal_load(struct req_ctx *ctx, struct _u_response *resp, const struct token_subject *s,
		   struct principal *p)
{
	struct account_cache *cache = ctx->env->accounts;
	char key[80];
	snprintf(key, sizeof key, "%c:%s",
		 s->kind == PRINCIPAL_CLIENT ? 'c' : s->external ? 'e' : 'u',
		 s->external ? s->username : s->id);
	for (char *k = key; *k; k++) /* usernames are case-insensitive */
		if (*k >= 'A' && *k <= 'Z')
			*k = (char)(*k - 'A' + 'a');
	long valid_after;
	if (account_cache_get(cache, key, p, &valid_after))
		return s->issued_at >= valid_after;

	unsigned long epoch = account_cache_epoch(cache);
	struct db_stmt *stmt = s->kind == PRINCIPAL_CLIENT ? &client_by_id
			       : s->external		  ? &user_by_username
							  : &user_by_id;
	const char *params[1] = {s->external ? s->username : s->id};
	enum db_status st;
	PGresult *res = request_query(ctx, resp, stmt, params, &st);
	if (!res)
		return -1;
	int found = st == DB_OK && PQntuples(res) == 1;
	if (found) {
		principal_from_row(p, s->kind, res);
		valid_after = atol(PQgetvalue(res, 0, 6));
		account_cache_put(cache, key, p, valid_after, epoch);
		/* tokens issued before the account's last password change or disable no longer
		 * count */
		found = s->issued_at >= valid_after;
	}
	PQclear(res);
	if (st != DB_OK) {
		problem(resp, ctx, 500, NULL);
		return -1;
	}
	return found;
}

static void unauthorized(struct _u_response *resp, const struct req_ctx *ctx, int token_sent)
{
	problem(resp, ctx, 401,
		token_sent ? "The access token is invalid or expired, or its account is disabled."
			   : "Send an access token: Authorization: Bearer <token>.");
	http_header(resp, "WWW-Authenticate",
		    token_sent ? "Bearer realm=\"cdtt\", error=\"invalid_token\"" : "Bearer realm=\"cdtt\"");
}

int bearer_authenticate(const struct auth *a, const struct _u_request *req,
			struct _u_response *resp, struct req_ctx *ctx)
{
	const char *header = http_request_header(req, "Authorization");
	if (!header || !*header) {
		unauthorized(resp, ctx, 0);
		return -1;
	}
	if (strncasecmp(header, "Bearer ", 7) != 0) {
		unauthorized(resp, ctx, 1);
		return -1;
	}
	const char *token = header + 7;
	while (*token == ' ')
		token++;
	struct token_subject subject;
	long now = (long)time(NULL);
	if (!token_cache_get(ctx->env->tokens, token, now, &subject)) {
		if (jwt_verify_token(a, token, now, &subject) != 0) {
			unauthorized(resp, ctx, 1);
			return -1;
		}
		token_cache_put(ctx->env->tokens, token, &subject);
	}
	int found = principal_load(ctx, resp, &subject, &ctx->principal);
	if (found < 0)
		return -1;
	if (!found) {
		unauthorized(resp, ctx, 1);
		return -1;
	}
	/* a system holds what its client holds now, and no more than its token was granted */
	if (subject.kind == PRINCIPAL_CLIENT)
		ctx->principal.scopes &= subject.scopes;
	snprintf(ctx->actor, sizeof ctx->actor, "%s:%s",
		 ctx->principal.kind == PRINCIPAL_CLIENT ? "client" : "user", ctx->principal.id);
	return 0;
}
