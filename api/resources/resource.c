#include "resource.h"

#include <stdio.h>
#include <string.h>

#include "../http/csv_export.h"
#include "../http/etag.h"
#include "../http/log.h"
#include "../http/paging.h"
#include "../http/problem.h"
#include "../server.h"
#include "../text.h"
#include "audit_actor.h"
#include "rep_cache.h"

int allowed_or_say(struct _u_response *resp, const struct req_ctx *ctx, enum action action,
		   const char *detail)
{
	if (authz_allows(&ctx->principal, action))
		return 0;
	problem(resp, ctx, 403, detail);
	return -1;
}

int allowed(struct _u_response *resp, const struct req_ctx *ctx, enum action action)
{
	return allowed_or_say(resp, ctx, action, "Your role or scopes do not allow this.");
}

void not_found(struct _u_response *resp, const struct req_ctx *ctx, const char *what)
{
	char detail[80];
	snprintf(detail, sizeof detail, "No such %s.", what);
	problem(resp, ctx, 404, detail);
}

void changed_meanwhile(struct _u_response *resp, const struct req_ctx *ctx, const char *what)
{
	char detail[120];
	snprintf(detail, sizeof detail, "The %s changed since you read it; read it again.", what);
	problem(resp, ctx, 412, detail);
}

const char *path_param(const struct _u_request *req, struct _u_response *resp,
		       const struct req_ctx *ctx, const char *name, const char *what,
		       int (*valid)(const char *))
{
	/* also refuses "7,5": ulfius joins ?id=7 and the path's 5 under one key */
	const char *value = u_map_get(req->map_url, name);
	if (valid(value))
		return value;
	not_found(resp, ctx, what);
	return NULL;
}

const char *path_uuid(const struct _u_request *req, struct _u_response *resp,
		      const struct req_ctx *ctx, const char *name, const char *what)
{
	return path_param(req, resp, ctx, name, what, text_is_uuid);
}

int accept_body(struct _u_response *resp, const struct req_ctx *ctx, const struct field *fields,
		enum validate_mode mode)
{
	json_t *errors = NULL;
	if (!validate_body(ctx->body, fields, mode, &errors))
		return 0;
	invalid_body(resp, ctx, errors);
	return -1;
}

int accept_patch(const struct _u_request *req, struct _u_response *resp,
		 const struct req_ctx *ctx, const struct field *fields, body_check check,
		 void *out, char version[16])
{
	json_t *errors = NULL;
	if (fields)
		validate_body(ctx->body, fields, VALIDATE_PATCH, &errors);
	if (check)
		check(ctx->body, VALIDATE_PATCH, &errors, out);
	if (errors) {
		invalid_body(resp, ctx, errors);
		return -1;
	}
	return etag_require_if_match(req, resp, ctx, version);
}

const char *body_string(const json_t *body, const char *name)
{
	return json_string_value(json_object_get(body, name));
}

int has_field_error(const json_t *errors, const char *name)
{
	char pointer[80];
	snprintf(pointer, sizeof pointer, "/%s", name);
	size_t i;
	const json_t *e;
	json_array_foreach(errors, i, e)
	{
		if (!strcmp(json_string_value(json_object_get(e, "field")), pointer))
			return 1;
	}
	return 0;
}

PGresult *fetch_row(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
		    const char *const *params, const char *what)
{
	enum db_status st;
	PGresult *res = request_query(ctx, resp, stmt, params, &st);
	if (!res)
		return NULL;
	if (st == DB_OK && PQntuples(res) == 1)
		return res;
	if (st == DB_OK)
		not_found(resp, ctx, what);
	else
		internal_error(resp, ctx);
	PQclear(res);
	return NULL;
}

void respond_read(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
		  const char *const *params, const char *what)
{
	PGresult *res = fetch_row(resp, ctx, stmt, params, what);
	if (!res)
		return;
	respond_row(resp, ctx, res, what);
	PQclear(res);
}

