/*
 * Rubrics: /api/v1/rubrics and /api/v1/rubrics/{code} — the criteria an evaluation scores, each
 * with a weight and a maximum score (and optionally the KPI from the subject's activities that
 * suggests a score, with its target), and the thresholds of the ratings.
 *
 * Rules enforced here:
 *   - every authenticated caller reads (ACT_READ_EVALUATIONS: every role, a system with
 *     evaluations:read or evaluations:write): rubrics are national, not scoped;
 *   - only admins write (ACT_MANAGE_CATALOGUE); a rubric is retired with PATCH status
 *     "retired"; one that evaluations use cannot be deleted (409, saying to retire it);
 *   - a rubric is known by its code and read at its current (highest) version; ?version=N reads
 *     an older one. An edit of a version evaluations use adds the next version and leaves the
 *     used one as it was; an edit of an unused one changes it in place, and its version goes up
 *     all the same (db/functions/62_rubrics.sql decides, under a lock);
 *   - the body is checked whole by rubrics_validate.c; PATCH is a JSON Merge Patch (RFC 7396)
 *     applied to the current version (criteria, an array, is replaced whole; thresholds merged
 *     by member, null restoring the defaults), the merged rubric checked as a creation is, and
 *     written only if it is still the version If-Match named.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/authz.h"
#include "../http/etag.h"
#include "../http/paging.h"
#include "../http/problem.h"
#include "../route.h"
#include "../validate.h"
#include "audit_actor.h"
#include "evaluations.h"
#include "resource.h"
#include "rubrics_validate.h"

/* The current version of each code, in code order. */
static struct db_stmt list_rubrics = DB_READ("rubrics_list", 5,
	"SELECT rubric_json(r)::text, r.code FROM rubrics r"
	" WHERE ($1::text IS NULL OR r.code > $1)"
	" AND NOT EXISTS (SELECT 1 FROM rubrics n WHERE n.code = r.code AND n.version > r.version)"
	" AND ($2::text IS NULL OR r.subject_type = $2) AND ($3::text IS NULL OR r.period_kind = $3)"
	" AND ($4::text IS NULL OR r.status = $4)"
	" ORDER BY r.code LIMIT $5::int");

/* $2 NULL: the current version. */
static struct db_stmt get_rubric = DB_READ("rubrics_get", 2,
	"SELECT rubric_json(r)::text, r.version FROM rubrics r"
	" WHERE r.code = $1 AND ($2::int IS NULL OR r.version = $2::int)"
	" ORDER BY r.version DESC LIMIT 1");

/* The writable fields of the current version as stored, the base a merge patch applies to. */
static struct db_stmt get_writable = DB_READ("rubrics_get_writable", 1,
	"SELECT json_build_object('code', code, 'name_vi', name_vi, 'name_en', name_en,"
	" 'subject_type', subject_type, 'period_kind', period_kind, 'criteria', criteria,"
	" 'thresholds', thresholds, 'status', status)::text AS rubric, version"
	" FROM rubrics WHERE code = $1 ORDER BY version DESC LIMIT 1");

/*
 * The writes call the functions of db/functions/62_rubrics.sql, which write and record the
 * audit event in the same transaction; their columns are read by name.
 * $1 the rubric as stored (jsonb), $2-$5 audit actor.
 */
static struct db_stmt create_rubric = DB_STMT("rubrics_create", 5,
	"SELECT * FROM rubric_create($1::jsonb, " AUDIT_ACTOR_ROW(2, 3, 4, 5) ")");

/* $1 code, $2 version, $3 the merged rubric (jsonb), $4-$7 audit actor. */
static struct db_stmt update_rubric = DB_STMT("rubrics_update", 7,
	"SELECT * FROM rubric_update($1, $2::int, $3::jsonb, " AUDIT_ACTOR_ROW(4, 5, 6, 7) ")");

/* $1 code, $2 version, $3-$6 audit actor. */
static struct db_stmt delete_rubric = DB_STMT("rubrics_delete", 6,
	"SELECT * FROM rubric_delete($1, $2::int, " AUDIT_ACTOR_ROW(3, 4, 5, 6) ")");

/* Checks doc whole; 0 when it passes, -1 after answering 422. */
static int checked(struct _u_response *resp, const struct req_ctx *ctx, const json_t *doc)
{
	json_t *errors = NULL;
	if (rubric_check(doc, &errors) == 0)
		return 0;
	invalid_body(resp, ctx, errors);
	return -1;
}

static void list(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	struct page_request page;
	if (allowed(resp, ctx, ACT_READ_EVALUATIONS) != 0 ||
	    page_request_parse(req, resp, ctx, "rubrics", &page) != 0)
		return;
	json_t *errors = NULL;
	const char *subject_type = query_param(req, "subject_type");
	const char *period_kind = query_param(req, "period_kind");
	const char *status = query_param(req, "status");
	query_check_enum(&errors, "subject_type", subject_type, evaluation_subject_type_values,
			 "must be member or team");
	query_check_enum(&errors, "period_kind", period_kind, rubric_period_kind_values,
			 "must be year or quarter");
	query_check_enum(&errors, "status", status, rubric_status_values, "must be active or retired");
	if (query_checked(resp, ctx, errors) != 0)
		return;
	const char *params[5] = {page.after[0] ? page.after : NULL, subject_type, period_kind, status,
				 page.limit_text};
	respond_page(resp, ctx, &list_rubrics, params, "rubrics", page.limit);
}

