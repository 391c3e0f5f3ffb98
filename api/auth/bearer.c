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

static struct db_stmt user_by_id = DB_READ("principal_user_by_id", 1,
	"SELECT " PRINCIPAL_USER_COLUMNS PRINCIPAL_USER_FROM
	" WHERE u.id = $1::uuid AND u.status = 'active'");

static struct db_stmt user_by_username = DB_READ("principal_user_by_username", 1,
	"SELECT " PRINCIPAL_USER_COLUMNS PRINCIPAL_USER_FROM
	" WHERE u.username = lower($1) AND u.status = 'active'");

static struct db_stmt client_by_id = DB_READ("principal_client_by_id", 1,
	"SELECT " PRINCIPAL_CLIENT_COLUMNS PRINCIPAL_CLIENT_FROM
	" WHERE c.id = $1::uuid AND c.status = 'active'");

/* Copies a column of row 0 into dst; SQL NULL becomes "". */
static void copy_column(char *dst, size_t cap, const PGresult *res, const char *column)
{
	const char *v = db_value(res, 0, column);
	snprintf(dst, cap, "%s", v ? v : "");
}

void principal_from_row(struct principal *p, enum principal_kind kind, const PGresult *res)
{
	memset(p, 0, sizeof *p);
	p->kind = kind;
	copy_column(p->id, sizeof p->id, res, "id");
	copy_column(p->name, sizeof p->name, res, "name");
	const char *grants = db_value(res, 0, "grants");
	if (kind == PRINCIPAL_USER)
		p->role = role_from_name(grants ? grants : "");
	else if (scopes_parse(grants ? grants : "", &p->scopes) != 0)
		p->scopes = 0;
	copy_column(p->unit_code, sizeof p->unit_code, res, "unit_code");
	copy_column(p->scope_path, sizeof p->scope_path, res, "scope_path");
	copy_column(p->team_id, sizeof p->team_id, res, "team_id");
}

long principal_valid_after(const PGresult *res)
{
	const char *v = db_value(res, 0, "valid_after");
	return v ? atol(v) : 0;
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
		valid_after = principal_valid_after(res);
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
