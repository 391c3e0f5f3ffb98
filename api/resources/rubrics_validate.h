/*
 * A rubric's body, checked without the database: code, names, subject_type, period_kind and
 * status by the field table; criteria: 1-30 objects {code, name_vi, name_en, weight (integer
 * 1-100), max_score (number, more than 0, at most 1000), kpi and target (optional, together)},
 * codes unique, weights summing to exactly 100; thresholds {excellent, good, satisfactory},
 * numbers from 0 to 100, strictly decreasing. Every error is named by its JSON Pointer
 * (/criteria/2/weight, /thresholds/good).
 */
#ifndef CDTT_RESOURCES_RUBRICS_VALIDATE_H
#define CDTT_RESOURCES_RUBRICS_VALIDATE_H
#include <jansson.h>

#include "../validate.h"

/* The enumerations of a rubric (NULL-terminated): period_kind year, quarter; status active,
 * retired. Its subject_type takes evaluation_subject_type_values (evaluations.h). */
extern const char *const rubric_period_kind_values[];
extern const char *const rubric_status_values[];

/* The KPIs a criterion may be measured by (the names of evaluation_kpis() in
 * db/functions/65_evaluations.sql): the first five for members and teams, all for teams. */
extern const char *const rubric_kpi_values[];

/* The plain members; criteria and thresholds are checked by rubric_check. */
extern const struct field rubric_fields[];

/*
 * Checks a whole rubric (a create body, or the current version with a patch merged in) and
 * appends every error. Thresholds may be absent (the defaults then). Returns the number of
 * errors.
 */
int rubric_check(const json_t *doc, json_t **errors);

/*
 * The rubric as stored, from a document rubric_check passed: the thresholds 90/70/50 when it
 * has none, and criteria without kpi and target when they are null. New reference, NULL when
 * memory ran out.
 */
json_t *rubric_stored(const json_t *doc);

#endif
