/*
 * Helpers shared by the reports suite's files (test_reports.c: coverage, scope and rights;
 * test_reports_activity.c: the activity report, its period and merges; test_reports_lagging.c:
 * lagging villages). One world serves the whole suite; every test builds its own commune with
 * SQL (units, teams, members, memberships, activities), so that it knows every figure its
 * report must show and never sees another test's data.
 */
#ifndef CDTT_TEST_REPORTS_SUPPORT_H
#define CDTT_TEST_REPORTS_SUPPORT_H
#include <check.h>
#include <jansson.h>

#include "world.h"

extern struct world rw;

/* GET path as token; with csv, Accept: text/csv. */
void rp_get(struct http_response *r, const char *token, const char *path, int csv);

/* GETs path as token, asserts 200, and returns the parsed body (json_decref it). */
json_t *rp_report(const char *token, const char *path);

/* The row of report whose dotted key (e.g. "unit.code", "month") is value; fails if absent. */
json_t *rp_row(const json_t *report, const char *key, const char *value);

/* A member of a JSON object by a dotted path ("unit.code", "members_by_affiliation.teacher"). */
json_t *rp_at(const json_t *obj, const char *path);
/* Its integer value (fails when it is not an integer). */
long rp_int(const json_t *obj, const char *path);

/* Asserts that the request wrote nothing (audit events, activities, units, teams). */
struct world_counts rp_counts(void);

/* The tests in test_reports_activity.c and test_reports_lagging.c. */
void reports_add_activity_tests(TCase *tc);
void reports_add_lagging_tests(TCase *tc);

#endif
