/*
 * validate_body (api/validate.c): a field table and a JSON body give the list of errors a 422
 * carries. Each test reads the errors back as JSON ({"field", "code", "message"}) and names the
 * behaviour it holds.
 */
#include <string.h>
#include <check.h>
#include <jansson.h>

#include "../../api/text.h"
#include "../../api/validate.h"

static const char *const colours[] = {"red", "green", "blue", NULL};

/* One field of each kind, as the resource tables write them. */
static const struct field table[] = {
	{"code", FIELD_CODE, FIELD_REQUIRED | FIELD_CREATE_ONLY, 0, 0, NULL},
	{"name", FIELD_STRING, FIELD_REQUIRED, 1, 10, NULL},
	{"note", FIELD_STRING, FIELD_NULLABLE, 1, 500, NULL},
	{"count", FIELD_INTEGER, 0, 1, 100, NULL},
	{"colour", FIELD_ENUM, FIELD_NULLABLE, 0, 0, colours},
	{"colours", FIELD_ENUM_ARRAY, 0, 1, 0, colours},
	{"parent_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL},
	{"username", FIELD_NAME, 0, 0, 0, NULL},
	READ_ONLY("id", "version"),
};

struct result {
	int count;
	json_t *errors; /* NULL when there are none */
};

static struct result run(const char *body_text, enum validate_mode mode)
{
	json_error_t err;
	json_t *body = json_loads(body_text, 0, &err);
	ck_assert_msg(body != NULL, "test body does not parse: %s", err.text);
	struct result r = {0, NULL};
	r.count = validate_body(body, table, mode, &r.errors);
	json_decref(body);
	/* the count and the list always agree: a client is told of every error counted */
	ck_assert_int_eq(r.count, r.errors ? (int)json_array_size(r.errors) : 0);
	return r;
}

/* The code given for `field`, or NULL when it has no error; fails on two errors for one field. */
static const char *code_of(const struct result *r, const char *field)
{
	const char *found = NULL;
	size_t i;
	json_t *e;
	json_array_foreach(r->errors, i, e)
	{
		ck_assert(json_is_object(e));
		ck_assert(json_is_string(json_object_get(e, "message")));
		ck_assert(json_string_length(json_object_get(e, "message")) > 0);
		const char *f = json_string_value(json_object_get(e, "field"));
		ck_assert_ptr_nonnull(f);
		if (!strcmp(f, field)) {
			ck_assert_msg(!found, "two errors for %s", field);
			found = json_string_value(json_object_get(e, "code"));
			ck_assert_ptr_nonnull(found);
		}
	}
	return found;
}

static void done(struct result *r)
{
	json_decref(r->errors);
	r->errors = NULL;
}

#define ASSERT_CODE(r, field, code)                                                  \
	do {                                                                          \
		const char *got_ = code_of(&(r), field);                              \
		ck_assert_msg(got_ && !strcmp(got_, code), "%s: expected %s, got %s", \
			      field, code, got_ ? got_ : "no error");                 \
	} while (0)

START_TEST(test_validate_body_clean_create_and_patch_give_no_errors)
{
	struct result r = run("{\"code\": \"HG-01\", \"name\": \"Hà Giang\", \"note\": null,"
			      " \"count\": 100, \"colour\": \"red\", \"colours\": [\"red\", \"blue\"],"
			      " \"parent_id\": \"0b7e1c9a-1d2e-4f3a-8b4c-5d6e7f8a9b0c\","
			      " \"username\": \"an.nguyen\"}",
			      VALIDATE_CREATE);
	ck_assert_int_eq(r.count, 0);
	ck_assert_ptr_null(r.errors);
	done(&r);

	r = run("{}", VALIDATE_PATCH);
	ck_assert_int_eq(r.count, 0);
	done(&r);

	r = run("{\"colour\": null, \"count\": 1}", VALIDATE_PATCH);
	ck_assert_int_eq(r.count, 0);
	done(&r);
}
END_TEST

START_TEST(test_validate_body_refuses_unknown_fields)
{
	struct result r = run("{\"code\": \"A\", \"name\": \"x\", \"colr\": \"red\"}", VALIDATE_CREATE);
	ck_assert_int_eq(r.count, 1);
	ASSERT_CODE(r, "/colr", "unknown_field");
	done(&r);

	r = run("{\"Name\": \"x\"}", VALIDATE_PATCH); /* names are case-sensitive */
	ck_assert_int_eq(r.count, 1);
	ASSERT_CODE(r, "/Name", "unknown_field");
	done(&r);
}
END_TEST

START_TEST(test_validate_body_except_leaves_the_named_members_to_the_caller)
{
	static const char *const skip[] = {"items", "name", NULL};
	json_t *body = json_loads("{\"code\": \"A\", \"items\": [1], \"colr\": 1, \"count\": 0}",
				  0, NULL);
	json_t *errors = NULL;
	/* items (not in the table) is not unknown, name (required) is not missing; the rest as
	 * validate_body says */
	int n = validate_body_except(body, table, VALIDATE_CREATE, skip, &errors);
	struct result r = {n, errors};
	ck_assert_int_eq(r.count, 2);
	ASSERT_CODE(r, "/colr", "unknown_field");
	ck_assert_ptr_nonnull(code_of(&r, "/count"));
	ck_assert_ptr_null(code_of(&r, "/items"));
	ck_assert_ptr_null(code_of(&r, "/name"));
	done(&r);
	json_decref(body);
}
END_TEST

START_TEST(test_validate_body_refuses_read_only_fields_whatever_their_value)
{
	struct result r = run("{\"code\": \"A\", \"name\": \"x\", \"id\": "
			      "\"0b7e1c9a-1d2e-4f3a-8b4c-5d6e7f8a9b0c\", \"version\": 3}",
			      VALIDATE_CREATE);
	ck_assert_int_eq(r.count, 2);
	ASSERT_CODE(r, "/id", "read_only");
	ASSERT_CODE(r, "/version", "read_only");
	done(&r);

	r = run("{\"id\": null, \"version\": \"three\"}", VALIDATE_PATCH);
	ck_assert_int_eq(r.count, 2);
	ASSERT_CODE(r, "/id", "read_only");
	ASSERT_CODE(r, "/version", "read_only");
	done(&r);
}
END_TEST

/* The same input member, with and without the representation's read-only members. */
static const struct field with_stamps[] = {
	{"title", FIELD_STRING, FIELD_REQUIRED, 1, 20, NULL},
	READ_ONLY("id", STAMPS),
};
static const struct field without_stamps[] = {
	{"title", FIELD_STRING, FIELD_REQUIRED, 1, 20, NULL},
	{0},
};

/* The one error validate_body gives body_text against t, as {"field", "code", "message"}. */
static void assert_one_error(const struct field *t, const char *body_text, enum validate_mode mode,
			     const char *field, const char *code, const char *message)
{
	json_t *body = json_loads(body_text, 0, NULL), *errors = NULL;
	ck_assert_ptr_nonnull(body);
	ck_assert_int_eq(validate_body(body, t, mode, &errors), 1);
	ck_assert_uint_eq(json_array_size(errors), 1);
	const json_t *e = json_array_get(errors, 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "field")), field);
	ck_assert_str_eq(json_string_value(json_object_get(e, "code")), code);
	ck_assert_str_eq(json_string_value(json_object_get(e, "message")), message);
	json_decref(body);
	json_decref(errors);
}

