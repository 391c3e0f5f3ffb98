/*
 * The reports suite. Coverage per child unit and total, against figures worked out by hand
 * from the data each test inserts; its CSV; the unit parameter (absent, bad, out of scope);
 * who may read reports. The activity report is tested in test_reports_activity.c, lagging
 * villages in test_reports_lagging.c; helpers are in test_reports_support.c.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "test_reports_support.h"

struct world rw;
WORLD_FIXTURE(rw, NULL)

/*
 * Commune <c> under district BQ, villages <c>-V1..3 (V3's team suspended), and a commune team:
 *   <c>-V1  team T1: P1 leader (official, party_member; vie, hmn), P2 (youth_union; vie),
 *           P5 left (volunteer; tyz)
 *   <c>-V2  team T2, no leader: P3 (teacher; hmn), P4 inactive (teacher, youth_union; vie)
 *   <c>-V3  team T3 suspended: P6 (police; vie, tyz)
 *   <c>     commune team TC, no leader: P1 again (commune level), P7 (official; vie)
 * Expected, worked out by hand:
 *   V1: 1 village, 1 with a team, 100.0 %, 1 team, 2 members (P1, P2): official 1,
 *       party_member 1, youth_union 1; 1 speaking a minority language (P1); 0 without leader
 *   V2: 1, 1, 100.0 %, 1 team, 1 member (P3): teacher 1; minority 1; 1 team without leader
 *   V3: 1, 0, 0.0 %, 0 teams, 0 members
 *   total: 3 villages, 2 with a team, 66.7 %, 3 teams (T1, T2, TC), 4 members (P1 once, P2,
 *       P3, P7): official 2, party_member 1, youth_union 1, teacher 1; minority 2 (P1, P3);
 *       2 teams without leader (T2, TC)
 */
static void coverage_commune(const char *c)
{
	char v1[40], v2[40], v3[40];
	snprintf(v1, sizeof v1, "%s-V1", c);
	snprintf(v2, sizeof v2, "%s-V2", c);
	snprintf(v3, sizeof v3, "%s-V3", c);
	world_add_unit(&rw, c, "Xã Báo Cáo", "commune", "BQ");
	world_add_unit(&rw, v1, "Thôn Một", "village", c);
	world_add_unit(&rw, v2, "Thôn Hai", "village", c);
	world_add_unit(&rw, v3, "Thôn Ba", "village", c);
	char *t1 = world_add_team(&rw, v1, "active", "2023-01-01");
	char *t2 = world_add_team(&rw, v2, "active", "2023-01-01");
	char *t3 = world_add_team(&rw, v3, "suspended", "2023-01-01");
	char *tc = world_add_team(&rw, c, "active", "2023-01-01");
	char *p1 = world_add_member_with(&rw, v1, "Nguyễn Văn Báo Cáo", "{vie,hmn}",
					 "{official,party_member}", "active");
	char *p2 = world_add_member_with(&rw, v1, "Nguyễn Văn Báo Cáo", "{vie}", "{youth_union}",
					 "active");
	char *p3 = world_add_member_with(&rw, v2, "Nguyễn Văn Báo Cáo", "{hmn}", "{teacher}",
					 "active");
	char *p4 = world_add_member_with(&rw, v2, "Nguyễn Văn Báo Cáo", "{vie}",
					 "{teacher,youth_union}", "inactive");
	char *p5 = world_add_member_with(&rw, v1, "Nguyễn Văn Báo Cáo", "{tyz}", "{volunteer}",
					 "active");
	char *p6 = world_add_member_with(&rw, v3, "Nguyễn Văn Báo Cáo", "{vie,tyz}", "{police}",
					 "active");
	char *p7 = world_add_member_with(&rw, c, "Nguyễn Văn Báo Cáo", "{vie}", "{official}",
					 "active");
	world_add_membership(&rw, t1, p1, "leader", "2023-02-01", NULL);
	world_add_membership(&rw, t1, p2, "member", "2023-02-01", NULL);
	world_add_membership(&rw, t1, p5, "member", "2023-02-01", "2024-01-01");
	world_add_membership(&rw, t2, p3, "member", "2023-02-01", NULL);
	world_add_membership(&rw, t2, p4, "deputy", "2023-02-01", NULL);
	world_add_membership(&rw, t3, p6, "leader", "2023-02-01", NULL);
	world_add_membership(&rw, tc, p1, "member", "2023-02-01", NULL);
	world_add_membership(&rw, tc, p7, "member", "2023-02-01", NULL);
	free(t1), free(t2), free(t3), free(tc);
	free(p1), free(p2), free(p3), free(p4), free(p5), free(p6), free(p7);
}

