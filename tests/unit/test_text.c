/*
 * utf8_next (api/text.c), the one UTF-8 decoder: every well-formed length decodes to its code
 * point and advances past it; every kind of malformed input is refused without moving.
 */
#include <string.h>
#include <check.h>

#include "../../api/text.h"

/* Decodes the whole of s (n bytes) as one character; returns its length or -1. */
static int decode_one(const char *s, size_t n, uint32_t *cp)
{
	const char *p = s;
	int len = utf8_next(&p, s + n, cp);
	if (len < 0)
		ck_assert_ptr_eq(p, s); /* a refusal leaves the position alone */
	else
		ck_assert_ptr_eq(p, s + len);
	return len;
}

START_TEST(test_utf8_next_decodes_one_to_four_byte_sequences)
{
	static const struct {
		const char *s;
		int len;
		uint32_t cp;
	} cases[] = {
		{"\x00", 1, 0x0},          {"A", 1, 0x41},
		{"\x7f", 1, 0x7f},         {"\xc2\x80", 2, 0x80},
		{"\xe1\xbb\x87", 3, 0x1ec7}, /* ệ */
		{"\xdf\xbf", 2, 0x7ff},    {"\xe0\xa0\x80", 3, 0x800},
		{"\xed\x9f\xbf", 3, 0xd7ff}, {"\xee\x80\x80", 3, 0xe000},
		{"\xef\xbf\xbf", 3, 0xffff}, {"\xf0\x90\x80\x80", 4, 0x10000},
		{"\xf0\x9f\x98\x80", 4, 0x1f600}, {"\xf4\x8f\xbf\xbf", 4, 0x10ffff},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint32_t cp = 0xdeadbeef;
		size_t n = cases[i].len; /* "\x00" has strlen 0 */
		ck_assert_int_eq(decode_one(cases[i].s, n, &cp), cases[i].len);
		ck_assert_uint_eq(cp, cases[i].cp);
	}
}
END_TEST

START_TEST(test_utf8_next_walks_a_mixed_string)
{
	const char *s = "\xc4\x90\xc3\xa0 N\xe1\xba\xb5ng \xf0\x9f\x98\x80"; /* "Đà Nẵng 😀" */
	const char *p = s, *end = s + strlen(s);
	static const uint32_t want[] = {0x110, 0xe0, 0x20, 0x4e, 0x1eb5, 0x6e, 0x67, 0x20, 0x1f600};
	size_t n = 0;
	uint32_t cp;
	while (p < end) {
		ck_assert_uint_lt(n, sizeof want / sizeof want[0]);
		ck_assert_int_gt(utf8_next(&p, end, &cp), 0);
		ck_assert_uint_eq(cp, want[n++]);
	}
	ck_assert_uint_eq(n, sizeof want / sizeof want[0]);
	ck_assert_uint_eq(text_length(s), n);
}
END_TEST

START_TEST(test_utf8_next_refuses_every_kind_of_malformed_sequence)
{
	static const char *const bad[] = {
		"\x80", "\xbf",                 /* a continuation byte with no lead */
		"\xc0\xaf", "\xc1\xbf",         /* overlong 2-byte forms (C0, C1 never valid) */
		"\xe0\x80\xaf", "\xe0\x9f\xbf", /* overlong 3-byte forms */
		"\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf", /* overlong 4-byte forms */
		"\xed\xa0\x80", "\xed\xbf\xbf", /* surrogates U+D800, U+DFFF */
		"\xf4\x90\x80\x80",             /* U+110000, past the last code point */
		"\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xfe", "\xff", /* impossible leads */
		"\xc3\x28", "\xe1\x80\x28", "\xf0\x9f\x98\x28", /* a lead not followed by continuations */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint32_t cp = 0x1234;
		ck_assert_msg(decode_one(bad[i], strlen(bad[i]), &cp) == -1, "case %zu decoded", i);
		ck_assert_uint_eq(cp, 0x1234);
		ck_assert(!utf8_valid(bad[i]));
	}
}
END_TEST

START_TEST(test_utf8_next_refuses_a_sequence_cut_short_by_the_end)
{
	/* The bytes exist in memory but past `end`: the decoder must not read them. */
	static const char *const whole[] = {"\xc3\xa9", "\xe1\xbb\x87", "\xf0\x9f\x98\x80"};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(whole[i]);
		for (size_t cut = 1; cut < n; cut++) {
			uint32_t cp;
			ck_assert_int_eq(decode_one(whole[i], cut, &cp), -1);
		}
	}
	ck_assert(!utf8_valid("abc\xc3"));
	ck_assert(!utf8_valid("\xe1\x80"));
}
END_TEST

Suite *text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("utf8_next");
	tcase_add_test(tc, test_utf8_next_decodes_one_to_four_byte_sequences);
	tcase_add_test(tc, test_utf8_next_walks_a_mixed_string);
	tcase_add_test(tc, test_utf8_next_refuses_every_kind_of_malformed_sequence);
	tcase_add_test(tc, test_utf8_next_refuses_a_sequence_cut_short_by_the_end);
	suite_add_tcase(s, tc);
	return s;
}
