/*
 * Helpers shared by the activities suite's files (test_activities.c: recording, reading,
 * who may; test_activities_validation.c: refused bodies; test_activities_batch.c: the batch;
 * test_activities_lists.c: lists, CSV, PATCH and DELETE). One world serves the whole suite;
 * every test makes its own village and team, so tests never depend on each other's data.
 */
#ifndef CDTT_TEST_ACTIVITIES_SUPPORT_H
#define CDTT_TEST_ACTIVITIES_SUPPORT_H
#include <check.h>

#include "world.h"

extern struct world aw;

/* A village `code` under TQ with a team established on 2020-01-01; the team's id (malloc'd). */
char *at_village_team(const char *code);

/* Today in Vietnam plus `days` (negative: before), YYYY-MM-DD (one of 4 static buffers). */
const char *at_day(int days);

/* "/api/v1/teams/<id>/activities" and "/api/v1/activities/<id>" (world_path's buffers). */
#define at_team_path(team) world_path("/api/v1/teams/%s/activities", (team))
#define at_activity_path(id) world_path("/api/v1/activities/%s", (id))

/* POSTs body to the team's activities as token; the response is left in r. */
void at_post(struct http_response *r, const char *token, const char *team, const char *body);

/* Records an activity as token and asserts 201; its id (malloc'd). */
char *at_record(const char *token, const char *team, const char *body);

/* A minimal valid body on date with the members (a JSON array text, or NULL for none). */
const char *at_body(const char *date, const char *member_ids);

/* Row counts of activities and audit_events, to assert that nothing was written. */
struct world_counts at_counts(void);


void activities_add_validation_tests(TCase *tc);
void activities_add_batch_tests(TCase *tc);
void activities_add_list_tests(TCase *tc);

#endif
