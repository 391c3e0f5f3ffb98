/*
 * Memberships: who is in which team when. /api/v1/teams/{id}/memberships[/{mid}] and a
 * person's history across teams, /api/v1/members/{id}/memberships.
 *
 * Rules enforced here:
 *   - memberships follow their team: a team outside the caller's scope answers 404, and its
 *     memberships are absent from every list; a team leader reads only their own team;
 *     writing needs ACT_WRITE_REGISTRY (team leaders and viewers get 403);
 *   - the member must be in the caller's scope: otherwise 422 not_found on /member_id, exactly
 *     as for a member that does not exist;
 *   - joined_on is a real date, not in the future, not before the team was established;
 *     left_on, when given, is not before joined_on and not in the future (the schema counts
 *     any membership with left_on as ended, so a future one would end it today);
 *   - at most one active leader per team, and one active village team and one active commune
 *     team per person (the schema's partial unique indexes): 409 with what conflicts;
 *   - ending a membership (left_on) keeps it: history is never deleted here;
 *   - a dissolved team takes no new active membership (409).
 * Lists are newest first (joined_on, then id, descending), keyset-paged on that pair.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/authz.h"
#include "../http/paging.h"
#include "../http/problem.h"
#include "../route.h"
#include "../validate.h"
#include "audit_actor.h"
#include "members_validate.h"
#include "resource.h"
#include "teams_shared.h"


static const struct field membership_fields[] = {
	{"member_id", FIELD_UUID, FIELD_REQUIRED | FIELD_CREATE_ONLY, 0, 0, NULL},
	{"role", FIELD_ENUM, FIELD_REQUIRED, 0, 0, member_team_role_values},
	{"joined_on", FIELD_STRING, FIELD_REQUIRED, 1, 0, NULL},
	{"left_on", FIELD_STRING, FIELD_NULLABLE, 1, 0, NULL},
	READ_ONLY("id", "team_id", "member_name", "active", STAMPS),
};

/* The keyset of the lists: "YYYY-MM-DD/uuid", newest first. The cursor is signed: ours. */
#define HISTORY_KEY "to_char(ms.joined_on, 'YYYY-MM-DD') || '/' || ms.id::text"
#define HISTORY_AFTER(key)                                                                  \
	"(" key "::text IS NULL OR (ms.joined_on, ms.id) < (split_part(" key ", '/', 1)::date," \
	" split_part(" key ", '/', 2)::uuid))"
#define HISTORY_ORDER " ORDER BY ms.joined_on DESC, ms.id DESC"
#define ACTIVE_IS(flag) "(" flag "::boolean IS NULL OR (ms.left_on IS NULL) = " flag "::boolean)"

static struct db_stmt team_visible = DB_READ("memberships_team_visible", 3,
	"SELECT 1 FROM visible_teams($2::ltree, $3::uuid) t WHERE t.id = $1::uuid");

static struct db_stmt member_visible = DB_READ("memberships_member_visible", 2,
	"SELECT 1 FROM visible_members($2::ltree) m WHERE m.id = $1::uuid");

/* The lists of a team's or a member's memberships in visible teams: $1 the team or member, $2
 * scope, $3 the one team a team leader sees, $4 after, $5 active, $6 limit. */
#define HISTORY_OF(whose)                                                                  \
	"SELECT membership_json(ms)::text, " HISTORY_KEY " FROM memberships ms"            \
	" JOIN visible_teams($2::ltree, $3::uuid) t ON t.id = ms.team_id"                 \
	" WHERE ms." whose " = $1::uuid AND " HISTORY_AFTER("$4") " AND " ACTIVE_IS("$5") \
	HISTORY_ORDER " LIMIT $6::int"

static struct db_stmt list_of_team = DB_READ("memberships_of_team", 6, HISTORY_OF("team_id"));

static struct db_stmt list_of_member = DB_READ("memberships_of_member", 6,
	HISTORY_OF("member_id"));

/*
 * A membership and what a patch is checked against (db/functions/30_teams.sql, as the
 * writes): the columns json, version, role, joined_on, left_on ("" when active),
 * team_established_on, member_id.
 */
