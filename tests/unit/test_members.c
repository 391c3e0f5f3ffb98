/*
 * The pure member checks (api/resources/members_validate.c): Vietnamese phone numbers in every
 * way people write them and the ways that are not numbers, e-mail addresses, the shape of
 * `languages`, `trainings` with JSON Pointer paths, dates, UTF-8.
 */
#include <stdio.h>
#include <string.h>
#include <check.h>
#include <jansson.h>

#include "../../api/resources/members_validate.h"

static const char *phone(const char *input)
{
	static char out[MEMBER_PHONE_SIZE];
	return member_phone_normalise(input, out) == 0 ? out : NULL;
}

static const char *email(const char *input)
{
	static char out[MEMBER_EMAIL_MAX + 1];
	return member_email_normalise(input, out) == 0 ? out : NULL;
}

/* The errors of a trainings value written as JSON, as "pointer code" lines. */
static const char *trainings_errors(const char *text)
{
	static char out[2048];
	json_t *v = json_loads(text, JSON_DECODE_ANY, NULL), *errors = NULL;
	ck_assert_ptr_nonnull(v);
	int n = member_trainings_validate(v, "2025-06-30", &errors);
	out[0] = '\0';
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e)
	{
		size_t len = strlen(out);
		snprintf(out + len, sizeof out - len, "%s%s %s", len ? "\n" : "",
			 json_string_value(json_object_get(e, "field")),
			 json_string_value(json_object_get(e, "code")));
	}
	ck_assert_int_eq(n, (int)json_array_size(errors));
	json_decref(errors);
	json_decref(v);
	return out;
}

static int languages_errors(const char *text, const char *first_pointer)
{
	json_t *v = json_loads(text, JSON_DECODE_ANY, NULL), *errors = NULL;
	int n = member_languages_validate(v, &errors);
	if (first_pointer)
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "field")),
				 first_pointer);
	json_decref(errors);
	json_decref(v);
	return n;
}

START_TEST(test_phone_written_in_every_usual_way_is_stored_as_0_and_9_digits)
{
	ck_assert_str_eq(phone("0912345678"), "0912345678");
	ck_assert_str_eq(phone("+84 912 345 678"), "0912345678");
	ck_assert_str_eq(phone("84912345678"), "0912345678");
	ck_assert_str_eq(phone("0912.345.678"), "0912345678");
	ck_assert_str_eq(phone("0912-345-678"), "0912345678");
	ck_assert_str_eq(phone("(0912) 345 678"), "0912345678");
	ck_assert_str_eq(phone("+84 (0) 912 345 678"), "0912345678");
	ck_assert_str_eq(phone("+84912345678"), "0912345678");
	ck_assert_str_eq(phone(" 0912 345 678"), "0912345678");
	for (const char *p = "35789"; *p; p++) {
		char in[16];
		snprintf(in, sizeof in, "0%c12345678", *p);
		ck_assert_str_eq(phone(in), in);
	}
}
END_TEST

START_TEST(test_landlines_start_02_and_have_11_digits)
{
	ck_assert_str_eq(phone("0219 3867 123"), "02193867123");
	ck_assert_str_eq(phone("+84 219 3867 123"), "02193867123");
	ck_assert_str_eq(phone("(024) 3825 1234"), "02438251234");
	ck_assert_ptr_null(phone("0219386712"));   /* 10 digits: a landline needs 11 */
	ck_assert_ptr_null(phone("091234567890")); /* a mobile with 12 */
}
END_TEST

