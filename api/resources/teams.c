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
	{"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL},
	{"unit", FIELD_STRING, FIELD_READONLY, 0, 0, NULL},
	{"leader", FIELD_STRING, FIELD_READONLY, 0, 0, NULL},
	{"member_count", FIELD_INTEGER, FIELD_READONLY, 0, 0, NULL},
	{"created_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL},
	{"updated_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL},
	{"version", FIELD_INTEGER, FIELD_READONLY, 0, 0, NULL},
	{0},
};

/* The unit a team may be placed in, with what is needed to explain a refusal. */
#define TARGET_UNIT(code, scope)                                                           \
	"SELECT code, level, status, successor_code FROM units WHERE code = " code          \
	" AND path <@ " scope "::ltree FOR SHARE"
#define TARGET_UNIT_OK "level IN ('village', 'commune') AND status = 'active'"

/* TEAM_VISIBLE written as a join, for the unit's path that rep_cache keeps beside the team. */
static struct db_stmt get_team = {
	.name = "teams_get",
	.sql = "SELECT team_json(t, $4::boolean)::text, t.version, u.path::text FROM teams t"
	       " JOIN units u ON u.code = t.unit_code WHERE t.id = $1::uuid"
	       " AND ($3::uuid IS NULL OR t.id = $3::uuid) AND u.path <@ $2::ltree",
	.nparams = 4,
	.readonly = 1,
};

static struct db_stmt create_team = {
	.name = "teams_create",
	.sql = "WITH unit AS (" TARGET_UNIT("$1", "$7") "),"
	       " ins AS (INSERT INTO teams (unit_code, name, status, established_on, contact_phone,"
	       "   notes) SELECT code, $2, coalesce($3, 'active'), $4::date, $5, $6 FROM unit"
	       "   WHERE " TARGET_UNIT_OK " RETURNING *),"
	       AUDIT_EVENT("after", AUDIT_ACTOR_SQL(8, 9, 10, 11),
			   "'team.create', 'team', id::text, to_jsonb(ins) FROM ins")
	       " SELECT (SELECT level FROM unit) AS unit_level, (SELECT status FROM unit) AS unit_status,"
	       " (SELECT successor_code FROM unit) AS unit_successor,"
	       " (SELECT team_json(ins, $12::boolean)::text FROM ins) AS json,"
	       " (SELECT version FROM ins) AS version, (SELECT id::text FROM ins) AS id",
	.nparams = 12,
};

/*
 * A merge patch: NULL parameters keep the current value; the nullable fields take a "given"
 * flag. Moving a team to a unit of another level moves its memberships' team_level with it
 * (the index that keeps one active village team and one commune team per person may then
 * refuse: 23505).
 */
static struct db_stmt update_team = {
	.name = "teams_update",
	.sql = "WITH old AS (SELECT t.* FROM teams t WHERE " TEAM_VISIBLE("$1", "$3", "NULL") "),"
	       " unit AS (" TARGET_UNIT("$4", "$3") "),"
	       " checks AS (SELECT $4::text IS NULL OR $4 = (SELECT unit_code FROM old)"
	       "     OR EXISTS (SELECT 1 FROM unit WHERE " TARGET_UNIT_OK ") AS unit_ok,"
	       "   (SELECT min(joined_on) FROM memberships WHERE team_id = $1::uuid) AS first_joined),"
	       " upd AS (UPDATE teams t SET unit_code = coalesce($4, t.unit_code),"
	       "   name = coalesce($5, t.name), status = coalesce($6, t.status),"
	       "   established_on = coalesce($7::date, t.established_on),"
	       "   contact_phone = CASE WHEN $8::boolean THEN $9 ELSE t.contact_phone END,"
	       "   notes = CASE WHEN $10::boolean THEN $11 ELSE t.notes END,"
	       "   version = t.version + 1, updated_at = now()"
	       "   FROM old, checks WHERE t.id = old.id AND t.version = $2::int AND checks.unit_ok"
	       "   AND ($7::date IS NULL OR checks.first_joined IS NULL"
	       "        OR $7::date <= checks.first_joined)"
	       "   RETURNING t.*),"
	       " relevel AS (UPDATE memberships ms SET team_level = u.level FROM upd"
	       "   JOIN units u ON u.code = upd.unit_code"
	       "   WHERE ms.team_id = upd.id AND ms.team_level <> u.level RETURNING 1),"
	       AUDIT_EVENT("before, after", AUDIT_ACTOR_SQL(12, 13, 14, 15),
			   "'team.update', 'team', upd.id::text,"
			   " to_jsonb(old), to_jsonb(upd) FROM upd, old")
	       " SELECT EXISTS (SELECT 1 FROM old) AS found, (SELECT unit_ok FROM checks) AS unit_ok,"
	       " (SELECT to_char(first_joined, 'YYYY-MM-DD') FROM checks) AS first_joined,"
	       " (SELECT level FROM unit) AS unit_level, (SELECT status FROM unit) AS unit_status,"
	       " (SELECT successor_code FROM unit) AS unit_successor,"
	       " (SELECT team_json(upd, $16::boolean)::text FROM upd) AS json,"
	       " (SELECT version FROM upd) AS version",
	.nparams = 16,
};

static struct db_stmt delete_team = {
	.name = "teams_delete",
	.sql = "WITH old AS (SELECT t.* FROM teams t WHERE " TEAM_VISIBLE("$1", "$3", "NULL") "),"
	       " used AS (SELECT EXISTS (SELECT 1 FROM memberships WHERE team_id = $1::uuid) AS in_use),"
	       " del AS (DELETE FROM teams t USING old, used WHERE t.id = old.id"
	       "   AND t.version = $2::int AND NOT used.in_use RETURNING t.*),"
	       AUDIT_EVENT("before", AUDIT_ACTOR_SQL(4, 5, 6, 7),
			   "'team.delete', 'team', id::text, to_jsonb(del) FROM del")
	       " SELECT EXISTS (SELECT 1 FROM old) AS found, (SELECT version = $2::int FROM old) AS"
	       " version_matches, (SELECT in_use FROM used) AS in_use, (SELECT count(*) FROM del) AS"
	       " deleted",
	.nparams = 7,
};

/* The other active team of a unit: the given one, or else the unit of team $2. */
static struct db_stmt active_team_of_unit = {
	.name = "teams_active_of_unit",
	.sql = "SELECT t.id::text, t.unit_code FROM teams t WHERE t.status = 'active'"
	       " AND t.unit_code = coalesce($1, (SELECT unit_code FROM teams WHERE id = $2::uuid))"
	       " AND t.id IS DISTINCT FROM $2::uuid",
	.nparams = 2,
	.readonly = 1,
};

/*
 * Validates a team body: the field table, then dates and the phone number. The phone, when
 * given, is normalised into phone[]. Returns the number of errors (appended to *errors).
 */
static int validate_team(const json_t *body, enum validate_mode mode, json_t **errors,
			 char phone[MEMBER_PHONE_SIZE])
{
	int n = validate_body(body, team_fields, mode, errors);
	n += check_date_field(body, "established_on", NULL, NULL, errors);
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

/*
 * Explains why the target unit whose (level, status, successor_code) start at column col
 * refuses a team; 0 when it does not.
 */
static int unit_refusal(const PGresult *res, json_t **errors)
{
	char message[160];
	const char *level = result_value(res, "unit_level"), *status = result_value(res, "unit_status");
	const char *successor = result_value(res, "unit_successor");
	if (!level) {
		problem_add_error(errors, "/unit_code", "not_found", "no such unit in your scope");
	} else if (strcmp(level, "village") && strcmp(level, "commune")) {
		problem_add_error(errors, "/unit_code", "invalid_value",
				  "must be a village or a commune: teams serve one of them");
	} else if (!status || strcmp(status, "active")) {
		snprintf(message, sizeof message, "is retired (merged into %s): use its successor",
			 successor ? successor : "");
		problem_add_error(errors, "/unit_code", "retired", message);
	} else {
		return 0;
	}
	return 1;
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
			 PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 0));
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
	if (validate_team(body, VALIDATE_CREATE, &errors, phone)) {
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
	if (!res)
		return;
	if (st != DB_OK)
		team_write_failed(resp, ctx, res, unit, NULL);
	else if (unit_refusal(res, &errors))
		invalid_body(resp, ctx, errors);
	else
		respond_written_named(resp, ctx, res, 201, "/api/v1/teams/", "id");
	PQclear(res);
}

static void update(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	if (allowed(resp, ctx, ACT_WRITE_REGISTRY) != 0 || !(id = path_uuid(req, resp, ctx, "id", "team")))
		return;
	json_t *patch = ctx->body, *errors = NULL;
	char phone[MEMBER_PHONE_SIZE], version[16];
	if (validate_team(patch, VALIDATE_PATCH, &errors, phone)) {
		invalid_body(resp, ctx, errors);
		return;
	}
	if (etag_require_if_match(req, resp, ctx, version) != 0)
		return;
	const char *unit = body_string(patch, "unit_code");
	const char *params[16] = {id, version, ctx->principal.scope_path, unit,
				  body_string(patch, "name"), body_string(patch, "status"),
				  body_string(patch, "established_on"),
				  json_object_get(patch, "contact_phone") ? "true" : "false",
				  phone[0] ? phone : NULL,
				  json_object_get(patch, "notes") ? "true" : "false",
				  body_string(patch, "notes")};
	audit_actor_params(ctx, params + 11);
	params[15] = personal_data(ctx);
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &update_team, params, &st);
	if (!res)
		return;
	char message[160];
	const char *first_joined = st == DB_OK ? result_value(res, "first_joined") : NULL;
	if (st != DB_OK) {
		team_write_failed(resp, ctx, res, unit, id);
	} else if (!result_true(res, "found")) {
		respond_outcome(resp, ctx, OUTCOME_NOT_FOUND, "team", NULL);
	} else if (!result_true(res, "unit_ok") && unit_refusal(res, &errors)) {
		invalid_body(resp, ctx, errors);
	} else if (body_string(patch, "established_on") && first_joined &&
		   strcmp(body_string(patch, "established_on"), first_joined) > 0) {
		snprintf(message, sizeof message,
			 "must not be after the first membership began (%s)", first_joined);
		invalid_field(resp, ctx, "/established_on", "out_of_range", message);
	} else if (!result_value(res, "json")) { /* the version If-Match named is gone */
		respond_outcome(resp, ctx, OUTCOME_STALE, "team", NULL);
	} else {
		respond_written_named(resp, ctx, res, 200, NULL, NULL);
	}
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
	audit_actor_params(ctx, params + 3);
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &delete_team, params, &st);
	if (!res)
		return;
	if (st != DB_OK) {
		team_write_failed(resp, ctx, res, NULL, id);
		PQclear(res);
		return;
	}
	const char *deleted = result_value(res, "deleted");
	enum write_outcome outcome = !result_true(res, "found")             ? OUTCOME_NOT_FOUND
				     : !result_true(res, "version_matches") ? OUTCOME_STALE
				     : result_true(res, "in_use")           ? OUTCOME_CONFLICT
				     : !deleted || strcmp(deleted, "1")     ? OUTCOME_STALE
									    : OUTCOME_OK;
	if (outcome == OUTCOME_OK)
		ulfius_set_empty_body_response(resp, 204);
	else
		respond_outcome(resp, ctx, outcome, "team",
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
