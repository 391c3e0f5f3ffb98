/*
 * List paging (api/http/paging.c): signed cursors that round-trip, refuse any change, and are
 * bound to their list and key; ?limit from 1 to 200, 50 when absent. No sockets: the request
 * and response are ulfius structures filled in memory.
 */
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <jansson.h>
#include <sodium.h>
#include <ulfius.h>

#include "../../api/auth/jwt.h"
#include "../../api/http/paging.h"
#include "../../api/server.h"

static unsigned char key_a[32], key_b[32];

static void keys_setup(void)
{
	memset(key_a, 0x11, sizeof key_a);
	memset(key_b, 0x11, sizeof key_b);
	key_b[31] = 0x12; /* one bit apart */
}

static int decodes(const unsigned char key[32], const char *list, const char *cursor, char *out)
{
	return cursor_decode(key, list, cursor, out) == 0;
}

START_TEST(test_cursor_round_trips_its_key)
{
	const char *keys[] = {"HG-01", "0b7e1c9a-1d2e-4f3a-8b4c-5d6e7f8a9b0c",
			      "2025-06-30T10:00:00Z|0b7e1c9a-1d2e-4f3a-8b4c-5d6e7f8a9b0c",
			      "Hà Giang", "a", ""};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		char *c = cursor_encode(key_a, "units", keys[i]);
		ck_assert_ptr_nonnull(c);
		/* URL-safe without padding: goes in a query string as it is */
		ck_assert_uint_eq(strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					    "0123456789-_"),
				  strlen(c));
		char out[CURSOR_KEY_MAX];
		ck_assert_msg(decodes(key_a, "units", c, out), "key %s", keys[i]);
		ck_assert_str_eq(out, keys[i]);
		free(c);
	}
}
END_TEST

START_TEST(test_cursor_round_trips_the_longest_key)
{
	char longest[CURSOR_KEY_MAX], out[CURSOR_KEY_MAX];
	memset(longest, 'k', CURSOR_KEY_MAX - 1);
	longest[CURSOR_KEY_MAX - 1] = '\0';
	char *c = cursor_encode(key_a, "members", longest);
	ck_assert_ptr_nonnull(c);
	ck_assert(decodes(key_a, "members", c, out));
	ck_assert_str_eq(out, longest);
	free(c);
}
END_TEST

START_TEST(test_cursor_with_a_flipped_byte_is_refused)
{
	char *c = cursor_encode(key_a, "units", "HG-01");
	ck_assert_ptr_nonnull(c);
	char out[CURSOR_KEY_MAX];
	size_t n = strlen(c);
	/* every position, the key's part and the MAC's alike */
	for (size_t i = 0; i < n; i++) {
		char *t = strdup(c);
		ck_assert_ptr_nonnull(t);
		t[i] = t[i] == 'A' ? 'B' : 'A';
		ck_assert_msg(!decodes(key_a, "units", t, out), "changed at %zu: %s", i, t);
		free(t);
	}
	free(c);
}
END_TEST

START_TEST(test_cursor_truncated_or_extended_is_refused)
{
	char *c = cursor_encode(key_a, "units", "HG-01");
	ck_assert_ptr_nonnull(c);
	char out[CURSOR_KEY_MAX];
	size_t n = strlen(c);
	for (size_t len = 0; len < n; len++) {
		char *t = strndup(c, len);
		ck_assert_ptr_nonnull(t);
		ck_assert_msg(!decodes(key_a, "units", t, out), "cut to %zu", len);
		free(t);
	}
	char longer[256];
	snprintf(longer, sizeof longer, "%sAA", c);
	ck_assert(!decodes(key_a, "units", longer, out));
	snprintf(longer, sizeof longer, "%s=", c); /* padding is not our alphabet */
	ck_assert(!decodes(key_a, "units", longer, out));
	free(c);
}
END_TEST

START_TEST(test_cursor_signed_with_another_key_is_refused)
{
	char *c = cursor_encode(key_b, "units", "HG-01");
	ck_assert_ptr_nonnull(c);
	char out[CURSOR_KEY_MAX];
	ck_assert(!decodes(key_a, "units", c, out));
	ck_assert(decodes(key_b, "units", c, out));
	free(c);
}
END_TEST

