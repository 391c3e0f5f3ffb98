/*
 * Funding: /api/v1/funding-proposals, /api/v1/funding-proposals/{id},
 * /api/v1/funding-proposals/{id}/transitions and /api/v1/funding-allocations[/{id}].
 *
 * A unit asks for money for a fiscal year (a proposal with line items); the workflow that
 * decides it is the table funding_workflow, and every rule that needs the database (the
 * caller strictly above the unit, never the one who submitted it, the budget of the nearest
 * allocation, tranches within the approved total) is db/functions/75_funding.sql's. This file
 * checks the form of every field, turns the functions' named outcomes into HTTP and lists.
 *
 * Rules enforced here:
 *   - admins and officers write in their scope (404 outside), viewers read, a team leader reads
 *     the proposals that name their team; systems need funding:read / funding:write;
 *   - money is whole đồng: integers, a line's quantity 1 to 1,000,000 and unit cost 0 to a
 *     trillion; PostgreSQL computes the totals and refuses any beyond a trillion (422);
 *   - only draft and returned proposals are edited (merge patch with If-Match, line_items and
 *     team_ids replaced as a whole; 409 otherwise);
 *   - a move names its action and takes exactly the fields that action needs: approve
 *     approved_total_vnd and decision_no, reject and return a comment (optional on the others),
 *     disburse amount_vnd, paid_on and voucher_no. A move the status does not allow answers
 *     409 with allowed_actions; one the caller may not make 403.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/authz.h"
#include "../dates.h"
#include "../http/csv_export.h"
#include "../http/etag.h"
#include "../http/paging.h"
#include "../http/problem.h"
#include "../route.h"
#include "../text.h"
#include "../validate.h"
#include "audit_actor.h"
#include "funding.h"
#include "resource.h"
#include "teams_shared.h"

const char *const funding_category_values[] = {"member_allowance", "devices", "mobile_data",
						"training", "travel", "materials", "other", NULL};
const char *const funding_status_values[] = {"draft", "submitted", "returned", "approved",
					     "rejected", "withdrawn", "disbursed", NULL};
const char *const funding_action_values[] = {"submit", "approve", "reject", "return",
					     "withdraw", "disburse", NULL};

#define MONEY_MAX 1000000000000L /* one trillion đồng */
#define LINES_MAX 100
#define TEAMS_MAX 50

static const struct field proposal_fields[] = {
	{"unit_code", FIELD_CODE, FIELD_REQUIRED, 0, 0, NULL},
	{"title", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL},
	{"purpose", FIELD_STRING, FIELD_REQUIRED, 1, 4000, NULL},
	{"fiscal_year", FIELD_INTEGER, FIELD_REQUIRED, 2020, 2100, NULL},
	READ_ONLY("id", "unit", "requested_total_vnd", "approved_total_vnd", "disbursed_total_vnd",
		  "decision_no", "status", "history", STAMPS),
};

static const struct field line_fields[] = {
	{"category", FIELD_ENUM, FIELD_REQUIRED, 0, 0, funding_category_values},
	{"description", FIELD_STRING, FIELD_REQUIRED, 1, 500, NULL},
	{"quantity", FIELD_INTEGER, FIELD_REQUIRED, 1, 1000000, NULL},
	{"unit_cost_vnd", FIELD_INTEGER, FIELD_REQUIRED, 0, MONEY_MAX, NULL},
	READ_ONLY("total_vnd"),
};

static const struct field transition_fields[] = {
	{"action", FIELD_ENUM, FIELD_REQUIRED, 0, 0, funding_action_values},
	{"comment", FIELD_STRING, 0, 1, 2000, NULL},
	{"approved_total_vnd", FIELD_INTEGER, 0, 0, MONEY_MAX, NULL},
	{"decision_no", FIELD_STRING, 0, 1, 100, NULL},
	{"amount_vnd", FIELD_INTEGER, 0, 1, MONEY_MAX, NULL},
	{"paid_on", FIELD_STRING, 0, 10, 10, NULL},
	{"voucher_no", FIELD_STRING, 0, 1, 100, NULL},
	{0},
};

