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

/*
 * The columns principal_from_row() reads, by name: id, name, grants (a user's role, a client's
 * scopes), unit_code, scope_path, team_id and valid_after (epoch seconds before which the
 * account's tokens no longer count; 0: none ended). Selected from `users u` or `clients c`,
 * each LEFT JOINed to its unit `n` (PRINCIPAL_*_FROM).
 */
#define PRINCIPAL_VALID_AFTER(t)                                                            \
	"CASE WHEN " t ".tokens_valid_after = '-infinity' THEN 0"                            \
	" ELSE extract(epoch FROM " t ".tokens_valid_after)::bigint END AS valid_after"
#define PRINCIPAL_USER_COLUMNS                                                              \
	"u.id::text AS id, u.username AS name, u.role AS grants,"                            \
	" coalesce(u.unit_code, '') AS unit_code,"                                           \
	" CASE WHEN u.role = 'admin' THEN '' ELSE coalesce(n.path::text, 'none') END"        \
	" AS scope_path, coalesce(u.team_id::text, '') AS team_id, " PRINCIPAL_VALID_AFTER("u")
#define PRINCIPAL_USER_FROM " FROM users u LEFT JOIN units n ON n.code = u.unit_code"
#define PRINCIPAL_CLIENT_COLUMNS                                                            \
	"c.id::text AS id, c.client_id AS name, array_to_string(c.scopes, ' ') AS grants,"   \
	" c.unit_code, coalesce(n.path::text, 'none') AS scope_path, '' AS team_id, "        \
	PRINCIPAL_VALID_AFTER("c")
#define PRINCIPAL_CLIENT_FROM " FROM clients c LEFT JOIN units n ON n.code = c.unit_code"

/* Fills a principal from row 0 of a statement selecting PRINCIPAL_*_COLUMNS. */
void principal_from_row(struct principal *p, enum principal_kind kind, const PGresult *res);

/* valid_after of row 0 of such a statement. */
long principal_valid_after(const PGresult *res);

#endif