START_TEST(test_cursor_of_one_list_is_refused_by_another)
{
	char *c = cursor_encode(key_a, "units", "HG-01");
	ck_assert_ptr_nonnull(c);
	char out[CURSOR_KEY_MAX];
	ck_assert(!decodes(key_a, "teams", c, out));
	ck_assert(!decodes(key_a, "unit", c, out));
	ck_assert(!decodes(key_a, "units ", c, out));
	ck_assert(!decodes(key_a, "", c, out));
	ck_assert(decodes(key_a, "units", c, out));
	free(c);
}
END_TEST

START_TEST(test_cursor_garbage_and_empty_are_refused)
{
	char out[CURSOR_KEY_MAX];
	const char *bad[] = {"", "!!!!", "a b", "////", "++++", "AAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
			     "%41%41", "\xc3\xa0\xc3\xa0"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!decodes(key_a, "units", bad[i], out), "accepted %s", bad[i]);
	ck_assert(!decodes(key_a, "units", NULL, out));

	/* far too long to be ours: refused before decoding */
	char *huge = malloc(100001);
	ck_assert_ptr_nonnull(huge);
	memset(huge, 'A', 100000);
	huge[100000] = '\0';
	ck_assert(!decodes(key_a, "units", huge, out));
	free(huge);
}
END_TEST

START_TEST(test_cursor_holding_a_nul_is_refused)
{
	/* a correctly signed cursor whose key has a NUL inside is not one the server made: the
	 * key would be read shorter than it was signed */
	unsigned char plain[64];
	const char *list = "units";
	size_t nl = strlen(list);
	memcpy(plain, list, nl);
	plain[nl] = '\n';
	memcpy(plain + nl + 1, "ab\0cd", 5);
	unsigned char mac[crypto_auth_hmacsha256_BYTES], wire[5 + 16];
	crypto_auth_hmacsha256(mac, plain, nl + 1 + 5, key_a);
	memcpy(wire, "ab\0cd", 5);
	memcpy(wire + 5, mac, 16);
	char text[64], out[CURSOR_KEY_MAX];
	sodium_bin2base64(text, sizeof text, wire, sizeof wire,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	ck_assert(!decodes(key_a, "units", text, out));

	/* the same construction without the NUL is accepted: the test builds cursors rightly */
	memcpy(plain + nl + 1, "abxcd", 5);
	crypto_auth_hmacsha256(mac, plain, nl + 1 + 5, key_a);
	memcpy(wire, "abxcd", 5);
	memcpy(wire + 5, mac, 16);
	sodium_bin2base64(text, sizeof text, wire, sizeof wire,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	ck_assert(decodes(key_a, "units", text, out));
	ck_assert_str_eq(out, "abxcd");
}
END_TEST

/* page_request_parse on an in-memory request with the given query parameters. */
struct parsed {
	int rc;
	long status; /* of the answer when refused */
	json_t *problem;
	struct page_request page;
};

static struct parsed parse(const char *limit, const char *cursor)
{
	static struct auth auth;
	static struct server srv;
	memcpy(auth.cursor_key, key_a, sizeof key_a);
	srv.auth = &auth;
	struct req_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.srv = &srv;
	snprintf(ctx.request_id, sizeof ctx.request_id, "req-1");

	struct _u_request req;
	struct _u_response resp;
	ck_assert_int_eq(ulfius_init_request(&req), U_OK);
	ck_assert_int_eq(ulfius_init_response(&resp), U_OK);
	if (limit)
		u_map_put(req.map_url, "limit", limit);
	if (cursor)
		u_map_put(req.map_url, "cursor", cursor);
	struct parsed p;
	memset(&p, 0, sizeof p);
	p.rc = page_request_parse(&req, &resp, &ctx, "units", &p.page);
	if (p.rc != 0) {
		p.status = resp.status;
		p.problem = json_loadb(resp.binary_body, resp.binary_body_length, 0, NULL);
		ck_assert_ptr_nonnull(p.problem);
		ck_assert_str_eq(u_map_get(resp.map_header, "Content-Type"),
				 "application/problem+json");
	}
	ulfius_clean_request(&req);
	ulfius_clean_response(&resp);
	return p;
}

START_TEST(test_limit_defaults_to_50)
{
	struct parsed p = parse(NULL, NULL);
	ck_assert_int_eq(p.rc, 0);
	ck_assert_int_eq(p.page.limit, PAGE_DEFAULT_LIMIT);
	ck_assert_int_eq(PAGE_DEFAULT_LIMIT, 50);
	ck_assert_str_eq(p.page.after, "");
	ck_assert_str_eq(p.page.limit_text, "51"); /* one more row tells another page exists */
}
END_TEST

START_TEST(test_limit_accepts_1_to_200)
{
	const char *ok[] = {"1", "2", "50", "199", "200"};
	const int want[] = {1, 2, 50, 199, 200};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct parsed p = parse(ok[i], NULL);
		ck_assert_msg(p.rc == 0, "refused limit=%s", ok[i]);
		ck_assert_int_eq(p.page.limit, want[i]);
	}
}
END_TEST

START_TEST(test_limit_out_of_range_or_not_a_number_answers_422_naming_limit)
{
	const char *bad[] = {"0",   "201",  "-1",   "",     "abc", "10abc", "1.5",
			     "1e2", "0x10", "2000", "50 ", "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct parsed p = parse(bad[i], NULL);
		ck_assert_msg(p.rc == -1, "accepted limit=\"%s\"", bad[i]);
		ck_assert_int_eq(p.status, 422);
		ck_assert_int_eq(json_integer_value(json_object_get(p.problem, "status")), 422);
		json_t *errors = json_object_get(p.problem, "errors");
		ck_assert_uint_eq(json_array_size(errors), 1);
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "field")),
				 "limit");
		json_decref(p.problem);
	}
}
END_TEST