/* Asserts a coverage row's (or the total's) figures. */
static void assert_coverage(const json_t *row, long villages, long covered, double percent,
			    long teams, long members, long minority, long leaderless)
{
	ck_assert_int_eq(rp_int(row, "villages"), villages);
	ck_assert_int_eq(rp_int(row, "villages_with_active_team"), covered);
	const json_t *p = rp_at(row, "coverage_percent");
	ck_assert_msg(json_is_number(p), "coverage_percent is not a number");
	ck_assert_double_eq_tol(json_number_value(p), percent, 1e-9);
	ck_assert_int_eq(rp_int(row, "teams"), teams);
	ck_assert_int_eq(rp_int(row, "active_members"), members);
	ck_assert_int_eq(rp_int(row, "members_speaking_minority_language"), minority);
	ck_assert_int_eq(rp_int(row, "teams_without_leader"), leaderless);
}

/* Asserts members_by_affiliation: every affiliation present, those named with n, others 0. */
static void assert_affiliations(const json_t *row, const char *const *named, const long *n)
{
	static const char *const all[] = {"official", "civil_servant", "party_member",
					  "youth_union", "teacher", "police", "womens_union",
					  "veterans_association", "farmers_union", "health_worker",
					  "student", "volunteer", NULL};
	const json_t *by = rp_at(row, "members_by_affiliation");
	ck_assert_int_eq(json_object_size(by), 12);
	for (const char *const *a = all; *a; a++) {
		long want = 0;
		for (size_t i = 0; named[i]; i++)
			if (!strcmp(named[i], *a))
				want = n[i];
		ck_assert_msg(json_integer_value(json_object_get(by, *a)) == want, "%s: %lld, not %ld",
			      *a, json_integer_value(json_object_get(by, *a)), want);
	}
}

/* The coverage report of a new coverage_commune(c), as admin (json_decref it). */
static json_t *coverage_of_new_commune(const char *c)
{
	coverage_commune(c);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/reports/coverage?unit=%s", c);
	return rp_report(rw.admin, path);
}

START_TEST(test_coverage_names_the_unit_it_covers)
{
	json_t *doc = coverage_of_new_commune("CV1");
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.code")), "CV1");
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.name")), "Xã Báo Cáo");
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.level")), "commune");
	ck_assert(json_is_string(rp_at(doc, "period.as_of")));
	json_decref(doc);
}
END_TEST

START_TEST(test_coverage_has_a_row_per_child_ordered_by_code)
{
	json_t *doc = coverage_of_new_commune("CV1O");
	json_t *rows = json_object_get(doc, "rows");
	ck_assert_int_eq(json_array_size(rows), 3);
	ck_assert_str_eq(json_string_value(rp_at(json_array_get(rows, 0), "unit.code")), "CV1O-V1");
	ck_assert_str_eq(json_string_value(rp_at(json_array_get(rows, 2), "unit.code")), "CV1O-V3");
	json_decref(doc);
}
END_TEST

