/*
 * Duplicates the caller may not be shown. A phone number belongs to one member in the whole
 * country, so a member write or import that repeats a number (or an id) used outside the
 * caller's scope must fail; saying which row or whose record would let an officer learn,
 * thousands of numbers at a time, who is registered anywhere. Such a conflict is therefore
 * answered without naming a row or a person, counted against the account and audited
 * (action member.duplicate_outside_scope); after UNSEEN_DUPLICATES_PER_DAY of them within 24
 * hours, the account's member writes that carry phone numbers and its members imports answer
 * 429 with Retry-After until enough of them are a day old.
 */
#ifndef CDTT_RESOURCES_UNSEEN_DUPLICATES_H
#define CDTT_RESOURCES_UNSEEN_DUPLICATES_H
#include "../http/http.h"

#define UNSEEN_DUPLICATES_PER_DAY 10

/* -1 after answering 429 (or 503) when the allowance is used up; 0 when the caller may go on. */
int unseen_duplicates_throttled(struct req_ctx *ctx, struct _u_response *resp);

/*
 * Counts n (> 0) duplicates outside the caller's scope and writes their audit event, whose
 * entity is `member_id` (one member, or NULL) and whose `after` holds the count, `source`
 * ("create", "update", "import") and member_ids (a JSON array text, or NULL). Written with
 * request_refusal_query: it outlives the refused write's rollback, also inside an
 * Idempotency-Key's transaction. 0, or -1 after answering 503/500.
 */
int unseen_duplicates_record(struct req_ctx *ctx, struct _u_response *resp, long n,
			     const char *member_id, const char *source, const char *member_ids);

#endif
