#include "validate.h"

#include <stdio.h>
#include <string.h>

#include "http/problem.h"
#include "text.h"

static int in_values(const char *const *values, const char *s)
{
	for (; values && *values; values++)
		if (!strcmp(*values, s))
			return 1;
	return 0;
}

/* Errors name body fields by JSON Pointer ("/phone") and query parameters by name ("q"):
 * `prefix` is "/" or "". */
static void add(json_t **errors, const char *prefix, const char *field, const char *code,
		const char *message)
{
	char pointer[80];
	snprintf(pointer, sizeof pointer, "%s%s", prefix, field);
	problem_add_error(errors, pointer, code, message);
}

/* "~" and "/" escaped, else "/a/b" would name a nested member; cut on a character boundary,
 * since a string cut inside a character is not UTF-8 and jansson would drop the error. */
void member_pointer(char *out, size_t size, const char *prefix, const char *key)
{
	size_t n = (size_t)snprintf(out, size, "%s", prefix), cap = n + 60;
	const char *p = key, *end = p + strlen(key);
	if (cap >= size)
		cap = size - 1;
	while (p < end) {
		const char *escape = !*prefix ? NULL : *p == '~' ? "~0" : *p == '/' ? "~1" : NULL;
		const char *next = p;
		uint32_t cp;
		int len = escape ? 2 : utf8_next(&next, end, &cp);
		if (len < 0 || n + (size_t)len > cap)
			break;
		memcpy(out + n, escape ? escape : p, (size_t)len);
		n += (size_t)len;
		p += escape ? 1 : len;
	}
	out[n] = '\0';
}

int catalogue_code_is_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 2 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("_.-", *p)))
			return 0;
	return 1;
}

int check_catalogue_code(const char *s, const char *pointer, json_t **errors)
{
	if (catalogue_code_is_valid(s))
		return 0;
	problem_add_error(errors, pointer, "invalid_format",
			  "must be 2-64 characters of a-z 0-9 _ . -, starting with a letter "
			  "or digit");
	return 1;
}

/* Checks a string value against its field; 0 or 1 error. */
static int check_string(const struct field *f, const char *s, const char *prefix, json_t **errors)
{
	char msg[160];
	if (!text_is_clean(s, f->type == FIELD_STRING && f->max > 200)) {
		add(errors, prefix, f->name, "invalid_characters", "must not contain control characters");
		return 1;
	}
	size_t n = text_length(s);
	switch (f->type) {
	case FIELD_ENUM:
		if (in_values(f->values, s))
			return 0;
		snprintf(msg, sizeof msg, "must be one of the allowed values");
		add(errors, prefix, f->name, "invalid_value", msg);
		return 1;
	case FIELD_UUID:
		if (text_is_uuid(s))
			return 0;
		add(errors, prefix, f->name, "invalid_format", "must be a UUID");
		return 1;
	case FIELD_CODE:
		if (text_is_code(s))
			return 0;
		add(errors, prefix, f->name, "invalid_format", "must be 1-32 characters of A-Z a-z 0-9 . _ -");
		return 1;
	case FIELD_NAME:
		if (n >= 3 && n <= 64 && text_is_charset(s, "._-", 1) && s[0] != '.' && s[0] != '_' &&
		    s[0] != '-')
			return 0;
		add(errors, prefix, f->name, "invalid_format",
		    "must be 3-64 characters of a-z 0-9 . _ -, starting with a letter or digit");
		return 1;
	default:
		break;
	}
	if ((long)n < (f->min ? f->min : 1)) {
		add(errors, prefix, f->name, n == 0 ? "required" : "too_short",
		    n == 0 ? "must not be empty" : "is too short");
		return 1;
	}
	if (f->max && (long)n > f->max) {
		snprintf(msg, sizeof msg, "must be at most %ld characters", f->max);
		add(errors, prefix, f->name, "too_long", msg);
		return 1;
	}
	return 0;
}

static int check_value(const struct field *f, const json_t *v, const char *prefix,
		       json_t **errors)
{
	switch (f->type) {
	case FIELD_INTEGER:
		if (!json_is_integer(v)) {
			add(errors, prefix, f->name, "invalid_type", "must be a whole number");
			return 1;
		}
		if (json_integer_value(v) < f->min || json_integer_value(v) > f->max) {
			char msg[160];
			snprintf(msg, sizeof msg, "must be from %ld to %ld", f->min, f->max);
			add(errors, prefix, f->name, "out_of_range", msg);
			return 1;
		}
		return 0;
	case FIELD_ENUM_ARRAY: {
		if (!json_is_array(v)) {
			add(errors, prefix, f->name, "invalid_type", "must be an array of strings");
			return 1;
		}
		size_t i, j;
		json_t *item, *other;
		json_array_foreach(v, i, item)
		{
			if (!json_is_string(item) || !in_values(f->values, json_string_value(item))) {
				add(errors, prefix, f->name, "invalid_value",
				    "every item must be one of the allowed values");
				return 1;
			}
			json_array_foreach(v, j, other) if (j < i && json_equal(item, other))
			{
				add(errors, prefix, f->name, "duplicate", "items must be distinct");
				return 1;
			}
		}
		if ((long)json_array_size(v) < f->min) {
			add(errors, prefix, f->name, "too_short", "needs more items");
			return 1;
		}
		return 0;
	}
	default:
		if (!json_is_string(v)) {
			add(errors, prefix, f->name, "invalid_type", "must be a string");
			return 1;
		}
		return check_string(f, json_string_value(v), prefix, errors);
	}
}

static int skipped(const char *const *skip, const char *key)
{
	for (; skip && *skip; skip++)
		if (!strcmp(*skip, key))
			return 1;
	return 0;
}

int validate_body(const json_t *body, const struct field *table, enum validate_mode mode,
		  json_t **errors)
{
	return validate_body_except(body, table, mode, NULL, errors);
}

int validate_body_except(const json_t *body, const struct field *table,
			 enum validate_mode mode, const char *const *skip, json_t **errors)
{
	int count = 0;
	const char *prefix = mode == VALIDATE_QUERY ? "" : "/";
	if (mode == VALIDATE_QUERY)
		mode = VALIDATE_PATCH;
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)body, key, value)
	{
		if (skipped(skip, key))
			continue;
		const struct field *f = table;
		while (f->name && strcmp(f->name, key))
			f++;
		if (!f->name && in_values(f->values, key)) {
			/* a member of the representation, named by the terminator's READ_ONLY */
			add(errors, prefix, key, "read_only", "cannot be set");
			count++;
		} else if (!f->name) {
			char pointer[80];
			member_pointer(pointer, sizeof pointer, prefix, key);
			problem_add_error(errors, pointer, "unknown_field", "is not a field of this resource");
			count++;
		} else if (mode == VALIDATE_PATCH && (f->flags & FIELD_CREATE_ONLY)) {
			add(errors, prefix, f->name, "read_only", "cannot be set");
			count++;
		} else if (json_is_null(value)) {
			if (!(f->flags & FIELD_NULLABLE) &&
			    (mode == VALIDATE_PATCH || (f->flags & FIELD_REQUIRED))) {
				add(errors, prefix, f->name, "required", "must not be null");
				count++;
			}
		} else {
			count += check_value(f, value, prefix, errors);
		}
	}
	if (mode == VALIDATE_CREATE)
		for (const struct field *f = table; f->name; f++)
			if ((f->flags & FIELD_REQUIRED) && !skipped(skip, f->name) &&
			    !json_object_get(body, f->name)) {
				add(errors, prefix, f->name, "required", "is required");
				count++;
			}
	return count;
}