START_TEST(test_coverage_counts_a_village_whose_team_has_a_leader)
{
	json_t *doc = coverage_of_new_commune("CV1A");
	json_t *v1 = rp_row(doc, "unit.code", "CV1A-V1");
	ck_assert_str_eq(json_string_value(rp_at(v1, "unit.name")), "Thôn Một");
	ck_assert_str_eq(json_string_value(rp_at(v1, "unit.level")), "village");
	assert_coverage(v1, 1, 1, 100.0, 1, 2, 1, 0);
	assert_affiliations(v1, (const char *const[]){"official", "party_member", "youth_union", NULL},
			    (const long[]){1, 1, 1});
	json_decref(doc);
}
END_TEST

START_TEST(test_coverage_counts_a_village_whose_team_has_no_leader)
{
	json_t *doc = coverage_of_new_commune("CV1B");
	json_t *v2 = rp_row(doc, "unit.code", "CV1B-V2");
	assert_coverage(v2, 1, 1, 100.0, 1, 1, 1, 1);
	assert_affiliations(v2, (const char *const[]){"teacher", NULL}, (const long[]){1});
	json_decref(doc);
}
END_TEST

START_TEST(test_coverage_counts_a_village_with_a_suspended_team_as_uncovered)
{
	json_t *doc = coverage_of_new_commune("CV1C");
	json_t *v3 = rp_row(doc, "unit.code", "CV1C-V3");
	assert_coverage(v3, 1, 0, 0.0, 0, 0, 0, 0);
	assert_affiliations(v3, (const char *const[]){NULL}, NULL);
	json_decref(doc);
}
END_TEST

START_TEST(test_coverage_total_counts_the_whole_subtree)
{
	json_t *doc = coverage_of_new_commune("CV1T");
	json_t *total = json_object_get(doc, "total");
	ck_assert_ptr_null(json_object_get(total, "unit"));
	assert_coverage(total, 3, 2, 66.7, 3, 4, 2, 2);
	assert_affiliations(total,
			    (const char *const[]){"official", "party_member", "youth_union", "teacher",
						  NULL},
			    (const long[]){2, 1, 1, 1});
	json_decref(doc);
}
END_TEST

START_TEST(test_coverage_csv_has_the_same_columns_and_the_total_last)
{
	coverage_commune("CV2");
	struct http_response r;
	rp_get(&r, rw.admin, "/api/v1/reports/coverage?unit=CV2", 1);
	ck_assert_msg(r.status == 200, "%s", r.body);
	char *type = http_header_value(&r, "Content-Type");
	ck_assert_str_eq(type, "text/csv; charset=utf-8");
	free(type);
	char *disposition = http_header_value(&r, "Content-Disposition");
	ck_assert_str_eq(disposition, "attachment; filename=\"coverage-CV2.csv\"");
	free(disposition);
	ck_assert_str_eq(
		r.body,
		"unit_code,unit_name,unit_level,villages,villages_with_active_team,coverage_percent,"
		"teams,active_members,members_by_affiliation.official,"
		"members_by_affiliation.civil_servant,members_by_affiliation.party_member,"
		"members_by_affiliation.youth_union,members_by_affiliation.teacher,"
		"members_by_affiliation.police,members_by_affiliation.womens_union,"
		"members_by_affiliation.veterans_association,members_by_affiliation.farmers_union,"
		"members_by_affiliation.health_worker,members_by_affiliation.student,"
		"members_by_affiliation.volunteer,members_speaking_minority_language,"
		"teams_without_leader\r\n"
		"CV2-V1,Thôn Một,village,1,1,100.0,1,2,1,0,1,1,0,0,0,0,0,0,0,0,1,0\r\n"
		"CV2-V2,Thôn Hai,village,1,1,100.0,1,1,0,0,0,0,1,0,0,0,0,0,0,0,1,1\r\n"
		"CV2-V3,Thôn Ba,village,1,0,0.0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\r\n"
		"total,,,3,2,66.7,3,4,2,0,1,1,1,0,0,0,0,0,0,0,2,2\r\n");
	http_response_free(&r);
}
END_TEST