START_TEST(test_validate_body_refuses_members_named_by_read_only_on_create_and_patch)
{
	assert_one_error(with_stamps, "{\"title\": \"x\", \"created_at\": \"2024-01-01\"}",
			 VALIDATE_CREATE, "/created_at", "read_only", "cannot be set");
	assert_one_error(with_stamps, "{\"version\": 2}", VALIDATE_PATCH, "/version", "read_only",
			 "cannot be set");
	assert_one_error(with_stamps, "{\"id\": null}", VALIDATE_PATCH, "/id", "read_only",
			 "cannot be set");
	/* a query parameter is named as it is */
	assert_one_error(with_stamps, "{\"updated_at\": \"x\"}", VALIDATE_QUERY, "updated_at",
			 "read_only", "cannot be set");
}
END_TEST

START_TEST(test_validate_body_a_table_ended_by_zero_has_no_read_only_members)
{
	assert_one_error(without_stamps, "{\"title\": \"x\", \"version\": 2}", VALIDATE_CREATE,
			 "/version", "unknown_field", "is not a field of this resource");
	assert_one_error(without_stamps, "{\"id\": \"x\"}", VALIDATE_PATCH, "/id",
			 "unknown_field", "is not a field of this resource");
}
END_TEST

START_TEST(test_validate_body_a_member_in_neither_the_table_nor_read_only_is_unknown)
{
	assert_one_error(with_stamps, "{\"title\": \"x\", \"deleted_at\": 1}", VALIDATE_CREATE,
			 "/deleted_at", "unknown_field", "is not a field of this resource");
	assert_one_error(with_stamps, "{\"Version\": 2}", VALIDATE_PATCH, "/Version",
			 "unknown_field", "is not a field of this resource");
}
END_TEST

