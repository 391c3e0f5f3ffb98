/*
 * The administrative tree: /api/v1/units and /api/v1/units/{code}, and merges through
 * POST /api/v1/units/{code}/retire.
 *
 * PostgreSQL keeps the tree's rules (the triggers of db/functions/20_units.sql): a parent of a
 * higher level, no cycles, no retired parent, subtree paths that follow a move. Here: who may write (admins anywhere;
 * officers inside their scope, and never a root), and turning the trigger's refusals into
 * 422s that name the field. Units outside the caller's scope answer 404.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http/etag.h"
#include "../http/paging.h"
#include "../http/problem.h"
#include "../route.h"
#include "../text.h"
#include "../validate.h"
#include "audit_actor.h"
#include "resource.h"

static const char *const level_values[] = {"province", "district", "commune", "village", NULL};
static const char *const status_values[] = {"active", "retired", NULL};

static const struct field unit_fields[] = {
	{"code", FIELD_CODE, FIELD_REQUIRED | FIELD_CREATE_ONLY, 0, 0, NULL},
	{"name", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL},
	{"level", FIELD_ENUM, FIELD_REQUIRED, 0, 0, level_values},
	{"parent_code", FIELD_CODE, FIELD_NULLABLE, 0, 0, NULL},
	READ_ONLY("status", "successor_code", "ancestors", STAMPS),
};

static struct db_stmt list_units = DB_READ("units_list", 7,
	"SELECT unit_json(u)::text, u.code FROM units u"
	" WHERE within(u.path, $1::ltree) AND ($2::text IS NULL OR u.code > $2)"
	" AND ($3::text IS NULL OR u.parent_code = $3) AND ($4::text IS NULL OR u.level = $4)"
	" AND ($5::text IS NULL OR u.status = $5)"
	" AND ($6::text IS NULL OR search_fold(u.name) LIKE search_pattern($6))"
	" ORDER BY u.code LIMIT $7::int");

/* With $3 (include=ancestors) the unit's members in unit_json's order, then "ancestors". */
static struct db_stmt get_unit = DB_READ("units_get", 3,
	"SELECT CASE WHEN $3::boolean THEN"
	"   (SELECT json_object_agg(k, v ORDER BY n) FROM"
	"     (SELECT k, v, n FROM json_each(unit_json(u)) WITH ORDINALITY AS e(k, v, n)"
	"      UNION ALL SELECT 'ancestors', unit_ancestors_json(u), 1000) m)::text"
	" ELSE unit_json(u)::text END, u.version FROM units u"
	" WHERE u.code = $1 AND within(u.path, $2::ltree)");

/*
 * The writes call the functions of db/functions/20_units.sql, which keep the scope rule, who
 * may place a unit where, and the audit event; their columns are read by name.
 */
static struct db_stmt create_unit = DB_STMT("units_create", 9,
	"SELECT * FROM unit_create($1, $2, $3, $4, $5::ltree, " AUDIT_ACTOR_ROW(6, 7, 8, 9) ")");

/* $1 code, $2 version, $3 the patch (jsonb), $4 scope, $5-$8 audit. */
static struct db_stmt update_unit = DB_STMT("units_update", 8,
	"SELECT * FROM unit_update($1, $2::int, $3::jsonb, $4::ltree, " AUDIT_ACTOR_ROW(5, 6, 7, 8)
	")");

static struct db_stmt delete_unit = DB_STMT("units_delete", 7,
	"SELECT * FROM unit_delete($1, $2::int, $3::ltree, " AUDIT_ACTOR_ROW(4, 5, 6, 7) ")");

static struct db_stmt retire_unit = DB_STMT("units_retire", 7,
	"SELECT unit_retire($1, $2, $3::ltree, $4, $5::uuid, $6, $7) AS outcome");

static struct db_stmt read_unit = DB_READ("units_read_after_write", 1,
	"SELECT unit_json(u)::text, u.version FROM units u WHERE u.code = $1");