void respond_kept(struct _u_response *resp, struct req_ctx *ctx, const char *key,
		  struct db_stmt *stmt, const char *const *params, const char *what)
{
	struct rep_cache *kept = ctx->env->reps;
	struct rep rep;
	if (key && rep_cache_get(kept, key, ctx->principal.scope_path, &rep)) {
		http_json_text(resp, 200, rep.json, rep.len);
		etag_set(resp, rep.version);
		free(rep.json);
		return;
	}
	unsigned long epoch = rep_cache_epoch(kept);
	PGresult *res = fetch_row(resp, ctx, stmt, params, what);
	if (!res)
		return;
	respond_row(resp, ctx, res, what);
	if (key)
		rep_cache_put(kept, epoch, key, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0),
			      PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	PQclear(res);
}

void respond_list(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx,
		  const struct csv_export *export, struct db_stmt *stmt, const char *const *params,
		  const char *list, int limit)
{
	if (!csv_export_requested(req)) {
		respond_page(resp, ctx, stmt, params, list, limit);
		return;
	}
	struct csv_export ex = *export;
	memcpy(ex.params, params, sizeof *params * (size_t)ex.nparams);
	ex.params[ex.after_index] = NULL;
	csv_export_respond(resp, ctx, &ex);
}

void respond_page(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
		  const char *const *params, const char *list, int limit)
{
	enum db_status st;
	PGresult *res = request_query(ctx, resp, stmt, params, &st);
	if (!res)
		return;
	if (st == DB_OK)
		page_respond(resp, ctx, res, list, limit);
	else
		internal_error(resp, ctx);
	PQclear(res);
}

PGresult *run_write(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
		    const char **params, int actor_at, enum db_status *st)
{
	audit_actor_params(ctx, params + actor_at);
	return request_query(ctx, resp, stmt, params, st);
}

PGresult *write_document(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
			 const char **params, int doc_at, int actor_at, json_t *doc,
			 enum db_status *st)
{
	/* 15 significant digits: a number keeps the digits a client would write (0.1 stays 0.1,
	 * not 0.10000000000000001, which a jsonb would keep as it is) */
	char *text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(doc);
	if (!text) {
		internal_error(resp, ctx);
		return NULL;
	}
	params[doc_at] = text;
	PGresult *res = run_write(resp, ctx, stmt, params, actor_at, st);
	free(text);
	return res;
}

void respond_written(struct _u_response *resp, const PGresult *res, unsigned status,
		     int json_col, int version_col, const char *location_prefix, int id_col)
{
	http_json_text(resp, status, PQgetvalue(res, 0, json_col),
		       (size_t)PQgetlength(res, 0, json_col));
	etag_set(resp, PQgetvalue(res, 0, version_col));
	if (location_prefix) {
		char location[160];
		snprintf(location, sizeof location, "%s%s", location_prefix, PQgetvalue(res, 0, id_col));
		http_header(resp, "Location", location);
	}
}

void respond_updated(struct _u_response *resp, const struct req_ctx *ctx, const PGresult *res,
		     const char *what)
{
	if (!result_value(res, "json"))
		respond_outcome(resp, ctx, OUTCOME_STALE, what, NULL);
	else
		respond_written_named(resp, ctx, res, 200, NULL, NULL);
}

void respond_outcome(struct _u_response *resp, const struct req_ctx *ctx,
		     enum write_outcome outcome, const char *what, const char *conflict_detail)
{
	switch (outcome) {
	case OUTCOME_NOT_FOUND:
		not_found(resp, ctx, what);
		break;
	case OUTCOME_STALE:
		changed_meanwhile(resp, ctx, what);
		break;
	case OUTCOME_CONFLICT:
		problem(resp, ctx, 409, conflict_detail);
		break;
	case OUTCOME_OK:
	default:
		/* the caller answers success; reaching here means it did not: a bug, not a 200 */
		internal_error(resp, ctx);
		break;
	}
}

const char *result_value(const PGresult *res, const char *column)
{
	return db_value(res, 0, column);
}

int result_true(const PGresult *res, const char *column)
{
	return db_true(res, 0, column);
}

