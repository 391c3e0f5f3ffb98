#define _GNU_SOURCE
#include "body.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "problem.h"

int media_type_is(const char *header, const char *type)
{
	if (!header)
		return 0;
	while (*header == ' ' || *header == '\t')
		header++;
	size_t n = strlen(type);
	if (strncasecmp(header, type, n) != 0)
		return 0;
	const char *rest = header + n;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	return *rest == '\0' || *rest == ';';
}

int content_length_exceeds(const char *value, size_t limit)
{
	if (!value)
		return 0;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(value, &end, 10);
	return errno == ERANGE || (end != value && *end == '\0' && n > limit);
}

int body_check_size(const struct _u_request *req, struct _u_response *resp,
		    const struct req_ctx *ctx, size_t limit)
{
	if (req->binary_body_length <= limit &&
	    !content_length_exceeds(http_request_header(req, "Content-Length"), limit))
		return 0;
	char detail[96];
	snprintf(detail, sizeof detail, "The body may hold at most %zu bytes.", limit);
	problem(resp, ctx, 413, detail);
	return -1;
}

int body_parse_json(const struct _u_request *req, struct _u_response *resp,
		    struct req_ctx *ctx)
{
	const char *ct = http_request_header(req, "Content-Type");
	int patch = !strcmp(req->http_verb, "PATCH");
	if (!media_type_is(ct, "application/json") &&
	    !(patch && media_type_is(ct, "application/merge-patch+json"))) {
		problem(resp, ctx, 415,
			patch ? "Send the body as application/merge-patch+json or application/json."
			      : "Send the body as application/json.");
		return -1;
	}
	if (req->binary_body_length == 0) {
		problem(resp, ctx, 400, "The request needs a JSON object as its body.");
		return -1;
	}
	json_error_t error;
	json_t *body = json_loadb(req->binary_body, req->binary_body_length,
				  JSON_REJECT_DUPLICATES, &error);
	if (!body) {
		char detail[160];
		/* Position only: jansson's wording may quote the input, which may be personal data.
		 * A well-formed integer beyond 64 bits is a value out of range (422), not bad JSON:
		 * never wrapped, never rounded to a real. */
		int overflow = json_error_code(&error) == json_error_numeric_overflow;
		snprintf(detail, sizeof detail,
			 overflow ? "A number in the body is too large (line %d, column %d)."
				  : "The body is not valid JSON (line %d, column %d).",
			 error.line, error.column);
		problem(resp, ctx, overflow ? 422 : 400, detail);
		return -1;
	}
	if (!json_is_object(body)) {
		json_decref(body);
		problem(resp, ctx, 400, "The body must be a JSON object.");
		return -1;
	}
	ctx->body = body;
	return 0;
}

int body_require_csv(const struct _u_request *req, struct _u_response *resp,
		     const struct req_ctx *ctx)
{
	const char *ct = http_request_header(req, "Content-Type");
	const char *charset = ct ? strcasestr(ct, "charset=") : NULL;
	if (media_type_is(ct, "text/csv") &&
	    (!charset || !strncasecmp(charset + 8, "utf-8", 5) || !strncasecmp(charset + 8, "\"utf-8\"", 7)))
		return 0;
	problem(resp, ctx, 415, "Send the rows as text/csv in UTF-8.");
	return -1;
}