/* Refusals raised by the tree's trigger (HINT names which) become 422 on parent_code. */
static int tree_refusal(struct _u_response *resp, const struct req_ctx *ctx, const PGresult *res)
{
	if (strcmp(db_sqlstate(res), SQLSTATE_RAISE_EXCEPTION) != 0)
		return 0;
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	if (hint && !strcmp(hint, "child_level")) {
		invalid_field(resp, ctx, "/level", "child_level",
			      "must stay above the levels of the unit's children");
		return 1;
	}
	const char *message =
		!hint ? "is not allowed here"
		: !strcmp(hint, "cycle") ? "would put the unit under itself"
		: !strcmp(hint, "parent_level") ? "must be a unit of a higher level"
		: !strcmp(hint, "parent_retired") ? "is retired: use its successor"
						   : "is not allowed here";
	invalid_field(resp, ctx, "/parent_code", hint ? hint : "invalid_value", message);
	return 1;
}

/* The unit's code in the path; also refuses "A,B", when ?code=A was added to /units/B. */
static const char *unit_code_param(const struct _u_request *req, struct _u_response *resp,
				   const struct req_ctx *ctx)
{
	return path_param(req, resp, ctx, "code", "unit", text_is_code);
}

static void list(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	if (allowed(resp, ctx, ACT_READ_REGISTRY) != 0)
		return;
	struct page_request page;
	if (page_request_parse(req, resp, ctx, "units", &page) != 0)
		return;
	const char *parent = query_param(req, "parent"), *level = query_param(req, "level");
	const char *status = query_param(req, "status"), *q = query_param(req, "q");
	json_t *filters = json_object(), *errors = NULL;
	if (parent)
		json_object_set_new(filters, "parent", json_string(parent));
	if (level)
		json_object_set_new(filters, "level", json_string(level));
	if (status)
		json_object_set_new(filters, "status", json_string(status));
	if (q)
		json_object_set_new(filters, "q", json_string(q));
	static const struct field filter_fields[] = {
		{"parent", FIELD_CODE, 0, 0, 0, NULL},
		{"level", FIELD_ENUM, 0, 0, 0, level_values},
		{"status", FIELD_ENUM, 0, 0, 0, status_values},
		{"q", FIELD_STRING, 0, 1, 100, NULL},
		{0},
	};
	validate_body(filters, filter_fields, VALIDATE_QUERY, &errors);
	json_decref(filters);
	if (query_checked(resp, ctx, errors) != 0)
		return;
	const char *params[7] = {ctx->principal.scope_path, page.after[0] ? page.after : NULL,
				 parent, level, status, q, page.limit_text};
	respond_page(resp, ctx, &list_units, params, "units", page.limit);
}

static void get(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *code;
	if (allowed(resp, ctx, ACT_READ_REGISTRY) != 0 || !(code = unit_code_param(req, resp, ctx)))
		return;
	static const char *const include_values[] = {"ancestors", NULL};
	const char *include = query_param(req, "include");
	json_t *errors = NULL;
	query_check_enum(&errors, "include", include, include_values, "must be ancestors");
	if (query_checked(resp, ctx, errors) != 0)
		return;
	const char *params[3] = {code, ctx->principal.scope_path, include ? "true" : "false"};
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &get_unit, params, &st);
	if (!res)
		return;
	if (st != DB_OK)
		internal_error(resp, ctx);
	else
		respond_row(resp, ctx, res, "unit");
	PQclear(res);
}

static void create(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	if (allowed(resp, ctx, ACT_WRITE_REGISTRY) != 0)
		return;
	if (accept_body(resp, ctx, unit_fields, VALIDATE_CREATE) != 0)
		return;
	/* checked here, not left to the table's CHECK, which only a C/SQL mismatch may reach */
	const char *parent = body_string(ctx->body, "parent_code");
	if (parent && !strcmp(parent, body_string(ctx->body, "code"))) {
		invalid_field(resp, ctx, "/parent_code", "invalid_value", "must be another unit");
		return;
	}
	const char *params[9] = {body_string(ctx->body, "code"), body_string(ctx->body, "name"),
				 body_string(ctx->body, "level"), body_string(ctx->body, "parent_code"),
				 ctx->principal.scope_path};
	enum db_status st;
	PGresult *res = run_write(resp, ctx, &create_unit, params, 5, &st);
	if (res && (st == DB_OK || !tree_refusal(resp, ctx, res)))
		respond_named_outcome(resp, ctx, res, st, 201, "/api/v1/units/", "unit");
	PQclear(res);
}

