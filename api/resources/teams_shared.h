/*
 * What teams.c, teams_list.c and memberships.c share:
 *   - input checks the field tables cannot express: date fields (real dates, not in the future
 *     in Vietnam, not before another date) and query parameter text (valid UTF-8, no control
 *     characters) before it reaches a SQL cast;
 *   - the team-leader rule: a team leader reads only their own team, so every team query takes
 *     one more parameter, the only team the caller may see (NULL for everyone else), which
 *     SQL's visible_teams(scope, only_team) applies (db/functions/10_scope.sql).
 */
#ifndef CDTT_RESOURCES_TEAMS_SHARED_H
#define CDTT_RESOURCES_TEAMS_SHARED_H
#include <jansson.h>

#include "../http/http.h"

#define DATE_TEXT_LEN 11 /* "YYYY-MM-DD" and its NUL */

/* A team's status: active, suspended, dissolved (teams.c). */
extern const char *const team_status_values[];

/*
 * Checks the date field `name` of body, when it is a string that validate_body accepted:
 * a real date, not after today; not before `not_before` when given. Appends the error to
 * *errors and returns 1, or returns 0.
 */
int check_date_field(const json_t *body, const char *name, const char *not_before,
		     const char *not_before_reason, json_t **errors);

/* True when a query parameter is valid UTF-8 of at most max characters, without controls. */
int query_text_ok(const char *s, size_t max);

/*
 * The only team the caller may see, as a SQL uuid parameter: NULL (any team in scope) for all
 * but team leaders; a team leader's own team; and for a team leader without a team, a UUID no
 * team has, so they see nothing (fail closed).
 */
const char *team_only_param(const struct req_ctx *ctx);

/*
 * SQL condition: team `t` is the team `id`, visible to a caller with `scope` and `only` (see
 * team_only_param): visible_teams() written as a condition on `t`, for statements that read
 * the team row themselves. Arguments are parameter references such as "$1".
 */
#define TEAM_VISIBLE(id, scope, only)                                                      \
	"t.id = " id "::uuid AND (" only "::uuid IS NULL OR t.id = " only "::uuid)"         \
	" AND EXISTS (SELECT 1 FROM units u WHERE u.code = t.unit_code"                     \
	" AND within(u.path, " scope "::ltree))"

/* GET /api/v1/teams (JSON or, with Accept: text/csv, the streamed export); in teams_list.c. */
void teams_list(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx);

#endif
