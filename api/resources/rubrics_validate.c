/*
 * The checks of a rubric body, apart from the resource (rubrics.c) so they read as the rules
 * rubrics_validate.h lists: the field table for the plain members, then the criteria one by one
 * and as a whole (unique codes, weights summing to 100), then the thresholds.
 */
#include "rubrics_validate.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../http/problem.h"
#include "../text.h"
#include "evaluations.h"
#include "resource.h"

#define CRITERIA_MAX 30
#define NAME_MAX_CHARS 200
#define WEIGHT_TOTAL 100
#define MAX_SCORE_LIMIT 1000
#define POINTER_MAX 120

const char *const rubric_period_kind_values[] = {"year", "quarter", NULL};
const char *const rubric_status_values[] = {"active", "retired", NULL};
/* A member's KPIs first; the last two are measured for teams only. */
const char *const rubric_kpi_values[] = {"activities",	    "households_reached", "people_reached",
					 "active_days",	    "services_covered",	  "villages_reached",
					 "active_members", NULL};
#define MEMBER_KPIS 5

/* criteria and thresholds have their own checks (check_criteria, check_thresholds). */
const struct field rubric_fields[] = {
	{"code", FIELD_STRING, FIELD_REQUIRED | FIELD_CREATE_ONLY, 2, 64, NULL},
	{"name_vi", FIELD_STRING, FIELD_REQUIRED, 1, NAME_MAX_CHARS, NULL},
	{"name_en", FIELD_STRING, FIELD_REQUIRED, 1, NAME_MAX_CHARS, NULL},
	{"subject_type", FIELD_ENUM, FIELD_REQUIRED, 0, 0, evaluation_subject_type_values},
	{"period_kind", FIELD_ENUM, FIELD_REQUIRED, 0, 0, rubric_period_kind_values},
	{"status", FIELD_ENUM, 0, 0, 0, rubric_status_values},
	READ_ONLY(STAMPS),
};

static const char *const criterion_keys[] = {"code",	  "name_vi", "name_en", "weight",
					     "max_score", "kpi",     "target",	NULL};
static const char *const threshold_keys[] = {"excellent", "good", "satisfactory", NULL};

static int listed(const char *const *values, size_t n, const char *s)
{
	for (size_t i = 0; i < n && values[i]; i++)
		if (!strcmp(values[i], s))
			return 1;
	return 0;
}

/* "<at>/<member>": the pointer of a member of the object at `at` (short: "/criteria/29"). */
static void pointer_of(char out[POINTER_MAX], const char *at, const char *member)
{
	if (snprintf(out, POINTER_MAX, "%s/%s", at, member) >= POINTER_MAX)
		out[0] = '\0'; /* cannot happen: `at` and the member names are ours */
}

/* Members of obj that are not among allowed: unknown_field each, named by JSON Pointer. */
static void check_keys(json_t **errors, const char *at, const json_t *obj,
		       const char *const *allowed, const char *message)
{
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)obj, key, v)
	{
		if (listed(allowed, SIZE_MAX, key))
			continue;
		char prefix[POINTER_MAX], pointer[POINTER_MAX + 80];
		snprintf(prefix, sizeof prefix, "%s/", at);
		member_pointer(pointer, sizeof pointer, prefix, key);
		problem_add_error(errors, pointer, "unknown_field", message);
	}
}

/*
 * The member `name` of the object c at `at`, its pointer written to field: the member when it
 * is there, not null and of the given type; else NULL, with its error (required or
 * invalid_type with type_message) added.
 */
static const json_t *typed_member(json_t **errors, char field[POINTER_MAX], const char *at,
				  const json_t *c, const char *name, json_type type,
				  const char *type_message)
{
	const json_t *v = json_object_get(c, name);
	pointer_of(field, at, name);
	if (!v || json_is_null(v))
		problem_add_error(errors, field, "required", v ? "must not be null" : "is required");
	else if (json_typeof(v) != type)
		problem_add_error(errors, field, "invalid_type", type_message);
	else
		return v;
	return NULL;
}

/* A required text member of 1-200 characters without control characters. */
static void check_name(json_t **errors, const char *at, const json_t *v)
{
	if (!v || json_is_null(v))
		problem_add_error(errors, at, "required", v ? "must not be null" : "is required");
	else if (!json_is_string(v))
		problem_add_error(errors, at, "invalid_type", "must be a string");
	else if (!text_is_clean(json_string_value(v), 0))
		problem_add_error(errors, at, "invalid_characters",
				  "must not contain control characters");
	else if (text_length(json_string_value(v)) == 0)
		problem_add_error(errors, at, "required", "must not be empty");
	else if (text_length(json_string_value(v)) > NAME_MAX_CHARS)
		problem_add_error(errors, at, "too_long", "must be at most 200 characters");
}

