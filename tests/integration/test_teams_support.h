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

/* Inserts a unit with SQL (parent may be NULL). */
void tt_add_unit(const char *code, const char *level, const char *parent);

/* Inserts a member with SQL in unit; returns its id (malloc'd). */
char *tt_add_member(const char *unit, const char *full_name);

/*
 * Creates a team through the API as token and asserts 201; returns its id (malloc'd).
 * extra_json is appended inside the object (e.g. ",\"status\":\"suspended\"") or NULL.
 */
char *tt_create_team(const char *token, const char *unit, const char *name,
		     const char *extra_json);

/* Adds a membership through the API as token and asserts 201; returns its id (malloc'd). */
char *tt_add_membership(const char *token, const char *team, const char *member,
			const char *role, const char *joined_on);

/* "/api/v1/teams/<id>" and "/api/v1/teams/<id>/memberships" (static buffers, one each). */
const char *tt_team_path(const char *id);
const char *tt_memberships_path(const char *team);

/* A request with If-Match: "<version>" (version NULL: without If-Match). */
void tt_call_if_match(struct http_response *r, const char *method, const char *path,
		      const char *token, const char *body, const char *version);

/* Row counts of teams, memberships and audit_events, to assert that nothing was written. */
struct tt_counts {
	long teams, memberships, audit;
};
void tt_counts(struct tt_counts *c);
void tt_assert_unchanged(const struct tt_counts *before);

/* True when the response's errors name the JSON pointer field with code. */
int tt_has_error(const struct http_response *r, const char *field, const char *code);

/*
 * A value of a JSON response body by a dotted path ("leader.name"), as text: strings as they
 * are, numbers and true/false/null spelled out, "" when absent (static buffer).
 */
const char *tt_json(const char *body, const char *path);

/* A single SQL value as text (malloc'd). */
char *tt_sql(const char *sql);

/* The tests in test_teams_validation.c, test_teams_lists.c and test_teams_memberships.c. */
void teams_add_validation_tests(TCase *tc);
void teams_add_list_tests(TCase *tc);
void teams_add_membership_tests(TCase *tc);

#endif
