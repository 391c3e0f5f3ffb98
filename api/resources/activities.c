/*
 * Activities: what a team did. POST /api/v1/teams/{id}/activities records one;
 * /api/v1/activities/{id} reads, patches and deletes it. The lists and the CSV export are in
 * activities_list.c, the batch in activities_batch.c, the checks in activities_input.c.
 *
 * Rules enforced here:
 *   - recording needs ACT_RECORD_ACTIVITY: officers and systems with activities:write for the
 *     teams in their scope; team leaders for their own team only (another team answers 403
 *     when it is in their scope, 404 when not); viewers 403;
 *   - reading needs ACT_READ_REGISTRY, inside the scope (the activity's unit under it); a team
 *     leader reads their own team's activities only;
 *   - the date is real, not after today in Vietnam, not before the team was established; the
 *     services exist and are not retired (a retired service already on a record may stay);
 *     every member was in the team on that date; the languages exist; the unit is the team's
 *     or under it; households_reached <= people_reached. The references are checked in SQL, in
 *     the statement that writes (ACTIVITY_PROBLEMS), and each failure is named (/member_ids/1
 *     not_a_member);
 *   - PATCH is a merge patch with If-Match; the record is checked as the patch leaves it, but
 *     only against what the patch touches (changing the notes of an old record does not
 *     re-check memberships edited since). Every write records its audit event in the same
 *     statement.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../auth/authz.h"
#include "../http/etag.h"
#include "../http/problem.h"
#include "../route.h"
#include "activities.h"
#include "audit_actor.h"
#include "resource.h"
#include "teams_shared.h"

/* An activity the caller may see: its unit under the scope; for a team leader, of their team. */
#define ACTIVITY_VISIBLE(id, scope, only)                                                   \
	" FROM activities a JOIN units u ON u.code = a.unit_code WHERE a.id = " id "::uuid"  \
	" AND u.path <@ " scope "::ltree AND (" only "::uuid IS NULL OR a.team_id = " only "::uuid)"

static struct db_stmt get_activity = {
	.name = "activities_get",
	.sql = "SELECT activity_json(a)::text, a.version" ACTIVITY_VISIBLE("$1", "$2", "$3"),
	.nparams = 3,
	.readonly = 1,
};

static struct db_stmt team_in_scope = {
	.name = "activities_team_in_scope",
	.sql = "SELECT 1 FROM teams t WHERE " TEAM_VISIBLE("$1", "$2", "NULL"),
	.nparams = 2,
	.readonly = 1,
};

/* $1 items (one), $2 scope, $3 only team, $4-$7 audit actor. */
static struct db_stmt create_activity = {
	.name = "activities_create",
	.sql = "WITH" ACTIVITY_NEW_CANDIDATES("$1", "$2", "$3") ACTIVITY_PROBLEMS ","
	       ACTIVITY_INSERT_CANDIDATES
	       AUDIT_EVENT("after", AUDIT_ACTOR_SQL(4, 5, 6, 7),
			   "'activity.create', 'activity', id::text, to_jsonb(ins) FROM ins")
	       " SELECT " ACTIVITY_PROBLEMS_JSON " AS problems,"
	       " (SELECT activity_json(ins)::text FROM ins) AS json,"
	       " (SELECT version FROM ins) AS version, (SELECT id::text FROM ins) AS id",
	.nparams = 7,
};

/* A member of the patch: its new value when the patch has it, else the stored one. */
#define PATCHED(key, value, stored) "CASE WHEN j ? '" key "' THEN " value " ELSE " stored " END"
#define PATCHED_ARRAY(key, stored, cast)                                                    \
	PATCHED(key, "ARRAY(SELECT jsonb_array_elements_text(j->'" key "'))" cast, stored)

