/*
 * The checks of a service body, apart from the resource (services.c) so they read as the rules
 * services_validate.h lists: the field table for the plain members, then steps and translations
 * member by member.
 */
#include "services_validate.h"

#include <stdio.h>
#include <string.h>

#include "../http/problem.h"
#include "../text.h"
#include "resource.h"

#define STEPS_MAX 30
#define INSTRUCTION_MAX 500
#define CHECK_MAX 300
#define SERVICE_NAME_MAX 200
#define TRANSLATIONS_MAX 50

const char *const service_category_values[] = {"identity", "public_services", "payments",
					       "health",   "commerce",	      "skills",
					       "safety",   NULL};
const char *const service_status_values[] = {"active", "retired", NULL};

/* steps and translations have their own checks (check_steps, check_translations). */
const struct field service_fields[] = {
	{"code", FIELD_STRING, FIELD_REQUIRED | FIELD_CREATE_ONLY, 2, 64, NULL},
	{"name_vi", FIELD_STRING, FIELD_REQUIRED, 1, SERVICE_NAME_MAX, NULL},
	{"name_en", FIELD_STRING, FIELD_REQUIRED, 1, SERVICE_NAME_MAX, NULL},
	{"category", FIELD_ENUM, FIELD_REQUIRED, 0, 0, service_category_values},
	{"status", FIELD_ENUM, 0, 0, 0, service_status_values},
	READ_ONLY(STAMPS),
};

void service_pointer_join(char out[SERVICE_POINTER_MAX], const char *prefix, const char *key)
{
	size_t o = (size_t)snprintf(out, SERVICE_POINTER_MAX, "%s/", prefix);
	const char *k = key, *end = key + strlen(key);
	while (k < end && o < 100) {
		if (*k == '~' || *k == '/') {
			out[o++] = '~';
			out[o++] = *k++ == '~' ? '0' : '1';
			continue;
		}
		const char *next = k;
		uint32_t cp;
		if (utf8_next(&next, end, &cp) < 0 || o > 96)
			break; /* not UTF-8 (jansson refuses it), or no room for a whole character */
		memcpy(out + o, k, (size_t)(next - k));
		o += (size_t)(next - k);
		k = next;
	}
	out[o] = '\0';
}

/* A text member: required or optional (null allowed), clean, at most max characters. */
static int check_text(json_t **errors, const char *pointer, const json_t *v, long max,
		      int required)
{
	char message[80];
	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
		problem_add_error(errors, pointer, "required", v ? "must not be null" : "is required");
	} else if (!json_is_string(v)) {
		problem_add_error(errors, pointer, "invalid_type", "must be a string");
	} else if (!text_is_clean(json_string_value(v), 0)) {
		problem_add_error(errors, pointer, "invalid_characters",
				  "must not contain control characters");
	} else if (text_length(json_string_value(v)) == 0) {
		problem_add_error(errors, pointer, "required",
				  required ? "must not be empty" : "must not be empty; leave it out");
	} else if ((long)text_length(json_string_value(v)) > max) {
		snprintf(message, sizeof message, "must be at most %ld characters", max);
		problem_add_error(errors, pointer, "too_long", message);
	} else {
		return 0;
	}
	return 1;
}

/* Keys of obj that are not among allowed (NULL-terminated): unknown_field each. */
static void check_keys(json_t **errors, const char *pointer, const json_t *obj,
		       const char *const *allowed)
{
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)obj, key, v)
	{
		const char *const *a = allowed;
		while (*a && strcmp(*a, key))
			a++;
		if (!*a) {
			char at[SERVICE_POINTER_MAX];
			service_pointer_join(at, pointer, key);
			problem_add_error(errors, at, "unknown_field", "is not a field of a step");
		}
	}
}

/*
 * Steps at pointer: an array of 1-30 step objects, or exactly `expected` when not 0 (a
 * translation has as many steps as the service). Returns the number of errors added.
 */
