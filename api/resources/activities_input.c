/*
 * The checks of an activity body that need no database (see activities.h): a single create,
 * a patch and every item of a batch go through activity_check, so they refuse the same input
 * with the same errors. What needs the database (the services exist and are not retired, the
 * members were in the team on the date, the languages and the unit exist) is
 * activity_problems() in db/functions/55_activities.sql, run in the statement that writes.
 */
#include <stdio.h>
#include <string.h>

#include "../http/problem.h"
#include "../text.h"
#include "../validate.h"
#include "activities.h"
#include "members_validate.h"
#include "resource.h"
#include "services_validate.h"
#include "teams_shared.h"

const char *const activity_kind_values[] = {"household_visit", "group_session", "campaign", NULL};

/* The arrays (service_codes, member_ids, languages) have their own checks, item by item. */
#define ACTIVITY_FIELDS                                                                     \
	/* no maximum: anything but YYYY-MM-DD is invalid_format (check_date_field) */          \
	{"date", FIELD_STRING, FIELD_REQUIRED, 1, 0, NULL},                                     \
	{"kind", FIELD_ENUM, FIELD_REQUIRED, 0, 0, activity_kind_values},                       \
	{"households_reached", FIELD_INTEGER, FIELD_NULLABLE, 0, ACTIVITY_REACH_MAX, NULL},     \
	{"people_reached", FIELD_INTEGER, FIELD_NULLABLE, 0, ACTIVITY_REACH_MAX, NULL},         \
	{"unit_code", FIELD_CODE, 0, 0, 0, NULL},                                               \
	{"notes", FIELD_STRING, FIELD_NULLABLE, 1, ACTIVITY_NOTES_MAX, NULL} /* newlines ok */

/* A single activity: its team is the path's. A batch item names its team. */
static const struct field activity_fields[] = {ACTIVITY_FIELDS,
					       READ_ONLY("team_id", "id", STAMPS)};
static const struct field batch_item_fields[] = {
	ACTIVITY_FIELDS, {"team_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL}, READ_ONLY("id", STAMPS)};

/*
 * An array of distinct strings at /name: between min and max items, each accepted by
 * item_ok (else invalid_format with format_message). Returns the number of errors.
 */
static int check_string_array(const json_t *v, const char *name, size_t min, size_t max,
			      int (*item_ok)(const char *), const char *format_message,
			      json_t **errors)
{
	char pointer[64];
	snprintf(pointer, sizeof pointer, "/%s", name);
	if (!json_is_array(v)) {
		problem_add_error(errors, pointer, "invalid_type", "must be an array of strings");
		return 1;
	}
	size_t n = json_array_size(v);
	if (n < min || n > max) {
		char message[80];
		snprintf(message, sizeof message, "must hold %zu to %zu items", min, max);
		problem_add_error(errors, pointer, n < min ? "too_short" : "too_long", message);
		return 1;
	}
	int count = 0;
	size_t i, j;
	const json_t *item, *other;
	json_array_foreach(v, i, item)
	{
		snprintf(pointer, sizeof pointer, "/%s/%zu", name, i);
		const char *s = json_string_value(item);
		if (!s) {
			problem_add_error(errors, pointer, "invalid_type", "must be a string");
			count++;
			continue;
		}
		if (!item_ok(s)) {
			problem_add_error(errors, pointer, "invalid_format", format_message);
			count++;
			continue;
		}
		json_array_foreach(v, j, other) if (j < i && json_equal(item, other))
		{
			problem_add_error(errors, pointer, "duplicate", "appears twice");
			count++;
			break;
		}
	}
	return count;
}

/*
 * An array member: absent is fine (but service_codes is required on create); null is absent
 * on create and refused in a patch ([] clears); else its items are checked.
 */
static int check_array_member(const json_t *body, const char *name, enum validate_mode mode,
			      int required, json_t **errors)
{
	const json_t *v = json_object_get(body, name);
	char pointer[64];
	snprintf(pointer, sizeof pointer, "/%s", name);
	if (!v && (!required || mode == VALIDATE_PATCH))
		return 0;
	if (v && json_is_null(v) && !required && mode == VALIDATE_CREATE)
		return 0;
	if (!v || json_is_null(v)) {
		problem_add_error(errors, pointer, "required",
				  v ? "must not be null; send [] to clear" : "is required");
		return 1;
	}
	if (!strcmp(name, "service_codes"))
		return check_string_array(v, name, 1, ACTIVITY_SERVICES_MAX, catalogue_code_is_valid,
					  "must be a service code", errors);
	if (!strcmp(name, "member_ids"))
		return check_string_array(v, name, 0, ACTIVITY_MEMBERS_MAX, text_is_uuid,
					  "must be a UUID", errors);
	return member_languages_validate(v, errors);
}

int activity_check(const json_t *body, enum validate_mode mode, int allow_team_id,
		   json_t **errors)
{
	static const char *const arrays[] = {"service_codes", "member_ids", "languages", NULL};
	size_t before = json_array_size(*errors);
	validate_body_except(body, allow_team_id ? batch_item_fields : activity_fields, mode, arrays,
			     errors);
	check_array_member(body, "service_codes", mode, 1, errors);
	check_array_member(body, "member_ids", mode, 0, errors);
	check_array_member(body, "languages", mode, 0, errors);
	check_date_field(body, "date", NULL, NULL, errors);
	const json_t *households = json_object_get(body, "households_reached");
	const json_t *people = json_object_get(body, "people_reached");
	if (json_is_integer(households) && json_is_integer(people) &&
	    !has_field_error(*errors, "households_reached") &&
	    !has_field_error(*errors, "people_reached") &&
	    json_integer_value(households) > json_integer_value(people))
		problem_add_error(errors, "/households_reached", "out_of_range",
				  "must not exceed people_reached");
	return (int)(json_array_size(*errors) - before);
}

json_t *activity_item(const json_t *body, const char *team_id)
{
	json_t *item = json_object();
	const char *key;
	json_t *v;
	int failed = !item;
	json_object_foreach((json_t *)body, key, v) if (!failed && !json_is_null(v))
		failed = json_object_set(item, key, v) != 0;
	if (!failed && team_id)
		failed = json_object_set_new(item, "team_id", json_string(team_id)) != 0;
	if (failed) {
		json_decref(item);
		return NULL;
	}
	return item;
}

int activity_problems_to_errors(const char *text, int batch, json_t **errors)
{
	json_t *problems = json_loads(text, 0, NULL);
	size_t i;
	const json_t *p;
	json_array_foreach(problems, i, p)
	{
		char field[200];
		const char *relative = json_string_value(json_object_get(p, "field"));
		if (batch)
			snprintf(field, sizeof field, "/items/%lld%s",
				 (long long)json_integer_value(json_object_get(p, "index")), relative);
		else
			snprintf(field, sizeof field, "%s", relative);
		problem_add_error(errors, field, json_string_value(json_object_get(p, "code")),
				  json_string_value(json_object_get(p, "message")));
	}
	int n = (int)json_array_size(problems);
	json_decref(problems);
	return n;
}
