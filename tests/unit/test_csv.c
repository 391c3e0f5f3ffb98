/*
 * The strict RFC 4180 parser of CSV uploads (api/http/csv_parse.c): what it accepts (BOM,
 * CRLF or LF, final line end or not, quoted fields with "" and embedded commas and line
 * ends, any UTF-8) and, for everything it refuses, the status and the record and line where.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "../../api/http/csv_parse.h"

static struct csv_table t;
static struct csv_error e;

static enum csv_status parse(const char *text)
{
	csv_free(&t);
	return csv_parse(text, strlen(text), 0, &t, &e);
}

static void teardown(void)
{
	csv_free(&t);
}

START_TEST(test_simple_file_with_and_without_final_line_end)
{
	ck_assert_int_eq(parse("a,b\n1,2\n3,4\n"), CSV_OK);
	ck_assert_uint_eq(t.records, 3);
	ck_assert_uint_eq(t.columns, 2);
	ck_assert_str_eq(csv_field(&t, 0, 1), "b");
	ck_assert_str_eq(csv_field(&t, 2, 0), "3");
	ck_assert_int_eq(parse("a,b\n1,2\n3,4"), CSV_OK);
	ck_assert_uint_eq(t.records, 3);
	ck_assert_str_eq(csv_field(&t, 2, 1), "4");
	ck_assert_ptr_null(csv_field(&t, 3, 0));
	ck_assert_ptr_null(csv_field(&t, 0, 2));
}
END_TEST

START_TEST(test_crlf_and_lf_line_ends_mix)
{
	ck_assert_int_eq(parse("a,b\r\n1,2\n3,4\r\n"), CSV_OK);
	ck_assert_uint_eq(t.records, 3);
	ck_assert_str_eq(csv_field(&t, 1, 1), "2");
	ck_assert_str_eq(csv_field(&t, 2, 1), "4");
}
END_TEST

START_TEST(test_byte_order_mark_is_skipped)
{
	ck_assert_int_eq(parse("\xef\xbb\xbf" "code,name\nA,B\n"), CSV_OK);
	ck_assert_str_eq(csv_field(&t, 0, 0), "code");
	ck_assert_int_eq(parse("\xef\xbb\xbf"), CSV_EMPTY);
}
END_TEST

START_TEST(test_quoted_fields_hold_quotes_commas_and_line_ends)
{
	ck_assert_int_eq(parse("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\nhere\"\n\"\",z,\"\"\"\"\n"),
			 CSV_OK);
	ck_assert_uint_eq(t.records, 3);
	ck_assert_str_eq(csv_field(&t, 1, 0), "x, y");
	ck_assert_str_eq(csv_field(&t, 1, 1), "say \"hi\"");
	ck_assert_str_eq(csv_field(&t, 1, 2), "two\r\nlines\nhere");
	ck_assert_str_eq(csv_field(&t, 2, 0), "");
	ck_assert_str_eq(csv_field(&t, 2, 2), "\"");
}
END_TEST

START_TEST(test_empty_fields_and_spaces_are_kept)
{
	ck_assert_int_eq(parse("a,b,c\n,, x \n"), CSV_OK);
	ck_assert_str_eq(csv_field(&t, 1, 0), "");
	ck_assert_str_eq(csv_field(&t, 1, 1), "");
	ck_assert_str_eq(csv_field(&t, 1, 2), " x ");
	ck_assert_int_eq(parse("a,b\n1,"), CSV_OK);
	ck_assert_str_eq(csv_field(&t, 1, 1), "");
}
END_TEST

START_TEST(test_utf8_text_is_accepted)
{
	ck_assert_int_eq(parse("full_name\nNguyễn Văn Đức\n\"Hà Giang, 𝄞\"\n"), CSV_OK);
	ck_assert_str_eq(csv_field(&t, 1, 0), "Nguyễn Văn Đức");
	ck_assert_str_eq(csv_field(&t, 2, 0), "Hà Giang, 𝄞");
}
END_TEST

START_TEST(test_header_only_file_has_one_record)
{
	ck_assert_int_eq(parse("a,b\n"), CSV_OK);
	ck_assert_uint_eq(t.records, 1);
	ck_assert_int_eq(parse("a,b"), CSV_OK);
	ck_assert_uint_eq(t.records, 1);
}
END_TEST

START_TEST(test_empty_body_is_refused)
{
	ck_assert_int_eq(csv_parse("", 0, 0, &t, &e), CSV_EMPTY);
	ck_assert_uint_eq(e.record, 0);
	ck_assert_ptr_nonnull(e.message);
}
END_TEST

START_TEST(test_unclosed_quote_names_where_it_opened)
{
	ck_assert_int_eq(parse("a,b\n1,2\n3,\"open\n4,5\n"), CSV_UNCLOSED_QUOTE);
	ck_assert_uint_eq(e.record, 2);
	ck_assert_uint_eq(e.line, 3);
	ck_assert_uint_eq(t.records, 0);
	ck_assert_ptr_null(t.fields);
}
END_TEST

START_TEST(test_stray_quotes_are_refused)
{
	ck_assert_int_eq(parse("a,b\n1,2\nx\"y,3\n"), CSV_STRAY_QUOTE);
	ck_assert_uint_eq(e.record, 2);
	ck_assert_uint_eq(e.line, 3);
	ck_assert_int_eq(parse("a,b\n\"x\"y,3\n"), CSV_STRAY_QUOTE);
	ck_assert_uint_eq(e.record, 1);
	ck_assert_int_eq(parse("a,b\n\"x\" ,3\n"), CSV_STRAY_QUOTE);
}
END_TEST

START_TEST(test_wrong_field_count_names_the_record_and_its_line)
{
	ck_assert_int_eq(parse("a,b\n1,2\n\"multi\nline\",2\n3\n"), CSV_FIELD_COUNT);
	ck_assert_uint_eq(e.record, 3);
	ck_assert_uint_eq(e.line, 5);
	ck_assert_int_eq(parse("a,b\n1,2,3\n"), CSV_FIELD_COUNT);
	ck_assert_uint_eq(e.record, 1);
	ck_assert_uint_eq(e.line, 2);
}
END_TEST

START_TEST(test_a_blank_line_is_a_record_with_one_field)
{
	ck_assert_int_eq(parse("a,b\n1,2\n\n3,4\n"), CSV_FIELD_COUNT);
	ck_assert_uint_eq(e.record, 2);
	ck_assert_int_eq(parse("a,b\n1,2\n\n"), CSV_FIELD_COUNT);
	ck_assert_int_eq(parse("a\n1\n\n2\n"), CSV_OK); /* one column: an empty value */
	ck_assert_uint_eq(t.records, 4);
}
END_TEST

