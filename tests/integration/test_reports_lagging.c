/*
 * Lagging villages: the list an officer inspects first, its order, limit and CSV, against
 * figures worked out by hand.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_reports_support.h"

#define PERIOD "&from=2025-01-01&to=2025-06-30"

/* A village <c>-<v> with an active team of `members` active members; the team's id. */
static char *village_team(const char *c, const char *v, const char *name, int members)
{
	char code[40];
	snprintf(code, sizeof code, "%s-%s", c, v);
	world_add_unit(&rw, code, name, "village", c);
	char *team = world_add_team(&rw, code, "active", "2023-01-01");
	for (int i = 0; i < members; i++) {
		char *m = world_add_member_with(&rw, code, "Nguyễn Văn Báo Cáo", "{vie}",
						"{official}", "active");
		world_add_membership(&rw, team, m, i ? "member" : "leader", "2023-02-01", NULL);
		free(m);
	}
	return team;
}

/*
 * Commune <c> under BQ, for 2025-01-01..2025-06-30:
 *   V1  2 members, no activity in the period (one before it)   0 activities, 0.0 a member
 *   V2  no member left (one left in 2024), no activity           0, none a member
 *   V3  2 members, 1 activity, 10 households                     1, 5.0
 *   V4  1 member (and 1 inactive), 1 activity, 4 households      1, 4.0
 *   V5  no team; V6 a suspended team: not listed
 *   V7  3 members, 1 activity, 20 households                     1, 6.7
 * The order, by hand: V2, V1, V4, V3, V7.
 */
static void lagging_commune(const char *c, char **teams)
{
	world_add_unit(&rw, c, "Xã Chậm", "commune", "BQ");
	teams[0] = village_team(c, "V1", "Thôn Một", 2);
	teams[1] = village_team(c, "V2", "Thôn Hai", 0);
	teams[2] = village_team(c, "V3", "Thôn Ba", 2);
	teams[3] = village_team(c, "V4", "Thôn Bốn", 1);
	teams[4] = village_team(c, "V7", "Thôn Bảy", 3);
	char code[40];
	snprintf(code, sizeof code, "%s-V5", c);
	world_add_unit(&rw, code, "Thôn Năm", "village", c);
	snprintf(code, sizeof code, "%s-V6", c);
	world_add_unit(&rw, code, "Thôn Sáu", "village", c);
	free(world_add_team(&rw, code, "suspended", "2023-01-01"));
	snprintf(code, sizeof code, "%s-V2", c);
	char *gone = world_add_member_with(&rw, code, "Nguyễn Văn Báo Cáo", "{vie}", "{official}",
					   "active");
	world_add_membership(&rw, teams[1], gone, "leader", "2023-02-01", "2024-12-01");
	snprintf(code, sizeof code, "%s-V4", c);
	char *inactive = world_add_member_with(&rw, code, "Nguyễn Văn Báo Cáo", "{vie}",
					       "{official}", "inactive");
	world_add_membership(&rw, teams[3], inactive, "member", "2023-02-01", NULL);
	free(gone), free(inactive);
	static const struct {
		int team;
		const char *village, *date;
		int households;
	} work[] = {
		{0, "V1", "2024-12-31", 99}, {2, "V3", "2025-03-01", 10},
		{3, "V4", "2025-06-30", 4},  {4, "V7", "2025-01-01", 20},
		{4, "V7", "2025-07-01", 50},
	};
	for (size_t i = 0; i < sizeof work / sizeof work[0]; i++) {
		snprintf(code, sizeof code, "%s-%s", c, work[i].village);
		world_add_activity(&rw, teams[work[i].team], code, work[i].date, "{}",
				   work[i].households, work[i].households, "{}");
	}
}

static void assert_lagging(const json_t *row, const char *code, const char *team,
			   long members, long activities, long households, double per_member)
{
	ck_assert_str_eq(json_string_value(rp_at(row, "unit.code")), code);
	ck_assert_str_eq(json_string_value(rp_at(row, "team_id")), team);
	ck_assert_int_eq(rp_int(row, "active_members"), members);
	ck_assert_int_eq(rp_int(row, "activities"), activities);
	ck_assert_int_eq(rp_int(row, "households_reached"), households);
	const json_t *p = rp_at(row, "households_per_member");
	if (per_member < 0) {
		ck_assert(json_is_null(p));
	} else {
		ck_assert_msg(json_is_number(p), "%s: households_per_member", code);
		ck_assert_double_eq_tol(json_number_value(p), per_member, 1e-9);
	}
}