/* $1 id, $2 version, $3 scope, $4 only team (leaders), $5 the patch (jsonb), $6-$9 audit. */
static struct db_stmt update_activity = {
	.name = "activities_update",
	.sql = "WITH p AS (SELECT $5::jsonb AS j),"
	       " old AS (SELECT a.*" ACTIVITY_VISIBLE("$1", "$3", "NULL") " FOR UPDATE OF a),"
	       " cand AS (SELECT 0 AS idx, t.id AS team_id, t.unit_code AS team_unit,"
	       "   tu.path AS team_path, t.established_on,"
	       "   ($4::uuid IS NULL OR t.id = $4::uuid) AS allowed,"
	       "   " PATCHED("unit_code", "j->>'unit_code'", "o.unit_code") " AS unit_code,"
	       "   " PATCHED("date", "(j->>'date')::date", "o.date") " AS date,"
	       "   coalesce(j->>'kind', o.kind) AS kind,"
	       "   " PATCHED_ARRAY("service_codes", "o.service_codes", "") " AS service_codes,"
	       "   o.service_codes AS old_services,"
	       "   " PATCHED_ARRAY("member_ids", "o.member_ids", "::uuid[]") " AS member_ids,"
	       "   " PATCHED_ARRAY("languages", "o.languages", "") " AS languages,"
	       "   " PATCHED("households_reached", "(j->>'households_reached')::int",
			     "o.households_reached") " AS households,"
	       "   " PATCHED("people_reached", "(j->>'people_reached')::int", "o.people_reached")
	       "     AS people,"
	       "   " PATCHED("notes", "j->>'notes'", "o.notes") " AS notes,"
	       "   j ? 'date' AS chk_date, j ? 'date' OR j ? 'member_ids' AS chk_members,"
	       "   j ? 'unit_code' AS chk_unit, j ? 'languages' AS chk_langs"
	       "  FROM p, old o JOIN teams t ON t.id = o.team_id JOIN units tu ON tu.code = t.unit_code),"
	       ACTIVITY_PROBLEMS ","
	       " upd AS (UPDATE activities a SET unit_code = c.unit_code, date = c.date,"
	       "   kind = c.kind, service_codes = c.service_codes, member_ids = c.member_ids,"
	       "   languages = c.languages, households_reached = c.households,"
	       "   people_reached = c.people, notes = c.notes, version = a.version + 1,"
	       "   updated_at = now()"
	       "   FROM cand c WHERE a.id = $1::uuid AND a.version = $2::int AND c.allowed"
	       "   AND NOT EXISTS (SELECT 1 FROM problems) RETURNING a.*),"
	       AUDIT_EVENT("before, after", AUDIT_ACTOR_SQL(6, 7, 8, 9),
			   "'activity.update', 'activity', upd.id::text,"
			   " to_jsonb(old), to_jsonb(upd) FROM upd, old")
	       " SELECT EXISTS (SELECT 1 FROM old) AS found, (SELECT allowed FROM cand) AS own_team,"
	       " (SELECT version FROM old) AS current_version, " ACTIVITY_PROBLEMS_JSON " AS problems,"
	       " (SELECT activity_json(upd)::text FROM upd) AS json,"
	       " (SELECT version FROM upd) AS version",
	.nparams = 9,
};

/* $1 id, $2 version, $3 scope, $4 only team (leaders), $5-$8 audit. */
static struct db_stmt delete_activity = {
	.name = "activities_delete",
	.sql = "WITH old AS (SELECT a.*" ACTIVITY_VISIBLE("$1", "$3", "NULL") "),"
	       " del AS (DELETE FROM activities a USING old WHERE a.id = old.id"
	       "   AND a.version = $2::int AND ($4::uuid IS NULL OR a.team_id = $4::uuid)"
	       "   RETURNING a.*),"
	       AUDIT_EVENT("before", AUDIT_ACTOR_SQL(5, 6, 7, 8),
			   "'activity.delete', 'activity', id::text, to_jsonb(del) FROM del")
	       " SELECT EXISTS (SELECT 1 FROM old) AS found,"
	       " (SELECT $4::uuid IS NULL OR team_id = $4::uuid FROM old) AS own_team,"
	       " (SELECT version FROM old) AS current_version, (SELECT count(*) FROM del) AS deleted",
	.nparams = 8,
};

#define OWN_TEAM_ONLY "A team leader records the activities of their own team only."

/*
 * A team leader naming a team not theirs: 403 when that team is in their scope, 404 when not
 * (as for a team that does not exist).
 */
static void refuse_other_team(struct _u_response *resp, struct req_ctx *ctx, const char *team)
{
	const char *params[2] = {team, ctx->principal.scope_path};
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &team_in_scope, params, &st);
	if (!res)
		return;
	if (st != DB_OK)
		internal_error(resp, ctx);
	else if (PQntuples(res) == 1)
		problem(resp, ctx, 403, OWN_TEAM_ONLY);
	else
		not_found(resp, ctx, "team");
	PQclear(res);
}

/* Answers a failed write (a race past the checks, e.g. a team deleted meanwhile): 409/500. */
static void write_failed(struct _u_response *resp, const struct req_ctx *ctx,
			 const PGresult *res)
{
	const char *state = db_sqlstate(res);
	if (!strcmp(state, SQLSTATE_FOREIGN_KEY_VIOLATION))
		problem(resp, ctx, 409, "The team or a unit changed meanwhile; read them again and retry.");
	else
		write_failed_unexpectedly(resp, ctx, res);
}

/* 422 from the JSON text of the problems the statement found. */
static void refused(struct _u_response *resp, const struct req_ctx *ctx, const char *problems)
{
	json_t *errors = NULL;
	activity_problems_to_errors(problems, 0, &errors);
	invalid_body(resp, ctx, errors);
}

