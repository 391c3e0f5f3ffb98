/*
 * Accounts of people: /api/v1/users (admins; officers for viewer and team_leader accounts
 * inside their scope) and /api/v1/me (anyone authenticated).
 *
 * Nobody sets their own role, scope unit, team or status: those fields in a PATCH of one's own
 * account answer 403. Officers see and manage only accounts whose unit lies under theirs;
 * any other account answers 404, as if it did not exist.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/account_cache.h"
#include "../auth/account_new.h"
#include "../auth/authz.h"
#include "../auth/password.h"
#include "../auth/throttle.h"
#include "../http/paging.h"
#include "../http/problem.h"
#include "../route.h"
#include "../validate.h"
#include "audit_actor.h"
#include "resource.h"

#define TEAM_NOT_FOUND "no such team under the account's unit"
#define UNIT_NOT_FOUND "no such unit in your scope"

/* Accounts visible to a scope: an admin's "" reaches accounts without a unit (admins) too. */
#define USER_IN_SCOPE(scope) "within(coalesce(n.path, ''::ltree), " scope "::ltree)"

static struct db_stmt list_users = DB_READ("users_list", 7,
	"SELECT user_json(u)::text, u.id::text FROM users u"
	" LEFT JOIN units n ON n.code = u.unit_code"
	" WHERE " USER_IN_SCOPE("$1") " AND ($2::uuid IS NULL OR u.id > $2::uuid)"
	" AND ($3::text IS NULL OR u.role = $3) AND ($4::text IS NULL OR u.status = $4)"
	" AND ($5::text IS NULL OR strpos(u.username, lower($5)) > 0)"
	" AND ($6::text IS NULL OR within(n.path, (SELECT path FROM units WHERE code = $6)))"
	" ORDER BY u.id LIMIT $7::int");

static struct db_stmt get_user = DB_READ("users_get", 2,
	"SELECT user_json(u)::text AS json, u.version, u.role, u.unit_code,"
	" u.team_id::text AS team_id, u.status FROM users u"
	" LEFT JOIN units n ON n.code = u.unit_code"
	" WHERE u.id = $1::uuid AND " USER_IN_SCOPE("$2"));

static struct db_stmt create_user = DB_STMT("users_create", ACCOUNT_CREATE_PARAMS,
	ACCOUNT_CREATE_SQL);

static struct db_stmt update_user = DB_STMT("users_update", 12,
	"SELECT unit_found, team_found, json, version FROM user_update($1::uuid, $2::int, $3,"
	" $4, $5::uuid, $6, $7, $8::ltree, " AUDIT_ACTOR_SQL(9, 10, 11, 12) ")");

static struct db_stmt get_me_client = DB_READ("me_client", 1,
	"SELECT client_json(c)::text, c.version FROM clients c WHERE c.id = $1::uuid");

static struct db_stmt get_me_user = DB_READ("me_user", 1,
	"SELECT user_json(u)::text, u.version FROM users u WHERE u.id = $1::uuid");

static void list(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	if (allowed(resp, ctx, ACT_MANAGE_USERS) != 0)
		return;
	struct page_request page;
	if (page_request_parse(req, resp, ctx, "users", &page) != 0)
		return;
	const char *role = u_map_get(req->map_url, "role"), *status = u_map_get(req->map_url, "status");
	const char *q = u_map_get(req->map_url, "q"), *unit = u_map_get(req->map_url, "unit");
	json_t *errors = NULL;
	if (role && role_from_name(role) == ROLE_NONE)
		problem_add_error(&errors, "role", "invalid_value", "must be a role");
	query_check_enum(&errors, "status", status, account_status_values, "must be active or disabled");
	if ((q && strlen(q) > 64) || (unit && strlen(unit) > 32))
		problem_add_error(&errors, q && strlen(q) > 64 ? "q" : "unit", "too_long", "is too long");
	if (query_checked(resp, ctx, errors) != 0)
		return;
	const char *params[7] = {ctx->principal.scope_path, page.after[0] ? page.after : NULL,
				 role, status, q && *q ? q : NULL, unit, page.limit_text};
	respond_page(resp, ctx, &list_users, params, "users", page.limit);
}

/* Reads a user in the caller's scope. Returns the result, or NULL after answering. */
static PGresult *fetch(const struct _u_request *req, struct _u_response *resp,
		       struct req_ctx *ctx)
{
	const char *id = path_uuid(req, resp, ctx, "id", "user");
	if (!id)
		return NULL;
	const char *params[2] = {id, ctx->principal.scope_path};
	return fetch_row(resp, ctx, &get_user, params, "user");
}

