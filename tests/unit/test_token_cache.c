#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../api/auth/token_cache.h"

static struct token_subject subject(const char *id, long from, long until)
{
	struct token_subject s;
	memset(&s, 0, sizeof s);
	s.kind = PRINCIPAL_USER;
	strcpy(s.id, id);
	s.issued_at = from;
	s.valid_from = from;
	s.valid_until = until;
	return s;
}

START_TEST(test_a_kept_token_is_found_only_inside_its_window)
{
	struct token_cache *c = token_cache_create();
	struct token_subject s = subject("11111111-1111-4111-8111-111111111111", 1000, 2000), out;
	ck_assert_int_eq(token_cache_get(c, "aaa.bbb.ccc", 1500, &out), 0);
	token_cache_put(c, "aaa.bbb.ccc", &s);
	ck_assert_int_eq(token_cache_get(c, "aaa.bbb.ccc", 1500, &out), 1);
	ck_assert_str_eq(out.id, s.id);
	ck_assert_int_eq(out.valid_until, 2000);
	ck_assert_int_eq(token_cache_get(c, "aaa.bbb.ccc", 1000, &out), 1);
	ck_assert_int_eq(token_cache_get(c, "aaa.bbb.ccc", 2000, &out), 1);
	ck_assert_int_eq(token_cache_get(c, "aaa.bbb.ccc", 999, &out), 0);
	ck_assert_int_eq(token_cache_get(c, "aaa.bbb.ccc", 2001, &out), 0);
	token_cache_destroy(c);
}
END_TEST

START_TEST(test_only_the_exact_bytes_match)
{
	struct token_cache *c = token_cache_create();
	struct token_subject s = subject("11111111-1111-4111-8111-111111111111", 0, 100), out;
	token_cache_put(c, "aaa.bbb.ccc", &s);
	/* same header and claims, another signature; a prefix; a longer token */
	ck_assert_int_eq(token_cache_get(c, "aaa.bbb.ccd", 50, &out), 0);
	ck_assert_int_eq(token_cache_get(c, "aaa.bbb.cc", 50, &out), 0);
	ck_assert_int_eq(token_cache_get(c, "aaa.bbb.cccc", 50, &out), 0);
	ck_assert_int_eq(token_cache_get(NULL, "aaa.bbb.ccc", 50, &out), 0);
	token_cache_destroy(c);
}
END_TEST

START_TEST(test_many_tokens_replace_each_other_within_a_bounded_table)
{
	struct token_cache *c = token_cache_create();
	char token[64], id[37];
	struct token_subject out;
	for (int i = 0; i < 5 * TOKEN_CACHE_SLOTS; i++) {
		snprintf(token, sizeof token, "header.claims-%d.signature", i);
		snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
		struct token_subject s = subject(id, 0, 100);
		token_cache_put(c, token, &s);
	}
	int found = 0;
	for (int i = 0; i < 5 * TOKEN_CACHE_SLOTS; i++) {
		snprintf(token, sizeof token, "header.claims-%d.signature", i);
		snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
		if (token_cache_get(c, token, 50, &out)) {
			ck_assert_str_eq(out.id, id); /* never another token's subject */
			found++;
		}
	}
	ck_assert_int_le(found, TOKEN_CACHE_SLOTS);
	ck_assert_int_gt(found, 0);
	/* a token longer than the limit is not kept */
	char *long_token = malloc(TOKEN_CACHE_MAX_LENGTH + 2);
	memset(long_token, 'x', TOKEN_CACHE_MAX_LENGTH + 1);
	long_token[TOKEN_CACHE_MAX_LENGTH + 1] = '\0';
	struct token_subject s = subject("11111111-1111-4111-8111-111111111111", 0, 100);
	token_cache_put(c, long_token, &s);
	ck_assert_int_eq(token_cache_get(c, long_token, 50, &out), 0);
	free(long_token);
	token_cache_destroy(c);
}
END_TEST

Suite *token_cache_suite(void)
{
	Suite *s = suite_create("token cache");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_a_kept_token_is_found_only_inside_its_window);
	tcase_add_test(tc, test_only_the_exact_bytes_match);
	tcase_add_test(tc, test_many_tokens_replace_each_other_within_a_bounded_table);
	suite_add_tcase(s, tc);
	return s;
}
