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
#include "../auth/authz.h"
#include "../auth/password.h"
#include "../auth/throttle.h"
#include "../http/etag.h"
#include "../http/paging.h"
#include "../http/problem.h"
#include "../server.h"
#include "../validate.h"
#include "audit_actor.h"
#include "resource.h"

/* Ends every token issued so far, this second's included (iat has whole seconds), and those
 * issued with an iat of the last end (token.c moves iat up to it); tokens issued from now on
 * carry an iat no earlier than this, so they count. A password change
 * ends tokens here; disabling an account does in a trigger (migration 0015). */
#define TOKENS_END_NOW                                                                      \
	"greatest(u.tokens_valid_after, date_trunc('second', now())) + interval '1 second'"

#define TEAM_NOT_FOUND "no such team under the account's unit"

static const char *const role_values[] = {"admin", "officer", "team_leader", "viewer", NULL};
static const char *const status_values[] = {"active", "disabled", NULL};

static const struct field user_fields[] = {
	{"username", FIELD_NAME, FIELD_REQUIRED | FIELD_CREATE_ONLY, 0, 0, NULL},
	{"password", FIELD_STRING, FIELD_REQUIRED, 1, PASSWORD_MAX_LENGTH, NULL},
	{"role", FIELD_ENUM, FIELD_REQUIRED, 0, 0, role_values},
	{"unit_code", FIELD_CODE, FIELD_NULLABLE, 0, 0, NULL},
	{"team_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL},
	{"status", FIELD_ENUM, 0, 0, 0, status_values},
	{"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL},
	{"last_login_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL},
	{"created_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL},
	{"updated_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL},
	{"version", FIELD_INTEGER, FIELD_READONLY, 0, 0, NULL},
	{0},
};

/* A team_leader's team must exist and lie under the account's own unit (which the statements
 * check is in the caller's scope): never another commune's team. $team and $unit are the
 * parameters holding the team id and the unit code. */
#define TEAM_UNDER_UNIT(team, unit)                                                          \
	"SELECT " team "::uuid IS NULL OR EXISTS (SELECT 1 FROM teams t"                   \
	"  JOIN units tu ON tu.code = t.unit_code JOIN units au ON au.code = " unit          \
	"  WHERE t.id = " team "::uuid AND tu.path <@ au.path) AS ok"

/* Accounts visible to a scope: an admin's "" reaches accounts without a unit (admins) too. */
#define USER_IN_SCOPE(scope) "coalesce(n.path, ''::ltree) <@ " scope "::ltree"

static struct db_stmt list_users = {
	.name = "users_list",
	.sql = "SELECT user_json(u)::text, u.id::text FROM users u"
	       " LEFT JOIN units n ON n.code = u.unit_code"
	       " WHERE " USER_IN_SCOPE("$1") " AND ($2::uuid IS NULL OR u.id > $2::uuid)"
	       " AND ($3::text IS NULL OR u.role = $3) AND ($4::text IS NULL OR u.status = $4)"
	       " AND ($5::text IS NULL OR strpos(u.username, lower($5)) > 0)"
	       " AND ($6::text IS NULL OR n.path <@ (SELECT path FROM units WHERE code = $6))"
	       " ORDER BY u.id LIMIT $7::int",
	.nparams = 7,
	.readonly = 1,
};

static struct db_stmt get_user = {
	.name = "users_get",
	.sql = "SELECT user_json(u)::text, u.version, u.role, coalesce(u.unit_code, ''),"
	       " coalesce(u.team_id::text, ''), u.status FROM users u"
	       " LEFT JOIN units n ON n.code = u.unit_code"
	       " WHERE u.id = $1::uuid AND " USER_IN_SCOPE("$2"),
	.nparams = 2,
	.readonly = 1,
};

static struct db_stmt create_user = {
	.name = "users_create",
	.sql = "WITH unit AS (SELECT code FROM units WHERE code = $4 AND path <@ $6::ltree),"
	       " team_ok AS (" TEAM_UNDER_UNIT("$5", "$4") "),"
	       " ins AS (INSERT INTO users (username, password_hash, role, unit_code, team_id, status)"
	       "   SELECT $1, $2, $3, $4, $5::uuid, coalesce($11, 'active')"
	       "   WHERE ($4::text IS NULL OR EXISTS (SELECT 1 FROM unit)) AND (SELECT ok FROM team_ok)"
	       "   ON CONFLICT (username) DO NOTHING RETURNING *),"
	       AUDIT_EVENT("after", AUDIT_ACTOR_SQL(7, 8, 9, 10),
			   "'user.create', 'user', id::text,"
			   " to_jsonb(ins) - 'password_hash' FROM ins")
	       " SELECT $4::text IS NULL OR EXISTS (SELECT 1 FROM unit),"
	       " (SELECT user_json(ins)::text FROM ins), (SELECT version FROM ins),"
	       " (SELECT id::text FROM ins), (SELECT ok FROM team_ok)",
	.nparams = 11,
};

static struct db_stmt update_user = {
	.name = "users_update",
	.sql = "WITH old AS (SELECT * FROM users WHERE id = $1::uuid),"
	       " unit_ok AS (SELECT $4::text IS NULL OR EXISTS (SELECT 1 FROM units"
	       "   WHERE code = $4 AND path <@ $8::ltree) AS ok),"
	       " team_ok AS (" TEAM_UNDER_UNIT("$5", "$4") "),"
	       " upd AS (UPDATE users u SET role = $3, unit_code = $4, team_id = $5::uuid, status = $6,"
	       "   password_hash = coalesce($7, u.password_hash),"
	       "   tokens_valid_after = CASE WHEN $7 IS NULL THEN u.tokens_valid_after"
	       "     ELSE " TOKENS_END_NOW " END, version = u.version + 1,"
	       "   updated_at = now()"
	       "   WHERE u.id = $1::uuid AND u.version = $2::int AND (SELECT ok FROM unit_ok)"
	       "   AND (SELECT ok FROM team_ok)"
	       "   RETURNING u.*),"
	       AUDIT_EVENT("before, after", AUDIT_ACTOR_SQL(9, 10, 11, 12),
			   "'user.update', 'user', upd.id::text,"
			   " to_jsonb(old) - 'password_hash', to_jsonb(upd) - 'password_hash' FROM upd, old")
	       " SELECT (SELECT ok FROM unit_ok), (SELECT user_json(upd)::text FROM upd),"
	       " (SELECT version FROM upd), (SELECT ok FROM team_ok)",
	.nparams = 12,
};

static struct db_stmt get_me_client = {
	.name = "me_client",
	.sql = "SELECT client_json(c)::text, c.version FROM clients c WHERE c.id = $1::uuid",
	.nparams = 1,
	.readonly = 1,
};

static struct db_stmt get_me_user = {
	.name = "me_user",
	.sql = "SELECT user_json(u)::text, u.version FROM users u WHERE u.id = $1::uuid",
	.nparams = 1,
	.readonly = 1,
};

static int forbid_unless(int permitted, struct _u_response *resp, const struct req_ctx *ctx)
{
	if (!permitted)
		problem(resp, ctx, 403, "Your role does not allow this.");
	return permitted;
}

/* Usernames are case-insensitive: stored and compared lowercased. */
static void lowercase_username(json_t *body)
{
	json_t *v = json_object_get(body, "username");
	if (!json_is_string(v) || json_string_length(v) > 256)
		return;
	char name[257];
	snprintf(name, sizeof name, "%s", json_string_value(v));
	for (char *c = name; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	json_object_set_new(body, "username", json_string(name));
}

/* Role, unit and team must agree: admins have no unit, others one; only leaders a team. */
static int check_role_unit_team(const char *role, const char *unit, const char *team,
				json_t **errors)
{
	int n = 0;
	if (strcmp(role, "admin") && !unit) {
		problem_add_error(errors, "/unit_code", "required", "is required for this role");
		n++;
	}
	if (strcmp(role, "team_leader") && team) {
		problem_add_error(errors, "/team_id", "not_allowed", "only a team_leader has a team");
		n++;
	}
	return n;
}

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
	query_check_enum(&errors, "status", status, status_values, "must be active or disabled");
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
	lowercase_username(ctx->body);
	if (accept_body(resp, ctx, user_fields, VALIDATE_CREATE) != 0)
		return;
	json_t *errors = NULL;
	const char *role = body_string(ctx->body, "role");
	const char *unit = body_string(ctx->body, "unit_code");
	const char *team = body_string(ctx->body, "team_id");
	const char *password = body_string(ctx->body, "password");
	const char *weak = password_weakness(password);
	if (weak)
		problem_add_error(&errors, "/password", "too_weak", weak);
	check_role_unit_team(role, unit, team, &errors);
	if (errors) {
		invalid_body(resp, ctx, errors);
		return;
	}
	if (!forbid_unless(authz_may_manage_role(caller, role_from_name(role)), resp, ctx))
		return;
	char hash[PASSWORD_HASH_MAX];
	if (password_hash(password, hash) != 0) {
		internal_error(resp, ctx);
		return;
	}
	const char *params[11] = {body_string(ctx->body, "username"), hash, role, unit, team,
				  caller->scope_path};
	audit_actor_params(ctx, params + 6);
	params[10] = body_string(ctx->body, "status");
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &create_user, params, &st);
	if (!res)
		return;
	if (st != DB_OK) {
		internal_error(resp, ctx);
	} else if (strcmp(PQgetvalue(res, 0, 0), "t")) {
		invalid_field(resp, ctx, "/unit_code", "not_found", "no such unit in your scope");
	} else if (strcmp(PQgetvalue(res, 0, 4), "t")) {
		invalid_field(resp, ctx, "/team_id", "not_found", TEAM_NOT_FOUND);
	} else if (PQgetisnull(res, 0, 1)) {
		problem(resp, ctx, 409, "That username is taken.");
	} else {
		respond_written(resp, res, 201, 1, 2, "/api/v1/users/", 3);
	}
	PQclear(res);
}

static void update(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const struct principal *caller = &ctx->principal;
	if (allowed(resp, ctx, ACT_MANAGE_USERS) != 0)
		return;
	json_t *patch = ctx->body, *errors = NULL;
	char version[16];
	if (accept_patch(req, resp, ctx, user_fields, NULL, NULL, version) != 0)
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
	/* The account as it will be: current values where the patch is silent. */
	const char *role = json_object_get(patch, "role") ? body_string(patch, "role")
							   : PQgetvalue(target, 0, 2);
	const char *cur_unit = PQgetvalue(target, 0, 3), *cur_team = PQgetvalue(target, 0, 4);
	const char *unit = json_object_get(patch, "unit_code") ? body_string(patch, "unit_code")
							       : (*cur_unit ? cur_unit : NULL);
	const char *team = json_object_get(patch, "team_id") ? body_string(patch, "team_id")
							     : (*cur_team ? cur_team : NULL);
	const char *status = json_object_get(patch, "status") ? body_string(patch, "status")
							      : PQgetvalue(target, 0, 5);
	if (!own && !(authz_may_manage_role(caller, role_from_name(PQgetvalue(target, 0, 2))) &&
		      authz_may_manage_role(caller, role_from_name(role)))) {
		PQclear(target);
		problem(resp, ctx, 403, "Your role does not allow managing this account.");
		return;
	}
	const char *password = body_string(patch, "password");
	const char *weak = password ? password_weakness(password) : NULL;
	if (weak)
		problem_add_error(&errors, "/password", "too_weak", weak);
	check_role_unit_team(role, unit, team, &errors);
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
	audit_actor_params(ctx, params + 8);
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &update_user, params, &st);
	PQclear(target);
	if (!res)
		return;
	if (st != DB_OK) {
		internal_error(resp, ctx);
	} else if (strcmp(PQgetvalue(res, 0, 0), "t")) {
		invalid_field(resp, ctx, "/unit_code", "not_found", "no such unit in your scope");
	} else if (strcmp(PQgetvalue(res, 0, 3), "t")) {
		invalid_field(resp, ctx, "/team_id", "not_found", TEAM_NOT_FOUND);
	} else {
		account_cache_evict(ctx->srv->accounts, "*"); /* this replica at once */
		respond_updated(resp, ctx, res, 1, "account");
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

static struct db_stmt own_password_hash = {
	.name = "me_password_hash",
	.sql = "SELECT password_hash FROM users WHERE id = $1::uuid",
	.nparams = 1,
	.readonly = 1,
};

static struct db_stmt change_own_password = {
	.name = "me_change_password",
	.sql = "WITH old AS (SELECT * FROM users WHERE id = $1::uuid),"
	       " upd AS (UPDATE users u SET password_hash = $3, version = u.version + 1,"
	       "   tokens_valid_after = " TOKENS_END_NOW ", updated_at = now()"
	       "   WHERE u.id = $1::uuid AND u.version = $2::int RETURNING u.*),"
	       AUDIT_EVENT("before, after", AUDIT_ACTOR_SQL(4, 5, 6, 7),
			   "'user.password_change', 'user', upd.id::text,"
			   " to_jsonb(old) - 'password_hash', to_jsonb(upd) - 'password_hash' FROM upd, old")
	       " SELECT (SELECT user_json(upd)::text FROM upd), (SELECT version FROM upd)",
	.nparams = 7,
};

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
	static const struct field fields[] = {
		{"current_password", FIELD_STRING, FIELD_REQUIRED, 1, PASSWORD_MAX_LENGTH, NULL},
		{"password", FIELD_STRING, FIELD_REQUIRED, 1, PASSWORD_MAX_LENGTH, NULL},
		{0},
	};
	json_t *errors = NULL;
	validate_body(ctx->body, fields, VALIDATE_CREATE, &errors);
	const char *current = body_string(ctx->body, "current_password");
	const char *password = body_string(ctx->body, "password");
	const char *weak = password ? password_weakness(password) : NULL;
	if (weak && !errors)
		problem_add_error(&errors, "/password", "too_weak", weak);
	if (errors) {
		invalid_body(resp, ctx, errors);
		return;
	}
	char version[16];
	if (etag_require_if_match(req, resp, ctx, version) != 0)
		return;
	char address[64];
	http_client_address(req, address);
	if (login_throttled(ctx, resp, LOGIN_USER, ctx->principal.name, address))
		return;
	const char *id_param[1] = {ctx->principal.id};
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &own_password_hash, id_param, &st);
	if (!res)
		return;
	int ok = st == DB_OK && PQntuples(res) == 1 && password_verify(current, PQgetvalue(res, 0, 0));
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
	audit_actor_params(ctx, params + 3);
	res = request_query(ctx, resp, &change_own_password, params, &st);
	if (!res)
		return;
	if (st != DB_OK)
		internal_error(resp, ctx);
	else if (PQgetisnull(res, 0, 0))
		problem(resp, ctx, 412, "Your account changed since you read it; read it again.");
	else {
		account_cache_evict(ctx->srv->accounts, "*"); /* this replica at once */
		respond_written(resp, res, 200, 0, 1, NULL, 0);
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