START_TEST(test_coverage_of_a_village_is_one_row_for_the_village)
{
	coverage_commune("CV3");
	json_t *doc = rp_report(rw.admin, "/api/v1/reports/coverage?unit=CV3-V1");
	ck_assert_int_eq(json_array_size(json_object_get(doc, "rows")), 1);
	json_t *row = rp_row(doc, "unit.code", "CV3-V1");
	assert_coverage(row, 1, 1, 100.0, 1, 2, 1, 0);
	assert_coverage(json_object_get(doc, "total"), 1, 1, 100.0, 1, 2, 1, 0);
	json_decref(doc);
}
END_TEST

START_TEST(test_coverage_of_a_unit_without_villages_is_zero_percent)
{
	world_add_unit(&rw, "CV4", "Xã Trống", "commune", "BQ");
	json_t *doc = rp_report(rw.admin, "/api/v1/reports/coverage?unit=CV4");
	ck_assert_int_eq(json_array_size(json_object_get(doc, "rows")), 1);
	assert_coverage(json_object_get(doc, "total"), 0, 0, 0.0, 0, 0, 0, 0);
	json_decref(doc);
}
END_TEST

START_TEST(test_reports_show_no_personal_data)
{
	coverage_commune("CV5");
	world_exec(&rw, "UPDATE members SET phone = '0912000555', email = 'bao.cao@example.vn'"
		" WHERE id = (SELECT id FROM members WHERE unit_code = 'CV5-V1' LIMIT 1)");
	const char *paths[] = {"/api/v1/reports/coverage?unit=CV5",
			       "/api/v1/reports/activity?unit=CV5",
			       "/api/v1/reports/lagging?unit=CV5"};
	for (size_t i = 0; i < 3; i++)
		for (int csv = 0; csv <= 1; csv++) {
			struct http_response r;
			rp_get(&r, rw.admin, paths[i], csv);
			ck_assert_msg(r.status == 200, "%s: %s", paths[i], r.body);
			ck_assert_ptr_null(strstr(r.body, "Nguyễn"));
			ck_assert_ptr_null(strstr(r.body, "0912000555"));
			ck_assert_ptr_null(strstr(r.body, "bao.cao"));
			http_response_free(&r);
		}
}
END_TEST

START_TEST(test_viewer_and_team_leader_read_reports_in_their_scope)
{
	world_add_unit(&rw, "TQ-CV6", "Thôn Xem", "village", "TQ");
	char *team = world_add_team(&rw, "TQ-CV6", "active", "2023-01-01");
	json_t *doc = rp_report(rw.viewer_tq, "/api/v1/reports/coverage?unit=TQ-CV6");
	assert_coverage(json_object_get(doc, "total"), 1, 1, 100.0, 1, 0, 0, 1);
	json_decref(doc);
	doc = rp_report(rw.viewer_tq, "/api/v1/reports/activity?unit=TQ-CV6");
	ck_assert_int_eq(rp_int(doc, "total.activities"), 0);
	json_decref(doc);
	/* the team leader of TQ-V1 reads TQ-V1, and nothing above it */
	doc = rp_report(rw.leader_tq, "/api/v1/reports/coverage?unit=TQ-V1");
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.code")), "TQ-V1");
	json_decref(doc);
	struct http_response r;
	rp_get(&r, rw.leader_tq, "/api/v1/reports/coverage?unit=TQ", 0);
	assert_problem(&r, 404);
	http_response_free(&r);
	free(team);
}
END_TEST

