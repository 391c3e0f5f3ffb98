/*
 * Lists: `limit` (1-200, default 50) and an opaque, signed `cursor` naming the last key of the
 * previous page (keyset paging: stable under concurrent inserts, no OFFSET). A cursor carries
 * the name of its list and an HMAC, so one from another list or tampered with answers 400.
 */
#ifndef CDTT_HTTP_PAGING_H
#define CDTT_HTTP_PAGING_H
#include <stddef.h>
#include "http.h"

#define PAGE_DEFAULT_LIMIT 50
#define PAGE_MAX_LIMIT 200
#define CURSOR_KEY_MAX 200

/* A cursor for `list` continuing after `last_key`; malloc'd. */
char *cursor_encode(const unsigned char key[32], const char *list, const char *last_key);

/* 0 with the key into out[CURSOR_KEY_MAX], -1 when malformed, tampered or of another list. */
int cursor_decode(const unsigned char key[32], const char *list, const char *cursor,
		  char out[CURSOR_KEY_MAX]);

struct page_request {
	int limit;
	char after[CURSOR_KEY_MAX]; /* "" for the first page */
	char limit_text[16];
};

/*
 * Reads ?limit and ?cursor. Returns 0, or -1 after answering 422 (limit out of 1-200 or not a
 * number) or 400 (bad cursor).
 */
int page_request_parse(const struct _u_request *req, struct _u_response *resp,
		       const struct req_ctx *ctx, const char *list, struct page_request *out);

/*
 * Answers {"items": [...], "next_cursor": ...} from a result whose rows are (json, key), at
 * most limit + 1 of them: the extra row only tells that another page exists.
 */
void page_respond(struct _u_response *resp, const struct req_ctx *ctx, const PGresult *res,
		  const char *list, int limit);

#endif
