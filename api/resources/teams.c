/*
 * Teams: /api/v1/teams and /api/v1/teams/{id} — one team per village or commune (the list and
 * its CSV export are in teams_list.c).
 *
 * Rules enforced here, on top of the field table:
 *   - a team's unit is a village or a commune in the caller's scope, and active: a retired
 *     (merged) unit takes no new team, nor a team moved to it;
 *   - one active team per unit (the partial unique index teams_one_active_per_unit): a second
 *     answers 409 naming the team already there;
 *   - established_on is a real date, not in the future, and not after any of the team's
 *     memberships began; contact_phone is normalised exactly as a member's phone is
 *     (member_phone_normalise) and stored in its national form (0 + 9 or 10 digits); it is
 *     usually the leader's own number, so it is personal data: masked like a member's phone
 *     (team_json's personal_data) for readers without the right to see it;
 *   - a team is deleted only while it has no memberships at all, else 409: history is kept by
 *     setting status to dissolved instead;
 *   - a team outside the caller's scope answers 404 like a missing one; a team leader reads
 *     only their own team; writing needs ACT_WRITE_REGISTRY.
 * Every write inserts its audit event in the same statement; every read and write sends ETag.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/authz.h"
#include "../http/etag.h"
#include "../http/problem.h"
#include "../route.h"
#include "../validate.h"
#include "audit_actor.h"
#include "members_validate.h"
#include "rep_cache.h"
#include "resource.h"
#include "teams_shared.h"

const char *const team_status_values[] = {"active", "suspended", "dissolved", NULL};

static const struct field team_fields[] = {
	{"unit_code", FIELD_CODE, FIELD_REQUIRED, 0, 0, NULL},
	{"name", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL},
	{"status", FIELD_ENUM, 0, 0, 0, team_status_values},
	/* no maximum: anything but YYYY-MM-DD is invalid_format (check_date_field) */
	{"established_on", FIELD_STRING, FIELD_REQUIRED, 1, 0, NULL},
	{"contact_phone", FIELD_STRING, FIELD_NULLABLE, 1, 0, NULL},
	{"notes", FIELD_STRING, FIELD_NULLABLE, 1, 2000, NULL}, /* over 200: newlines allowed */
	READ_ONLY("id", "unit", "leader", "member_count", STAMPS),
};

/*
 * The statements call the functions of db/functions/30_teams.sql, which keep the scope rule,
 * the unit a team may be placed in and the audit event; their columns are read by name.
 */
static struct db_stmt get_team = DB_READ("teams_get", 4,
	"SELECT json, version, path FROM team_read($1::uuid, $2::ltree, $3::uuid, $4::boolean)");

static struct db_stmt create_team = DB_STMT("teams_create", 12,
	"SELECT * FROM team_create($1, $2, $3, $4::date, $5, $6, $7::ltree, "
	AUDIT_ACTOR_ROW(8, 9, 10, 11) ", $12::boolean)");

/* $1 id, $2 version, $3 the patch as stored (jsonb), $4 scope, $5-$8 audit, $9 personal data. */
static struct db_stmt update_team = DB_STMT("teams_update", 9,
	"SELECT * FROM team_update($1::uuid, $2::int, $3::jsonb, $4::ltree, "
	AUDIT_ACTOR_ROW(5, 6, 7, 8) ", $9::boolean)");

static struct db_stmt delete_team = DB_STMT("teams_delete", 7,
	"SELECT * FROM team_delete($1::uuid, $2::int, $3::ltree, " AUDIT_ACTOR_ROW(4, 5, 6, 7) ")");

/* The other active team of a unit: the given one, or else the unit of team $2. */
static struct db_stmt active_team_of_unit = DB_READ("teams_active_of_unit", 2,
	"SELECT t.id::text AS id, t.unit_code FROM teams t WHERE t.status = 'active'"
	" AND t.unit_code = coalesce($1, (SELECT unit_code FROM teams WHERE id = $2::uuid))"
	" AND t.id IS DISTINCT FROM $2::uuid");