START_TEST(test_a_unit_outside_the_scope_is_404_like_a_missing_one)
{
	coverage_commune("CV7");
	struct world_counts before = rp_counts();
	const char *paths[] = {"/api/v1/reports/coverage?unit=CV7",
			       "/api/v1/reports/activity?unit=CV7",
			       "/api/v1/reports/lagging?unit=CV7",
			       "/api/v1/reports/coverage?unit=NO-SUCH-UNIT"};
	for (size_t i = 0; i < 4; i++)
		for (int csv = 0; csv <= 1; csv++) {
			struct http_response r;
			rp_get(&r, rw.officer_nx, paths[i], csv);
			assert_problem(&r, 404);
			ck_assert_str_eq(json_field(r.body, "detail"), "No such unit.");
			http_response_free(&r);
		}
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_a_malformed_unit_is_422)
{
	struct world_counts before = rp_counts();
	const char *paths[] = {"/api/v1/reports/coverage?unit=bad%20code",
			       "/api/v1/reports/activity?unit=a,b",
			       "/api/v1/reports/lagging?unit=%27%3B--"};
	for (size_t i = 0; i < 3; i++) {
		struct http_response r;
		rp_get(&r, rw.officer_tq, paths[i], 0);
		assert_problem(&r, 422);
		ck_assert(response_has_error(&r, "unit", "invalid_format"));
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_without_unit_a_report_covers_the_callers_scope_or_everything_for_admins)
{
	json_t *doc = rp_report(rw.officer_tq, "/api/v1/reports/coverage");
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.code")), "TQ");
	json_decref(doc);
	doc = rp_report(rw.officer_nx, "/api/v1/reports/lagging");
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.code")), "NX");
	json_decref(doc);
	/* an administrator's scope is the whole tree: one row per top-level unit */
	doc = rp_report(rw.admin, "/api/v1/reports/coverage");
	ck_assert(json_is_null(json_object_get(doc, "unit")));
	json_t *hg = rp_row(doc, "unit.code", "HG");
	char *villages = world_sql(&rw, "SELECT count(*) FROM units WHERE level = 'village'"
				" AND status = 'active'");
	ck_assert_int_eq(rp_int(hg, "villages"), atol(villages));
	free(villages);
	json_decref(doc);
}
END_TEST

START_TEST(test_a_system_needs_the_reports_read_scope)
{
	coverage_commune("CV8");
	char *reader = world_client_token(&rw, "reports.reader", "[\"reports:read\"]", "BQ");
	char *other = world_client_token(&rw, "registry.reader", "[\"registry:read\"]", "BQ");
	json_t *doc = rp_report(reader, "/api/v1/reports/coverage?unit=CV8");
	assert_coverage(json_object_get(doc, "total"), 3, 2, 66.7, 3, 4, 2, 2);
	json_decref(doc);
	struct http_response r;
	rp_get(&r, other, "/api/v1/reports/coverage?unit=CV8", 0);
	assert_problem(&r, 403);
	http_response_free(&r);
	free(reader);
	free(other);
}
END_TEST

Suite *reports_suite(void)
{
	Suite *s = suite_create("reports");
	TCase *tc = tcase_create("reports");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_coverage_names_the_unit_it_covers);
	tcase_add_test(tc, test_coverage_has_a_row_per_child_ordered_by_code);
	tcase_add_test(tc, test_coverage_counts_a_village_whose_team_has_a_leader);
	tcase_add_test(tc, test_coverage_counts_a_village_whose_team_has_no_leader);
	tcase_add_test(tc, test_coverage_counts_a_village_with_a_suspended_team_as_uncovered);
	tcase_add_test(tc, test_coverage_total_counts_the_whole_subtree);
	tcase_add_test(tc, test_coverage_csv_has_the_same_columns_and_the_total_last);
	tcase_add_test(tc, test_coverage_of_a_village_is_one_row_for_the_village);
	tcase_add_test(tc, test_coverage_of_a_unit_without_villages_is_zero_percent);
	tcase_add_test(tc, test_reports_show_no_personal_data);
	tcase_add_test(tc, test_viewer_and_team_leader_read_reports_in_their_scope);
	tcase_add_test(tc, test_a_unit_outside_the_scope_is_404_like_a_missing_one);
	tcase_add_test(tc, test_a_malformed_unit_is_422);
	tcase_add_test(tc, test_without_unit_a_report_covers_the_callers_scope_or_everything_for_admins);
	tcase_add_test(tc, test_a_system_needs_the_reports_read_scope);
	reports_add_activity_tests(tc);
	reports_add_lagging_tests(tc);
	suite_add_tcase(s, tc);
	return s;
}