START_TEST(test_lagging_lists_villages_by_activities_then_households_per_member)
{
	char *t[5];
	lagging_commune("LG1", t);
	json_t *doc = rp_report(rw.admin, "/api/v1/reports/lagging?unit=LG1" PERIOD);
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.code")), "LG1");
	ck_assert_str_eq(json_string_value(rp_at(doc, "period.from")), "2025-01-01");
	ck_assert_int_eq(rp_int(doc, "limit"), 50);
	json_t *rows = json_object_get(doc, "rows");
	ck_assert_int_eq(json_array_size(rows), 5);
	assert_lagging(json_array_get(rows, 0), "LG1-V2", t[1], 0, 0, 0, -1);
	assert_lagging(json_array_get(rows, 1), "LG1-V1", t[0], 2, 0, 0, 0.0);
	assert_lagging(json_array_get(rows, 2), "LG1-V4", t[3], 1, 1, 4, 4.0);
	assert_lagging(json_array_get(rows, 3), "LG1-V3", t[2], 2, 1, 10, 5.0);
	assert_lagging(json_array_get(rows, 4), "LG1-V7", t[4], 3, 1, 20, 6.7);
	json_t *first = json_array_get(rows, 0);
	ck_assert_str_eq(json_string_value(rp_at(first, "unit.name")), "Thôn Hai");
	ck_assert_str_eq(json_string_value(rp_at(first, "commune.code")), "LG1");
	ck_assert_str_eq(json_string_value(rp_at(first, "commune.name")), "Xã Chậm");
	json_decref(doc);
	for (int i = 0; i < 5; i++)
		free(t[i]);
}
END_TEST

START_TEST(test_lagging_limit_keeps_the_first_villages_and_is_1_to_200)
{
	char *t[5];
	lagging_commune("LG2", t);
	json_t *doc = rp_report(rw.admin, "/api/v1/reports/lagging?unit=LG2&limit=2" PERIOD);
	json_t *rows = json_object_get(doc, "rows");
	ck_assert_int_eq(json_array_size(rows), 2);
	ck_assert_int_eq(rp_int(doc, "limit"), 2);
	assert_lagging(json_array_get(rows, 0), "LG2-V2", t[1], 0, 0, 0, -1);
	assert_lagging(json_array_get(rows, 1), "LG2-V1", t[0], 2, 0, 0, 0.0);
	json_decref(doc);
	doc = rp_report(rw.admin, "/api/v1/reports/lagging?unit=LG2&limit=200" PERIOD);
	ck_assert_int_eq(json_array_size(json_object_get(doc, "rows")), 5);
	json_decref(doc);
	const char *bad[] = {"0", "201", "-1", "abc", "5x", "99999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct world_counts before = rp_counts();
		char path[120];
		snprintf(path, sizeof path, "/api/v1/reports/lagging?unit=LG2&limit=%s", bad[i]);
		struct http_response r;
		rp_get(&r, rw.admin, path, 0);
		assert_problem(&r, 422);
		ck_assert_msg(response_has_error(&r, "limit", "out_of_range"), "%s", r.body);
		http_response_free(&r);
		world_assert_unchanged(&before);
	}
	for (int i = 0; i < 5; i++)
		free(t[i]);
}
END_TEST

START_TEST(test_lagging_csv_lists_the_same_columns_in_the_same_order)
{
	char *t[5];
	lagging_commune("LG3", t);
	struct http_response r;
	rp_get(&r, rw.admin, "/api/v1/reports/lagging?unit=LG3&limit=3" PERIOD, 1);
	ck_assert_msg(r.status == 200, "%s", r.body);
	char *type = http_header_value(&r, "Content-Type");
	ck_assert_str_eq(type, "text/csv; charset=utf-8");
	free(type);
	char want[1024];
	snprintf(want, sizeof want,
		 "unit_code,unit_name,commune_code,commune_name,team_id,active_members,activities,"
		 "households_reached,households_per_member\r\n"
		 "LG3-V2,Thôn Hai,LG3,Xã Chậm,%s,0,0,0,\r\n"
		 "LG3-V1,Thôn Một,LG3,Xã Chậm,%s,2,0,0,0.0\r\n"
		 "LG3-V4,Thôn Bốn,LG3,Xã Chậm,%s,1,1,4,4.0\r\n",
		 t[1], t[0], t[3]);
	ck_assert_str_eq(r.body, want);
	http_response_free(&r);
	for (int i = 0; i < 5; i++)
		free(t[i]);
}
END_TEST

void reports_add_lagging_tests(TCase *tc)
{
	tcase_add_test(tc, test_lagging_lists_villages_by_activities_then_households_per_member);
	tcase_add_test(tc, test_lagging_limit_keeps_the_first_villages_and_is_1_to_200);
	tcase_add_test(tc, test_lagging_csv_lists_the_same_columns_in_the_same_order);
}