static const struct field allocation_fields[] = {
	{"unit_code", FIELD_CODE, FIELD_REQUIRED | FIELD_CREATE_ONLY, 0, 0, NULL},
	{"fiscal_year", FIELD_INTEGER, FIELD_REQUIRED | FIELD_CREATE_ONLY, 2020, 2100, NULL},
	{"amount_vnd", FIELD_INTEGER, FIELD_REQUIRED, 0, MONEY_MAX, NULL},
	READ_ONLY("id", "approved_vnd", "remaining_vnd", STAMPS),
};

#define NIL_UUID "00000000-0000-0000-0000-000000000000"

/*
 * The list's parameters: $1 scope path, $2 the only team (leaders), $3 after id, $4 unit,
 * $5 fiscal_year, $6 status, $7 category, $8 q, $9 awaiting me (true: the submitted proposals
 * the caller may decide: strictly above, never submitted by them), $10 limit, $11/$12 the
 * caller (actor type and id, for awaiting).
 */
#define LIST_ROWS(select)                                                                   \
	"SELECT " select " FROM visible_proposals($1::ltree, $2::uuid) p"                    \
	" JOIN units u ON u.code = p.unit_code"                                             \
	" WHERE p.id > coalesce($3::uuid, '" NIL_UUID "')"                                  \
	" AND ($4::text IS NULL OR within(u.path, (SELECT x.path FROM units x"              \
	"      WHERE x.code = $4)))"                                                        \
	" AND ($5::int IS NULL OR p.fiscal_year = $5::int)"                                 \
	" AND ($6::text IS NULL OR p.status = $6)"                                          \
	" AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM funding_line_items l"              \
	"      WHERE l.proposal_id = p.id AND l.category = $7))"                             \
	" AND ($8::text IS NULL OR search_fold(concat_ws(' ', p.title, p.purpose))"         \
	"      LIKE search_pattern($8))"                                                    \
	" AND (NOT coalesce($9::boolean, false) OR (p.status = 'submitted'"                 \
	"      AND scope_above($1::ltree, u.path) AND NOT EXISTS (SELECT 1"                 \
	"      FROM funding_transitions t WHERE t.proposal_id = p.id AND t.action = 'submit'" \
	"      AND t.actor_type = $11 AND t.actor_id = $12::uuid)))"                         \
	" ORDER BY p.id LIMIT $10::int"

static struct db_stmt list_proposals = DB_READ("funding_list", 12,
	LIST_ROWS("funding_proposal_json(p, false)::text, p.id::text"));

static struct db_stmt export_proposals = DB_READ("funding_export", 12,
	LIST_ROWS("csv_line(p.id::text, p.unit_code, u.name, p.fiscal_year::text, p.title,"
		  " p.status, p.requested_total_vnd::text, p.approved_total_vnd::text,"
		  " p.disbursed_total_vnd::text, p.decision_no, array_to_string(p.team_ids, ';'),"
		  " rfc3339(p.updated_at)), p.id::text"));

#define EXPORT_HEADER                                                                       \
	"id,unit_code,unit_name,fiscal_year,title,status,requested_total_vnd,"                 \
	"approved_total_vnd,disbursed_total_vnd,decision_no,team_ids,updated_at"

static struct db_stmt get_proposal = DB_READ("funding_get", 3,
	"SELECT funding_proposal_json(p, true)::text, p.version"
	" FROM visible_proposals($2::ltree, $3::uuid) p WHERE p.id = $1::uuid");

/* The editable fields as stored, the base a merge patch applies to. */
static struct db_stmt get_writable = DB_READ("funding_get_writable", 2,
	"SELECT json_build_object('unit_code', p.unit_code, 'title', p.title,"
	" 'purpose', p.purpose, 'fiscal_year', p.fiscal_year, 'team_ids', to_json(p.team_ids),"
	" 'line_items', (SELECT json_agg(json_build_object('category', l.category,"
	"   'description', l.description, 'quantity', l.quantity,"
	"   'unit_cost_vnd', l.unit_cost_vnd) ORDER BY l.position)"
	"   FROM funding_line_items l WHERE l.proposal_id = p.id))::text AS proposal,"
	" p.version FROM visible_proposals($2::ltree, NULL) p WHERE p.id = $1::uuid");