START_TEST(test_validate_body_create_only_fields_are_read_only_on_patch)
{
	struct result r = run("{\"code\": \"HG-02\"}", VALIDATE_PATCH);
	ck_assert_int_eq(r.count, 1);
	ASSERT_CODE(r, "/code", "read_only");
	done(&r);
}
END_TEST

START_TEST(test_validate_body_reports_missing_required_fields_on_create_only)
{
	struct result r = run("{}", VALIDATE_CREATE);
	ck_assert_int_eq(r.count, 2);
	ASSERT_CODE(r, "/code", "required");
	ASSERT_CODE(r, "/name", "required");
	done(&r);

	/* null is no value for a required field that is not nullable */
	r = run("{\"code\": \"A\", \"name\": null}", VALIDATE_CREATE);
	ck_assert_int_eq(r.count, 1);
	ASSERT_CODE(r, "/name", "required");
	done(&r);

	/* nor on PATCH, where null would clear it */
	r = run("{\"name\": null}", VALIDATE_PATCH);
	ck_assert_int_eq(r.count, 1);
	ASSERT_CODE(r, "/name", "required");
	done(&r);

	/* an empty string is not a value either */
	r = run("{\"code\": \"A\", \"name\": \"\"}", VALIDATE_CREATE);
	ck_assert_int_eq(r.count, 1);
	ASSERT_CODE(r, "/name", "required");
	done(&r);
}
END_TEST

START_TEST(test_validate_body_refuses_wrong_json_types)
{
	struct result r = run("{\"code\": 7, \"name\": [\"x\"], \"note\": {}, \"count\": \"5\","
			      " \"colour\": true, \"colours\": \"red\", \"parent_id\": 1,"
			      " \"username\": false}",
			      VALIDATE_CREATE);
	ck_assert_int_eq(r.count, 8);
	ASSERT_CODE(r, "/code", "invalid_type");
	ASSERT_CODE(r, "/name", "invalid_type");
	ASSERT_CODE(r, "/note", "invalid_type");
	ASSERT_CODE(r, "/count", "invalid_type");
	ASSERT_CODE(r, "/colour", "invalid_type");
	ASSERT_CODE(r, "/colours", "invalid_type");
	ASSERT_CODE(r, "/parent_id", "invalid_type");
	ASSERT_CODE(r, "/username", "invalid_type");
	done(&r);

	/* a number with a fraction is not a whole number, even 5.0 */
	r = run("{\"count\": 5.0}", VALIDATE_PATCH);
	ASSERT_CODE(r, "/count", "invalid_type");
	done(&r);
}
END_TEST

