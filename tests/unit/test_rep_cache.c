#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../api/resources/rep_cache.h"

#define TEAM "t:6fde095a-b4ee-426a-82bd-7956f4519bee"
#define OTHER "t:7d3c1c0e-0000-4000-8000-000000000000"
#define JSON "{\"id\":\"6fde095a-b4ee-426a-82bd-7956f4519bee\"}"

static struct rep_cache *filled(void)
{
	struct rep_cache *c = rep_cache_create();
	rep_cache_set_enabled(c, 1);
	rep_cache_put(c, rep_cache_epoch(c), TEAM, JSON, strlen(JSON), "3", "1.11.177");
	return c;
}

static int get(struct rep_cache *c, const char *key, const char *scope)
{
	struct rep rep;
	if (!rep_cache_get(c, key, scope, &rep))
		return 0;
	ck_assert_str_eq(rep.json, JSON);
	ck_assert_uint_eq(rep.len, strlen(JSON));
	ck_assert_str_eq(rep.version, "3");
	free(rep.json);
	return 1;
}

START_TEST(test_a_kept_representation_is_shown_only_within_the_readers_scope)
{
	struct rep_cache *c = filled();
	ck_assert(get(c, TEAM, ""));           /* the whole country */
	ck_assert(get(c, TEAM, "1"));          /* its province */
	ck_assert(get(c, TEAM, "1.11.177"));   /* its own unit */
	ck_assert(!get(c, TEAM, "1.1"));       /* a sibling whose path is a string prefix */
	ck_assert(!get(c, TEAM, "1.11.177.5")); /* below its unit */
	ck_assert(!get(c, TEAM, "2"));
	ck_assert(!get(c, TEAM, "none"));
	ck_assert(!get(c, OTHER, ""));
	ck_assert(!get(c, "t:6fde095a", "")); /* keys match whole */
	rep_cache_destroy(c);
}
END_TEST

START_TEST(test_a_flush_or_a_lost_listener_forgets_and_a_late_put_is_dropped)
{
	struct rep_cache *c = filled();
	unsigned long before = rep_cache_epoch(c);
	rep_cache_flush(c);
	ck_assert(!get(c, TEAM, ""));
	/* read before the flush, put after it: not kept */
	rep_cache_put(c, before, TEAM, JSON, strlen(JSON), "3", "1.11.177");
	ck_assert(!get(c, TEAM, ""));
	rep_cache_put(c, rep_cache_epoch(c), TEAM, JSON, strlen(JSON), "3", "1.11.177");
	ck_assert(get(c, TEAM, ""));
	rep_cache_set_enabled(c, 0);
	ck_assert(!get(c, TEAM, ""));
	rep_cache_put(c, rep_cache_epoch(c), TEAM, JSON, strlen(JSON), "3", "1.11.177");
	ck_assert(!get(c, TEAM, ""));
	rep_cache_set_enabled(c, 1);
	ck_assert(!get(c, TEAM, "")); /* reconnected: starts empty */
	rep_cache_destroy(c);
	ck_assert(!rep_cache_get(NULL, TEAM, "", NULL));
}
END_TEST

Suite *rep_cache_suite(void)
{
	Suite *s = suite_create("representation cache");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_a_kept_representation_is_shown_only_within_the_readers_scope);
	tcase_add_test(tc, test_a_flush_or_a_lost_listener_forgets_and_a_late_put_is_dropped);
	suite_add_tcase(s, tc);
	return s;
}
