#include "etag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"

void etag_set(struct _u_response *resp, const char *version)
{
	char tag[24];
	snprintf(tag, sizeof tag, "\"%s\"", version);
	http_header(resp, "ETag", tag);
}

int etag_require_if_match(const struct _u_request *req, struct _u_response *resp,
			  const struct req_ctx *ctx, char version_out[16])
{
	const char *h = http_request_header(req, "If-Match");
	if (!h || !*h) {
		problem(resp, ctx, 428, "Send If-Match with the ETag of the version you read.");
		return -1;
	}
	/* "7" or 7; a weak tag, a list or * cannot name one version */
	const char *p = h;
	int quoted = *p == '"';
	p += quoted;
	size_t n = strspn(p, "0123456789");
	if (n == 0 || n > 9 || (quoted ? strcmp(p + n, "\"") : strcmp(p + n, "")) != 0) {
		problem(resp, ctx, 412, "If-Match does not name the current version.");
		return -1;
	}
	/* "007" names version 7: compare numbers, not texts */
	snprintf(version_out, 16, "%ld", strtol(p, NULL, 10));
	return 0;
}
