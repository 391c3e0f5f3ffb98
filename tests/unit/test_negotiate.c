/* Content negotiation (RFC 9110 §12.5.1): which representation an Accept header gets. */
#include <check.h>

#include "../../api/http/negotiate.h"

START_TEST(test_no_accept_or_wildcards_get_json)
{
	ck_assert_int_eq(negotiate_accept(NULL, 1), MEDIA_JSON);
	ck_assert_int_eq(negotiate_accept("", 1), MEDIA_JSON);
	ck_assert_int_eq(negotiate_accept("*/*", 1), MEDIA_JSON);
	ck_assert_int_eq(negotiate_accept("*/*", 0), MEDIA_JSON);
	ck_assert_int_eq(negotiate_accept("application/*", 0), MEDIA_JSON);
	ck_assert_int_eq(negotiate_accept("application/json", 0), MEDIA_JSON);
	ck_assert_int_eq(negotiate_accept("Application/JSON; charset=utf-8", 0), MEDIA_JSON);
	ck_assert_int_eq(negotiate_accept("application/problem+json", 0), MEDIA_JSON);
	ck_assert_int_eq(negotiate_accept("application/jwk-set+json", 0), MEDIA_JSON);
	ck_assert_int_eq(negotiate_accept("application/+json", 0), MEDIA_NONE);
	ck_assert_int_eq(negotiate_accept("text/json", 0), MEDIA_NONE);
	/* nothing that reads as a media range: disregarded */
	ck_assert_int_eq(negotiate_accept(" , garbage", 0), MEDIA_JSON);
}
END_TEST

START_TEST(test_what_cannot_be_served_is_none)
{
	ck_assert_int_eq(negotiate_accept("text/html", 0), MEDIA_NONE);
	ck_assert_int_eq(negotiate_accept("application/xml", 1), MEDIA_NONE);
	ck_assert_int_eq(negotiate_accept("text/csv", 0), MEDIA_NONE);
	ck_assert_int_eq(negotiate_accept("text/*", 0), MEDIA_NONE);
	ck_assert_int_eq(negotiate_accept("application/json;q=0", 0), MEDIA_NONE);
	ck_assert_int_eq(negotiate_accept("*/*;q=0", 1), MEDIA_NONE);
	/* the most specific range decides: JSON is refused even though the wildcard takes it */
	ck_assert_int_eq(negotiate_accept("application/json;q=0, */*", 0), MEDIA_NONE);
	ck_assert_int_eq(negotiate_accept("text/html, application/xhtml+xml, application/xml;q=0.9",
					  1),
			 MEDIA_NONE);
}
END_TEST

START_TEST(test_csv_when_offered_and_preferred)
{
	ck_assert_int_eq(negotiate_accept("text/csv", 1), MEDIA_CSV);
	ck_assert_int_eq(negotiate_accept("text/*", 1), MEDIA_CSV);
	ck_assert_int_eq(negotiate_accept("text/csv; charset=utf-8", 1), MEDIA_CSV);
	ck_assert_int_eq(negotiate_accept("text/csv, */*;q=0.1", 1), MEDIA_CSV);
	ck_assert_int_eq(negotiate_accept("text/csv, */*", 1), MEDIA_CSV); /* named, not wildcard */
	ck_assert_int_eq(negotiate_accept("application/json;q=0.5, text/csv", 1), MEDIA_CSV);
	ck_assert_int_eq(negotiate_accept("text/csv;q=0.5, application/json", 1), MEDIA_JSON);
	ck_assert_int_eq(negotiate_accept("text/csv, application/json", 1), MEDIA_JSON); /* a tie */
	ck_assert_int_eq(negotiate_accept("text/csv;q=0, */*", 1), MEDIA_JSON);
	ck_assert_int_eq(negotiate_accept("TEXT/CSV ;Q=0.8 , application/json;q=0.7", 1), MEDIA_CSV);
}
END_TEST

START_TEST(test_malformed_weights_are_disregarded)
{
	/* a range with a bad q is not a range: only the others count */
	ck_assert_int_eq(negotiate_accept("text/csv;q=2, application/json", 1), MEDIA_JSON);
	ck_assert_int_eq(negotiate_accept("text/csv;q=0.5555, application/json;q=0.1", 1),
			 MEDIA_JSON);
	ck_assert_int_eq(negotiate_accept("text/csv;q=abc", 1), MEDIA_JSON);
	ck_assert_int_eq(negotiate_accept("text/csv;q=1.000", 1), MEDIA_CSV);
	ck_assert_int_eq(negotiate_accept("text/csv;q=0.001", 1), MEDIA_CSV);
	/* accept-extensions after q are ignored */
	ck_assert_int_eq(negotiate_accept("text/csv;q=0.9;ext=1, application/json;q=0.2", 1),
			 MEDIA_CSV);
	ck_assert_int_eq(negotiate_accept("/csv, text/", 1), MEDIA_JSON);
}
END_TEST

Suite *negotiate_suite(void)
{
	Suite *s = suite_create("negotiate");
	TCase *tc = tcase_create("accept");
	tcase_add_test(tc, test_no_accept_or_wildcards_get_json);
	tcase_add_test(tc, test_what_cannot_be_served_is_none);
	tcase_add_test(tc, test_csv_when_offered_and_preferred);
	tcase_add_test(tc, test_malformed_weights_are_disregarded);
	suite_add_tcase(s, tc);
	return s;
}