static struct db_stmt create_proposal = DB_STMT("funding_create", 6,
	"SELECT * FROM funding_proposal_create($1::jsonb, $2::ltree, "
	AUDIT_ACTOR_ROW(3, 4, 5, 6) ")");

static struct db_stmt update_proposal = DB_STMT("funding_update", 8,
	"SELECT * FROM funding_proposal_update($1::uuid, $2::int, $3::jsonb, $4::ltree, "
	AUDIT_ACTOR_ROW(5, 6, 7, 8) ")");

static struct db_stmt move_proposal = DB_STMT("funding_transition", 9,
	"SELECT * FROM funding_transition($1::uuid, $2::int, $3, $4::jsonb, $5::ltree, "
	AUDIT_ACTOR_ROW(6, 7, 8, 9) ")");

static struct db_stmt list_allocations = DB_READ("funding_allocations_list", 5,
	"SELECT funding_allocation_json(a)::text, a.id::text FROM funding_allocations a"
	" JOIN units u ON u.code = a.unit_code"
	" WHERE within(u.path, $1::ltree) AND a.id > coalesce($2::uuid, '" NIL_UUID "')"
	" AND ($3::text IS NULL OR within(u.path, (SELECT x.path FROM units x WHERE x.code = $3)))"
	" AND ($4::int IS NULL OR a.fiscal_year = $4::int)"
	" ORDER BY a.id LIMIT $5::int");

/* $1 id and $2 version (NULL for a new one), $3 unit, $4 year, $5 amount, $6 scope, $7-$10 audit */
static struct db_stmt write_allocation = DB_STMT("funding_allocations_write", 10,
	"SELECT * FROM funding_allocation_write($1::uuid, $2::int, $3, $4::int, $5::bigint,"
	" $6::ltree, " AUDIT_ACTOR_ROW(7, 8, 9, 10) ")");

/*
 * Checks each element of the array body[name] against table (at most max elements, at least
 * min), naming errors /name/i/field. Returns the number of errors appended.
 */
static int array_check(const json_t *body, const char *name, const struct field *table,
		       size_t min, size_t max, json_t **errors)
{
	size_t before = json_array_size(*errors);
	char at[64];
	snprintf(at, sizeof at, "/%s", name);
	const json_t *items = json_object_get(body, name);
	if (!json_is_array(items)) {
		problem_add_error(errors, at, items ? "invalid_type" : "required",
				  items ? "must be an array" : "is required");
		return 1;
	}
	if (json_array_size(items) < min)
		problem_add_error(errors, at, "too_short", "needs at least one line");
	if (json_array_size(items) > max)
		problem_add_error(errors, at, "too_long", "has too many elements");
	size_t i;
	const json_t *item;
	json_array_foreach(items, i, item)
	{
		char here[80];
		snprintf(here, sizeof here, "/%s/%zu", name, i);
		if (table && !json_is_object(item)) {
			problem_add_error(errors, here, "invalid_type", "must be an object");
			continue;
		}
		if (!table) { /* team ids */
			const char *s = json_string_value(item);
			if (!s || !text_is_uuid(s))
				problem_add_error(errors, here, "invalid_format", "must be a UUID");
			continue;
		}
		json_t *own = NULL;
		validate_body(item, table, VALIDATE_CREATE, &own);
		problem_add_errors_prefixed(errors, own, here);
	}
	return (int)(json_array_size(*errors) - before);
}

/* The members of a proposal checked item by item (array_check), not by the field table. */
static const char *const proposal_arrays[] = {"line_items", "team_ids", NULL};

/* A whole proposal document (a create, or a merged patch): every error appended. */
static int proposal_check(const json_t *doc, json_t **errors)
{
	size_t before = json_array_size(*errors);
	validate_body_except(doc, proposal_fields, VALIDATE_CREATE, proposal_arrays, errors);
	array_check(doc, "line_items", line_fields, 1, LINES_MAX, errors);
	if (json_object_get(doc, "team_ids"))
		array_check(doc, "team_ids", NULL, 0, TEAMS_MAX, errors);
	return (int)(json_array_size(*errors) - before);
}

