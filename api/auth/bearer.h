/*
 * Bearer authentication, run by the pipeline before every protected route: the token from
 * `Authorization: Bearer ...` is verified, then the account behind it is read (it must exist
 * and be active: a disabled user or a deleted client stops working at once), and its current
 * role, scopes and scope unit become the request's principal.
 */
#ifndef CDTT_AUTH_BEARER_H
#define CDTT_AUTH_BEARER_H
#include "../http/http.h"
#include "jwt.h"

/* 0 with ctx->principal filled, or -1 after answering 401 (or 503). */
int bearer_authenticate(const struct auth *a, const struct _u_request *req,
			struct _u_response *resp, struct req_ctx *ctx);

/*
 * Reads an active account into *p by id (ours) or username (external). Returns 1 when found,
 * 0 when absent or disabled, -1 after answering 503.
 */
int principal_load(struct req_ctx *ctx, struct _u_response *resp, const struct token_subject *s,
		   struct principal *p);

/* Fills a principal from a row of the principal statements (see bearer.c). */
void principal_from_row(struct principal *p, enum principal_kind kind, const PGresult *res);

#endif