void respond_written_named(struct _u_response *resp, const struct req_ctx *ctx,
			   const PGresult *res, unsigned status, const char *location_prefix,
			   const char *id_column)
{
	const char *json = result_value(res, "json"), *version = result_value(res, "version");
	const char *id = location_prefix ? result_value(res, id_column) : NULL;
	if (!json || !version || (location_prefix && !id)) {
		internal_error(resp, ctx);
		return;
	}
	http_json_text(resp, status, json, strlen(json));
	etag_set(resp, version);
	if (location_prefix) {
		char location[160];
		snprintf(location, sizeof location, "%s%s", location_prefix, id);
		http_header(resp, "Location", location);
	}
}

void respond_row(struct _u_response *resp, const struct req_ctx *ctx, const PGresult *res,
		 const char *what)
{
	if (PQntuples(res) != 1) {
		not_found(resp, ctx, what);
		return;
	}
	respond_written(resp, res, 200, 0, 1, NULL, 0);
}

void invalid_query(struct _u_response *resp, const struct req_ctx *ctx, json_t *errors)
{
	problem_with_errors(resp, ctx, 422, "The query parameters are invalid.", errors);
}

void invalid_body(struct _u_response *resp, const struct req_ctx *ctx, json_t *errors)
{
	problem_with_errors(resp, ctx, 422, "Some fields are invalid.", errors);
}

void invalid_field(struct _u_response *resp, const struct req_ctx *ctx, const char *field,
		   const char *code, const char *message)
{
	json_t *errors = NULL;
	problem_add_error(&errors, field, code, message);
	invalid_body(resp, ctx, errors);
}

void internal_error(struct _u_response *resp, const struct req_ctx *ctx)
{
	problem(resp, ctx, 500, NULL);
}

void write_failed_unexpectedly(struct _u_response *resp, const struct req_ctx *ctx,
			       const PGresult *res)
{
	/* the constraint's name, never the failing row (DETAIL), which may hold personal data */
	if (!strcmp(db_sqlstate(res), SQLSTATE_CHECK_VIOLATION))
		log_event(LOG_ERROR, "a CHECK constraint refused a write the service had validated",
			  "constraint", db_constraint(res));
	internal_error(resp, ctx);
}

const char *personal_data(const struct req_ctx *ctx)
{
	return authz_allows(&ctx->principal, ACT_SEE_PERSONAL_DATA) ? "true" : "false";
}

const char *query_param(const struct _u_request *req, const char *name)
{
	const char *v = u_map_get(req->map_url, name);
	return v && *v ? v : NULL;
}

void query_check_code(json_t **errors, const char *name, const char *value)
{
	if (value && !text_is_code(value))
		problem_add_error(errors, name, "invalid_format", "must be a unit code");
}

void query_check_uuid(json_t **errors, const char *name, const char *value)
{
	if (value && !text_is_uuid(value))
		problem_add_error(errors, name, "invalid_format", "must be a UUID");
}

void query_check_boolean(json_t **errors, const char *name, const char *value, const char **out)
{
	*out = NULL;
	if (!value)
		return;
	if (!strcmp(value, "true") || !strcmp(value, "false"))
		*out = value;
	else
		problem_add_error(errors, name, "invalid_value", "must be true or false");
}

void query_check_enum(json_t **errors, const char *name, const char *value,
		      const char *const *values, const char *message)
{
	if (!value)
		return;
	for (; *values; values++)
		if (!strcmp(*values, value))
			return;
	problem_add_error(errors, name, "invalid_value", message);
}

int query_checked(struct _u_response *resp, const struct req_ctx *ctx, json_t *errors)
{
	if (!errors)
		return 0;
	invalid_query(resp, ctx, errors);
	return -1;
}

void respond_deleted(struct _u_response *resp, const struct req_ctx *ctx, const PGresult *res,
		     const char *version, const char *what, const char *in_use_detail)
{
	const char *current = result_value(res, "version"), *deleted = result_value(res, "deleted");
	enum write_outcome outcome = OUTCOME_OK;
	if (!result_true(res, "found"))
		outcome = OUTCOME_NOT_FOUND;
	else if (version && (!current || strcmp(current, version)))
		outcome = OUTCOME_STALE;
	else if (result_true(res, "in_use"))
		outcome = OUTCOME_CONFLICT;
	else if (!deleted || strcmp(deleted, "1"))
		outcome = OUTCOME_STALE; /* changed in between */
	if (outcome == OUTCOME_OK)
		ulfius_set_empty_body_response(resp, 204);
	else
		respond_outcome(resp, ctx, outcome, what, in_use_detail);
}