static struct db_stmt get_membership = DB_READ("memberships_get", 4,
	"SELECT * FROM membership_read($1::uuid, $2::uuid, $3::ltree, $4::uuid)");

static struct db_stmt create_membership = DB_STMT("memberships_create", 10,
	"SELECT * FROM membership_create($1::uuid, $2::ltree, $3::uuid, $4, $5::date, $6::date,"
	" $7, $8::uuid, $9, $10)");

/* $1 id, $2 team, $3 version, $4 the patch (jsonb), $5 scope, $6-$9 audit. */
static struct db_stmt update_membership = DB_STMT("memberships_update", 9,
	"SELECT * FROM membership_update($1::uuid, $2::uuid, $3::int, $4::jsonb, $5::ltree, $6,"
	" $7::uuid, $8, $9)");

/* What a refused membership write conflicts with: the active leader's membership, the team's
 * level, and whether the person is already active in this very team. */
static struct db_stmt conflict_facts = DB_READ("memberships_conflict_facts", 2,
	"SELECT (SELECT id::text FROM memberships WHERE team_id = $1::uuid"
	"   AND role = 'leader' AND left_on IS NULL) AS leader_membership,"
	" (SELECT u.level FROM teams t JOIN units u ON u.code = t.unit_code"
	"   WHERE t.id = $1::uuid) AS team_level,"
	" EXISTS (SELECT 1 FROM memberships WHERE team_id = $1::uuid"
	"   AND member_id = $2::uuid AND left_on IS NULL) AS already_active");

/* Answers 409 for a unique index that refused the write, saying what is in the way. */
static void explain_conflict(struct _u_response *resp, struct req_ctx *ctx, const char *team_id,
			     const char *member_id, int leader)
{
	const char *params[2] = {team_id, member_id};
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &conflict_facts, params, &st);
	if (!res)
		return;
	int known = st == DB_OK && PQntuples(res) == 1;
	const char *leader_membership = known ? result_value(res, "leader_membership") : NULL;
	const char *level = known ? result_value(res, "team_level") : NULL;
	char detail[300];
	if (leader)
		snprintf(detail, sizeof detail,
			 "The team already has an active leader%s%s%s; end that membership or "
			 "change its role first.",
			 leader_membership ? " (membership " : "",
			 leader_membership ? leader_membership : "", leader_membership ? ")" : "");
	else if (known && result_true(res, "already_active"))
		snprintf(detail, sizeof detail, "This person is already an active member of this team.");
	else
		snprintf(detail, sizeof detail,
			 "This person is already active in another %s team; a person serves in one "
			 "village team and one commune team at a time: end that membership first.",
			 level ? level : "");
	problem(resp, ctx, 409, detail);
	PQclear(res);
}

/* Answers a failed membership write: constraints become 409 or 422; the rest is a 500. */
static void membership_write_failed(struct _u_response *resp, struct req_ctx *ctx,
				    const PGresult *res, const char *team_id,
				    const char *member_id)
{
	const char *state = db_sqlstate(res), *constraint = db_constraint(res);
	if (!strcmp(state, SQLSTATE_UNIQUE_VIOLATION))
		explain_conflict(resp, ctx, team_id, member_id,
				 !strcmp(constraint, "memberships_one_leader"));
	else if (!strcmp(state, SQLSTATE_CHECK_VIOLATION) && strstr(constraint, "team_level"))
		problem(resp, ctx, 409, "The team's unit is no longer a village or a commune.");
	else if (!strcmp(state, SQLSTATE_CHECK_VIOLATION) && !strcmp(constraint, "memberships_check")) {
		/* left_on >= joined_on, changed by someone else meanwhile */
		invalid_field(resp, ctx, "/left_on", "out_of_range", "must not be before joined_on");
	} else
		write_failed_unexpectedly(resp, ctx, res);
}