static int read_filters(const struct _u_request *req, struct _u_response *resp,
			const struct req_ctx *ctx, const char **params)
{
	json_t *errors = NULL;
	const char *unit = query_param(req, "unit"), *year = query_param(req, "fiscal_year");
	const char *status = query_param(req, "status"), *category = query_param(req, "category");
	const char *q = query_param(req, "q"), *awaiting = query_param(req, "awaiting");
	query_check_code(&errors, "unit", unit);
	if (year && !funding_year_form(year))
		problem_add_error(&errors, "fiscal_year", "invalid_value",
				  "must be a year from 2020 to 2100");
	query_check_enum(&errors, "status", status, funding_status_values,
			 "must be draft, submitted, returned, approved, rejected, withdrawn or "
			 "disbursed");
	query_check_enum(&errors, "category", category, funding_category_values,
			 "must be member_allowance, devices, mobile_data, training, travel, "
			 "materials or other");
	if (q && !query_text_ok(q, 100))
		problem_add_error(&errors, "q", "invalid_value",
				  "must be text of at most 100 characters, without control characters");
	if (awaiting && strcmp(awaiting, "me"))
		problem_add_error(&errors, "awaiting", "invalid_value", "must be me");
	params[3] = unit;
	params[4] = year;
	params[5] = status;
	params[6] = category;
	params[7] = q;
	params[8] = awaiting ? "true" : NULL;
	return query_checked(resp, ctx, errors);
}

int funding_year_form(const char *s)
{
	return strlen(s) == 4 && strspn(s, "0123456789") == 4 && strcmp(s, "2020") >= 0 &&
	       strcmp(s, "2100") <= 0;
}

static void list(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	struct page_request page;
	const char *params[12] = {ctx->principal.scope_path, team_only_param(ctx)};
	if (allowed(resp, ctx, ACT_READ_FUNDING) != 0 ||
	    page_request_parse(req, resp, ctx, "funding-proposals", &page) != 0 ||
	    read_filters(req, resp, ctx, params) != 0)
		return;
	const char *actor[4];
	audit_actor_params(ctx, actor);
	params[2] = page.after[0] ? page.after : NULL;
	params[9] = page.limit_text;
	params[10] = actor[0];
	params[11] = actor[1];
	static const struct csv_export export = {.header = EXPORT_HEADER,
						 .page_stmt = &export_proposals, .nparams = 12,
						 .after_index = 2, .limit_index = 9,
						 .filename = "funding-proposals.csv"};
	respond_list(req, resp, ctx, &export, &list_proposals, params, "funding-proposals",
		     page.limit);
}

static void get(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	if (allowed(resp, ctx, ACT_READ_FUNDING) != 0 ||
	    !(id = path_uuid(req, resp, ctx, "id", "funding proposal")))
		return;
	const char *params[3] = {id, ctx->principal.scope_path, team_only_param(ctx)};
	respond_read(resp, ctx, &get_proposal, params, "funding proposal");
}

static void create(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	if (allowed(resp, ctx, ACT_WRITE_FUNDING) != 0)
		return;
	json_t *errors = NULL;
	if (proposal_check(ctx->body, &errors)) {
		invalid_body(resp, ctx, errors);
		return;
	}
	const char *params[6] = {NULL, ctx->principal.scope_path};
	enum db_status st;
	PGresult *res = write_document(resp, ctx, &create_proposal, params, 0, 2,
				      json_incref(ctx->body), &st);
	if (!res)
		return;
	respond_named_outcome(resp, ctx, res, st, 201, "/api/v1/funding-proposals/",
			      "funding proposal");
	PQclear(res);
}

/* A patch's own members (a body_check): the plain ones by the field table. */
static int patch_check(const json_t *patch, enum validate_mode mode, json_t **errors, void *out)
{
	(void)out;
	size_t before = json_array_size(*errors);
	validate_body_except(patch, proposal_fields, mode, proposal_arrays, errors);
	return (int)(json_array_size(*errors) - before);
}

