/*
 * The raw request target, read by cdtt itself where ulfius is silent: ulfius drops query
 * values that are not valid UTF-8, so `?q=%FF` would act as if no q were sent; such a query
 * is refused instead.
 */
#ifndef CDTT_HTTP_QUERY_H
#define CDTT_HTTP_QUERY_H
#include <stddef.h>
#include <ulfius.h>

#include "http.h"

/* n bytes of s percent-decoded ('+' is a space when plus_is_space); malloc'd. NULL when a
 * '%' is not followed by two hex digits, or decodes to a NUL byte. */
char *percent_decode(const char *s, size_t n, int plus_is_space);

/* 0 when every name and value of the query string decodes to UTF-8; else answers 422 naming
 * each bad parameter (code invalid_encoding) and returns -1. */
int query_check_encoding(const struct _u_request *req, struct _u_response *resp,
			 const struct req_ctx *ctx);

#endif