/*
 * A team body's checks beyond the field table (a body_check, run after it): established_on,
 * and the phone number, which, when given, is normalised into out (char[MEMBER_PHONE_SIZE]).
 * Returns the number of errors (appended to *errors).
 */
static int team_check(const json_t *body, enum validate_mode mode, json_t **errors, void *out)
{
	(void)mode;
	char *phone = out;
	int n = check_date_field(body, "established_on", NULL, NULL, errors);
	const char *given = body_string(body, "contact_phone");
	phone[0] = '\0';
	if (given && !has_field_error(*errors, "contact_phone") &&
	    member_phone_normalise(given, phone) != 0) {
		problem_add_error(errors, "/contact_phone", "invalid_format",
				  "must be a Vietnamese phone number: a mobile (03, 05, 07, 08, "
				  "09 + 8 digits) or a landline (02 + 9 digits), optionally +84");
		n++;
	}
	return n;
}

/* Answers 409 for a second active team in a unit, naming the team already there. */
static void one_active_team_conflict(struct _u_response *resp, struct req_ctx *ctx,
				     const char *unit_code, const char *team_id)
{
	const char *params[2] = {unit_code, team_id};
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &active_team_of_unit, params, &st);
	if (!res)
		return;
	char detail[240];
	if (st == DB_OK && PQntuples(res) >= 1)
		snprintf(detail, sizeof detail,
			 "Unit %s already has an active team (%s); a unit has one active team at a "
			 "time: suspend or dissolve that team first.",
			 result_value(res, "unit_code"), result_value(res, "id"));
	else
		snprintf(detail, sizeof detail,
			 "The unit already has an active team; a unit has one active team at a time.");
	problem(resp, ctx, 409, detail);
	PQclear(res);
}

/*
 * Answers a failed team write: the unique and foreign-key constraints become 409; anything
 * else is a 500 (input cannot cause it: it was checked before).
 */
static void team_write_failed(struct _u_response *resp, struct req_ctx *ctx,
			      const PGresult *res, const char *unit_code, const char *team_id)
{
	const char *state = db_sqlstate(res), *constraint = db_constraint(res);
	if (!strcmp(state, SQLSTATE_UNIQUE_VIOLATION) && !strcmp(constraint, "teams_one_active_per_unit"))
		one_active_team_conflict(resp, ctx, unit_code, team_id);
	else if (!strcmp(state, SQLSTATE_UNIQUE_VIOLATION) && !strcmp(constraint, "memberships_one_per_level"))
		problem(resp, ctx, 409,
			"A member of this team is active in another team of the new unit's level; "
			"a person serves in one village team and one commune team at a time.");
	else if (!strcmp(state, SQLSTATE_FOREIGN_KEY_VIOLATION) && !strcmp(constraint, "users_team"))
		problem(resp, ctx, 409,
			"A team leader's account refers to this team; move that account first.");
	else if (!strcmp(state, SQLSTATE_FOREIGN_KEY_VIOLATION))
		problem(resp, ctx, 409,
			"This team has memberships; set its status to dissolved instead.");
	else
		write_failed_unexpectedly(resp, ctx, res);
}

static void get(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	if (allowed(resp, ctx, ACT_READ_REGISTRY) != 0 || !(id = path_uuid(req, resp, ctx, "id", "team")))
		return;
	const char *params[4] = {id, ctx->principal.scope_path, team_only_param(ctx),
				 personal_data(ctx)};
	/* a team leader reads their own team only: the database says which. The contact phone
	 * is masked for readers without personal data: each form is kept under its own key
	 * (tp: with personal data, tm: masked), so a reader never gets the other's. */
	char key[REP_CACHE_KEY_MAX];
	snprintf(key, sizeof key, "t%c:%s", !strcmp(params[3], "true") ? 'p' : 'm', id);
	respond_kept(resp, ctx, params[2] ? NULL : key, &get_team, params, "team");
}

