#include "resource.h"

#include <stdio.h>
#include <string.h>

#include "../http/etag.h"
#include "../http/problem.h"
#include "../validate.h"

int allowed(struct _u_response *resp, const struct req_ctx *ctx, enum action action)
{
	if (authz_allows(&ctx->principal, action))
		return 1;
	problem(resp, ctx, 403, "Your role or scopes do not allow this.");
	return 0;
}

const char *path_uuid(const struct _u_request *req, struct _u_response *resp,
		      const struct req_ctx *ctx, const char *name, const char *what)
{
	/* also refuses "7,5": ulfius joins ?id=7 and the path's 5 under one key */
	const char *id = u_map_get(req->map_url, name);
	if (text_is_uuid(id))
		return id;
	char detail[80];
	snprintf(detail, sizeof detail, "No such %s.", what);
	problem(resp, ctx, 404, detail);
	return NULL;
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

void respond_row(struct _u_response *resp, const struct req_ctx *ctx, const PGresult *res,
		 const char *what)
{
	if (PQntuples(res) != 1) {
		char detail[80];
		snprintf(detail, sizeof detail, "No such %s.", what);
		problem(resp, ctx, 404, detail);
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

void internal_error(struct _u_response *resp, const struct req_ctx *ctx)
{
	problem(resp, ctx, 500, NULL);
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
