/*
 * Evaluations of members and teams: /api/v1/evaluations, /api/v1/evaluations/{id} and
 * POST /api/v1/evaluations:prefill.
 *
 * An evaluation scores one subject (a member or a team) for a period (a year "2025" or a
 * quarter "2025-Q3", as its rubric's period_kind says) by one evaluator body, on the current
 * version of a rubric. The server computes total_score, rating and evidence (the subject's KPIs
 * from its activities, and suggested scores): db/functions/65_evaluations.sql.
 *
 * Rules enforced here:
 *   - admins and officers write evaluations of the subjects in their scope (404 outside);
 *     viewers and team leaders read (a leader: their team and the members it has or had);
 *     systems need evaluations:read / evaluations:write. comments are personal data: masked
 *     ("********") for readers without the right (personal_data());
 *   - the form of every field is checked here (field table, scores, the pairing of supersedes
 *     and reason), everything that needs the database by the write's SQL function, which
 *     answers one named outcome: ok, not_found, stale, conflict (with a detail), invalid
 *     (with the errors);
 *   - a finalized evaluation never changes (PATCH and DELETE answer 409); a correction is a
 *     new evaluation naming it in supersedes, with a reason; the database keeps one current
 *     finalized evaluation per subject, period and evaluator body, so of two finalizing at
 *     once one wins and the other gets 409 or 412.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/authz.h"
#include "../http/csv_export.h"
#include "../http/etag.h"
#include "../http/paging.h"
#include "../http/problem.h"
#include "../route.h"
#include "../validate.h"
#include "audit_actor.h"
#include "evaluations.h"
#include "resource.h"
#include "teams_shared.h"

const char *const evaluation_subject_type_values[] = {"member", "team", NULL};
const char *const evaluator_body_values[] = {"party_cell", "commune_committee",
					     "district_committee", "province_department",
					     "team_self", NULL};
const char *const evaluation_rating_values[] = {"excellent", "good", "satisfactory",
						"unsatisfactory", NULL};
const char *const evaluation_status_values[] = {"draft", "finalized", NULL};

#define SCORES_MAX 30
#define CRITERION_CODE_MAX 64

static const struct field evaluation_fields[] = {
	{"subject_type", FIELD_ENUM, FIELD_REQUIRED | FIELD_CREATE_ONLY, 0, 0,
	 evaluation_subject_type_values},
	{"subject_id", FIELD_UUID, FIELD_REQUIRED | FIELD_CREATE_ONLY, 0, 0, NULL},
	{"period", FIELD_STRING, FIELD_REQUIRED | FIELD_CREATE_ONLY, 4, 7, NULL},
	{"evaluator_body", FIELD_ENUM, FIELD_REQUIRED | FIELD_CREATE_ONLY, 0, 0,
	 evaluator_body_values},
	{"rubric_code", FIELD_STRING, FIELD_REQUIRED | FIELD_CREATE_ONLY, 1, 64, NULL},
	{"comments", FIELD_STRING, FIELD_NULLABLE, 1, 4000, NULL},
	{"status", FIELD_ENUM, 0, 0, 0, evaluation_status_values},
	{"supersedes", FIELD_UUID, FIELD_CREATE_ONLY, 0, 0, NULL},
	{"reason", FIELD_STRING, 0, 1, 2000, NULL},
	READ_ONLY("id", "subject_name", "unit_code", "rubric_version", "total_score", "rating",
		  "evidence", "superseded_by", "finalized_at", STAMPS),
};

static const struct field prefill_fields[] = {
	{"unit_code", FIELD_CODE, FIELD_REQUIRED, 0, 0, NULL},
	{"period", FIELD_STRING, FIELD_REQUIRED, 4, 7, NULL},
	{"rubric_code", FIELD_STRING, FIELD_REQUIRED, 1, 64, NULL},
	{"evaluator_body", FIELD_ENUM, FIELD_REQUIRED, 0, 0, evaluator_body_values},
	{0},
};

/* Smaller than any evaluation id: the keyset starts here. */
#define NIL_UUID "00000000-0000-0000-0000-000000000000"

/*
 * The list's parameters: $1 scope path, $2 the only team (leaders), $3 after id, $4 unit,
 * $5 subject_type, $6 subject_id, $7 period, $8 rating, $9 status, $10 evaluator_body,
 * $11 limit, $12 personal data. The evaluations of the subjects the caller sees (a subject
 * moved out of their scope takes its evaluations with it), in id order.
 */
