/*
 * Evaluations of members and teams (evaluations.c): the enumerated values their bodies and
 * filters take, shared with the test that keeps them equal to the schema's CHECKs and the spec.
 */
#ifndef CDTT_RESOURCES_EVALUATIONS_H
#define CDTT_RESOURCES_EVALUATIONS_H
#include <jansson.h>

extern const char *const evaluation_subject_type_values[];
extern const char *const evaluator_body_values[];
extern const char *const evaluation_rating_values[];
extern const char *const evaluation_status_values[];

/* 1 when s is a period: a year ("2025") or a quarter ("2025-Q3"). */
int evaluation_period_form(const char *s);

/*
 * Appends to *errors what is wrong with the query parameters that select evaluations: period
 * (a year or a quarter; when period_required, also its absence), subject_type and
 * evaluator_body (NULL: not given).
 */
void evaluation_query_check(json_t **errors, const char *period, int period_required,
			    const char *subject_type, const char *body);

#endif
