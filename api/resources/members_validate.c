/*
 * Pure checks of member fields: phone normalisation, e-mail, languages' shape, trainings. See
 * members_validate.h for the rules; nothing here touches the network or the database, so the
 * unit tests exercise every rule directly.
 */
#include "../dates.h"
#include "members_validate.h"

#include <stdio.h>
#include <string.h>

#include "../http/problem.h"
#include "../text.h"

const char *const member_gender_values[] = {"female", "male", "other", NULL};
const char *const member_affiliation_values[] = {
	"official", "civil_servant", "party_member", "youth_union", "teacher", "police",
	"womens_union", "veterans_association", "farmers_union", "health_worker", "student",
	"volunteer", NULL};
const char *const member_skill_values[] = {"basic", "intermediate", "advanced", NULL};
const char *const member_status_values[] = {"active", "inactive", NULL};
const char *const member_team_role_values[] = {"leader", "deputy", "member", NULL};

int member_value_in(const char *const *values, const char *s)
{
	for (; s && *values; values++)
		if (!strcmp(*values, s))
			return 1;
	return 0;
}

/* A national significant number (without the trunk 0) a Vietnamese subscriber can have. */
static int national_number_ok(const char *n)
{
	size_t len = strlen(n);
	if (len == 9)
		return strchr("35789", n[0]) != NULL; /* mobiles 03x, 05x, 07x, 08x, 09x */
	return len == 10 && n[0] == '2';            /* landlines 02xx */
}