/* 0 when the row stmt reads is there for the caller; -1 after answering 404 (or 503/500). */
static int require_visible(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
			   const char *const *params, const char *what)
{
	PGresult *res = fetch_row(resp, ctx, stmt, params, what);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

/* Reads ?active=true|false; 0, or -1 after answering 422. */
static int read_active(const struct _u_request *req, struct _u_response *resp,
		       const struct req_ctx *ctx, const char **active)
{
	json_t *errors = NULL;
	query_check_boolean(&errors, "active", query_param(req, "active"), active);
	return query_checked(resp, ctx, errors);
}

/* A membership history: of whom (a team or a member), and the statements that read it. */
struct history {
	const char *whose, *list;
	struct db_stmt *visible, *page;
};

static void list_history(const struct _u_request *req, struct _u_response *resp,
			 struct req_ctx *ctx, const struct history *h)
{
	const char *id, *active;
	struct page_request page;
	if (allowed(resp, ctx, ACT_READ_REGISTRY) != 0 ||
	    !(id = path_uuid(req, resp, ctx, "id", h->whose)) ||
	    page_request_parse(req, resp, ctx, h->list, &page) != 0 ||
	    read_active(req, resp, ctx, &active) != 0)
		return;
	const char *params[6] = {id, ctx->principal.scope_path, team_only_param(ctx),
				 page.after[0] ? page.after : NULL, active, page.limit_text};
	if (require_visible(resp, ctx, h->visible, params, h->whose) != 0)
		return;
	respond_page(resp, ctx, h->page, params, h->list, page.limit);
}

static void list_for_team(const struct _u_request *req, struct _u_response *resp,
			  struct req_ctx *ctx)
{
	static const struct history team = {"team", "team_memberships", &team_visible,
					    &list_of_team};
	list_history(req, resp, ctx, &team);
}

static void list_for_member(const struct _u_request *req, struct _u_response *resp,
			    struct req_ctx *ctx)
{
	static const struct history member = {"member", "member_memberships", &member_visible,
					      &list_of_member};
	list_history(req, resp, ctx, &member);
}

/* Reads a membership of a visible team; NULL after answering. Columns: see get_membership. */
static PGresult *fetch(const struct _u_request *req, struct _u_response *resp,
		       struct req_ctx *ctx, const char **team_out, const char **mid_out)
{
	const char *team = path_uuid(req, resp, ctx, "id", "membership");
	const char *mid = team ? path_uuid(req, resp, ctx, "mid", "membership") : NULL;
	if (!mid)
		return NULL;
	const char *params[4] = {mid, team, ctx->principal.scope_path, team_only_param(ctx)};
	PGresult *res = fetch_row(resp, ctx, &get_membership, params, "membership");
	*team_out = team;
	*mid_out = mid;
	return res;
}

static void get(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *team, *mid;
	if (allowed(resp, ctx, ACT_READ_REGISTRY) != 0)
		return;
	PGresult *res = fetch(req, resp, ctx, &team, &mid);
	if (!res)
		return;
	respond_row(resp, ctx, res, "membership");
	PQclear(res);
}

static void create(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *team;
	if (allowed(resp, ctx, ACT_WRITE_REGISTRY) != 0 ||
	    !(team = path_uuid(req, resp, ctx, "id", "team")))
		return;
	json_t *body = ctx->body, *errors = NULL;
	validate_body(body, membership_fields, VALIDATE_CREATE, &errors);
	check_date_field(body, "joined_on", NULL, NULL, &errors);
	if (!has_field_error(errors, "joined_on"))
		check_date_field(body, "left_on", body_string(body, "joined_on"), "joined_on", &errors);
	if (errors) {
		invalid_body(resp, ctx, errors);
		return;
	}
	const char *member = body_string(body, "member_id"), *joined = body_string(body, "joined_on");
	const char *params[10] = {team, ctx->principal.scope_path, member, body_string(body, "role"),
				  joined, body_string(body, "left_on")};
	enum db_status st;
	PGresult *res = run_write(resp, ctx, &create_membership, params, 6, &st);
	if (!res)
		return;
	char text[160];
	const char *established = st == DB_OK ? result_value(res, "established_on") : NULL;
	if (st != DB_OK) {
		membership_write_failed(resp, ctx, res, team, member);
	} else if (!result_true(res, "team_found")) {
		respond_outcome(resp, ctx, OUTCOME_NOT_FOUND, "team", NULL);
	} else if (!result_true(res, "member_found")) {
		invalid_field(resp, ctx, "/member_id", "not_found", "no such member in your scope");
	} else if (established && strcmp(joined, established) < 0) {
		snprintf(text, sizeof text, "must not be before the team was established (%s)",
			 established);
		invalid_field(resp, ctx, "/joined_on", "out_of_range", text);
	} else if (!result_value(res, "json")) {
		respond_outcome(resp, ctx, OUTCOME_CONFLICT, "team",
				"The team is dissolved: it takes no new active membership.");
	} else {
		snprintf(text, sizeof text, "/api/v1/teams/%s/memberships/", team);
		respond_written_named(resp, ctx, res, 201, text, "id");
	}
	PQclear(res);
}

/* Row 0's value of the named column, "" when it is NULL. */
static const char *column_text(const PGresult *res, const char *column)
{
	const char *v = result_value(res, column);
	return v ? v : "";
}

/*
 * Checks the dates of a membership as the patch would leave them (cur: the membership read
 * by get_membership), appending errors.
 */
static void check_patched_dates(const json_t *patch, const PGresult *cur, json_t **errors)
{
	const char *established = column_text(cur, "team_established_on");
	check_date_field(patch, "joined_on", established, "the team's established_on", errors);
	const char *joined = body_string(patch, "joined_on") ? body_string(patch, "joined_on")
							      : column_text(cur, "joined_on");
	json_t *given_left = json_object_get(patch, "left_on");
	const char *left = given_left ? (json_is_string(given_left) ? json_string_value(given_left) : "")
				      : column_text(cur, "left_on");
	if (has_field_error(*errors, "joined_on"))
		return;
	if (given_left) {
		check_date_field(patch, "left_on", joined, "joined_on", errors);
	} else if (*left && strcmp(left, joined) < 0) {
		char message[120];
		snprintf(message, sizeof message, "must not be after left_on (%s)", left);
		problem_add_error(errors, "/joined_on", "out_of_range", message);
	}
}

static void update(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	if (allowed(resp, ctx, ACT_WRITE_REGISTRY) != 0)
		return;
	json_t *patch = ctx->body, *errors = NULL;
	char version[16];
	if (accept_patch(req, resp, ctx, membership_fields, NULL, NULL, version) != 0)
		return;
	const char *team, *mid, *params[9] = {NULL};
	char *doc = NULL;
	enum db_status st;
	PGresult *res = NULL, *cur = fetch(req, resp, ctx, &team, &mid);
	if (!cur)
		return;
	check_patched_dates(patch, cur, &errors);
	if (errors) {
		invalid_body(resp, ctx, errors);
		goto out;
	}
	if (!(doc = json_dumps(patch, JSON_COMPACT))) {
		internal_error(resp, ctx);
		goto out;
	}
	params[0] = mid;
	params[1] = team;
	params[2] = version;
	params[3] = doc;
	params[4] = ctx->principal.scope_path;
	audit_actor_params(ctx, params + 5);
	if (!(res = request_query(ctx, resp, &update_membership, params, &st)))
		goto out;
	if (st != DB_OK)
		membership_write_failed(resp, ctx, res, team, column_text(cur, "member_id"));
	else if (!result_true(res, "found"))
		respond_outcome(resp, ctx, OUTCOME_NOT_FOUND, "membership", NULL);
	else if (result_true(res, "revive_refused"))
		respond_outcome(resp, ctx, OUTCOME_CONFLICT, "membership",
				"The team is dissolved: its memberships cannot become active again.");
	else
		respond_updated(resp, ctx, res, "membership");
out:
	free(doc);
	PQclear(res);
	PQclear(cur);
}

const struct route memberships_routes[] = {
	{"GET", "/api/v1/teams/{id}/memberships", list_for_team, 0},
	{"POST", "/api/v1/teams/{id}/memberships", create,
	 ROUTE_JSON_BODY | ROUTE_IDEMPOTENT | ROUTE_CHANGES_KEPT},
	{"GET", "/api/v1/teams/{id}/memberships/{mid}", get, 0},
	{"PATCH", "/api/v1/teams/{id}/memberships/{mid}", update, ROUTE_JSON_BODY | ROUTE_CHANGES_KEPT},
	{"GET", "/api/v1/members/{id}/memberships", list_for_member, 0},
	{0},
};