void delete_and_answer(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
		       const char **params, int actor_at, const char *version, const char *what,
		       const char *in_use_detail, write_refusal refused)
{
	enum db_status st;
	PGresult *res = run_write(resp, ctx, stmt, params, actor_at, &st);
	if (!res)
		return;
	if (st != DB_OK)
		(refused ? refused : write_failed_unexpectedly)(resp, ctx, res);
	else
		respond_deleted(resp, ctx, res, version, what, in_use_detail);
	PQclear(res);
}

json_t *merge_patch(json_t *target, const json_t *patch)
{
	if (!json_is_object(patch)) {
		json_decref(target);
		return json_deep_copy(patch);
	}
	if (!json_is_object(target)) {
		json_decref(target);
		if (!(target = json_object()))
			return NULL;
	}
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)patch, key, value)
	{
		if (json_is_null(value)) {
			json_object_del(target, key);
		} else if (json_object_set_new(target, key,
					       merge_patch(json_incref(json_object_get(target, key)),
							   value)) != 0) {
			json_decref(target);
			return NULL;
		}
	}
	return target;
}

void invalid_problems(struct _u_response *resp, const struct req_ctx *ctx, const char *text)
{
	json_t *problems = text ? json_loads(text, 0, NULL) : NULL, *errors = NULL;
	size_t i;
	const json_t *p;
	json_array_foreach(problems, i, p)
	{
		problem_add_error(&errors, json_string_value(json_object_get(p, "field")),
				  json_string_value(json_object_get(p, "code")),
				  json_string_value(json_object_get(p, "message")));
	}
	json_decref(problems);
	if (errors)
		invalid_body(resp, ctx, errors);
	else
		internal_error(resp, ctx);
}

/* 409 with the outcome's detail and, when it names some, its members (write_outcome, 0022). */
static void conflict_with_members(struct _u_response *resp, const struct req_ctx *ctx,
				  const PGresult *res)
{
	const char *members = result_value(res, "members");
	json_t *extra = members ? json_loads(members, 0, NULL) : NULL;
	if (members && !json_is_object(extra)) {
		json_decref(extra);
		internal_error(resp, ctx);
		return;
	}
	problem_with_members(resp, ctx, 409, result_value(res, "detail"), NULL, extra);
}

void respond_named_outcome(struct _u_response *resp, const struct req_ctx *ctx,
			   const PGresult *res, enum db_status st, unsigned status,
			   const char *location_prefix, const char *what)
{
	const char *outcome = st == DB_OK ? result_value(res, "outcome") : NULL;
	if (!outcome)
		write_failed_unexpectedly(resp, ctx, res);
	else if (!strcmp(outcome, "ok"))
		respond_written_named(resp, ctx, res, status, location_prefix, "id");
	else if (!strcmp(outcome, "not_found"))
		respond_outcome(resp, ctx, OUTCOME_NOT_FOUND, what, NULL);
	else if (!strcmp(outcome, "stale"))
		respond_outcome(resp, ctx, OUTCOME_STALE, what, NULL);
	else if (!strcmp(outcome, "conflict"))
		conflict_with_members(resp, ctx, res);
	else if (!strcmp(outcome, "forbidden"))
		problem(resp, ctx, 403, result_value(res, "detail"));
	else
		invalid_problems(resp, ctx, result_value(res, "problems"));
}

json_t *patched_document(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
			 const char *const *params, const char *what, const char *column,
			 const char *version)
{
	PGresult *cur = fetch_row(resp, ctx, stmt, params, what);
	if (!cur)
		return NULL;
	const char *stored = result_value(cur, column), *current = result_value(cur, "version");
	if (!current || strcmp(current, version)) {
		PQclear(cur);
		changed_meanwhile(resp, ctx, what);
		return NULL;
	}
	json_t *base = stored ? json_loads(stored, 0, NULL) : NULL;
	PQclear(cur);
	json_t *merged = base ? merge_patch(base, ctx->body) : NULL;
	if (!merged)
		internal_error(resp, ctx);
	return merged;
}