int member_phone_normalise(const char *input, char out[MEMBER_PHONE_SIZE])
{
	char digits[24];
	size_t n = 0;
	const char *p = input;
	while (*p == ' ')
		p++;
	int plus = *p == '+';
	p += plus;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n == sizeof digits - 1)
				return -1;
			digits[n++] = *p;
		} else if (!strchr(" .-()", *p)) {
			return -1; /* letters, '+' inside, anything else */
		}
	}
	digits[n] = '\0';
	const char *national;
	if (plus || (n >= 11 && !strncmp(digits, "84", 2))) {
		if (strncmp(digits, "84", 2) != 0)
			return -1; /* another country */
		national = digits + 2;
		if (*national == '0') /* "+84 (0)912 ..." */
			national++;
	} else {
		if (digits[0] != '0')
			return -1;
		national = digits + 1;
	}
	if (!national_number_ok(national))
		return -1;
	out[0] = '0';
	memcpy(out + 1, national, strlen(national) + 1); /* at most 10 digits: checked above */
	return 0;
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 5322 dot-atom: atext runs separated by single dots. */
static int local_part_ok(const char *s, size_t len)
{
	if (len < 1 || len > 64 || s[0] == '.' || s[len - 1] == '.')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.' ? s[i + 1] == '.' : !(is_alnum(s[i]) || strchr("!#$%&'*+/=?^_`{|}~-", s[i])))
			return 0;
	}
	return 1;
}

/* Host name labels (letters, digits, inner hyphens), at least two, the last not numeric. */
static int domain_ok(const char *s)
{
	int labels = 0, numeric = 1;
	while (*s) {
		size_t len = strcspn(s, ".");
		if (len < 1 || len > 63 || s[0] == '-' || s[len - 1] == '-')
			return 0;
		numeric = 1;
		for (size_t i = 0; i < len; i++) {
			if (!is_alnum(s[i]) && s[i] != '-')
				return 0;
			if (!(s[i] >= '0' && s[i] <= '9'))
				numeric = 0;
		}
		labels++;
		s += len;
		if (*s == '.' && !*++s)
			return 0; /* a trailing dot */
	}
	return labels >= 2 && !numeric;
}

int member_email_normalise(const char *input, char out[MEMBER_EMAIL_MAX + 1])
{
	size_t len = strlen(input);
	const char *at = strchr(input, '@');
	if (len > MEMBER_EMAIL_MAX || !at || strchr(at + 1, '@') ||
	    !local_part_ok(input, (size_t)(at - input)) || !domain_ok(at + 1))
		return -1;
	memcpy(out, input, len + 1);
	for (char *c = out + (at - input); *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return 0;
}

static void add_error_at(json_t **errors, const char *pointer, const char *code, const char *msg)
{
	problem_add_error(errors, pointer, code, msg);
}

static int is_language_code(const char *s)
{
	return strlen(s) == 3 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z' &&
	       s[2] >= 'a' && s[2] <= 'z';
}

/* 1 after adding the error at `at` when value is not an array (not_array) or holds more than
 * max items (too_many); 0 when it is an array of a size that fits. */
static int array_refused(const json_t *value, const char *at, size_t max, const char *not_array,
			 const char *too_many, json_t **errors)
{
	if (!json_is_array(value))
		add_error_at(errors, at, "invalid_type", not_array);
	else if (json_array_size(value) > max)
		add_error_at(errors, at, "too_long", too_many);
	else
		return 0;
	return 1;
}

int member_languages_validate(const json_t *value, json_t **errors)
{
	if (array_refused(value, "/languages", MEMBER_LANGUAGES_MAX,
			  "must be an array of language codes", "may hold at most 20 languages", errors))
		return 1;
	int count = 0;
	size_t i, j;
	json_t *item, *other;
	json_array_foreach(value, i, item)
	{
		char pointer[32];
		snprintf(pointer, sizeof pointer, "/languages/%zu", i);
		if (!json_is_string(item)) {
			add_error_at(errors, pointer, "invalid_type", "must be a string");
			count++;
			continue;
		}
		if (!is_language_code(json_string_value(item))) {
			add_error_at(errors, pointer, "invalid_format",
				     "must be an ISO 639-3 code: three lowercase letters");
			count++;
			continue;
		}
		json_array_foreach(value, j, other) if (j < i && json_equal(item, other))
		{
			add_error_at(errors, pointer, "duplicate", "appears twice");
			count++;
			break;
		}
	}
	return count;
}

/* A training's text field: a clean string of min..max characters. 0 or 1 error. */
static int check_text(const json_t *v, const char *pointer, size_t max, json_t **errors)
{
	if (!json_is_string(v)) {
		add_error_at(errors, pointer, "invalid_type", "must be a string");
		return 1;
	}
	const char *s = json_string_value(v);
	size_t n = text_length(s);
	if (!text_is_clean(s, 0)) {
		add_error_at(errors, pointer, "invalid_characters", "must not contain control characters");
		return 1;
	}
	if (n == 0) {
		add_error_at(errors, pointer, "required", "must not be empty");
		return 1;
	}
	if (n > max) {
		char msg[64];
		snprintf(msg, sizeof msg, "must be at most %zu characters", max);
		add_error_at(errors, pointer, "too_long", msg);
		return 1;
	}
	return 0;
}

static int check_completed_on(const json_t *v, const char *pointer, const char *today,
			      json_t **errors)
{
	if (!json_is_string(v)) {
		add_error_at(errors, pointer, "invalid_type", "must be a date YYYY-MM-DD");
		return 1;
	}
	if (!member_date_is_valid(json_string_value(v))) {
		add_error_at(errors, pointer, "invalid_format", "must be a real date YYYY-MM-DD");
		return 1;
	}
	if (strcmp(json_string_value(v), today) > 0) {
		add_error_at(errors, pointer, "out_of_range", "must not be in the future");
		return 1;
	}
	return 0;
}

/* A JSON Pointer token (RFC 6901: ~ and / escaped), cut short at a character boundary. */
static void pointer_token(const char *key, char *out, size_t cap)
{
	size_t n = 0;
	const char *k = key, *end = key + strlen(key); /* valid UTF-8: jansson checked it */
	while (k < end) {
		const char *next = k;
		uint32_t cp;
		if (utf8_next(&next, end, &cp) < 0)
			break;
		size_t len = (size_t)(next - k);
		int escape = *k == '~' || *k == '/';
		if (n + (escape ? 2 : len) >= cap || n >= 60)
			break;
		if (escape) {
			out[n++] = '~';
			out[n++] = *k == '~' ? '0' : '1';
		} else {
			memcpy(out + n, k, len);
			n += len;
		}
		k = next;
	}
	out[n] = '\0';
}

static int check_training(const json_t *t, size_t index, const char *today, json_t **errors)
{
	char pointer[200];
	snprintf(pointer, sizeof pointer, "/trainings/%zu", index);
	if (!json_is_object(t)) {
		add_error_at(errors, pointer, "invalid_type", "must be an object");
		return 1;
	}
	int count = 0;
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)t, key, v)
	{
		char token[130];
		pointer_token(key, token, sizeof token);
		snprintf(pointer, sizeof pointer, "/trainings/%zu/%s", index, token);
		if (!strcmp(key, "course"))
			count += check_text(v, pointer, 200, errors);
		else if (!strcmp(key, "provider"))
			count += json_is_null(v) ? 0 : check_text(v, pointer, 200, errors);
		else if (!strcmp(key, "certificate_no"))
			count += json_is_null(v) ? 0 : check_text(v, pointer, 64, errors);
		else if (!strcmp(key, "completed_on"))
			count += json_is_null(v) ? 0 : check_completed_on(v, pointer, today, errors);
		else {
			add_error_at(errors, pointer, "unknown_field", "is not a field of a training");
			count++;
		}
	}
	if (!json_object_get(t, "course")) {
		snprintf(pointer, sizeof pointer, "/trainings/%zu/course", index);
		add_error_at(errors, pointer, "required", "is required");
		count++;
	}
	return count;
}

int member_trainings_validate(const json_t *value, const char *today, json_t **errors)
{
	if (array_refused(value, "/trainings", MEMBER_TRAININGS_MAX, "must be an array of objects",
			  "may hold at most 50 trainings", errors))
		return 1;
	int count = 0;
	size_t i;
	json_t *t;
	json_array_foreach(value, i, t) count += check_training(t, i, today, errors);
	return count;
}

int member_text_is_utf8(const char *s)
{
	return utf8_valid(s);
}
