/*
 * Input checks for teams and memberships that a field table cannot express (see
 * teams_shared.h): date fields, query parameter text, and the team a team leader is confined
 * to. Everything here is checked in C before it reaches a SQL cast, so bad input answers 422,
 * never a database error. Dates, UTF-8 and today's date in Vietnam are the members module's
 * pure checks (members_validate.h), so that every resource agrees on them.
 */
#include <stdio.h>
#include <string.h>

#include "../auth/principal.h"
#include "../http/problem.h"
#include "../text.h"
#include "../dates.h"
#include "members_validate.h"
#include "resource.h"
#include "teams_shared.h"

/* A UUID that no team has: gen_random_uuid() never makes version-0 UUIDs. */
#define NO_TEAM "00000000-0000-0000-0000-000000000000"

int check_date_field(const json_t *body, const char *name, const char *not_before,
		     const char *not_before_reason, json_t **errors)
{
	const char *value = json_string_value(json_object_get(body, name));
	if (!value || has_field_error(*errors, name))
		return 0;
	char pointer[80], today[DATE_TEXT_LEN];
	snprintf(pointer, sizeof pointer, "/%s", name);
	member_today(today);
	if (!member_date_is_valid(value)) {
		problem_add_error(errors, pointer, "invalid_format",
				  "must be a real date written YYYY-MM-DD, from 1900 on");
		return 1;
	}
	if (strcmp(value, today) > 0) {
		problem_add_error(errors, pointer, "out_of_range", "must not be in the future");
		return 1;
	}
	if (not_before && strcmp(value, not_before) < 0) {
		char message[160];
		snprintf(message, sizeof message, "must not be before %s (%s)", not_before,
			 not_before_reason);
		problem_add_error(errors, pointer, "out_of_range", message);
		return 1;
	}
	return 0;
}

int query_text_ok(const char *s, size_t max)
{
	if (!utf8_valid(s) || !text_is_clean(s, 0))
		return 0;
	return text_length(s) <= max;
}

const char *team_only_param(const struct req_ctx *ctx)
{
	const struct principal *p = &ctx->principal;
	if (p->kind != PRINCIPAL_USER || p->role != ROLE_TEAM_LEADER)
		return NULL;
	return p->team_id[0] ? p->team_id : NO_TEAM;
}
