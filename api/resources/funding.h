/*
 * Funding proposals and allocations (funding.c): the enumerated values their bodies and
 * filters take, shared with the test that keeps them equal to the schema's CHECKs and the spec.
 */
#ifndef CDTT_RESOURCES_FUNDING_H
#define CDTT_RESOURCES_FUNDING_H

extern const char *const funding_category_values[];
extern const char *const funding_status_values[];
extern const char *const funding_action_values[];

/* 1 when s is a fiscal year as a query parameter: four digits, 2020 to 2100. */
int funding_year_form(const char *s);

#endif
