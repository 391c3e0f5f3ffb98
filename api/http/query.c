#define _GNU_SOURCE
#include "query.h"

#include <stdlib.h>
#include <string.h>

#include "../text.h"
#include "problem.h"

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

char *percent_decode(const char *s, size_t n, int plus_is_space)
{
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			*o++ = plus_is_space && s[i] == '+' ? ' ' : s[i];
			continue;
		}
		int h = i + 2 < n ? hex_digit(s[i + 1]) : -1, l = i + 2 < n ? hex_digit(s[i + 2]) : -1;
		if (h < 0 || l < 0 || (h == 0 && l == 0)) {
			free(out);
			return NULL;
		}
		*o++ = (char)(h * 16 + l);
		i += 2;
	}
	*o = '\0';
	return out;
}

int query_check_encoding(const struct _u_request *req, struct _u_response *resp,
			 const struct req_ctx *ctx)
{
	const char *q = req->http_url ? strchr(req->http_url, '?') : NULL;
	if (!q)
		return 0;
	json_t *errors = NULL;
	for (q++; *q;) {
		size_t len = strcspn(q, "&"), name_len = strcspn(q, "=&");
		char *name = percent_decode(q, name_len, 1);
		char *value = name_len < len ? percent_decode(q + name_len + 1, len - name_len - 1, 1)
					     : strdup("");
		int name_ok = name && utf8_valid(name);
		if (!name_ok || !value || !utf8_valid(value))
			problem_add_error(&errors, name_ok ? name : "(query)", "invalid_encoding",
					  "must be percent-encoded UTF-8");
		free(name);
		free(value);
		q += len + (q[len] == '&');
	}
	if (!errors)
		return 0;
	problem_with_errors(resp, ctx, 422, "The query parameters are invalid.", errors);
	return -1;
}