#define LIST_ROWS(select)                                                                   \
	"SELECT " select " FROM evaluations e"                                              \
	" JOIN visible_subjects($1::ltree, $2::uuid) s ON s.subject_id = e.subject_id"       \
	" JOIN units u ON u.code = s.unit_code"                                             \
	" WHERE e.id > coalesce($3::uuid, '" NIL_UUID "')"                                  \
	" AND ($4::text IS NULL OR within(u.path, (SELECT x.path FROM units x"              \
	"      WHERE x.code = $4)))"                                                        \
	" AND ($5::text IS NULL OR e.subject_type = $5) AND ($6::uuid IS NULL OR"           \
	"      e.subject_id = $6::uuid) AND ($7::text IS NULL OR e.period = $7)"             \
	" AND ($8::text IS NULL OR e.rating = $8) AND ($9::text IS NULL OR e.status = $9)"   \
	" AND ($10::text IS NULL OR e.evaluator_body = $10)"                                \
	" ORDER BY e.id LIMIT $11::int"

static struct db_stmt list_evaluations = DB_READ("evaluations_list", 12,
	LIST_ROWS("evaluation_json(e, $12::boolean)::text, e.id::text"));

static struct db_stmt export_evaluations = DB_READ("evaluations_export", 12,
	LIST_ROWS("csv_line(e.id::text, e.subject_type, e.subject_id::text, s.name, s.unit_code,"
		  " e.period, e.evaluator_body, e.rubric_code, e.rubric_version::text,"
		  " e.total_score::text, e.rating, e.status, e.supersedes::text,"
		  " e.superseded_by::text, rfc3339(e.finalized_at),"
		  " CASE WHEN $12::boolean OR e.comments IS NULL THEN e.comments"
		  " ELSE '********' END), e.id::text"));

#define EXPORT_HEADER                                                                       \
	"id,subject_type,subject_id,subject_name,unit_code,period,evaluator_body,rubric_code,"  \
	"rubric_version,total_score,rating,status,supersedes,superseded_by,finalized_at,comments"

static struct db_stmt get_evaluation = DB_READ("evaluations_get", 4,
	"SELECT evaluation_json(e, $4::boolean)::text, e.version FROM evaluations e"
	" WHERE e.id = $1::uuid AND EXISTS (SELECT 1 FROM visible_subjects($2::ltree, $3::uuid) s"
	" WHERE s.subject_id = e.subject_id)");

/* The writes: functions of db/functions/65_evaluations.sql, the audit actor last. */
static struct db_stmt create_evaluation = DB_STMT("evaluations_create", 7,
	"SELECT * FROM evaluation_create($1::jsonb, $2::ltree, $3::boolean, "
	AUDIT_ACTOR_ROW(4, 5, 6, 7) ")");

static struct db_stmt update_evaluation = DB_STMT("evaluations_update", 9,
	"SELECT * FROM evaluation_update($1::uuid, $2::int, $3::jsonb, $4::ltree, $5::boolean, "
	AUDIT_ACTOR_ROW(6, 7, 8, 9) ")");

static struct db_stmt delete_evaluation = DB_STMT("evaluations_delete", 7,
	"SELECT * FROM evaluation_delete($1::uuid, $2::int, $3::ltree, "
	AUDIT_ACTOR_ROW(4, 5, 6, 7) ")");

static struct db_stmt prefill_evaluations = DB_STMT("evaluations_prefill", 9,
	"SELECT * FROM evaluations_prefill($1, $2, $3, $4, $5::ltree, "
	AUDIT_ACTOR_ROW(6, 7, 8, 9) ")");

int evaluation_period_form(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	if (!s[4])
		return 1;
	return s[4] == '-' && s[5] == 'Q' && s[6] >= '1' && s[6] <= '4' && !s[7];
}

void evaluation_query_check(json_t **errors, const char *period, int period_required,
			    const char *subject_type, const char *body)
{
	if (!period && period_required)
		problem_add_error(errors, "period", "required",
				  "a year (2025) or a quarter (2025-Q3) is required");
	else if (period && !evaluation_period_form(period))
		problem_add_error(errors, "period", "invalid_format",
				  "must be a year (2025) or a quarter (2025-Q3)");
	query_check_enum(errors, "subject_type", subject_type, evaluation_subject_type_values,
			 "must be member or team");
	query_check_enum(errors, "evaluator_body", body, evaluator_body_values,
			 "must be party_cell, commune_committee, district_committee, "
			 "province_department or team_self");
}

/*
 * scores: an object of at most SCORES_MAX criterion codes, each a number (or, in a PATCH,
 * null: the score is removed). Whether the codes are the rubric's and the numbers in range is
 * the database's to say (it has the rubric). Appends errors; returns how many.
 */