START_TEST(test_validate_body_counts_string_length_in_characters_not_bytes)
{
	/* ten Vietnamese letters of two or three bytes each: 10 characters, 26 bytes */
	const char *ten = "Nguyễn Hòa";
	ck_assert_uint_eq(text_length(ten), 10);
	ck_assert_uint_gt(strlen(ten), 10);
	char body[128];
	snprintf(body, sizeof body, "{\"name\": \"%s\"}", ten);
	struct result r = run(body, VALIDATE_PATCH);
	ck_assert_int_eq(r.count, 0);
	done(&r);

	/* one character more is too long, and the message says the limit */
	snprintf(body, sizeof body, "{\"name\": \"%sữ\"}", ten);
	r = run(body, VALIDATE_PATCH);
	ck_assert_int_eq(r.count, 1);
	ASSERT_CODE(r, "/name", "too_long");
	ck_assert_ptr_nonnull(
		strstr(json_string_value(json_object_get(json_array_get(r.errors, 0), "message")),
		       "10"));
	done(&r);

	/* a four-byte character is one character */
	r = run("{\"name\": \"🇻🇳 ok\"}", VALIDATE_PATCH); /* two flag code points + 3 */
	ck_assert_int_eq(r.count, 0);
	done(&r);
}
END_TEST

START_TEST(test_validate_body_enforces_minimum_length_and_integer_range)
{
	static const struct field min3[] = {{"title", FIELD_STRING, 0, 3, 20, NULL}, {0}};
	json_t *body = json_pack("{s:s}", "title", "ấy"), *errors = NULL;
	ck_assert_int_eq(validate_body(body, min3, VALIDATE_PATCH, &errors), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "code")),
			 "too_short");
	json_decref(body);
	json_decref(errors);

	struct result r = run("{\"count\": 0}", VALIDATE_PATCH);
	ASSERT_CODE(r, "/count", "out_of_range");
	done(&r);
	r = run("{\"count\": 101}", VALIDATE_PATCH);
	ASSERT_CODE(r, "/count", "out_of_range");
	done(&r);
	r = run("{\"count\": 1}", VALIDATE_PATCH);
	ck_assert_int_eq(r.count, 0);
	done(&r);
}
END_TEST

START_TEST(test_validate_body_refuses_control_characters_except_in_long_text)
{
	struct result r = run("{\"name\": \"a\\u0007b\"}", VALIDATE_PATCH);
	ASSERT_CODE(r, "/name", "invalid_characters");
	done(&r);
	r = run("{\"name\": \"a\\nb\"}", VALIDATE_PATCH); /* a short field is one line */
	ASSERT_CODE(r, "/name", "invalid_characters");
	done(&r);
	r = run("{\"name\": \"a\\u0085b\"}", VALIDATE_PATCH); /* a C1 control */
	ASSERT_CODE(r, "/name", "invalid_characters");
	done(&r);
	r = run("{\"note\": \"line one\\nline two\\tend\"}", VALIDATE_PATCH); /* max 500 */
	ck_assert_int_eq(r.count, 0);
	done(&r);
	r = run("{\"note\": \"a\\u0001b\"}", VALIDATE_PATCH);
	ASSERT_CODE(r, "/note", "invalid_characters");
	done(&r);
}
END_TEST

START_TEST(test_validate_body_accepts_only_listed_enum_values)
{
	struct result r = run("{\"colour\": \"Red\"}", VALIDATE_PATCH); /* case matters */
	ASSERT_CODE(r, "/colour", "invalid_value");
	done(&r);
	r = run("{\"colour\": \"\"}", VALIDATE_PATCH);
	ASSERT_CODE(r, "/colour", "invalid_value");
	done(&r);
	r = run("{\"colours\": [\"red\", \"purple\"]}", VALIDATE_PATCH);
	ASSERT_CODE(r, "/colours", "invalid_value");
	done(&r);
	r = run("{\"colours\": [\"red\", 1]}", VALIDATE_PATCH);
	ASSERT_CODE(r, "/colours", "invalid_value");
	done(&r);
	r = run("{\"colours\": [\"red\", \"blue\", \"red\"]}", VALIDATE_PATCH);
	ASSERT_CODE(r, "/colours", "duplicate");
	done(&r);
	r = run("{\"colours\": []}", VALIDATE_PATCH); /* min 1 item */
	ASSERT_CODE(r, "/colours", "too_short");
	done(&r);
	r = run("{\"colour\": \"green\", \"colours\": [\"blue\"]}", VALIDATE_PATCH);
	ck_assert_int_eq(r.count, 0);
	done(&r);
}
END_TEST

