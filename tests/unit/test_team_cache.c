#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../api/resources/team_cache.h"

#define TEAM "6fde095a-b4ee-426a-82bd-7956f4519bee"
#define OTHER "7d3c1c0e-0000-4000-8000-000000000000"
#define JSON "{\"id\":\"" TEAM "\"}"

static struct team_cache *filled(void)
{
	struct team_cache *c = team_cache_create();
	team_cache_set_enabled(c, 1);
	team_cache_put(c, team_cache_epoch(c), TEAM, JSON, strlen(JSON), "3", "1.11.177");
	return c;
}

static int get(struct team_cache *c, const char *id, const char *scope, const char *only)
{
	struct team_rep rep;
	if (!team_cache_get(c, id, scope, only, &rep))
		return 0;
	ck_assert_str_eq(rep.json, JSON);
	ck_assert_uint_eq(rep.len, strlen(JSON));
	ck_assert_str_eq(rep.version, "3");
	free(rep.json);
	return 1;
}

START_TEST(test_a_cached_team_is_shown_only_within_the_readers_scope)
{
	struct team_cache *c = filled();
	ck_assert(get(c, TEAM, "", NULL));          /* the whole country */
	ck_assert(get(c, TEAM, "1", NULL));         /* its province */
	ck_assert(get(c, TEAM, "1.11.177", NULL));  /* its own unit */
	ck_assert(!get(c, TEAM, "1.1", NULL));      /* a sibling whose path is a string prefix */
	ck_assert(!get(c, TEAM, "1.11.177.5", NULL)); /* below its unit */
	ck_assert(!get(c, TEAM, "2", NULL));
	ck_assert(!get(c, TEAM, "none", NULL));
	ck_assert(get(c, TEAM, "1.11", TEAM));      /* a team leader of this team */
	ck_assert(!get(c, TEAM, "1.11", OTHER));    /* a team leader of another */
	ck_assert(!get(c, OTHER, "", NULL));
	team_cache_destroy(c);
}
END_TEST

START_TEST(test_a_flush_or_a_lost_listener_forgets_and_a_late_put_is_dropped)
{
	struct team_cache *c = filled();
	unsigned long before = team_cache_epoch(c);
	team_cache_flush(c);
	ck_assert(!get(c, TEAM, "", NULL));
	/* read before the flush, put after it: not kept */
	team_cache_put(c, before, TEAM, JSON, strlen(JSON), "3", "1.11.177");
	ck_assert(!get(c, TEAM, "", NULL));
	team_cache_put(c, team_cache_epoch(c), TEAM, JSON, strlen(JSON), "3", "1.11.177");
	ck_assert(get(c, TEAM, "", NULL));
	team_cache_set_enabled(c, 0);
	ck_assert(!get(c, TEAM, "", NULL));
	team_cache_put(c, team_cache_epoch(c), TEAM, JSON, strlen(JSON), "3", "1.11.177");
	ck_assert(!get(c, TEAM, "", NULL));
	team_cache_set_enabled(c, 1);
	ck_assert(!get(c, TEAM, "", NULL)); /* reconnected: starts empty */
	team_cache_destroy(c);
	ck_assert(!team_cache_get(NULL, TEAM, "", NULL, NULL));
}
END_TEST

Suite *team_cache_suite(void)
{
	Suite *s = suite_create("team cache");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_a_cached_team_is_shown_only_within_the_readers_scope);
	tcase_add_test(tc, test_a_flush_or_a_lost_listener_forgets_and_a_late_put_is_dropped);
	suite_add_tcase(s, tc);
	return s;
}
