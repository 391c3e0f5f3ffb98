/*
 * Helpers shared by the teams suite's files (test_teams.c: teams; test_teams_validation.c:
 * team bodies; test_teams_lists.c: the list and its CSV export; test_teams_memberships.c:
 * memberships). One world serves the whole suite; every test makes its own units, so tests
 * never depend on each other's data or order.
 */
#ifndef CDTT_TEST_TEAMS_SUPPORT_H
#define CDTT_TEST_TEAMS_SUPPORT_H
#include <check.h>

#include "world.h"

extern struct world tw;

/*
 * Creates a team through the API as token and asserts 201; returns its id (malloc'd).
 * extra_json is appended inside the object (e.g. ",\"status\":\"suspended\"") or NULL.
 */
char *tt_create_team(const char *token, const char *unit, const char *name,
		     const char *extra_json);

/* A new village `code` under TQ with a team `name` that officer.tq created; the team's id (malloc'd). */
char *tt_village_team(const char *code, const char *name);

/* POSTs a membership as token (left_on NULL: none); the response is left in r. */
void tt_post_membership(struct http_response *r, const char *token, const char *team,
			const char *member, const char *role, const char *joined_on,
			const char *left_on);

/* Adds a membership through the API as token and asserts 201; returns its id (malloc'd). */
char *tt_add_membership(const char *token, const char *team, const char *member,
			const char *role, const char *joined_on);

/* "/api/v1/teams/<id>", "/api/v1/teams/<id>/memberships" and
 * "/api/v1/teams/<id>/memberships/<ms>" (world_path's buffers). */
#define tt_team_path(id) world_path("/api/v1/teams/%s", (id))
#define tt_memberships_path(team) world_path("/api/v1/teams/%s/memberships", (team))
#define tt_membership_path(team, ms) world_path("/api/v1/teams/%s/memberships/%s", (team), (ms))

/*
 * Row counts of teams, memberships and audit_events, to assert (world_assert_unchanged) that
 * nothing was written.
 */
struct world_counts tt_counts(void);

/* The tests in test_teams_validation.c, test_teams_lists.c and test_teams_memberships.c. */
void teams_add_validation_tests(TCase *tc);
void teams_add_list_tests(TCase *tc);
void teams_add_membership_tests(TCase *tc);

#endif