static int scores_check(const json_t *scores, enum validate_mode mode, json_t **errors)
{
	size_t before = json_array_size(*errors);
	if (!json_is_object(scores)) {
		problem_add_error(errors, "/scores", "invalid_type",
				  "must be an object of scores by criterion code");
		return 1;
	}
	if (json_object_size(scores) > SCORES_MAX)
		problem_add_error(errors, "/scores", "too_many", "at most 30 criteria");
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)scores, key, v)
	{
		char at[80];
		member_pointer(at, sizeof at, "/scores/", key);
		if (strlen(key) < 1 || strlen(key) > CRITERION_CODE_MAX ||
		    strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(key))
			problem_add_error(errors, at, "unknown_criterion",
					  "is not a criterion code");
		else if (!json_is_number(v) && !(mode == VALIDATE_PATCH && json_is_null(v)))
			problem_add_error(errors, at, "invalid_type",
					  mode == VALIDATE_PATCH ? "must be a number, or null to remove it"
								 : "must be a number");
	}
	return (int)(json_array_size(*errors) - before);
}

/*
 * A body's checks beyond its field table (a body_check): the plain members by the table,
 * scores, the period's form, and on create supersedes and reason together.
 */
static int evaluation_check(const json_t *body, enum validate_mode mode, json_t **errors,
			    void *out)
{
	(void)out;
	static const char *const own[] = {"scores", NULL};
	size_t before = json_array_size(*errors);
	validate_body_except(body, evaluation_fields, mode, own, errors);
	const json_t *scores = json_object_get(body, "scores");
	if (scores)
		scores_check(scores, mode, errors);
	const char *period = body_string(body, "period");
	if (period && !has_field_error(*errors, "period") && !evaluation_period_form(period))
		problem_add_error(errors, "/period", "invalid_format",
				  "must be a year (2025) or a quarter (2025-Q3)");
	if (mode == VALIDATE_CREATE) {
		int supersedes = json_object_get(body, "supersedes") != NULL;
		int reason = json_object_get(body, "reason") != NULL;
		if (supersedes && !reason)
			problem_add_error(errors, "/reason", "required",
					  "a correction says why (the appeal, the error)");
		else if (reason && !supersedes)
			problem_add_error(errors, "/reason", "not_allowed",
					  "only a correction (with supersedes) has a reason");
	}
	return (int)(json_array_size(*errors) - before);
}

static int read_filters(const struct _u_request *req, struct _u_response *resp,
			const struct req_ctx *ctx, const char **params)
{
	json_t *errors = NULL;
	const char *unit = query_param(req, "unit"), *type = query_param(req, "subject_type");
	const char *subject = query_param(req, "subject_id"), *period = query_param(req, "period");
	const char *rating = query_param(req, "rating"), *status = query_param(req, "status");
	const char *body = query_param(req, "evaluator_body");
	query_check_code(&errors, "unit", unit);
	evaluation_query_check(&errors, period, 0, type, body);
	query_check_uuid(&errors, "subject_id", subject);
	query_check_enum(&errors, "rating", rating, evaluation_rating_values,
			 "must be excellent, good, satisfactory or unsatisfactory");
	query_check_enum(&errors, "status", status, evaluation_status_values,
			 "must be draft or finalized");
	params[3] = unit;
	params[4] = type;
	params[5] = subject;
	params[6] = period;
	params[7] = rating;
	params[8] = status;
	params[9] = body;
	return query_checked(resp, ctx, errors);
}

static void list(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	struct page_request page;
	const char *params[12] = {ctx->principal.scope_path, team_only_param(ctx)};
	if (allowed(resp, ctx, ACT_READ_EVALUATIONS) != 0 ||
	    page_request_parse(req, resp, ctx, "evaluations", &page) != 0 ||
	    read_filters(req, resp, ctx, params) != 0)
		return;
	params[2] = page.after[0] ? page.after : NULL;
	params[10] = page.limit_text;
	params[11] = personal_data(ctx);
	static const struct csv_export export = {.header = EXPORT_HEADER,
						 .page_stmt = &export_evaluations, .nparams = 12,
						 .after_index = 2, .limit_index = 10,
						 .filename = "evaluations.csv"};
	respond_list(req, resp, ctx, &export, &list_evaluations, params, "evaluations", page.limit);
}

static void get(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	if (allowed(resp, ctx, ACT_READ_EVALUATIONS) != 0 ||
	    !(id = path_uuid(req, resp, ctx, "id", "evaluation")))
		return;
	const char *params[4] = {id, ctx->principal.scope_path, team_only_param(ctx),
				 personal_data(ctx)};
	respond_read(resp, ctx, &get_evaluation, params, "evaluation");
}