START_TEST(test_validate_body_checks_uuid_code_and_name_formats)
{
	struct result r = run("{\"parent_id\": \"0b7e1c9a1d2e4f3a8b4c5d6e7f8a9b0c\","
			      " \"username\": \"An\", \"code\": \"HG 01\"}",
			      VALIDATE_CREATE);
	ASSERT_CODE(r, "/parent_id", "invalid_format");
	ASSERT_CODE(r, "/username", "invalid_format");
	ASSERT_CODE(r, "/code", "invalid_format");
	done(&r);
	r = run("{\"username\": \".an\"}", VALIDATE_PATCH);
	ASSERT_CODE(r, "/username", "invalid_format");
	done(&r);
	r = run("{\"code\": \"A23456789012345678901234567890123\", \"name\": \"x\"}",
		VALIDATE_CREATE); /* 33 characters */
	ASSERT_CODE(r, "/code", "invalid_format");
	done(&r);
}
END_TEST

START_TEST(test_validate_body_reports_every_bad_field_at_once)
{
	/* one of each kind of error in one body: all of them come back, each once */
	struct result r = run("{\"bogus\": 1, \"id\": \"x\", \"count\": 500, \"colour\": \"pink\","
			      " \"note\": 5, \"username\": \"-no\"}",
			      VALIDATE_CREATE);
	ck_assert_int_eq(r.count, 8);
	ASSERT_CODE(r, "/bogus", "unknown_field");
	ASSERT_CODE(r, "/id", "read_only");
	ASSERT_CODE(r, "/count", "out_of_range");
	ASSERT_CODE(r, "/colour", "invalid_value");
	ASSERT_CODE(r, "/note", "invalid_type");
	ASSERT_CODE(r, "/username", "invalid_format");
	ASSERT_CODE(r, "/code", "required");
	ASSERT_CODE(r, "/name", "required");
	done(&r);
}
END_TEST

START_TEST(test_validate_body_appends_to_errors_already_collected)
{
	json_t *errors = json_pack("[{s:s, s:s, s:s}]", "field", "/earlier", "code", "x", "message",
				   "y");
	json_t *body = json_pack("{s:i}", "bogus", 1);
	ck_assert_int_eq(validate_body(body, table, VALIDATE_PATCH, &errors), 1);
	ck_assert_uint_eq(json_array_size(errors), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 1), "field")),
			 "/bogus");
	json_decref(body);
	json_decref(errors);
}
END_TEST

START_TEST(test_validate_body_names_body_fields_by_json_pointer_and_query_params_by_name)
{
	struct result r = run("{\"count\": \"x\", \"nope\": 1}", VALIDATE_QUERY);
	ck_assert_int_eq(r.count, 2);
	ASSERT_CODE(r, "count", "invalid_type");
	ASSERT_CODE(r, "nope", "unknown_field");
	done(&r);

	/* RFC 6901: "~" and "/" in a member name are written "~0" and "~1", so the pointer names
	 * the member the client sent and not a nested one */
	r = run("{\"a/b\": 1, \"c~d\": 2}", VALIDATE_PATCH);
	ck_assert_int_eq(r.count, 2);
	ASSERT_CODE(r, "/a~1b", "unknown_field");
	ASSERT_CODE(r, "/c~0d", "unknown_field");
	done(&r);
}
END_TEST

START_TEST(test_validate_body_names_a_long_non_ascii_unknown_field_in_valid_utf8)
{
	/* "x" and 30 three-byte letters: any cut by bytes falls inside a letter sooner or later;
	 * the error must still be there, its field valid UTF-8 */
	char key[128] = "x";
	for (int i = 0; i < 30; i++)
		strncat(key, "ệ", sizeof key - strlen(key) - 1);
	json_t *body = json_object(), *errors = NULL;
	json_object_set_new(body, key, json_integer(1));
	ck_assert_int_eq(validate_body(body, table, VALIDATE_PATCH, &errors), 1);
	ck_assert_uint_eq(json_array_size(errors), 1);
	const char *field = json_string_value(json_object_get(json_array_get(errors, 0), "field"));
	ck_assert_ptr_nonnull(field);
	ck_assert(field[0] == '/');
	ck_assert(utf8_valid(field));
	ck_assert(!strncmp(field + 1, key, strlen(field + 1))); /* a prefix of the name */
	json_decref(body);
	json_decref(errors);
}
END_TEST