static void get(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	if (allowed(resp, ctx, ACT_MANAGE_USERS) != 0)
		return;
	PGresult *res = fetch(req, resp, ctx);
	if (!res)
		return;
	respond_row(resp, ctx, res, "user");
	PQclear(res);
}

static void create(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	const struct principal *caller = &ctx->principal;
	if (allowed(resp, ctx, ACT_MANAGE_USERS) != 0)
		return;
	json_t *errors = NULL;
	struct account_new account;
	if (account_new_check(ctx->body, &errors, &account) != 0) {
		invalid_body(resp, ctx, errors);
		return;
	}
	if (!authz_may_manage_role(caller, role_from_name(account.role))) {
		problem(resp, ctx, 403, "Your role does not allow this.");
		return;
	}
	if (account_new_hash(&account) != 0) {
		internal_error(resp, ctx);
		return;
	}
	const char *actor[4], *params[ACCOUNT_CREATE_PARAMS];
	audit_actor_params(ctx, actor);
	account_new_params(&account, caller->scope_path, actor, params);
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &create_user, params, &st);
	if (!res)
		return;
	if (st != DB_OK) {
		write_failed_unexpectedly(resp, ctx, res);
	} else {
		switch (account_new_outcome(res)) {
		case ACCOUNT_UNIT_NOT_FOUND:
			invalid_field(resp, ctx, "/unit_code", "not_found", UNIT_NOT_FOUND);
			break;
		case ACCOUNT_TEAM_NOT_FOUND:
			invalid_field(resp, ctx, "/team_id", "not_found", TEAM_NOT_FOUND);
			break;
		case ACCOUNT_TAKEN:
			respond_outcome(resp, ctx, OUTCOME_CONFLICT, "user", "That username is taken.");
			break;
		case ACCOUNT_CREATED:
			respond_written_named(resp, ctx, res, 201, "/api/v1/users/", "id");
			break;
		}
	}
	PQclear(res);
}

/* The account as it will be: the patch's value of name, or the current one where it is silent. */
static const char *patched(const json_t *patch, const PGresult *current, const char *name)
{
	return json_object_get(patch, name) ? body_string(patch, name) : result_value(current, name);
}

static void update(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const struct principal *caller = &ctx->principal;
	if (allowed(resp, ctx, ACT_MANAGE_USERS) != 0)
		return;
	json_t *patch = ctx->body, *errors = NULL;
	char version[16];
	if (accept_patch(req, resp, ctx, account_fields, NULL, NULL, version) != 0)
		return;
	PGresult *target = fetch(req, resp, ctx);
	if (!target)
		return;
	const char *id = u_map_get(req->map_url, "id");
	/* Nobody changes their own role, scope, team or status (no self-promotion, no lock-out). */
	int own = !strcasecmp(id, caller->id);
	if (own && (json_object_get(patch, "role") || json_object_get(patch, "unit_code") ||
		    json_object_get(patch, "team_id") || json_object_get(patch, "status"))) {
		PQclear(target);
		problem(resp, ctx, 403, "You cannot change your own role, unit, team or status.");
		return;
	}
	const char *role = patched(patch, target, "role"), *unit = patched(patch, target, "unit_code");
	const char *team = patched(patch, target, "team_id"), *status = patched(patch, target, "status");
	if (!own && !(authz_may_manage_role(caller, role_from_name(result_value(target, "role"))) &&
		      authz_may_manage_role(caller, role_from_name(role)))) {
		PQclear(target);
		problem(resp, ctx, 403, "Your role does not allow managing this account.");
		return;
	}
	const char *password = body_string(patch, "password");
	const char *weak = password ? password_weakness(password) : NULL;
	if (weak)
		problem_add_error(&errors, "/password", "too_weak", weak);
	account_role_unit_team_check(role, unit, team, &errors);
	if (errors) {
		PQclear(target);
		invalid_body(resp, ctx, errors);
		return;
	}
	char hash[PASSWORD_HASH_MAX];
	if (password && password_hash(password, hash) != 0) {
		PQclear(target);
		internal_error(resp, ctx);
		return;
	}
	const char *params[12] = {id, version, role, unit, team, status, password ? hash : NULL,
				  caller->scope_path};
	enum db_status st;
	PGresult *res = run_write(resp, ctx, &update_user, params, 8, &st);
	PQclear(target); /* role, unit, team and status pointed into it */
	if (!res)
		return;
	if (st != DB_OK) {
		write_failed_unexpectedly(resp, ctx, res);
	} else if (!result_true(res, "unit_found")) {
		invalid_field(resp, ctx, "/unit_code", "not_found", UNIT_NOT_FOUND);
	} else if (!result_true(res, "team_found")) {
		invalid_field(resp, ctx, "/team_id", "not_found", TEAM_NOT_FOUND);
	} else {
		account_cache_evict(ctx->env->accounts, "*"); /* this replica at once */
		respond_updated(resp, ctx, res, "account");
	}
	PQclear(res);
}