START_TEST(test_bare_cr_is_refused)
{
	ck_assert_int_eq(parse("a,b\r1,2\r"), CSV_BARE_CR);
	ck_assert_uint_eq(e.record, 0);
	ck_assert_int_eq(parse("a,b\n\"x\"\r,2\n"), CSV_BARE_CR);
	ck_assert_uint_eq(e.record, 1);
}
END_TEST

START_TEST(test_invalid_utf8_is_refused_with_its_row)
{
	const char *cases[] = {
		"a\nok\nbad \xff\n",         /* not a lead byte */
		"a\nok\nbad \xc3\n",         /* truncated */
		"a\nok\n\xc0\xaf\n",         /* overlong '/' */
		"a\nok\n\xed\xa0\x80\n",     /* a UTF-16 surrogate */
		"a\nok\n\xf4\x90\x80\x80\n", /* past U+10FFFF */
		"a\nok\n\"q \xe2\x82\"\n",   /* truncated inside quotes */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_msg(parse(cases[i]) == CSV_BAD_ENCODING, "case %zu", i);
		ck_assert_uint_eq(e.record, 2);
		ck_assert_uint_eq(e.line, 3);
	}
}
END_TEST

START_TEST(test_nul_byte_is_refused)
{
	const char text[] = "a,b\n1,x\0y\n";
	ck_assert_int_eq(csv_parse(text, sizeof text - 1, 0, &t, &e), CSV_BAD_ENCODING);
	ck_assert_uint_eq(e.record, 1);
}
END_TEST

START_TEST(test_header_column_bound)
{
	ck_assert_int_eq(csv_parse("a,b,c\n1,2,3\n", 12, 3, &t, &e), CSV_OK);
	csv_free(&t);
	ck_assert_int_eq(csv_parse("a,b,c,d\n1,2,3,4\n", 16, 3, &t, &e), CSV_TOO_MANY_COLUMNS);
	ck_assert_uint_eq(e.record, 0);
}
END_TEST

START_TEST(test_fields_may_be_trimmed_in_place)
{
	ck_assert_int_eq(parse("a\n\" x \"\n"), CSV_OK);
	char *v = csv_field(&t, 1, 0);
	v[2] = '\0';
	ck_assert_str_eq(csv_field(&t, 1, 0), " x");
}
END_TEST

START_TEST(test_many_records_grow_the_field_array)
{
	size_t n = 20000;
	char *text = malloc(n * 16 + 16), *p = text;
	p += sprintf(p, "a,b\r\n");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%zu,\"%zu\"\r\n", i, i % 7);
	ck_assert_int_eq(csv_parse(text, (size_t)(p - text), 0, &t, &e), CSV_OK);
	ck_assert_uint_eq(t.records, n + 1);
	ck_assert_str_eq(csv_field(&t, n, 0), "19999");
	ck_assert_str_eq(csv_field(&t, n, 1), "0"); /* 19999 % 7 */
	free(text);
}
END_TEST

Suite *csv_suite(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_simple_file_with_and_without_final_line_end);
	tcase_add_test(tc, test_crlf_and_lf_line_ends_mix);
	tcase_add_test(tc, test_byte_order_mark_is_skipped);
	tcase_add_test(tc, test_quoted_fields_hold_quotes_commas_and_line_ends);
	tcase_add_test(tc, test_empty_fields_and_spaces_are_kept);
	tcase_add_test(tc, test_utf8_text_is_accepted);
	tcase_add_test(tc, test_header_only_file_has_one_record);
	tcase_add_test(tc, test_empty_body_is_refused);
	tcase_add_test(tc, test_unclosed_quote_names_where_it_opened);
	tcase_add_test(tc, test_stray_quotes_are_refused);
	tcase_add_test(tc, test_wrong_field_count_names_the_record_and_its_line);
	tcase_add_test(tc, test_a_blank_line_is_a_record_with_one_field);
	tcase_add_test(tc, test_bare_cr_is_refused);
	tcase_add_test(tc, test_invalid_utf8_is_refused_with_its_row);
	tcase_add_test(tc, test_nul_byte_is_refused);
	tcase_add_test(tc, test_header_column_bound);
	tcase_add_test(tc, test_fields_may_be_trimmed_in_place);
	tcase_add_test(tc, test_many_records_grow_the_field_array);
	suite_add_tcase(s, tc);
	return s;
}
