#include "problem.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	unsigned status;
	const char *type;
	const char *title;
} kinds[] = {
	{400, "urn:cdtt:problem:bad-request", "The request is malformed"},
	{401, "urn:cdtt:problem:unauthorized", "Authentication is required"},
	{403, "urn:cdtt:problem:forbidden", "This action is not allowed for the caller"},
	{404, "urn:cdtt:problem:not-found", "No such resource"},
	{405, "urn:cdtt:problem:method-not-allowed", "This method is not allowed on this resource"},
	{406, "urn:cdtt:problem:not-acceptable", "No acceptable representation"},
	{409, "urn:cdtt:problem:conflict", "The request conflicts with the current state"},
	{412, "urn:cdtt:problem:precondition-failed", "The resource has changed since it was read"},
	{413, "urn:cdtt:problem:payload-too-large", "The request body is too large"},
	{415, "urn:cdtt:problem:unsupported-media-type", "The request body has the wrong content type"},
	{422, "urn:cdtt:problem:validation-failed", "The request contains invalid values"},
	{428, "urn:cdtt:problem:precondition-required", "This update needs an If-Match header"},
	{429, "urn:cdtt:problem:too-many-requests", "Too many requests"},
	{500, "urn:cdtt:problem:internal-error", "Internal error"},
	{503, "urn:cdtt:problem:unavailable", "The service is temporarily unavailable"},
};

static int kind_index(unsigned status)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i].status == status)
			return (int)i;
	return -1;
}

const char *problem_type(unsigned status)
{
	int i = kind_index(status);
	return i < 0 ? "about:blank" : kinds[i].type;
}

const char *problem_title(unsigned status)
{
	int i = kind_index(status);
	return i < 0 ? "Error" : kinds[i].title;
}

void problem_with_members(struct _u_response *resp, const struct req_ctx *ctx, unsigned status,
			  const char *detail, json_t *errors, json_t *extra)
{
	json_t *doc = json_pack("{s:s, s:s, s:i}", "type", problem_type(status), "title",
				problem_title(status), "status", (int)status);
	if (detail)
		json_object_set_new(doc, "detail", json_string(detail));
	json_object_set_new(doc, "instance", json_string(ctx->request_id));
	if (errors)
		json_object_set_new(doc, "errors", errors);
	if (extra)
		json_object_update(doc, extra);
	json_decref(extra);
	char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	ulfius_set_string_body_response(resp, status, text ? text : "{}");
	http_header(resp, "Content-Type", "application/problem+json");
	free(text);
	json_decref(doc);
}

void problem_with_errors(struct _u_response *resp, const struct req_ctx *ctx, unsigned status,
			 const char *detail, json_t *errors)
{
	problem_with_members(resp, ctx, status, detail, errors, NULL);
}

void problem(struct _u_response *resp, const struct req_ctx *ctx, unsigned status,
	     const char *detail)
{
	problem_with_errors(resp, ctx, status, detail, NULL);
}

void problem_unavailable(struct _u_response *resp, const struct req_ctx *ctx, int busy)
{
	problem(resp, ctx, 503,
		busy ? "Every database connection is busy; retry shortly."
		     : "The database cannot be reached; retry shortly.");
	http_header(resp, "Retry-After", "1");
}

void problem_retry_after(struct _u_response *resp, const struct req_ctx *ctx, int seconds,
			 const char *detail)
{
	char value[16];
	snprintf(value, sizeof value, "%d", seconds > 0 ? seconds : 1);
	problem(resp, ctx, 429, detail);
	http_header(resp, "Retry-After", value);
}

void problem_add_error(json_t **errors, const char *field, const char *code, const char *message)
{
	if (!*errors)
		*errors = json_array();
	json_array_append_new(*errors, json_pack("{s:s, s:s, s:s}", "field", field, "code", code,
						 "message", message));
}

void problem_add_errors_prefixed(json_t **dest, json_t *src, const char *prefix)
{
	size_t i;
	const json_t *e;
	json_array_foreach(src, i, e)
	{
		char field[200];
		snprintf(field, sizeof field, "%s%s", prefix,
			 json_string_value(json_object_get(e, "field")));
		problem_add_error(dest, field, json_string_value(json_object_get(e, "code")),
				  json_string_value(json_object_get(e, "message")));
	}
	json_decref(src);
}
