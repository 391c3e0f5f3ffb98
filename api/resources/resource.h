/*
 * What every resource handler shares, so that a new resource is mostly a field table, a few
 * SQL statements and a route list:
 *   allowed()          the role/scope check, answering 403 when it fails
 *   path_uuid()        a path id, strictly parsed (404 for anything that is not a UUID)
 *   accept_body() / accept_patch()   a body checked against the field table (422), and for an
 *                      update If-Match read (428/412) after it
 *   fetch_row() / respond_read() / respond_page()   run a read and answer it (404, 500)
 *   respond_list()     a page of a list, or all of it as CSV
 *   respond_kept()     a single read through the representations kept in memory
 *   respond_written()  a create or update result: JSON built by PostgreSQL, ETag, Location
 *   respond_updated()  an update result, 412 when the version If-Match named is gone
 *   respond_row()      a single read: 200 with ETag, or 404
 *   not_found() / changed_meanwhile()  the 404 and 412 every resource answers alike
 *   invalid_query() / invalid_body() / invalid_field()   422 with the collected errors
 *   query_check_*()    query parameter checks that list handlers share
 *   personal_data()    "true"/"false", the SQL parameter that masks phone, email, birth year
 *
 * One convention for a step that may answer the request itself (here, in http/ and auth/):
 * it returns 0 when the handler goes on and -1 once it has answered; a step that yields a
 * pointer returns NULL once it has answered. So `if (step(...) != 0) return;` reads the same
 * everywhere.
 */
#ifndef CDTT_RESOURCES_RESOURCE_H
#define CDTT_RESOURCES_RESOURCE_H
#include "../auth/authz.h"
#include "../http/http.h"
#include "../validate.h"

/* 0 when the principal may; -1 after answering 403. */
int allowed(struct _u_response *resp, const struct req_ctx *ctx, enum action action);

/* As allowed(), with the 403's own detail. */
int allowed_or_say(struct _u_response *resp, const struct req_ctx *ctx, enum action action,
		   const char *detail);

/* The path parameter `name` when valid() accepts it; NULL after answering 404 "No such <what>.". */
const char *path_param(const struct _u_request *req, struct _u_response *resp,
		       const struct req_ctx *ctx, const char *name, const char *what,
		       int (*valid)(const char *));

/* The path parameter `name` when it is a UUID; NULL after answering 404 "No such <what>.". */
const char *path_uuid(const struct _u_request *req, struct _u_response *resp,
		      const struct req_ctx *ctx, const char *name, const char *what);

/* 0 when ctx->body passes the field table in mode; -1 after answering 422 with every error. */
int accept_body(struct _u_response *resp, const struct req_ctx *ctx, const struct field *fields,
		enum validate_mode mode);

/*
 * A resource's own check of a body beyond its field table (dates, related fields, normalised
 * values): appends every error to *errors and returns nonzero when it found one. What it
 * derives (a normalised phone number...) goes to *out, as the check documents.
 */
typedef int (*body_check)(const json_t *body, enum validate_mode mode, json_t **errors,
			  void *out);

/*
 * The start of every update (PATCH): the merge patch checked against the field table (when
 * fields is not NULL) and by check (when not NULL), every error in one 422, then If-Match read
 * into version (428 when missing, 412 when unparsable). 0 to go on; -1 after answering.
 */
int accept_patch(const struct _u_request *req, struct _u_response *resp,
		 const struct req_ctx *ctx, const struct field *fields, body_check check,
		 void *out, char version[16]);

/*
 * RFC 7396 JSON Merge Patch: patch applied to target (consumed), recursively; returns the
 * result (a new reference), NULL when memory ran out.
 */
json_t *merge_patch(json_t *target, const json_t *patch);

/*
 * The start of an update that checks the whole document: the stored one (column `column` of
 * stmt's row, JSON text) with the merge patch ctx->body applied, when the row's "version" is
 * the one If-Match named. A new reference; NULL after answering 404, 412, 500 or 503.
 */
json_t *patched_document(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
			 const char *const *params, const char *what, const char *column,
			 const char *version);

/* A string member of a JSON body, or NULL (absent, null or not a string). Borrowed. */
const char *body_string(const json_t *body, const char *name);

/* True when errors already holds an error for the JSON pointer "/name". */
int has_field_error(const json_t *errors, const char *name);

