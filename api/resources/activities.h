/*
 * What the activity modules share (activities.c: one activity; activities_batch.c: many at
 * once; activities_list.c: the lists and the CSV export; activities_input.c: the checks):
 *   - the checks of an activity body that need no database (activity_check), the same for a
 *     single create, a patch and every item of a batch;
 *   - the statement that records new activities, one or a thousand: activities_create() in
 *     db/functions/55_activities.sql checks their references (services, members on the date,
 *     languages, unit, the team's founding date) in the same statement as the write;
 *   - service codes, whose form services.c owns.
 */
#ifndef CDTT_RESOURCES_ACTIVITIES_H
#define CDTT_RESOURCES_ACTIVITIES_H
#include <jansson.h>

#include "../http/http.h"
#include "../validate.h"

#define ACTIVITY_SERVICES_MAX 20
#define ACTIVITY_MEMBERS_MAX 50
#define ACTIVITY_REACH_MAX 10000
#define ACTIVITY_NOTES_MAX 2000
#define ACTIVITY_BATCH_MAX 1000

/* household_visit, group_session, campaign (NULL-terminated). */
extern const char *const activity_kind_values[];

/*
 * Checks an activity body (create, or patch when mode is VALIDATE_PATCH) against every rule
 * that needs no database: the field table, the arrays item by item (/service_codes/2), the
 * date (real, not after today in Vietnam) and households <= people when both are given.
 * allow_team_id accepts a team_id member (batch items). Errors go to *errors; returns how many.
 */
int activity_check(const json_t *body, enum validate_mode mode, int allow_team_id,
		   json_t **errors);

/*
 * Turns the JSON text of the problems the write functions found ([{index, field, code,
 * message}], see activity_problems() in db/functions/55_activities.sql) into errors; with
 * batch, each field is prefixed "/items/<index>". Returns how many were added.
 */
int activity_problems_to_errors(const char *text, int batch, json_t **errors);

/*
 * An item as activities_create() takes it: a copy of body without its null members (null
 * means absent on create), with team_id set when given. New reference, NULL without memory.
 */
json_t *activity_item(const json_t *body, const char *team_id);

/* The routes' handlers outside activities.c. */
void activities_list_of_team(const struct _u_request *req, struct _u_response *resp,
			     struct req_ctx *ctx);
void activities_list(const struct _u_request *req, struct _u_response *resp,
		     struct req_ctx *ctx);
void activities_batch(const struct _u_request *req, struct _u_response *resp,
		      struct req_ctx *ctx);

#endif