static void create(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	if (allowed(resp, ctx, ACT_WRITE_REGISTRY) != 0)
		return;
	json_t *body = ctx->body, *errors = NULL;
	char phone[MEMBER_PHONE_SIZE];
	validate_body(body, team_fields, VALIDATE_CREATE, &errors);
	if (team_check(body, VALIDATE_CREATE, &errors, phone) || errors) {
		invalid_body(resp, ctx, errors);
		return;
	}
	const char *unit = body_string(body, "unit_code");
	const char *params[12] = {unit, body_string(body, "name"), body_string(body, "status"),
				  body_string(body, "established_on"), phone[0] ? phone : NULL,
				  body_string(body, "notes"), ctx->principal.scope_path};
	audit_actor_params(ctx, params + 7);
	params[11] = personal_data(ctx);
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &create_team, params, &st);
	if (res && st != DB_OK)
		team_write_failed(resp, ctx, res, unit, NULL);
	else if (res)
		respond_named_outcome(resp, ctx, res, st, 201, "/api/v1/teams/", "team");
	PQclear(res);
}

/*
 * The patch as stored, as JSON text (the caller frees it): the body with contact_phone in its
 * normalised form (phone, "" when the body sets none). NULL when memory ran out.
 */
static char *team_patch_document(const json_t *patch, const char *phone)
{
	if (!phone[0])
		return json_dumps(patch, JSON_COMPACT);
	json_t *doc = json_deep_copy(patch);
	char *text = NULL;
	if (doc && json_object_set_new(doc, "contact_phone", json_string(phone)) == 0)
		text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text;
}

static void update(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	char phone[MEMBER_PHONE_SIZE], version[16];
	if (allowed(resp, ctx, ACT_WRITE_REGISTRY) != 0 ||
	    !(id = path_uuid(req, resp, ctx, "id", "team")) ||
	    accept_patch(req, resp, ctx, team_fields, team_check, phone, version) != 0)
		return;
	json_t *patch = ctx->body;
	char *doc = team_patch_document(patch, phone);
	if (!doc) {
		internal_error(resp, ctx);
		return;
	}
	const char *unit = body_string(patch, "unit_code");
	const char *params[9] = {id, version, doc, ctx->principal.scope_path};
	audit_actor_params(ctx, params + 4);
	params[8] = personal_data(ctx);
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &update_team, params, &st);
	free(doc);
	if (res && st != DB_OK)
		team_write_failed(resp, ctx, res, unit, id);
	else if (res)
		respond_named_outcome(resp, ctx, res, st, 200, NULL, "team");
	PQclear(res);
}

static void delete(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	char version[16];
	if (allowed(resp, ctx, ACT_WRITE_REGISTRY) != 0 ||
	    !(id = path_uuid(req, resp, ctx, "id", "team")) ||
	    etag_require_if_match(req, resp, ctx, version) != 0)
		return;
	const char *params[7] = {id, version, ctx->principal.scope_path};
	enum db_status st;
	PGresult *res = run_write(resp, ctx, &delete_team, params, 3, &st);
	if (!res)
		return;
	if (st != DB_OK)
		team_write_failed(resp, ctx, res, NULL, id);
	else
		respond_deleted(resp, ctx, res, version, "team",
				"This team has memberships, and deleting it would erase their history; "
				"set its status to dissolved instead.");
	PQclear(res);
}

const struct route teams_routes[] = {
	{"GET", "/api/v1/teams", teams_list, ROUTE_REPLICA | ROUTE_CSV},
	{"POST", "/api/v1/teams", create, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT | ROUTE_CHANGES_KEPT},
	{"GET", "/api/v1/teams/{id}", get, 0},
	{"PATCH", "/api/v1/teams/{id}", update, ROUTE_JSON_BODY | ROUTE_CHANGES_KEPT},
	{"DELETE", "/api/v1/teams/{id}", delete, ROUTE_CHANGES_KEPT},
	{0},
};