/* ?version: absent, or a version number (1 to 999999999) into out[16]; 0, or -1 after 422. */
static int version_param(const struct _u_request *req, struct _u_response *resp,
			 const struct req_ctx *ctx, const char **out, char text[16])
{
	const char *v = query_param(req, "version");
	*out = NULL;
	if (!v)
		return 0;
	size_t n = strspn(v, "0123456789");
	long number = n >= 1 && n <= 9 && !v[n] ? strtol(v, NULL, 10) : 0;
	if (number < 1) {
		json_t *errors = NULL;
		problem_add_error(&errors, "version", "invalid_value",
				  "must be a version number: a whole number from 1");
		return query_checked(resp, ctx, errors);
	}
	snprintf(text, 16, "%d", (int)number);
	*out = text;
	return 0;
}

static void get(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *code, *version;
	char version_text[16];
	if (allowed(resp, ctx, ACT_READ_EVALUATIONS) != 0 ||
	    !(code = path_param(req, resp, ctx, "code", "rubric", catalogue_code_is_valid)) ||
	    version_param(req, resp, ctx, &version, version_text) != 0)
		return;
	const char *params[2] = {code, version};
	respond_read(resp, ctx, &get_rubric, params, version ? "rubric version" : "rubric");
}

static void create(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	if (allowed(resp, ctx, ACT_MANAGE_CATALOGUE) != 0 || checked(resp, ctx, ctx->body) != 0)
		return;
	const char *params[5] = {NULL};
	enum db_status st;
	PGresult *res = write_document(resp, ctx, &create_rubric, params, 0, 1,
				     rubric_stored(ctx->body), &st);
	if (!res)
		return;
	if (st != DB_OK)
		write_failed_unexpectedly(resp, ctx, res);
	else if (!result_value(res, "json"))
		respond_outcome(resp, ctx, OUTCOME_CONFLICT, "rubric",
				"A rubric with this code already exists.");
	else
		respond_written_named(resp, ctx, res, 201, "/api/v1/rubrics/", "code");
	PQclear(res);
}

/*
 * A patch's own checks (a body_check): its plain members (unknown, read-only, create-only,
 * null where not allowed, wrong types) by the field table, and criteria not null; the rest is
 * checked on the merged rubric. Returns the number of errors it appended.
 */
static int rubric_patch_check(const json_t *patch, enum validate_mode mode, json_t **errors,
			      void *out)
{
	(void)out;
	static const char *const own[] = {"criteria", "thresholds", NULL};
	size_t before = json_array_size(*errors);
	validate_body_except(patch, rubric_fields, mode, own, errors);
	if (json_is_null(json_object_get(patch, "criteria")))
		problem_add_error(errors, "/criteria", "required", "must not be null");
	return (int)(json_array_size(*errors) - before);
}

static void update(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *code;
	char version[16];
	if (allowed(resp, ctx, ACT_MANAGE_CATALOGUE) != 0 ||
	    !(code = path_param(req, resp, ctx, "code", "rubric", catalogue_code_is_valid)) ||
	    accept_patch(req, resp, ctx, NULL, rubric_patch_check, NULL, version) != 0)
		return;
	const char *key[1] = {code};
	json_t *merged = patched_document(resp, ctx, &get_writable, key, "rubric", "rubric",
					  version);
	if (!merged)
		return;
	if (checked(resp, ctx, merged) != 0) {
		json_decref(merged);
		return;
	}
	json_t *doc = rubric_stored(merged);
	json_decref(merged);
	const char *params[7] = {code, version};
	enum db_status st;
	PGresult *res = write_document(resp, ctx, &update_rubric, params, 2, 3, doc, &st);
	if (!res)
		return;
	if (st != DB_OK)
		write_failed_unexpectedly(resp, ctx, res);
	else if (!result_true(res, "found"))
		respond_outcome(resp, ctx, OUTCOME_NOT_FOUND, "rubric", NULL);
	else
		respond_updated(resp, ctx, res, "rubric");
	PQclear(res);
}

static void delete(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *code;
	char version[16];
	if (allowed(resp, ctx, ACT_MANAGE_CATALOGUE) != 0 ||
	    !(code = path_param(req, resp, ctx, "code", "rubric", catalogue_code_is_valid)) ||
	    etag_require_if_match(req, resp, ctx, version) != 0)
		return;
	const char *params[6] = {code, version};
	delete_and_answer(resp, ctx, &delete_rubric, params, 2, version, "rubric",
			  "Evaluations use this rubric, and deleting it would break their records: "
			  "retire it instead (PATCH status \"retired\").",
			  NULL);
}

const struct route rubrics_routes[] = {
	{"GET", "/api/v1/rubrics", list, 0},
	{"POST", "/api/v1/rubrics", create, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT},
	{"GET", "/api/v1/rubrics/{code}", get, 0},
	{"PATCH", "/api/v1/rubrics/{code}", update, ROUTE_JSON_BODY},
	{"DELETE", "/api/v1/rubrics/{code}", delete, 0},
	{0},
};
