/*
 * What every resource handler shares, so that a new resource is mostly a field table, a few
 * SQL statements and a route list:
 *   allowed()          the role/scope check, answering 403 when it fails
 *   path_uuid()        a path id, strictly parsed (404 for anything that is not a UUID)
 *   respond_written()  a create or update result: JSON built by PostgreSQL, ETag, Location
 *   respond_row()      a single read: 200 with ETag, or 404
 *   invalid_query() / invalid_body()   422 with the collected errors
 *   personal_data()    "true"/"false", the SQL parameter that masks phone, email, birth year
 */
#ifndef CDTT_RESOURCES_RESOURCE_H
#define CDTT_RESOURCES_RESOURCE_H
#include "../auth/authz.h"
#include "../http/http.h"

/* 1 when the principal may; 0 after answering 403. */
int allowed(struct _u_response *resp, const struct req_ctx *ctx, enum action action);

/* The path parameter `name` when it is a UUID; NULL after answering 404 "No such <what>.". */
const char *path_uuid(const struct _u_request *req, struct _u_response *resp,
		      const struct req_ctx *ctx, const char *name, const char *what);

/*
 * Answers a write: status with the JSON in json_col and ETag from version_col; when
 * location_prefix is given, Location: <prefix><value of id_col>.
 */
void respond_written(struct _u_response *resp, const PGresult *res, unsigned status,
		     int json_col, int version_col, const char *location_prefix, int id_col);

/* A single read whose columns are (json, version): 200 with ETag, 404 when no row. */
void respond_row(struct _u_response *resp, const struct req_ctx *ctx, const PGresult *res,
		 const char *what);

/* 422 for query parameters / for a body; steal errors. */
void invalid_query(struct _u_response *resp, const struct req_ctx *ctx, json_t *errors);
void invalid_body(struct _u_response *resp, const struct req_ctx *ctx, json_t *errors);

/* 500 without detail, for database errors no input can cause. */
void internal_error(struct _u_response *resp, const struct req_ctx *ctx);

/* "true" when the caller may see personal data unmasked, else "false" (a SQL parameter). */
const char *personal_data(const struct req_ctx *ctx);

/* A query parameter, or NULL; "" counts as absent. */
const char *query_param(const struct _u_request *req, const char *name);

#endif