static void create(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *team;
	if (allowed(resp, ctx, ACT_RECORD_ACTIVITY) != 0 ||
	    !(team = path_uuid(req, resp, ctx, "id", "team")))
		return;
	const char *only = team_only_param(ctx);
	if (only && strcasecmp(only, team)) {
		refuse_other_team(resp, ctx, team);
		return;
	}
	json_t *errors = NULL;
	if (activity_check(ctx->body, VALIDATE_CREATE, 0, &errors)) {
		invalid_body(resp, ctx, errors);
		return;
	}
	json_t *items = json_array();
	json_array_append_new(items, activity_item(ctx->body, team));
	char *text = json_dumps(items, JSON_COMPACT); /* NULL when any step had no memory */
	json_decref(items);
	if (!text) {
		internal_error(resp, ctx);
		return;
	}
	const char *params[7] = {text, ctx->principal.scope_path, only};
	audit_actor_params(ctx, params + 3);
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &create_activity, params, &st);
	free(text);
	if (!res)
		return;
	const char *problems = st == DB_OK ? result_value(res, "problems") : NULL;
	if (st != DB_OK)
		write_failed(resp, ctx, res);
	else if (problems && activity_problems_name(problems, "/team_id"))
		respond_outcome(resp, ctx, OUTCOME_NOT_FOUND, "team", NULL);
	else if (problems)
		refused(resp, ctx, problems);
	else
		respond_written_named(resp, ctx, res, 201, "/api/v1/activities/", "id");
	PQclear(res);
}

static void get(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	if (allowed(resp, ctx, ACT_READ_REGISTRY) != 0 ||
	    !(id = path_uuid(req, resp, ctx, "id", "activity")))
		return;
	const char *params[3] = {id, ctx->principal.scope_path, team_only_param(ctx)};
	respond_read(resp, ctx, &get_activity, params, "activity");
}

static void update(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	char version[16];
	if (allowed(resp, ctx, ACT_RECORD_ACTIVITY) != 0 ||
	    !(id = path_uuid(req, resp, ctx, "id", "activity")))
		return;
	json_t *errors = NULL;
	if (activity_check(ctx->body, VALIDATE_PATCH, 0, &errors)) {
		invalid_body(resp, ctx, errors);
		return;
	}
	if (etag_require_if_match(req, resp, ctx, version) != 0)
		return;
	char *patch = json_dumps(ctx->body, JSON_COMPACT);
	if (!patch) {
		internal_error(resp, ctx);
		return;
	}
	const char *params[9] = {id, version, ctx->principal.scope_path, team_only_param(ctx), patch};
	audit_actor_params(ctx, params + 5);
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &update_activity, params, &st);
	free(patch);
	if (!res)
		return;
	const char *current = st == DB_OK ? result_value(res, "current_version") : NULL;
	const char *problems = st == DB_OK ? result_value(res, "problems") : NULL;
	if (st != DB_OK)
		write_failed(resp, ctx, res);
	else if (!result_true(res, "found"))
		respond_outcome(resp, ctx, OUTCOME_NOT_FOUND, "activity", NULL);
	else if (!result_true(res, "own_team"))
		problem(resp, ctx, 403, OWN_TEAM_ONLY);
	else if (!current || strcmp(current, version))
		respond_outcome(resp, ctx, OUTCOME_STALE, "activity", NULL);
	else if (problems)
		refused(resp, ctx, problems);
	else if (!result_value(res, "json")) /* changed between the read and the write */
		respond_outcome(resp, ctx, OUTCOME_STALE, "activity", NULL);
	else
		respond_written_named(resp, ctx, res, 200, NULL, NULL);
	PQclear(res);
}

static void delete(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	char version[16];
	if (allowed(resp, ctx, ACT_RECORD_ACTIVITY) != 0 ||
	    !(id = path_uuid(req, resp, ctx, "id", "activity")) ||
	    etag_require_if_match(req, resp, ctx, version) != 0)
		return;
	const char *params[8] = {id, version, ctx->principal.scope_path, team_only_param(ctx)};
	audit_actor_params(ctx, params + 4);
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &delete_activity, params, &st);
	if (!res)
		return;
	const char *current = st == DB_OK ? result_value(res, "current_version") : NULL;
	const char *deleted = st == DB_OK ? result_value(res, "deleted") : NULL;
	if (st != DB_OK)
		write_failed_unexpectedly(resp, ctx, res);
	else if (!result_true(res, "found"))
		respond_outcome(resp, ctx, OUTCOME_NOT_FOUND, "activity", NULL);
	else if (!result_true(res, "own_team"))
		problem(resp, ctx, 403, OWN_TEAM_ONLY);
	else if (!current || strcmp(current, version) || !deleted || strcmp(deleted, "1"))
		respond_outcome(resp, ctx, OUTCOME_STALE, "activity", NULL);
	else
		ulfius_set_empty_body_response(resp, 204);
	PQclear(res);
}

/* ulfius matches "activities:batch" as one literal segment: the colon is not a parameter. */
const struct route activities_routes[] = {
	{"GET", "/api/v1/teams/{id}/activities", activities_list_of_team, ROUTE_REPLICA},
	{"POST", "/api/v1/teams/{id}/activities", create, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT},
	{"GET", "/api/v1/activities", activities_list, ROUTE_REPLICA | ROUTE_CSV},
	{"POST", "/api/v1/activities:batch", activities_batch,
	 ROUTE_JSON_BODY | ROUTE_IDEMPOTENT | ROUTE_LARGE_BODY},
	{"GET", "/api/v1/activities/{id}", get, 0},
	{"PATCH", "/api/v1/activities/{id}", update, ROUTE_JSON_BODY},
	{"DELETE", "/api/v1/activities/{id}", delete, 0},
	{0},
};
