/*
 * Counting and throttling the duplicates a caller may not be shown (see unseen_duplicates.h).
 * The count lives in PostgreSQL (table unseen_duplicates, migration 0016), so every replica
 * sees the same allowance; a row holds the duplicates one request met.
 */
#include "unseen_duplicates.h"

#include <stdio.h>
#include <stdlib.h>

#include "../http/problem.h"
#include "audit_actor.h"
#include "resource.h"

#define STR(x) #x
#define XSTR(x) STR(x)

/*
 * Seconds until the account is under its allowance again, 0 when it is now. Newest first, the
 * row at which the running total reaches the allowance is the one whose expiry frees it.
 */
static struct db_stmt wait_for = DB_READ("unseen_duplicates_wait", 1,
	"SELECT CASE WHEN bool_or(reached) THEN greatest(1, ceil(extract(epoch FROM"
	"   max(at) FILTER (WHERE reached) + interval '24 hours' - now()))) ELSE 0 END::int"
	" AS wait_seconds"
	" FROM (SELECT at, sum(hits) OVER (ORDER BY at DESC, id DESC)"
	"         >= " XSTR(UNSEEN_DUPLICATES_PER_DAY) " AS reached"
	"       FROM unseen_duplicates WHERE principal_id = $1::uuid"
	"       AND at > now() - interval '24 hours') h");

/* unseen_duplicates_record() of db/functions/80_audit.sql: $1 count, $2 member id, $3 source,
 * $4 member ids, $5-$8 the audit actor (the account is $6). */
static struct db_stmt record = DB_STMT("unseen_duplicates_record", 8,
	"SELECT unseen_duplicates_record($1, $2, $3, $4, $5, $6, $7, $8)");

int unseen_duplicates_throttled(struct req_ctx *ctx, struct _u_response *resp)
{
	if (!ctx->principal.id[0])
		return 0;
	const char *params[1] = {ctx->principal.id};
	int wait = request_wait_seconds(ctx, resp, &wait_for, params); /* fails closed */
	if (wait <= 0)
		return wait < 0 ? -1 : 0;
	char detail[240];
	snprintf(detail, sizeof detail,
		 "Your writes met %d or more phone numbers or ids of members outside your scope "
		 "within 24 hours; writes that carry phone numbers can resume in %d seconds.",
		 UNSEEN_DUPLICATES_PER_DAY, wait);
	problem_retry_after(resp, ctx, wait, detail);
	return -1;
}

int unseen_duplicates_record(struct req_ctx *ctx, struct _u_response *resp, long n,
			     const char *member_id, const char *source, const char *member_ids)
{
	if (n <= 0 || !ctx->principal.id[0])
		return 0;
	char count[24];
	snprintf(count, sizeof count, "%ld", n);
	const char *params[8] = {count, member_id, source, member_ids};
	audit_actor_params(ctx, params + 4);
	enum db_status st;
	PGresult *res = request_refusal_query(ctx, resp, &record, params, &st);
	if (!res)
		return -1;
	PQclear(res);
	if (st != DB_OK) {
		internal_error(resp, ctx);
		return -1;
	}
	return 0;
}