static void update(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *code;
	if (allowed(resp, ctx, ACT_WRITE_REGISTRY) != 0 || !(code = unit_code_param(req, resp, ctx)))
		return;
	char version[16];
	if (accept_patch(req, resp, ctx, unit_fields, NULL, NULL, version) != 0)
		return;
	const char *params[8] = {code, version, NULL, ctx->principal.scope_path};
	enum db_status st;
	PGresult *res = write_document(resp, ctx, &update_unit, params, 2, 4,
				       json_incref(ctx->body), &st);
	if (res && (st == DB_OK || !tree_refusal(resp, ctx, res)))
		respond_named_outcome(resp, ctx, res, st, 200, NULL, "unit");
	PQclear(res);
}

/* A delete the database refused: rows still refer to the unit (409), or a bug. */
static void delete_refused(struct _u_response *resp, const struct req_ctx *ctx,
			   const PGresult *res)
{
	if (!strcmp(db_sqlstate(res), SQLSTATE_FOREIGN_KEY_VIOLATION))
		problem(resp, ctx, 409,
			"The unit has sub-units, teams, members, accounts or history: retire it into a "
			"successor instead.");
	else
		write_failed_unexpectedly(resp, ctx, res);
}

static void delete(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *code;
	if (allowed(resp, ctx, ACT_WRITE_REGISTRY) != 0 || !(code = unit_code_param(req, resp, ctx)))
		return;
	char version[16];
	if (etag_require_if_match(req, resp, ctx, version) != 0)
		return;
	const char *params[7] = {code, version, ctx->principal.scope_path};
	delete_and_answer(resp, ctx, &delete_unit, params, 3, version, "unit",
			  "A retired unit is kept: records made under it still name it.",
			  delete_refused);
}

static void retire(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *code;
	if (allowed(resp, ctx, ACT_WRITE_REGISTRY) != 0 || !(code = unit_code_param(req, resp, ctx)))
		return;
	static const struct field retire_fields[] = {
		{"successor_code", FIELD_CODE, FIELD_REQUIRED, 0, 0, NULL}, {0}};
	if (accept_body(resp, ctx, retire_fields, VALIDATE_CREATE) != 0)
		return;
	const char *params[7] = {code, body_string(ctx->body, "successor_code"),
				 ctx->principal.scope_path};
	enum db_status st;
	PGresult *res = run_write(resp, ctx, &retire_unit, params, 3, &st);
	if (!res)
		return;
	if (st != DB_OK) {
		write_failed_unexpectedly(resp, ctx, res);
		PQclear(res);
		return;
	}
	const char *outcome = result_value(res, "outcome");
	if (!outcome)
		outcome = "";
	static const struct {
		const char *outcome;
		unsigned status;
		const char *message;
	} outcomes[] = {
		{"not_found", 404, "No such unit."},
		{"already_retired", 409, "The unit is retired already."},
		{"successor_not_found", 422, "no such unit in your scope"},
		{"successor_is_self", 422, "must be another unit"},
		{"successor_retired", 422, "is retired itself: use its successor"},
		{"successor_inside", 422, "lies inside the unit being retired"},
		{"successor_level", 422, "must be of the same level as the unit"},
		{"team_conflict", 409, "Both units have an active team: dissolve or move one first."},
	};
	int answered = 0;
	for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0] && !answered; i++) {
		if (strcmp(outcome, outcomes[i].outcome))
			continue;
		answered = 1;
		if (outcomes[i].status == 422) {
			invalid_field(resp, ctx, "/successor_code", outcomes[i].outcome,
				      outcomes[i].message);
		} else {
			problem(resp, ctx, outcomes[i].status, outcomes[i].message);
		}
	}
	int retired = !strcmp(outcome, "ok"); /* outcome lives in res */
	PQclear(res);
	if (answered)
		return;
	if (!retired) {
		internal_error(resp, ctx);
		return;
	}
	const char *read_params[1] = {code};
	respond_read(resp, ctx, &read_unit, read_params, "unit");
}

const struct route units_routes[] = {
	{"GET", "/api/v1/units", list, ROUTE_REPLICA},
	{"POST", "/api/v1/units", create, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT | ROUTE_CHANGES_KEPT},
	{"GET", "/api/v1/units/{code}", get, 0},
	{"PATCH", "/api/v1/units/{code}", update, ROUTE_JSON_BODY | ROUTE_CHANGES_KEPT},
	{"DELETE", "/api/v1/units/{code}", delete, ROUTE_CHANGES_KEPT},
	{"POST", "/api/v1/units/{code}/retire", retire, ROUTE_JSON_BODY | ROUTE_CHANGES_KEPT},
	{0},
};