static int check_steps(const json_t *steps, const char *pointer, size_t expected,
		       json_t **errors)
{
	static const char *const step_keys[] = {"instruction", "check", NULL};
	size_t before = json_array_size(*errors), n = json_array_size(steps);
	if (!json_is_array(steps)) {
		problem_add_error(errors, pointer, "invalid_type", "must be an array of steps");
		return 1;
	}
	if (expected && n != expected) {
		char message[80];
		snprintf(message, sizeof message, "must have %zu steps, as /steps has", expected);
		problem_add_error(errors, pointer, "count_mismatch", message);
		return 1;
	}
	if (n < 1 || n > STEPS_MAX) {
		problem_add_error(errors, pointer, n < 1 ? "too_short" : "too_long",
				  "must hold 1 to 30 steps");
		return 1;
	}
	size_t i;
	const json_t *step;
	json_array_foreach(steps, i, step)
	{
		char at[SERVICE_POINTER_MAX];
		snprintf(at, sizeof at, "%s/%zu", pointer, i);
		if (!json_is_object(step)) {
			problem_add_error(errors, at, "invalid_type",
					  "must be an object {instruction, check}");
			continue;
		}
		char field[SERVICE_POINTER_MAX + 16];
		snprintf(field, sizeof field, "%s/instruction", at);
		check_text(errors, field, json_object_get(step, "instruction"), INSTRUCTION_MAX, 1);
		snprintf(field, sizeof field, "%s/check", at);
		check_text(errors, field, json_object_get(step, "check"), CHECK_MAX, 0);
		check_keys(errors, at, step, step_keys);
	}
	return (int)(json_array_size(*errors) - before);
}

/* One translation {name, steps}; steps_count 0 when /steps is itself invalid. */
static void check_translation(const char *key, const json_t *t, size_t steps_count,
			      json_t **errors)
{
	static const char *const translation_keys[] = {"name", "steps", NULL};
	char at[SERVICE_POINTER_MAX], field[SERVICE_POINTER_MAX + 16];
	service_pointer_join(at, "/translations", key);
	if (!(strlen(key) == 3 && strspn(key, "abcdefghijklmnopqrstuvwxyz") == 3)) {
		problem_add_error(errors, at, "invalid_format",
				  "must be keyed by an ISO 639-3 code: three lowercase letters");
		return;
	}
	if (!json_is_object(t)) {
		problem_add_error(errors, at, "invalid_type", "must be an object {name, steps}");
		return;
	}
	snprintf(field, sizeof field, "%s/name", at);
	check_text(errors, field, json_object_get(t, "name"), SERVICE_NAME_MAX, 1);
	const json_t *steps = json_object_get(t, "steps");
	if (steps && !json_is_null(steps)) {
		snprintf(field, sizeof field, "%s/steps", at);
		check_steps(steps, field, steps_count, errors);
	}
	check_keys(errors, at, t, translation_keys);
}

int service_check(const json_t *doc, json_t **errors)
{
	static const char *const own[] = {"steps", "translations", NULL};
	validate_body_except(doc, service_fields, VALIDATE_CREATE, own, errors);
	const char *code = body_string(doc, "code");
	if (code && !has_field_error(*errors, "code"))
		check_catalogue_code(code, "/code", errors);
	const json_t *steps = json_object_get(doc, "steps");
	size_t steps_count = 0;
	if (!steps)
		problem_add_error(errors, "/steps", "required", "is required");
	else if (json_is_null(steps))
		problem_add_error(errors, "/steps", "required", "must not be null");
	else if (check_steps(steps, "/steps", 0, errors) == 0 ||
		 (json_array_size(steps) >= 1 && json_array_size(steps) <= STEPS_MAX))
		steps_count = json_array_size(steps); /* translations must match it all the same */
	const json_t *translations = json_object_get(doc, "translations");
	if (translations && !json_is_null(translations)) {
		if (!json_is_object(translations)) {
			problem_add_error(errors, "/translations", "invalid_type",
					  "must be an object keyed by language code");
		} else if (json_object_size(translations) > TRANSLATIONS_MAX) {
			problem_add_error(errors, "/translations", "too_long",
					  "may hold at most 50 languages");
		} else {
			const char *key;
			const json_t *t;
			json_object_foreach((json_t *)translations, key, t)
			{
				check_translation(key, t, steps_count, errors);
			}
		}
	}
	return (int)json_array_size(*errors);
}