START_TEST(test_cursor_parameter_continues_after_its_key_or_answers_400)
{
	char *c = cursor_encode(key_a, "units", "HG-07");
	ck_assert_ptr_nonnull(c);
	struct parsed p = parse("10", c);
	ck_assert_int_eq(p.rc, 0);
	ck_assert_int_eq(p.page.limit, 10);
	ck_assert_str_eq(p.page.after, "HG-07");
	free(c);

	c = cursor_encode(key_a, "teams", "HG-07"); /* another list's */
	p = parse(NULL, c);
	ck_assert_int_eq(p.rc, -1);
	ck_assert_int_eq(p.status, 400);
	ck_assert_int_eq(json_integer_value(json_object_get(p.problem, "status")), 400);
	json_decref(p.problem);
	free(c);

	p = parse(NULL, "");
	ck_assert_int_eq(p.rc, -1);
	ck_assert_int_eq(p.status, 400);
	json_decref(p.problem);
}
END_TEST

Suite *paging_suite(void)
{
	Suite *s = suite_create("paging");
	TCase *tc = tcase_create("cursor");
	tcase_add_checked_fixture(tc, keys_setup, NULL);
	tcase_add_test(tc, test_cursor_round_trips_its_key);
	tcase_add_test(tc, test_cursor_round_trips_the_longest_key);
	tcase_add_test(tc, test_cursor_with_a_flipped_byte_is_refused);
	tcase_add_test(tc, test_cursor_truncated_or_extended_is_refused);
	tcase_add_test(tc, test_cursor_signed_with_another_key_is_refused);
	tcase_add_test(tc, test_cursor_of_one_list_is_refused_by_another);
	tcase_add_test(tc, test_cursor_garbage_and_empty_are_refused);
	tcase_add_test(tc, test_cursor_holding_a_nul_is_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("limit");
	tcase_add_checked_fixture(tc, keys_setup, NULL);
	tcase_add_test(tc, test_limit_defaults_to_50);
	tcase_add_test(tc, test_limit_accepts_1_to_200);
	tcase_add_test(tc, test_limit_out_of_range_or_not_a_number_answers_422_naming_limit);
	tcase_add_test(tc, test_cursor_parameter_continues_after_its_key_or_answers_400);
	suite_add_tcase(s, tc);
	return s;
}