static void me(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	const char *params[1] = {ctx->principal.id};
	respond_read(resp, ctx,
		     ctx->principal.kind == PRINCIPAL_CLIENT ? &get_me_client : &get_me_user, params,
		     "account");
}

static struct db_stmt own_password_hash = DB_READ("me_password_hash", 1,
	"SELECT password_hash FROM users WHERE id = $1::uuid");

static struct db_stmt change_own_password = DB_STMT("me_change_password", 7,
	"SELECT json, version FROM user_password_change($1::uuid, $2::int, $3, "
	AUDIT_ACTOR_SQL(4, 5, 6, 7) ")");

/* PATCH /api/v1/me's body: both passwords, the new one strong enough. */
static int check_password_change(const json_t *body, enum validate_mode mode, json_t **errors,
				 void *out)
{
	(void)mode;
	(void)out;
	static const struct field fields[] = {
		{"current_password", FIELD_STRING, FIELD_REQUIRED, 1, PASSWORD_MAX_LENGTH, NULL},
		{"password", FIELD_STRING, FIELD_REQUIRED, 1, PASSWORD_MAX_LENGTH, NULL},
		{0},
	};
	int n = validate_body(body, fields, VALIDATE_CREATE, errors);
	const char *password = body_string(body, "password");
	const char *weak = password ? password_weakness(password) : NULL;
	if (weak && !n) {
		problem_add_error(errors, "/password", "too_weak", weak);
		n++;
	}
	return n;
}

/*
 * PATCH /api/v1/me: people change their own password (and nothing else) by proving the
 * current one. A wrong current password counts as a failed login for throttling.
 */
static void change_password(const struct _u_request *req, struct _u_response *resp,
			    struct req_ctx *ctx)
{
	if (ctx->principal.kind != PRINCIPAL_USER) {
		problem(resp, ctx, 403, "Systems have no password; rotate the client instead.");
		return;
	}
	char version[16];
	if (accept_patch(req, resp, ctx, NULL, check_password_change, NULL, version) != 0)
		return;
	const char *current = body_string(ctx->body, "current_password");
	const char *password = body_string(ctx->body, "password");
	char address[64];
	http_client_address(req, address);
	if (login_throttled(ctx, resp, LOGIN_USER, ctx->principal.name, address) != 0)
		return;
	const char *id_param[1] = {ctx->principal.id};
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &own_password_hash, id_param, &st);
	if (!res)
		return;
	int ok = st == DB_OK && PQntuples(res) == 1 &&
		 password_verify(current, result_value(res, "password_hash"));
	PQclear(res);
	if (!ok) {
		if (login_failed(ctx, resp, LOGIN_USER, ctx->principal.name, address) != 0)
			return;
		invalid_field(resp, ctx, "/current_password", "mismatch", "is not your password");
		return;
	}
	if (login_succeeded(ctx, resp, LOGIN_USER, ctx->principal.name, address) != 0)
		return;
	char hash[PASSWORD_HASH_MAX];
	if (password_hash(password, hash) != 0) {
		internal_error(resp, ctx);
		return;
	}
	const char *params[7] = {ctx->principal.id, version, hash};
	res = run_write(resp, ctx, &change_own_password, params, 3, &st);
	if (!res)
		return;
	if (st != DB_OK)
		write_failed_unexpectedly(resp, ctx, res);
	else if (!result_value(res, "json"))
		problem(resp, ctx, 412, "Your account changed since you read it; read it again.");
	else {
		account_cache_evict(ctx->env->accounts, "*"); /* this replica at once */
		respond_written_named(resp, ctx, res, 200, NULL, NULL);
	}
	PQclear(res);
}

const struct route users_routes[] = {
	{"GET", "/api/v1/me", me, 0},
	{"PATCH", "/api/v1/me", change_password, ROUTE_JSON_BODY},
	{"GET", "/api/v1/users", list, 0},
	{"POST", "/api/v1/users", create, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT},
	{"GET", "/api/v1/users/{id}", get, 0},
	{"PATCH", "/api/v1/users/{id}", update, ROUTE_JSON_BODY},
	{0},
};