/*
 * Runs a statement that reads one row. Returns the result (the caller PQclear()s it), or NULL
 * after answering: 404 "No such <what>." when there is no row, 500 when it failed, 503.
 */
PGresult *fetch_row(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
		    const char *const *params, const char *what);

/* Runs a single read whose columns are (json, version) and answers it: 200 with ETag, or 404. */
void respond_read(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
		  const char *const *params, const char *what);

/* Runs a page statement whose rows are (json, key) and answers the page (page_respond). */
/*
 * A single read through the representations kept in memory (rep_cache.h): from memory when
 * `key` is kept and lies within the reader's scope, else by `stmt`, whose columns are the
 * JSON, the version and the path of the unit the reader's scope must hold (the row is then
 * kept). A NULL key reads from the database only (readers with narrower rules).
 */
void respond_kept(struct _u_response *resp, struct req_ctx *ctx, const char *key,
		  struct db_stmt *stmt, const char *const *params, const char *what);

void respond_page(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
		  const char *const *params, const char *list, int limit);

struct csv_export;
/*
 * Answers a list: its CSV export when the request asks for text/csv (export names the header,
 * the statement, where its parameters' key and limit are, and the file; every row is exported,
 * from the first, whatever params[after_index] says), else the page of stmt.
 */
void respond_list(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx,
		  const struct csv_export *export, struct db_stmt *stmt, const char *const *params,
		  const char *list, int limit);

/*
 * Runs an audited write: the audit actor (audit_actor.h) fills params[actor_at] on. The result
 * (the caller PQclear()s it, whatever *st), or NULL after answering 503.
 */
PGresult *run_write(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
		    const char **params, int actor_at, enum db_status *st);

/*
 * Runs a write that carries a JSON document: doc as compact text in params[doc_at] (numbers
 * with at most 15 significant digits, as a client writes them), the audit actor
 * (audit_actor.h) from params[actor_at] on; decrefs doc. The result (the caller PQclear()s
 * it, whatever *st), or NULL after answering: 503, or 500 when doc is NULL or could not be
 * written out.
 */
PGresult *write_document(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
			 const char **params, int doc_at, int actor_at, json_t *doc,
			 enum db_status *st);

/*
 * Answers a write: status with the JSON in json_col and ETag from version_col; when
 * location_prefix is given, Location: <prefix><value of id_col>.
 */
void respond_written(struct _u_response *resp, const PGresult *res, unsigned status,
		     int json_col, int version_col, const char *location_prefix, int id_col);

/*
 * Answers an update from its named columns: 200 with "json" and ETag from "version", or 412
 * when json is NULL (nothing had the version If-Match named: another write took it). The
 * caller answers the other outcomes first.
 */
void respond_updated(struct _u_response *resp, const struct req_ctx *ctx, const PGresult *res,
		     const char *what);

/*
 * What a guarded write came to. A write statement tells it in named columns (read with
 * result_value/result_true, never by position), and the handler names the outcome.
 */
enum write_outcome {
	OUTCOME_OK,
	OUTCOME_NOT_FOUND, /* absent, or outside the caller's scope: 404 */
	OUTCOME_STALE,     /* the version If-Match named is not the current one: 412 */
	OUTCOME_CONFLICT,  /* refused by the state of other rows: 409 */
};

/*
 * Answers an outcome other than OUTCOME_OK: 404 "No such <what>.", 412, or 409 with
 * conflict_detail. OUTCOME_OK is the caller's to answer (its status and body differ).
 */
void respond_outcome(struct _u_response *resp, const struct req_ctx *ctx,
		     enum write_outcome outcome, const char *what, const char *conflict_detail);

/* 422 from the problems a write function found: JSON text [{field, code, message}]. */
void invalid_problems(struct _u_response *resp, const struct req_ctx *ctx, const char *text);

/*
 * Answers a write function's one named outcome, a write_outcome (db/migrations/0022): ok
 * (status with "json", ETag from "version", and for a create Location: location_prefix + "id"),
 * not_found (404 "No such <what>."), stale (412), conflict (409 with "detail" and the object
 * "members" merged into the problem document), forbidden (403 with "detail"), invalid (422
 * with "problems"); a failed statement by write_failed_unexpectedly().
 */
void respond_named_outcome(struct _u_response *resp, const struct req_ctx *ctx,
			   const PGresult *res, enum db_status st, unsigned status,
			   const char *location_prefix, const char *what);