/* A required number with low < value <= high (low_open) or low <= value <= high; 0 or 1 error. */
static int check_number(json_t **errors, const char *at, const json_t *v, double low,
			int low_open, double high, const char *range)
{
	if (!v || json_is_null(v)) {
		problem_add_error(errors, at, "required", v ? "must not be null" : "is required");
		return 1;
	}
	if (!json_is_number(v)) {
		problem_add_error(errors, at, "invalid_type", "must be a number");
		return 1;
	}
	double x = json_number_value(v);
	if ((low_open ? x <= low : x < low) || x > high) {
		problem_add_error(errors, at, "out_of_range", range);
		return 1;
	}
	return 0;
}

/*
 * One criterion at /criteria/<i>; subject_type is the rubric's when valid (NULL otherwise:
 * every KPI is taken). Returns its weight, or -1 when the weight is not valid.
 */
static long check_criterion(const json_t *c, size_t i, const char *subject_type,
			    json_t **errors)
{
	char at[POINTER_MAX], field[POINTER_MAX];
	snprintf(at, sizeof at, "/criteria/%zu", i);
	if (!json_is_object(c)) {
		problem_add_error(errors, at, "invalid_type",
				  "must be an object {code, name_vi, name_en, weight, max_score, kpi, "
				  "target}");
		return -1;
	}
	const json_t *code = typed_member(errors, field, at, c, "code", JSON_STRING,
					  "must be a string");
	if (code)
		check_catalogue_code(json_string_value(code), field, errors);
	pointer_of(field, at, "name_vi");
	check_name(errors, field, json_object_get(c, "name_vi"));
	pointer_of(field, at, "name_en");
	check_name(errors, field, json_object_get(c, "name_en"));

	long weight = -1;
	const json_t *w = typed_member(errors, field, at, c, "weight", JSON_INTEGER,
				       "must be a whole number");
	if (w && (json_integer_value(w) < 1 || json_integer_value(w) > WEIGHT_TOTAL))
		problem_add_error(errors, field, "out_of_range", "must be from 1 to 100");
	else if (w)
		weight = (long)json_integer_value(w);

	pointer_of(field, at, "max_score");
	check_number(errors, field, json_object_get(c, "max_score"), 0, 1, MAX_SCORE_LIMIT,
		     "must be more than 0 and at most 1000");

	const json_t *kpi = json_object_get(c, "kpi"), *target = json_object_get(c, "target");
	int has_kpi = kpi && !json_is_null(kpi);
	pointer_of(field, at, "kpi");
	if (has_kpi && !json_is_string(kpi)) {
		problem_add_error(errors, field, "invalid_type", "must be a string");
	} else if (has_kpi && !listed(rubric_kpi_values, SIZE_MAX, json_string_value(kpi))) {
		problem_add_error(errors, field, "invalid_value",
				  "must be activities, households_reached, people_reached, "
				  "active_days, services_covered, villages_reached or active_members");
	} else if (has_kpi && subject_type && !strcmp(subject_type, "member") &&
		   !listed(rubric_kpi_values, MEMBER_KPIS, json_string_value(kpi))) {
		problem_add_error(errors, field, "invalid_value",
				  "is measured for teams only: a member rubric's KPI must be "
				  "activities, households_reached, people_reached, active_days or "
				  "services_covered");
	}
	pointer_of(field, at, "target");
	if (has_kpi)
		check_number(errors, field, target, 0, 1, 1e15, "must be a number more than 0");
	else if (target && !json_is_null(target))
		problem_add_error(errors, field, "not_allowed",
				  "only a criterion with a kpi has a target: leave it out");
	check_keys(errors, at, c, criterion_keys, "is not a field of a criterion");
	return weight;
}