static void create(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	if (allowed(resp, ctx, ACT_WRITE_EVALUATIONS) != 0)
		return;
	json_t *errors = NULL;
	if (evaluation_check(ctx->body, VALIDATE_CREATE, &errors, NULL)) {
		invalid_body(resp, ctx, errors);
		return;
	}
	const char *params[7] = {NULL, ctx->principal.scope_path, personal_data(ctx)};
	enum db_status st;
	PGresult *res = write_document(resp, ctx, &create_evaluation, params, 0, 3,
				      json_incref(ctx->body), &st);
	if (!res)
		return;
	respond_named_outcome(resp, ctx, res, st, 201, "/api/v1/evaluations/",
			      body_string(ctx->body, "subject_type"));
	PQclear(res);
}

static void update(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	char version[16];
	if (allowed(resp, ctx, ACT_WRITE_EVALUATIONS) != 0 ||
	    !(id = path_uuid(req, resp, ctx, "id", "evaluation")) ||
	    accept_patch(req, resp, ctx, NULL, evaluation_check, NULL, version) != 0)
		return;
	const char *params[9] = {id, version, NULL, ctx->principal.scope_path,
				 personal_data(ctx)};
	enum db_status st;
	PGresult *res = write_document(resp, ctx, &update_evaluation, params, 2, 5,
				      json_incref(ctx->body), &st);
	if (!res)
		return;
	respond_named_outcome(resp, ctx, res, st, 200, NULL, "evaluation");
	PQclear(res);
}

static void delete(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	char version[16];
	if (allowed(resp, ctx, ACT_WRITE_EVALUATIONS) != 0 ||
	    !(id = path_uuid(req, resp, ctx, "id", "evaluation")) ||
	    etag_require_if_match(req, resp, ctx, version) != 0)
		return;
	const char *params[7] = {id, version, ctx->principal.scope_path};
	delete_and_answer(resp, ctx, &delete_evaluation, params, 3, version, "evaluation",
			  "A finalized evaluation is kept as it was; a correction is a new "
			  "evaluation that names it in supersedes, with a reason.",
			  NULL);
}

static void prefill(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	if (allowed(resp, ctx, ACT_WRITE_EVALUATIONS) != 0 ||
	    accept_body(resp, ctx, prefill_fields, VALIDATE_CREATE) != 0)
		return;
	const char *unit = body_string(ctx->body, "unit_code");
	const char *period = body_string(ctx->body, "period");
	const char *rubric = body_string(ctx->body, "rubric_code");
	const char *body = body_string(ctx->body, "evaluator_body");
	if (!evaluation_period_form(period)) {
		invalid_field(resp, ctx, "/period", "invalid_format",
			      "must be a year (2025) or a quarter (2025-Q3)");
		return;
	}
	const char *params[9] = {unit, period, rubric, body, ctx->principal.scope_path};
	enum db_status st;
	PGresult *res = run_write(resp, ctx, &prefill_evaluations, params, 5, &st);
	if (!res)
		return;
	const char *outcome = st == DB_OK ? result_value(res, "outcome") : NULL;
	if (!outcome) {
		write_failed_unexpectedly(resp, ctx, res);
	} else if (!strcmp(outcome, "not_found")) {
		not_found(resp, ctx, "unit");
	} else if (!strcmp(outcome, "invalid")) {
		invalid_problems(resp, ctx, result_value(res, "problems"));
	} else {
		json_t *out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "unit_code", unit,
					"period", period, "rubric_code", rubric,
					"evaluator_body", body, "subject_type",
					result_value(res, "subject_type"), "created",
					(json_int_t)strtoll(result_value(res, "created"), NULL, 10),
					"skipped",
					(json_int_t)strtoll(result_value(res, "skipped"), NULL, 10));
		if (out)
			http_json(resp, 200, out);
		else
			internal_error(resp, ctx);
		json_decref(out);
	}
	PQclear(res);
}

const struct route evaluations_routes[] = {
	{"GET", "/api/v1/evaluations", list, ROUTE_CSV},
	{"POST", "/api/v1/evaluations", create,
	 ROUTE_JSON_BODY | ROUTE_IDEMPOTENT | ROUTE_CHANGES_KEPT},
	{"POST", "/api/v1/evaluations:prefill", prefill, ROUTE_JSON_BODY},
	{"GET", "/api/v1/evaluations/{id}", get, 0},
	{"PATCH", "/api/v1/evaluations/{id}", update, ROUTE_JSON_BODY | ROUTE_CHANGES_KEPT},
	{"DELETE", "/api/v1/evaluations/{id}", delete, 0},
	{0},
};