static void update(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	char version[16];
	if (allowed(resp, ctx, ACT_WRITE_FUNDING) != 0 ||
	    !(id = path_uuid(req, resp, ctx, "id", "funding proposal")) ||
	    accept_patch(req, resp, ctx, NULL, patch_check, NULL, version) != 0)
		return;
	const char *key[2] = {id, ctx->principal.scope_path};
	json_t *merged = patched_document(resp, ctx, &get_writable, key, "funding proposal",
					  "proposal", version),
	       *errors = NULL;
	if (!merged)
		return;
	if (proposal_check(merged, &errors)) {
		json_decref(merged);
		invalid_body(resp, ctx, errors);
		return;
	}
	const char *params[8] = {id, version, NULL, ctx->principal.scope_path};
	enum db_status st;
	PGresult *res = write_document(resp, ctx, &update_proposal, params, 2, 4, merged, &st);
	if (!res)
		return;
	respond_named_outcome(resp, ctx, res, st, 200, NULL, "funding proposal");
	PQclear(res);
}

/* The fields each action takes; any other than action and these is not_allowed. */
static const char *const *action_takes(const char *action, int *comment_required)
{
	static const char *const approve[] = {"approved_total_vnd", "decision_no", "comment", NULL};
	static const char *const disburse[] = {"amount_vnd", "paid_on", "voucher_no", "comment",
					       NULL};
	static const char *const comment_only[] = {"comment", NULL};
	*comment_required = !strcmp(action, "reject") || !strcmp(action, "return");
	if (!strcmp(action, "approve"))
		return approve;
	if (!strcmp(action, "disburse"))
		return disburse;
	return comment_only;
}

static int transition_check(const json_t *body, json_t **errors)
{
	size_t before = json_array_size(*errors);
	validate_body(body, transition_fields, VALIDATE_CREATE, errors);
	const char *action = body_string(body, "action");
	if (!action || has_field_error(*errors, "action"))
		return (int)(json_array_size(*errors) - before);
	int comment_required;
	const char *const *takes = action_takes(action, &comment_required);
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)body, key, v)
	{
		int ok = !strcmp(key, "action");
		for (const char *const *t = takes; *t && !ok; t++)
			ok = !strcmp(key, *t);
		if (!ok && !has_field_error(*errors, key)) {
			char at[80];
			member_pointer(at, sizeof at, "/", key);
			problem_add_error(errors, at, "not_allowed", "this action does not take it");
		}
	}
	for (const char *const *t = takes; *t; t++)
		if (strcmp(*t, "comment") ? !json_object_get(body, *t)
					  : comment_required && !json_object_get(body, *t)) {
			char at[80];
			snprintf(at, sizeof at, "/%s", *t);
			problem_add_error(errors, at, "required",
					  strcmp(*t, "comment") ? "this action needs it"
								: "say why (it goes back to the unit)");
		}
	const char *paid = body_string(body, "paid_on");
	if (paid && !has_field_error(*errors, "paid_on") && !member_date_is_valid(paid))
		problem_add_error(errors, "/paid_on", "invalid_format", "must be a date YYYY-MM-DD");
	return (int)(json_array_size(*errors) - before);
}

static void move(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	char version[16];
	if (allowed(resp, ctx, ACT_WRITE_FUNDING) != 0 ||
	    !(id = path_uuid(req, resp, ctx, "id", "funding proposal")))
		return;
	json_t *errors = NULL;
	if (transition_check(ctx->body, &errors)) {
		invalid_body(resp, ctx, errors);
		return;
	}
	if (etag_require_if_match(req, resp, ctx, version) != 0)
		return;
	const char *params[9] = {id, version, body_string(ctx->body, "action"), NULL,
				 ctx->principal.scope_path};
	enum db_status st;
	PGresult *res = write_document(resp, ctx, &move_proposal, params, 3, 5,
				      json_incref(ctx->body), &st);
	if (!res)
		return;
	respond_named_outcome(resp, ctx, res, st, 200, NULL, "funding proposal");
	PQclear(res);
}