/* /criteria: 1-30 criteria, codes unique, weights summing to 100. */
static void check_criteria(const json_t *criteria, const char *subject_type, json_t **errors)
{
	if (!criteria) {
		problem_add_error(errors, "/criteria", "required", "is required");
		return;
	}
	if (json_is_null(criteria)) {
		problem_add_error(errors, "/criteria", "required", "must not be null");
		return;
	}
	if (!json_is_array(criteria)) {
		problem_add_error(errors, "/criteria", "invalid_type", "must be an array of criteria");
		return;
	}
	size_t n = json_array_size(criteria);
	if (n < 1 || n > CRITERIA_MAX) {
		problem_add_error(errors, "/criteria", n < 1 ? "too_short" : "too_long",
				  "must hold 1 to 30 criteria");
		return;
	}
	long total = 0;
	int weights_valid = 1;
	size_t i;
	const json_t *c;
	json_array_foreach(criteria, i, c)
	{
		long weight = check_criterion(c, i, subject_type, errors);
		if (weight < 0)
			weights_valid = 0;
		else
			total += weight;
		const char *code = json_string_value(json_object_get(c, "code"));
		for (size_t j = 0; code && j < i; j++) {
			const char *earlier =
				json_string_value(json_object_get(json_array_get(criteria, j), "code"));
			if (earlier && !strcmp(earlier, code)) {
				char at[POINTER_MAX], message[80];
				snprintf(at, sizeof at, "/criteria/%zu/code", i);
				snprintf(message, sizeof message, "is the code of /criteria/%zu already", j);
				problem_add_error(errors, at, "duplicate", message);
				break;
			}
		}
	}
	if (weights_valid && total != WEIGHT_TOTAL) {
		char message[80];
		snprintf(message, sizeof message, "the weights must add up to 100; they add up to %ld",
			 total);
		problem_add_error(errors, "/criteria", "invalid_sum", message);
	}
}

/* /thresholds: absent or null (the defaults), else {excellent, good, satisfactory} from 0 to
 * 100, excellent > good > satisfactory. */
static void check_thresholds(const json_t *t, json_t **errors)
{
	if (!t || json_is_null(t))
		return;
	if (!json_is_object(t)) {
		problem_add_error(errors, "/thresholds", "invalid_type",
				  "must be an object {excellent, good, satisfactory}");
		return;
	}
	int valid = 1;
	for (const char *const *k = threshold_keys; *k; k++) {
		char at[POINTER_MAX];
		pointer_of(at, "/thresholds", *k);
		valid &= !check_number(errors, at, json_object_get(t, *k), 0, 0, 100,
				       "must be a number from 0 to 100");
	}
	check_keys(errors, "/thresholds", t, threshold_keys, "is not a threshold");
	if (valid && !(json_number_value(json_object_get(t, "excellent")) >
			       json_number_value(json_object_get(t, "good")) &&
		       json_number_value(json_object_get(t, "good")) >
			       json_number_value(json_object_get(t, "satisfactory"))))
		problem_add_error(errors, "/thresholds", "out_of_order",
				  "must decrease strictly: excellent > good > satisfactory");
}

int rubric_check(const json_t *doc, json_t **errors)
{
	static const char *const own[] = {"criteria", "thresholds", NULL};
	validate_body_except(doc, rubric_fields, VALIDATE_CREATE, own, errors);
	const char *code = body_string(doc, "code");
	if (code && !has_field_error(*errors, "code"))
		check_catalogue_code(code, "/code", errors);
	const char *subject_type = has_field_error(*errors, "subject_type")
					   ? NULL
					   : body_string(doc, "subject_type");
	check_criteria(json_object_get(doc, "criteria"), subject_type, errors);
	check_thresholds(json_object_get(doc, "thresholds"), errors);
	return (int)json_array_size(*errors);
}

/* A criterion as stored: its members in order, kpi and target only when it has a kpi. */
static json_t *stored_criterion(const json_t *c)
{
	json_t *out = json_object();
	if (!out)
		return NULL;
	for (const char *const *k = criterion_keys; *k; k++) {
		json_t *v = json_object_get(c, *k);
		if (v && !json_is_null(v) && json_object_set(out, *k, v) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

json_t *rubric_stored(const json_t *doc)
{
	json_t *out = json_deep_copy(doc), *criteria = json_array();
	if (!out || !criteria)
		goto fail;
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(doc, "criteria"), i, c)
	{
		if (json_array_append_new(criteria, stored_criterion(c)) != 0)
			goto fail;
	}
	if (json_object_set_new(out, "criteria", criteria) != 0) {
		criteria = NULL; /* set_new took it, even when it failed */
		goto fail;
	}
	criteria = NULL;
	const json_t *t = json_object_get(doc, "thresholds");
	if ((!t || json_is_null(t)) &&
	    json_object_set_new(out, "thresholds",
				json_pack("{s:i, s:i, s:i}", "excellent", 90, "good", 70,
					  "satisfactory", 50)) != 0)
		goto fail;
	if (json_is_null(json_object_get(out, "status")))
		json_object_del(out, "status");
	return out;
fail:
	json_decref(criteria);
	json_decref(out);
	return NULL;
}