START_TEST(test_member_pointer_escapes_and_cuts_on_a_character_boundary)
{
	char out[80];
	member_pointer(out, sizeof out, "/", "plain");
	ck_assert_str_eq(out, "/plain");
	member_pointer(out, sizeof out, "/", "a/b~c");
	ck_assert_str_eq(out, "/a~1b~0c");
	member_pointer(out, sizeof out, "", "a/b~c"); /* a query parameter is named as it is */
	ck_assert_str_eq(out, "a/b~c");
	member_pointer(out, sizeof out, "/", "");
	ck_assert_str_eq(out, "/");
	/* 100 two-byte letters: cut to whole letters, never inside one */
	char key[256] = "";
	for (int i = 0; i < 100; i++)
		strncat(key, "ư", sizeof key - strlen(key) - 1);
	member_pointer(out, sizeof out, "/", key);
	ck_assert(utf8_valid(out));
	ck_assert_uint_ge(strlen(out), 50);
	ck_assert_uint_lt(strlen(out), sizeof out);
	ck_assert(!strncmp(out + 1, key, strlen(out + 1)));
	/* escapes count towards the cut and are never split */
	char slashes[128];
	memset(slashes, '/', 100);
	slashes[100] = '\0';
	member_pointer(out, sizeof out, "/", slashes);
	ck_assert_uint_eq(strlen(out) % 2, 1);
	ck_assert_uint_eq(strspn(out + 1, "~1"), strlen(out + 1));
	/* a small buffer is not overrun */
	char tiny[8];
	member_pointer(tiny, sizeof tiny, "/", "abcdefghijkl");
	ck_assert_str_eq(tiny, "/abcdef");
}
END_TEST

Suite *validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("validate_body");
	tcase_add_test(tc, test_validate_body_clean_create_and_patch_give_no_errors);
	tcase_add_test(tc, test_validate_body_refuses_unknown_fields);
	tcase_add_test(tc, test_validate_body_except_leaves_the_named_members_to_the_caller);
	tcase_add_test(tc, test_validate_body_refuses_read_only_fields_whatever_their_value);
	tcase_add_test(tc, test_validate_body_refuses_members_named_by_read_only_on_create_and_patch);
	tcase_add_test(tc, test_validate_body_a_table_ended_by_zero_has_no_read_only_members);
	tcase_add_test(tc, test_validate_body_a_member_in_neither_the_table_nor_read_only_is_unknown);
	tcase_add_test(tc, test_validate_body_create_only_fields_are_read_only_on_patch);
	tcase_add_test(tc, test_validate_body_reports_missing_required_fields_on_create_only);
	tcase_add_test(tc, test_validate_body_refuses_wrong_json_types);
	tcase_add_test(tc, test_validate_body_counts_string_length_in_characters_not_bytes);
	tcase_add_test(tc, test_validate_body_enforces_minimum_length_and_integer_range);
	tcase_add_test(tc, test_validate_body_refuses_control_characters_except_in_long_text);
	tcase_add_test(tc, test_validate_body_accepts_only_listed_enum_values);
	tcase_add_test(tc, test_validate_body_checks_uuid_code_and_name_formats);
	tcase_add_test(tc, test_validate_body_reports_every_bad_field_at_once);
	tcase_add_test(tc, test_validate_body_appends_to_errors_already_collected);
	tcase_add_test(tc, test_validate_body_names_body_fields_by_json_pointer_and_query_params_by_name);
	tcase_add_test(tc, test_validate_body_names_a_long_non_ascii_unknown_field_in_valid_utf8);
	tcase_add_test(tc, test_member_pointer_escapes_and_cuts_on_a_character_boundary);
	suite_add_tcase(s, tc);
	return s;
}