/* Row 0's value of the named column, NULL when it is SQL NULL (db_value, db/pool.h). */
const char *result_value(const PGresult *res, const char *column);

/* 1 when row 0's named column is the boolean true. */
int result_true(const PGresult *res, const char *column);

/*
 * Answers a write from its named columns: status with the JSON of "json" and ETag from
 * "version"; when location_prefix is given, Location: <prefix><value of id_column>. A 500
 * when the statement returned no JSON (the caller answers the other outcomes first).
 */
void respond_written_named(struct _u_response *resp, const struct req_ctx *ctx,
			   const PGresult *res, unsigned status, const char *location_prefix,
			   const char *id_column);

/* A single read whose columns are (json, version): 200 with ETag, 404 when no row. */
void respond_row(struct _u_response *resp, const struct req_ctx *ctx, const PGresult *res,
		 const char *what);

/* 404 "No such <what>.": absent, or outside the caller's scope. */
void not_found(struct _u_response *resp, const struct req_ctx *ctx, const char *what);

/* 412 "The <what> changed since you read it; read it again." */
void changed_meanwhile(struct _u_response *resp, const struct req_ctx *ctx, const char *what);

/*
 * Answers a delete guarded by If-Match and by "still in use", whose statement returned the
 * columns found (exists in scope), version (the current one), in_use and deleted (rows): 404,
 * 412 (stale), 409 with in_use_detail, 412 (changed in between), or 204. version NULL: a
 * delete If-Match does not guard (no 412 for a version).
 */
void respond_deleted(struct _u_response *resp, const struct req_ctx *ctx, const PGresult *res,
		     const char *version, const char *what, const char *in_use_detail);

/* How a resource answers a write the database refused: its own 409s and 422s, else
 * write_failed_unexpectedly(). */
typedef void (*write_refusal)(struct _u_response *resp, const struct req_ctx *ctx,
			      const PGresult *res);

/*
 * Runs an audited delete (run_write) and answers it: by refused (NULL: write_failed_unexpectedly)
 * when the database refused it, else by respond_deleted() with version, what and in_use_detail.
 */
void delete_and_answer(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
		       const char **params, int actor_at, const char *version, const char *what,
		       const char *in_use_detail, write_refusal refused);

/* 422 for query parameters / for a body; steal errors. */
void invalid_query(struct _u_response *resp, const struct req_ctx *ctx, json_t *errors);
void invalid_body(struct _u_response *resp, const struct req_ctx *ctx, json_t *errors);

/* 422 for a body with one error: field (a JSON pointer), code, message. */
void invalid_field(struct _u_response *resp, const struct req_ctx *ctx, const char *field,
		   const char *code, const char *message);

/* 500 without detail, for database errors no input can cause. */
void internal_error(struct _u_response *resp, const struct req_ctx *ctx);

/*
 * 500 for a write the database refused in a way no input can cause (the handler has answered
 * the refusals it expects). A CHECK violation among them means C and SQL disagree on what is
 * valid (C validates every value first): it is logged as a bug, with the constraint's name.
 */
void write_failed_unexpectedly(struct _u_response *resp, const struct req_ctx *ctx,
			       const PGresult *res);

/* "true" when the caller may see personal data unmasked, else "false" (a SQL parameter). */
const char *personal_data(const struct req_ctx *ctx);

/* A query parameter, or NULL; "" counts as absent. */
const char *query_param(const struct _u_request *req, const char *name);

/*
 * Query parameter checks (value NULL: absent, nothing to check). Each appends an error named
 * after the parameter to *errors when the value does not fit:
 *   code     a unit code              invalid_format  "must be a unit code"
 *   uuid     a UUID                   invalid_format  "must be a UUID"
 *   boolean  true or false            invalid_value   "must be true or false"; *out is the
 *            value ("true"/"false", a SQL boolean parameter), NULL when absent or refused
 *   enum     one of values            invalid_value   message
 */
void query_check_code(json_t **errors, const char *name, const char *value);
void query_check_uuid(json_t **errors, const char *name, const char *value);
void query_check_boolean(json_t **errors, const char *name, const char *value, const char **out);
void query_check_enum(json_t **errors, const char *name, const char *value,
		      const char *const *values, const char *message);

/* 0 when errors is NULL (every parameter fits); else -1 after answering 422 with them. */
int query_checked(struct _u_response *resp, const struct req_ctx *ctx, json_t *errors);

#endif
