#include "paging.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "../auth/jwt.h"
#include "../server.h"
#include "problem.h"

#define MAC_BYTES 16

char *cursor_encode(const unsigned char key[32], const char *list, const char *last_key)
{
	size_t nl = strlen(list), nk = strlen(last_key);
	size_t plain_len = nl + 1 + nk;
	unsigned char *plain = malloc(plain_len + MAC_BYTES);
	if (!plain)
		return NULL;
	memcpy(plain, list, nl);
	plain[nl] = '\n';
	memcpy(plain + nl + 1, last_key, nk);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256(mac, plain, plain_len, key);
	/* only the key and the MAC travel; the list name is implied and checked by the MAC */
	unsigned char *wire = plain + nl + 1;
	memcpy(wire + nk, mac, MAC_BYTES);
	size_t out_len = sodium_base64_ENCODED_LEN(nk + MAC_BYTES,
						   sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(out_len);
	if (out)
		sodium_bin2base64(out, out_len, wire, nk + MAC_BYTES,
				  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(plain);
	return out;
}

int cursor_decode(const unsigned char key[32], const char *list, const char *cursor,
		  char out[CURSOR_KEY_MAX])
{
	unsigned char wire[CURSOR_KEY_MAX + MAC_BYTES];
	size_t len = 0;
	if (!cursor || strlen(cursor) > 2 * sizeof wire ||
	    sodium_base642bin(wire, sizeof wire, cursor, strlen(cursor), NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len < MAC_BYTES || len - MAC_BYTES >= CURSOR_KEY_MAX)
		return -1;
	size_t nk = len - MAC_BYTES, nl = strlen(list);
	unsigned char plain[64 + 1 + CURSOR_KEY_MAX];
	if (nl > 64)
		return -1;
	memcpy(plain, list, nl);
	plain[nl] = '\n';
	memcpy(plain + nl + 1, wire, nk);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256(mac, plain, nl + 1 + nk, key);
	if (sodium_memcmp(mac, wire + nk, MAC_BYTES) != 0)
		return -1;
	memcpy(out, wire, nk);
	out[nk] = '\0';
	if (strlen(out) != nk) /* a NUL inside: not a key we made */
		return -1;
	return 0;
}

int page_request_parse(const struct _u_request *req, struct _u_response *resp,
		       const struct req_ctx *ctx, const char *list, struct page_request *out)
{
	memset(out, 0, sizeof *out);
	out->limit = PAGE_DEFAULT_LIMIT;
	const char *limit = u_map_get(req->map_url, "limit");
	if (limit) {
		char *end;
		long v = strtol(limit, &end, 10);
		if (!*limit || *end || v < 1 || v > PAGE_MAX_LIMIT || strlen(limit) > 4) {
			json_t *errors = NULL;
			problem_add_error(&errors, "limit", "out_of_range",
					  "limit must be a whole number from 1 to 200.");
			problem_with_errors(resp, ctx, 422, "The query parameters are invalid.", errors);
			return -1;
		}
		out->limit = (int)v;
	}
	snprintf(out->limit_text, sizeof out->limit_text, "%d", out->limit + 1);
	const char *cursor = u_map_get(req->map_url, "cursor");
	if (cursor && cursor_decode(ctx->srv->auth->cursor_key, list, cursor, out->after) != 0) {
		problem(resp, ctx, 400, "The cursor is not valid for this list.");
		return -1;
	}
	return 0;
}

void page_respond(struct _u_response *resp, const struct req_ctx *ctx, const PGresult *res,
		  const char *list, int limit)
{
	int rows = PQntuples(res);
	int shown = rows > limit ? limit : rows;
	size_t cap = 64;
	for (int i = 0; i < shown; i++)
		cap += (size_t)PQgetlength(res, i, 0) + 1;
	char *next = rows > limit ? cursor_encode(ctx->srv->auth->cursor_key, list,
						  PQgetvalue(res, shown - 1, 1))
				  : NULL;
	char *body = NULL;
	if (rows > limit && !next) /* a null next_cursor would say the list ends here */
		goto failed;
	cap += next ? strlen(next) : 0;
	char *p = body = malloc(cap);
	if (!body)
		goto failed;
	static const char head[] = "{\"items\":[";
	memcpy(p, head, sizeof head - 1);
	p += sizeof head - 1;
	for (int i = 0; i < shown; i++) {
		if (i)
			*p++ = ',';
		size_t n = (size_t)PQgetlength(res, i, 0);
		memcpy(p, PQgetvalue(res, i, 0), n);
		p += n;
	}
	/* cap counted the items, the cursor and 64 bytes for this punctuation */
	size_t left = cap - (size_t)(p - body);
	int n = next ? snprintf(p, left, "],\"next_cursor\":\"%s\"}", next)
		     : snprintf(p, left, "],\"next_cursor\":null}");
	if (n < 0 || (size_t)n >= left)
		goto failed;
	p += n;
	http_json_text(resp, 200, body, (size_t)(p - body));
	goto out;
failed:
	problem(resp, ctx, 500, NULL);
out:
	free(body);
	free(next);
}
