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
 *     the statement that writes (activity_problems()), and each failure is named (/member_ids/1
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

static struct db_stmt get_activity = DB_READ("activities_get", 3,
	"SELECT activity_json(a)::text, a.version"
	" FROM visible_activities($2::ltree, $3::uuid) a WHERE a.id = $1::uuid");

static struct db_stmt team_in_scope = DB_READ("activities_team_in_scope", 2,
	"SELECT 1 FROM visible_teams($2::ltree, NULL) t WHERE t.id = $1::uuid");

/* The writes are functions of db/functions/55_activities.sql; the last four parameters are
 * the audit actor (audit_actor_params). */
static struct db_stmt create_activity = DB_STMT("activities_create", 7,
	"SELECT * FROM activities_create($1, $2, $3, false, $4, $5, $6, $7)");

static struct db_stmt update_activity = DB_STMT("activities_update", 9,
	"SELECT * FROM activity_update($1, $2, $3, $4, $5, $6, $7, $8, $9)");

static struct db_stmt delete_activity = DB_STMT("activities_delete", 8,
	"SELECT * FROM activity_delete($1::uuid, $2::int, $3::ltree, $4::uuid, "
	AUDIT_ACTOR_ROW(5, 6, 7, 8) ")");

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
	char *text = NULL; /* stays NULL when any step had no memory */
	if (items && json_array_append_new(items, activity_item(ctx->body, team)) == 0)
		text = json_dumps(items, JSON_COMPACT);
	json_decref(items);
	if (!text) {
		internal_error(resp, ctx);
		return;
	}
	const char *params[7] = {text, ctx->principal.scope_path, only};
	enum db_status st;
	PGresult *res = run_write(resp, ctx, &create_activity, params, 3, &st);
	free(text);
	if (!res)
		return;
	const char *problems = st == DB_OK ? result_value(res, "problems") : NULL;
	if (st != DB_OK)
		write_failed(resp, ctx, res);
	else if (result_true(res, "team_refused"))
		respond_outcome(resp, ctx, OUTCOME_NOT_FOUND, "team", NULL);
	else if (problems)
		invalid_problems(resp, ctx, problems);
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

/* activity_check as accept_patch() calls it. */
static int patch_check(const json_t *body, enum validate_mode mode, json_t **errors, void *out)
{
	(void)out;
	return activity_check(body, mode, 0, errors);
}

static void update(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	char version[16];
	if (allowed(resp, ctx, ACT_RECORD_ACTIVITY) != 0 ||
	    !(id = path_uuid(req, resp, ctx, "id", "activity")) ||
	    accept_patch(req, resp, ctx, NULL, patch_check, NULL, version) != 0)
		return;
	const char *params[9] = {id, version, NULL, ctx->principal.scope_path,
				 team_only_param(ctx)};
	enum db_status st;
	PGresult *res = write_document(resp, ctx, &update_activity, params, 2, 5,
				       json_incref(ctx->body), &st);
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
		invalid_problems(resp, ctx, problems);
	else
		respond_updated(resp, ctx, res, "activity");
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
	enum db_status st;
	PGresult *res = run_write(resp, ctx, &delete_activity, params, 4, &st);
	if (!res)
		return;
	if (st != DB_OK)
		write_failed_unexpectedly(resp, ctx, res);
	else if (result_true(res, "found") && !result_true(res, "own_team"))
		problem(resp, ctx, 403, OWN_TEAM_ONLY);
	else
		respond_deleted(resp, ctx, res, version, "activity", NULL);
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