START_TEST(test_what_is_not_a_vietnamese_number_is_refused)
{
	static const char *const bad[] = {
		"",		  "091234567",	     /* too short */
		"09123456789",	  "0912abc678",	     /* too long, letters */
		"+1 202 555 0100", "+33 6 12 34 56 78", /* other countries */
		"0123456789",	  "01234567890",     /* the old 01x prefixes */
		"0412345678",	  "0612345678",	     /* no such mobile prefix */
		"912345678",	  "0912+345678",     /* no trunk 0, + inside */
		"0912/345/678",	  "++84912345678",   "84",  "+84", "+", "0",
		"0912 345 678 ext 1", "\xef\xbc\x90\x39\x31\x32\x33\x34\x35\x36\x37\x38", /* fullwidth 0 */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(phone(bad[i]) == NULL, "%s accepted", bad[i]);
	char longest[64];
	memset(longest, '9', sizeof longest - 1);
	longest[sizeof longest - 1] = '\0';
	ck_assert_ptr_null(phone(longest));
}
END_TEST

START_TEST(test_email_lowercases_the_domain_only)
{
	ck_assert_str_eq(email("Nguyen.Van.A@Example.VN"), "Nguyen.Van.A@example.vn");
	ck_assert_str_eq(email("a+tag@so.gov.vn"), "a+tag@so.gov.vn");
	ck_assert_str_eq(email("x_y-z@mail-1.example.com"), "x_y-z@mail-1.example.com");
	ck_assert_str_eq(email("o'brien@xn--p1ai.example"), "o'brien@xn--p1ai.example");
}
END_TEST

START_TEST(test_malformed_emails_are_refused)
{
	static const char *const bad[] = {
		"",	"plain",	 "@example.vn",	   "a@",	   "a@localhost",
		"a@@b.vn", "a@b@c.vn",	 ".a@b.vn",	   "a.@b.vn",	   "a..b@c.vn",
		"a@b..vn", "a@.b.vn",	 "a@b.vn.",	   "a@-b.vn",	   "a@b-.vn",
		"a b@c.vn", "a@b c.vn",	 "a@1.2.3.4",	   "nguyễn@example.vn", "a@exa_mple.vn",
		"a\x01@b.vn",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(email(bad[i]) == NULL, "%s accepted", bad[i]);
	char big[300];
	memset(big, 'a', sizeof big);
	strcpy(big + 240, "@example.vn"); /* 251 bytes: fits */
	ck_assert_ptr_null(email(big));    /* but the local part is over 64 */
	memset(big, 'a', 60);
	big[60] = '@';
	memset(big + 61, 'b', 190);
	strcpy(big + 251, ".vn"); /* 254 bytes, but a label over 63 */
	ck_assert_ptr_null(email(big));
	char ok[300], *o = ok; /* 64 + 1 + 63 + 1 + 63 + 1 + 58 + 3 = 254 bytes */
	o = memset(o, 'a', 64), o += 64, *o++ = '@';
	o = memset(o, 'b', 63), o += 63, *o++ = '.';
	o = memset(o, 'c', 63), o += 63, *o++ = '.';
	o = memset(o, 'd', 58), o += 58;
	strcpy(o, ".vn");
	ck_assert_uint_eq(strlen(ok), 254);
	ck_assert_ptr_nonnull(email(ok));
	strcat(ok, "n"); /* 255 */
	ck_assert_ptr_null(email(ok));
}
END_TEST

START_TEST(test_languages_must_be_distinct_three_letter_codes)
{
	ck_assert_int_eq(languages_errors("[]", NULL), 0);
	ck_assert_int_eq(languages_errors("[\"vie\", \"hmn\", \"tyz\"]", NULL), 0);
	ck_assert_int_eq(languages_errors("\"vie\"", "/languages"), 1);
	ck_assert_int_eq(languages_errors("[\"vie\", \"VIE\"]", "/languages/1"), 1);
	ck_assert_int_eq(languages_errors("[\"vie\", 7]", "/languages/1"), 1);
	ck_assert_int_eq(languages_errors("[\"vi\"]", "/languages/0"), 1);
	ck_assert_int_eq(languages_errors("[\"vie\", \"tyz\", \"vie\"]", "/languages/2"), 1);
	ck_assert_int_eq(languages_errors("[\"v%e\", \"\", \"vie\"]", "/languages/0"), 2);
	char many[200] = "[";
	for (int i = 0; i < 21; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many), "%s\"a%c%c\"", i ? "," : "",
			 'a' + i / 26, 'a' + i % 26);
	strcat(many, "]");
	ck_assert_int_eq(languages_errors(many, "/languages"), 1);
}
END_TEST

START_TEST(test_trainings_accept_complete_and_minimal_entries)
{
	ck_assert_str_eq(trainings_errors("[]"), "");
	ck_assert_str_eq(trainings_errors("[{\"course\": \"Kỹ năng số cơ bản\"},"
					  " {\"course\": \"VNeID\", \"provider\": \"Công an tỉnh\","
					  "  \"completed_on\": \"2024-02-29\", \"certificate_no\": \"CA-17\"},"
					  " {\"course\": \"x\", \"provider\": null, \"completed_on\": null,"
					  "  \"certificate_no\": null},"
					  " {\"course\": \"today\", \"completed_on\": \"2025-06-30\"}]"),
			 "");
}
END_TEST

START_TEST(test_trainings_errors_name_the_json_pointer)
{
	ck_assert_str_eq(trainings_errors("[{\"course\": \"a\"}, {\"course\": \"b\"},"
					  " {\"course\": \"c\", \"completed_on\": \"2025-02-30\"}]"),
			 "/trainings/2/completed_on invalid_format");
	ck_assert_str_eq(trainings_errors("[{\"course\": \"a\", \"completed_on\": \"2025-07-01\"}]"),
			 "/trainings/0/completed_on out_of_range");
	ck_assert_str_eq(trainings_errors("[{\"course\": \"a\", \"completed_on\": \"01/02/2024\"}]"),
			 "/trainings/0/completed_on invalid_format");
	ck_assert_str_eq(trainings_errors("[{\"course\": \"a\", \"completed_on\": 20240101}]"),
			 "/trainings/0/completed_on invalid_type");
	ck_assert_str_eq(trainings_errors("[{\"provider\": \"p\"}]"), "/trainings/0/course required");
	ck_assert_str_eq(trainings_errors("[{\"course\": \"\"}]"), "/trainings/0/course required");
	ck_assert_str_eq(trainings_errors("[{\"course\": 5}]"), "/trainings/0/course invalid_type");
	ck_assert_str_eq(trainings_errors("[{\"course\": \"a\\u0007b\"}]"),
			 "/trainings/0/course invalid_characters");
	ck_assert_str_eq(trainings_errors("[{\"course\": \"a\", \"grade\": \"A\", \"a/b~c\": 1}]"),
			 "/trainings/0/grade unknown_field\n/trainings/0/a~1b~0c unknown_field");
	ck_assert_str_eq(trainings_errors("[\"VNeID\", [], {\"course\": \"ok\"}]"),
			 "/trainings/0 invalid_type\n/trainings/1 invalid_type");
	ck_assert_str_eq(trainings_errors("{\"course\": \"a\"}"), "/trainings invalid_type");
	ck_assert_str_eq(trainings_errors("[{\"course\": \"a\", \"certificate_no\": \"\"},"
					  " {\"course\": \"b\", \"provider\": 1}]"),
			 "/trainings/0/certificate_no required\n/trainings/1/provider invalid_type");
}
END_TEST

START_TEST(test_trainings_length_limits)
{
	char text[8192], name[260];
	memset(name, 'x', 201);
	name[201] = '\0';
	snprintf(text, sizeof text, "[{\"course\": \"%s\", \"provider\": \"%.200s\","
				    " \"certificate_no\": \"%.65s\"}]", name, name, name);
	ck_assert_str_eq(trainings_errors(text),
			 "/trainings/0/course too_long\n/trainings/0/certificate_no too_long");
	/* 200 characters of two bytes each are within the limit */
	char vn[420] = "";
	for (int i = 0; i < 200; i++)
		strcat(vn, "\xc4\x91"); /* đ */
	snprintf(text, sizeof text, "[{\"course\": \"%s\"}]", vn);
	ck_assert_str_eq(trainings_errors(text), "");
	strcpy(text, "[");
	for (int i = 0; i < 51; i++)
		strcat(text, i ? ",{\"course\":\"c\"}" : "{\"course\":\"c\"}");
	strcat(text, "]");
	ck_assert_str_eq(trainings_errors(text), "/trainings too_long");
	size_t len = strlen(text); /* drop the last ",{...}" (15 characters): 50 */
	text[len - 16] = ']';
	text[len - 15] = '\0';
	ck_assert_str_eq(trainings_errors(text), "");
}
END_TEST

START_TEST(test_dates_must_exist_on_the_calendar)
{
	ck_assert(member_date_is_valid("2024-02-29"));
	ck_assert(member_date_is_valid("2000-02-29"));
	ck_assert(member_date_is_valid("1999-12-31"));
	ck_assert(!member_date_is_valid("2023-02-29"));
	ck_assert(!member_date_is_valid("1900-02-29"));
	ck_assert(!member_date_is_valid("2024-04-31"));
	ck_assert(!member_date_is_valid("2024-13-01"));
	ck_assert(!member_date_is_valid("2024-00-10"));
	ck_assert(!member_date_is_valid("2024-01-00"));
	ck_assert(!member_date_is_valid("2024-1-01"));
	ck_assert(!member_date_is_valid("2024-01-01T00:00:00Z"));
	ck_assert(!member_date_is_valid("1899-12-31"));
	ck_assert(!member_date_is_valid("２０２４-01-01"));
}
END_TEST

START_TEST(test_utf8_check_refuses_malformed_sequences)
{
	ck_assert(member_text_is_utf8("Nguyễn Văn Đức"));
	ck_assert(member_text_is_utf8("\xf0\x9f\x98\x80"));
	ck_assert(!member_text_is_utf8("\xff"));
	ck_assert(!member_text_is_utf8("abc\xc3"));
	ck_assert(!member_text_is_utf8("\xc0\xaf"));         /* overlong '/' */
	ck_assert(!member_text_is_utf8("\xed\xa0\x80"));     /* a surrogate */
	ck_assert(!member_text_is_utf8("\xf4\x90\x80\x80")); /* above U+10FFFF */
	ck_assert(!member_text_is_utf8("\xe1\x80"));
}
END_TEST

START_TEST(test_today_is_a_date_and_the_year_matches)
{
	char today[11];
	int year = member_today(today);
	ck_assert(member_date_is_valid(today));
	char y[5];
	snprintf(y, sizeof y, "%d", year);
	ck_assert(!strncmp(today, y, 4));
	ck_assert_int_ge(year, 2025);
}
END_TEST

Suite *members_suite(void)
{
	Suite *s = suite_create("members");
	TCase *tc = tcase_create("validate");
	tcase_add_test(tc, test_phone_written_in_every_usual_way_is_stored_as_0_and_9_digits);
	tcase_add_test(tc, test_landlines_start_02_and_have_11_digits);
	tcase_add_test(tc, test_what_is_not_a_vietnamese_number_is_refused);
	tcase_add_test(tc, test_email_lowercases_the_domain_only);
	tcase_add_test(tc, test_malformed_emails_are_refused);
	tcase_add_test(tc, test_languages_must_be_distinct_three_letter_codes);
	tcase_add_test(tc, test_trainings_accept_complete_and_minimal_entries);
	tcase_add_test(tc, test_trainings_errors_name_the_json_pointer);
	tcase_add_test(tc, test_trainings_length_limits);
	tcase_add_test(tc, test_dates_must_exist_on_the_calendar);
	tcase_add_test(tc, test_utf8_check_refuses_malformed_sequences);
	tcase_add_test(tc, test_today_is_a_date_and_the_year_matches);
	suite_add_tcase(s, tc);
	return s;
}