static void allocations_list(const struct _u_request *req, struct _u_response *resp,
			     struct req_ctx *ctx)
{
	struct page_request page;
	if (allowed(resp, ctx, ACT_READ_FUNDING) != 0 ||
	    page_request_parse(req, resp, ctx, "funding-allocations", &page) != 0)
		return;
	json_t *errors = NULL;
	const char *unit = query_param(req, "unit"), *year = query_param(req, "fiscal_year");
	query_check_code(&errors, "unit", unit);
	if (year && !funding_year_form(year))
		problem_add_error(&errors, "fiscal_year", "invalid_value",
				  "must be a year from 2020 to 2100");
	if (query_checked(resp, ctx, errors) != 0)
		return;
	const char *params[5] = {ctx->principal.scope_path, page.after[0] ? page.after : NULL,
				 unit, year, page.limit_text};
	respond_page(resp, ctx, &list_allocations, params, "funding-allocations", page.limit);
}

static void allocations_create(const struct _u_request *req, struct _u_response *resp,
			       struct req_ctx *ctx)
{
	(void)req;
	if (allowed(resp, ctx, ACT_WRITE_FUNDING) != 0 ||
	    accept_body(resp, ctx, allocation_fields, VALIDATE_CREATE) != 0)
		return;
	char year[16], amount[24];
	snprintf(year, sizeof year, "%lld",
		 (long long)json_integer_value(json_object_get(ctx->body, "fiscal_year")));
	snprintf(amount, sizeof amount, "%lld",
		 (long long)json_integer_value(json_object_get(ctx->body, "amount_vnd")));
	const char *params[10] = {NULL, NULL, body_string(ctx->body, "unit_code"), year, amount,
				  ctx->principal.scope_path};
	enum db_status st;
	PGresult *res = run_write(resp, ctx, &write_allocation, params, 6, &st);
	if (res)
		respond_named_outcome(resp, ctx, res, st, 201, "/api/v1/funding-allocations/",
				      "funding allocation");
	PQclear(res);
}

static void allocations_update(const struct _u_request *req, struct _u_response *resp,
			       struct req_ctx *ctx)
{
	const char *id;
	char version[16];
	if (allowed(resp, ctx, ACT_WRITE_FUNDING) != 0 ||
	    !(id = path_uuid(req, resp, ctx, "id", "funding allocation")) ||
	    accept_patch(req, resp, ctx, allocation_fields, NULL, NULL, version) != 0)
		return;
	const json_t *amount_v = json_object_get(ctx->body, "amount_vnd");
	if (!json_is_integer(amount_v)) {
		invalid_field(resp, ctx, "/amount_vnd", "required", "the new amount is required");
		return;
	}
	char amount[24];
	snprintf(amount, sizeof amount, "%lld", (long long)json_integer_value(amount_v));
	const char *params[10] = {id, version, NULL, NULL, amount, ctx->principal.scope_path};
	enum db_status st;
	PGresult *res = run_write(resp, ctx, &write_allocation, params, 6, &st);
	if (res)
		respond_named_outcome(resp, ctx, res, st, 200, NULL, "funding allocation");
	PQclear(res);
}

const struct route funding_routes[] = {
	{"GET", "/api/v1/funding-proposals", list, ROUTE_CSV},
	{"POST", "/api/v1/funding-proposals", create, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT},
	{"GET", "/api/v1/funding-proposals/{id}", get, 0},
	{"PATCH", "/api/v1/funding-proposals/{id}", update, ROUTE_JSON_BODY},
	{"POST", "/api/v1/funding-proposals/{id}/transitions", move, ROUTE_JSON_BODY},
	{"GET", "/api/v1/funding-allocations", allocations_list, 0},
	{"POST", "/api/v1/funding-allocations", allocations_create,
	 ROUTE_JSON_BODY | ROUTE_IDEMPOTENT},
	{"PATCH", "/api/v1/funding-allocations/{id}", allocations_update, ROUTE_JSON_BODY},
	{0},
};
