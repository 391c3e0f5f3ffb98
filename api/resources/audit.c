/*
 * GET /api/v1/audit-events (admins): the audit trail, newest first, filtered by entity,
 * actor, action and time, with cursor paging on the event id.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/authz.h"
#include "../http/paging.h"
#include "../http/problem.h"
#include "../route.h"
#include "../validate.h"
#include "../text.h"
#include "resource.h"

static struct db_stmt list_events = DB_READ("audit_list", 8,
	"SELECT audit_json(e)::text, e.id::text FROM audit_events e"
	" WHERE ($1::bigint IS NULL OR e.id < $1::bigint)"
	" AND ($2::text IS NULL OR e.entity_type = $2)"
	" AND ($3::text IS NULL OR e.entity_id = $3)"
	" AND ($4::uuid IS NULL OR e.actor_id = $4::uuid)"
	" AND ($5::text IS NULL OR e.action = $5)"
	" AND ($6::timestamptz IS NULL OR e.at >= $6::timestamptz)"
	" AND ($7::timestamptz IS NULL OR e.at < $7::timestamptz)"
	" ORDER BY e.id DESC LIMIT $8::int");

/* YYYY-MM-DD, or an RFC 3339 date-time with Z or an offset. */
static int timestamp_valid(const char *s)
{
	regex_t re;
	regcomp(&re,
		"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
		"(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2}))?$",
		REG_EXTENDED | REG_NOSUB);
	int ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static void list(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	if (allowed_or_say(resp, ctx, ACT_READ_AUDIT, "Only administrators read the audit trail.") != 0)
		return;
	struct page_request page;
	if (page_request_parse(req, resp, ctx, "audit-events", &page) != 0)
		return;
	static const char *const names[] = {"entity_type", "entity_id", "actor_id", "action", "from",
					    "to"};
	const char *v[6];
	json_t *errors = NULL;
	for (int i = 0; i < 6; i++) {
		v[i] = u_map_get(req->map_url, names[i]);
		if (v[i] && (strlen(v[i]) > 100 || !text_is_clean(v[i], 0)))
			problem_add_error(&errors, names[i], "invalid_value", "is too long or malformed");
	}
	query_check_uuid(&errors, "actor_id", v[2]);
	for (int i = 4; i < 6; i++)
		if (v[i] && !timestamp_valid(v[i]))
			problem_add_error(&errors, names[i], "invalid_format",
					  "must be a date (YYYY-MM-DD) or an RFC 3339 date-time");
	if (query_checked(resp, ctx, errors) != 0)
		return;
	const char *params[8] = {page.after[0] ? page.after : NULL, v[0], v[1], v[2], v[3], v[4],
				 v[5], page.limit_text};
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &list_events, params, &st);
	if (!res)
		return;
	if (st == DB_OK)
		page_respond(resp, ctx, res, "audit-events", page.limit);
	else if (!strcmp(db_sqlstate(res), SQLSTATE_DATETIME_FIELD_OVERFLOW)) /* a date out of range, e.g. 2025-02-30 */
		problem(resp, ctx, 422, "from or to is not a real date.");
	else
		internal_error(resp, ctx);
	PQclear(res);
}

const struct route audit_routes[] = {
	{"GET", "/api/v1/audit-events", list, ROUTE_REPLICA},
	{0},
};
