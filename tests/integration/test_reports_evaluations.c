/*
 * The evaluations report: per child unit and in total, against figures worked out by hand from
 * evaluations each test inserts with SQL (finalized, superseded, drafts, two periods, two
 * bodies); the evaluator_body filter, teams, CSV; its parameters (period required, well formed,
 * begun; subject_type, evaluator_body, unit) and who may read it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "test_reports_support.h"

static struct world ew;
WORLD_FIXTURE(ew, NULL)

#define REPORT "/api/v1/reports/evaluations"

/* An evaluation of subject (a member or a team) for period by body, with total and rating,
 * finalized minutes_ago minutes ago (status finalized) or a draft; its id (malloc'd). */
static char *ev_add(const char *subject_type, const char *subject, const char *period,
		    const char *body, const char *status, double total, const char *rating,
		    int minutes_ago)
{
	int member = !strcmp(subject_type, "member"), final = !strcmp(status, "finalized");
	return world_sql(&ew,
			 "INSERT INTO evaluations (subject_type, member_id, team_id, period,"
			 " period_from, period_to, evaluator_body, rubric_code, rubric_version,"
			 " total_score, rating, status, finalized_at)"
			 " SELECT '%s', %s%s%s, %s%s%s, '%s', b.period_from, b.period_to, '%s', '%s', 1,"
			 " %.1f, '%s', '%s', %s FROM period_bounds('%s') b RETURNING id",
			 subject_type, member ? "'" : "", member ? subject : "NULL", member ? "'" : "",
			 member ? "" : "'", member ? "NULL" : subject, member ? "" : "'", period, body,
			 member ? "member-yearly" : "team-quarterly", total, rating, status,
			 final ? world_path("now() - interval '%d minutes'", minutes_ago) : "NULL",
			 period);
}

/* A member's yearly evaluation by the party cell finalized with old_rating, then corrected to
 * new_rating: the first superseded by the second (one statement, as the references want). */
static void ev_add_corrected(const char *member, const char *period, double old_total,
			     const char *old_rating, double new_total, const char *new_rating)
{
	world_exec(&ew,
		   "WITH ids AS (SELECT gen_random_uuid() AS old, gen_random_uuid() AS new),"
		   " b AS (SELECT * FROM period_bounds('%s'))"
		   " INSERT INTO evaluations (id, subject_type, member_id, period, period_from,"
		   " period_to, evaluator_body, rubric_code, rubric_version, total_score, rating,"
		   " status, finalized_at, supersedes, superseded_by, reason)"
		   " SELECT old, 'member', '%s'::uuid, '%s', b.period_from, b.period_to, 'party_cell',"
		   " 'member-yearly', 1, %.1f, '%s', 'finalized', now() - interval '1 day', NULL::uuid,"
		   " new, NULL::text FROM ids, b"
		   " UNION ALL"
		   " SELECT new, 'member', '%s'::uuid, '%s', b.period_from, b.period_to, 'party_cell',"
		   " 'member-yearly', 1, %.1f, '%s', 'finalized', now(), old, NULL::uuid,"
		   " 'Sửa điểm sau khi xem lại hồ sơ' FROM ids, b",
		   period, member, period, old_total, old_rating, member, period, new_total,
		   new_rating);
}

/* What one commune holds, for the tests to check against. */
struct commune {
	char code[24];
	char *a, *b, *d, *e, *g; /* members: A, B (V1); D, E, G (V2) */
	char *t1, *t2, *t3;      /* teams of V1, V2, V3 (T3 suspended) */
};

static void commune_free(struct commune *c)
{
	free(c->a), free(c->b), free(c->d), free(c->e), free(c->g);
	free(c->t1), free(c->t2), free(c->t3);
}

/*
 * Commune <c> under parent (BQ or TQ), villages V1..V3, and what was evaluated for 2025 (the
 * year before: 2024), for 2025-Q3 (before: 2025-Q2):
 *   V1  team T1: A (party cell: good 75.0, then commune committee: excellent 92.0, finalized
 *       later: A counts as excellent 92.0, or good 75.0 for the party cell alone), B
 *       (commune committee: unsatisfactory 40.5; 2024 unsatisfactory too: a repeat); C
 *       inactive (good 80.0: not counted). A worked in 2025, B did not.
 *   V2  team T2: D (party cell: satisfactory 55.0 superseded by unsatisfactory 48.0; 2024
 *       unsatisfactory 30.0: a repeat), E (a draft only; worked in 2024 only), G (nothing;
 *       worked in 2025).
 *   V3  team T3 suspended, no members.
 *   <c> itself: F (commune committee: satisfactory 60.0; 2024 satisfactory), no team.
 *   Teams, 2025-Q3 by the commune committee: T1 good 80.0 (worked in Q3), T2 unsatisfactory
 *   30.0 (2025-Q2 unsatisfactory 20.0: a repeat; no work in Q3), T3 good 90.0 (suspended: not
 *   counted).
 * By hand, members for 2025:
 *   V1     2 active, 2 evaluated, 100.0 %, excellent 1 unsatisfactory 1, average 66.3 (66.25),
 *          1 repeat (B), 1 without activity (B)
 *   V2     3 active, 1 evaluated, 33.3 %, unsatisfactory 1, average 48.0, 1 repeat (D), 1
 *          without activity (E)
 *   V3     nothing, 0.0 %, average null
 *   total  6 active (A B D E G F), 4 evaluated, 66.7 %, excellent 1 satisfactory 1
 *          unsatisfactory 2, average 60.1 (60.125), 2 repeats (B, D), 3 without activity
 *          (B E F)
 */
static void eval_commune(const char *c, const char *parent, struct commune *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->code, sizeof out->code, "%s", c);
	char v1[40], v2[40], v3[40];
	snprintf(v1, sizeof v1, "%s-V1", c);
	snprintf(v2, sizeof v2, "%s-V2", c);
	snprintf(v3, sizeof v3, "%s-V3", c);
	world_add_unit(&ew, c, "Xã Đánh Giá", "commune", parent);
	world_add_unit(&ew, v1, "Thôn Một", "village", c);
	world_add_unit(&ew, v2, "Thôn Hai", "village", c);
	world_add_unit(&ew, v3, "Thôn Ba", "village", c);
	out->t1 = world_add_team(&ew, v1, "active", "2023-01-01");
	out->t2 = world_add_team(&ew, v2, "active", "2023-01-01");
	out->t3 = world_add_team(&ew, v3, "suspended", "2023-01-01");
	out->a = world_add_member_with(&ew, v1, "Hoàng Văn An", "{vie}", "{party_member}", "active");
	out->b = world_add_member_with(&ew, v1, "Bàn Văn Bê", "{vie}", "{youth_union}", "active");
	char *cc = world_add_member_with(&ew, v1, "Vàng Thị Ca", "{vie}", "{teacher}", "inactive");
	out->d = world_add_member_with(&ew, v2, "Lò Thị Đê", "{vie}", "{party_member}", "active");
	out->e = world_add_member_with(&ew, v2, "Sùng Văn E", "{vie}", "{volunteer}", "active");
	out->g = world_add_member_with(&ew, v2, "Giàng Thị Gia", "{vie}", "{teacher}", "active");
	char *f = world_add_member_with(&ew, c, "Phan Văn Phúc", "{vie}", "{official}", "active");
	world_add_membership(&ew, out->t1, out->a, "leader", "2023-02-01", NULL);
	world_add_membership(&ew, out->t1, out->b, "member", "2023-02-01", NULL);
	world_add_membership(&ew, out->t1, cc, "member", "2023-02-01", NULL);
	world_add_membership(&ew, out->t2, out->d, "leader", "2023-02-01", NULL);
	world_add_membership(&ew, out->t2, out->e, "member", "2023-02-01", NULL);
	world_add_membership(&ew, out->t2, out->g, "member", "2023-02-01", NULL);
	world_add_activity(&ew, out->t1, v1, "2025-03-01", "{}", 5, 9,
			   world_path("{%s}", out->a));
	world_add_activity(&ew, out->t1, v1, "2025-08-01", "{}", 5, 9,
			   world_path("{%s}", out->a));
	world_add_activity(&ew, out->t2, v2, "2025-05-01", "{}", 5, 9,
			   world_path("{%s,%s}", out->d, out->g));
	world_add_activity(&ew, out->t2, v2, "2024-12-31", "{}", 5, 9,
			   world_path("{%s}", out->e));
	free(ev_add("member", out->a, "2025", "party_cell", "finalized", 75.0, "good", 60));
	free(ev_add("member", out->a, "2025", "commune_committee", "finalized", 92.0, "excellent", 5));
	free(ev_add("member", out->b, "2025", "commune_committee", "finalized", 40.5,
		    "unsatisfactory", 5));
	free(ev_add("member", out->b, "2024", "commune_committee", "finalized", 35.0,
		    "unsatisfactory", 500));
	free(ev_add("member", cc, "2025", "commune_committee", "finalized", 80.0, "good", 5));
	ev_add_corrected(out->d, "2025", 55.0, "satisfactory", 48.0, "unsatisfactory");
	free(ev_add("member", out->d, "2024", "party_cell", "finalized", 30.0, "unsatisfactory", 500));
	free(ev_add("member", out->e, "2025", "party_cell", "draft", 80.0, "good", 0));
	free(ev_add("member", f, "2025", "commune_committee", "finalized", 60.0, "satisfactory", 5));
	free(ev_add("member", f, "2024", "commune_committee", "finalized", 62.0, "satisfactory", 500));
	free(ev_add("team", out->t1, "2025-Q3", "commune_committee", "finalized", 80.0, "good", 5));
	free(ev_add("team", out->t2, "2025-Q3", "commune_committee", "finalized", 30.0,
		    "unsatisfactory", 5));
	free(ev_add("team", out->t2, "2025-Q2", "commune_committee", "finalized", 20.0,
		    "unsatisfactory", 500));
	free(ev_add("team", out->t3, "2025-Q3", "commune_committee", "finalized", 90.0, "excellent",
		    5));
	free(cc), free(f);
}

/* GET path as token; with csv, Accept: text/csv. */
static void ev_get(struct http_response *r, const char *token, const char *path, int csv)
{
	const char *extra[] = {"Accept: text/csv", NULL};
	world_call(r, &ew, "GET", path, token, NULL, csv ? extra : NULL);
}

/* GETs path as token, asserts 200 JSON, and returns the parsed body (json_decref it). */
static json_t *ev_report_as(const char *token, const char *path)
{
	struct http_response r;
	ev_get(&r, token, path, 0);
	ck_assert_msg(r.status == 200, "%s: %ld %s", path, r.status, r.body);
	char *type = http_header_value(&r, "Content-Type");
	ck_assert_str_eq(type, "application/json");
	free(type);
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_msg(doc != NULL, "%s", r.body);
	http_response_free(&r);
	return doc;
}

/* The report at path for the admin (json_decref it). */
static json_t *ev_report(const char *path)
{
	return ev_report_as(ew.admin, path);
}

/* The tables a refused request must leave as they were. */
static struct world_counts ev_counts(void)
{
	static const char *const tables[] = {"audit_events", "evaluations", "activities", "units",
					     NULL};
	return world_counts(&ew, tables);
}

/* A JSON number at path, with one decimal (fails unless it is a number). */
static double number_at(const json_t *row, const char *path)
{
	const json_t *v = rp_at(row, path);
	ck_assert_msg(json_is_number(v), "%s is not a number", path);
	return json_number_value(v);
}

/* Asserts a row's (or the total's) figures; average < 0: null. */
static void assert_row(const json_t *row, long subjects, long evaluated, double percent,
		       const long ratings[4], double average, long repeat, long idle)
{
	ck_assert_int_eq(rp_int(row, "active_subjects"), subjects);
	ck_assert_int_eq(rp_int(row, "evaluated"), evaluated);
	ck_assert_double_eq_tol(number_at(row, "evaluated_percent"), percent, 1e-9);
	ck_assert_int_eq(rp_int(row, "ratings.excellent"), ratings[0]);
	ck_assert_int_eq(rp_int(row, "ratings.good"), ratings[1]);
	ck_assert_int_eq(rp_int(row, "ratings.satisfactory"), ratings[2]);
	ck_assert_int_eq(rp_int(row, "ratings.unsatisfactory"), ratings[3]);
	if (average < 0)
		ck_assert(json_is_null(rp_at(row, "average_total_score")));
	else
		ck_assert_double_eq_tol(number_at(row, "average_total_score"), average, 1e-9);
	ck_assert_int_eq(rp_int(row, "unsatisfactory_repeat"), repeat);
	ck_assert_int_eq(rp_int(row, "members_without_activity"), idle);
}

static json_t *member_report_of_new_commune(const char *c, struct commune *cm)
{
	eval_commune(c, "BQ", cm);
	return ev_report(world_path(REPORT "?unit=%s&period=2025", c));
}

START_TEST(test_evaluations_report_names_its_unit_period_and_subjects)
{
	struct commune cm;
	json_t *doc = member_report_of_new_commune("EV1", &cm);
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.code")), "EV1");
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.level")), "commune");
	ck_assert_str_eq(json_string_value(rp_at(doc, "period.period")), "2025");
	ck_assert_str_eq(json_string_value(rp_at(doc, "period.from")), "2025-01-01");
	ck_assert_str_eq(json_string_value(rp_at(doc, "period.to")), "2025-12-31");
	ck_assert_str_eq(json_string_value(rp_at(doc, "period.previous")), "2024");
	ck_assert_str_eq(json_string_value(rp_at(doc, "subject_type")), "member");
	ck_assert(json_is_null(rp_at(doc, "evaluator_body")));
	json_t *rows = json_object_get(doc, "rows");
	ck_assert_int_eq(json_array_size(rows), 3);
	ck_assert_str_eq(json_string_value(rp_at(json_array_get(rows, 0), "unit.code")), "EV1-V1");
	ck_assert_str_eq(json_string_value(rp_at(json_array_get(rows, 0), "unit.name")), "Thôn Một");
	ck_assert_str_eq(json_string_value(rp_at(json_array_get(rows, 2), "unit.code")), "EV1-V3");
	ck_assert_ptr_null(json_object_get(json_object_get(doc, "total"), "unit"));
	json_decref(doc);
	commune_free(&cm);
}
END_TEST

START_TEST(test_evaluations_report_counts_each_row_and_the_total)
{
	struct commune cm;
	json_t *doc = member_report_of_new_commune("EV2", &cm);
	assert_row(rp_row(doc, "unit.code", "EV2-V1"), 2, 2, 100.0, (const long[]){1, 0, 0, 1}, 66.3,
		   1, 1);
	assert_row(rp_row(doc, "unit.code", "EV2-V2"), 3, 1, 33.3, (const long[]){0, 0, 0, 1}, 48.0,
		   1, 1);
	assert_row(rp_row(doc, "unit.code", "EV2-V3"), 0, 0, 0.0, (const long[]){0, 0, 0, 0}, -1, 0,
		   0);
	/* the total counts the commune's own member too */
	assert_row(json_object_get(doc, "total"), 6, 4, 66.7, (const long[]){1, 0, 1, 2}, 60.1, 2, 3);
	json_decref(doc);
	commune_free(&cm);
}
END_TEST

START_TEST(test_a_subject_rated_unsatisfactory_twice_in_a_row_is_listed_in_the_total)
{
	struct commune cm;
	json_t *doc = member_report_of_new_commune("EV3", &cm);
	json_t *list = rp_at(doc, "total.unsatisfactory_repeat_subjects");
	ck_assert_int_eq(json_array_size(list), 2);
	/* by name: Bàn Văn Bê, then Lò Thị Đê */
	json_t *first = json_array_get(list, 0), *second = json_array_get(list, 1);
	ck_assert_str_eq(json_string_value(json_object_get(first, "subject_id")), cm.b);
	ck_assert_str_eq(json_string_value(json_object_get(first, "name")), "Bàn Văn Bê");
	ck_assert_str_eq(json_string_value(json_object_get(first, "unit_code")), "EV3-V1");
	ck_assert_str_eq(json_string_value(json_object_get(second, "subject_id")), cm.d);
	ck_assert_str_eq(json_string_value(json_object_get(second, "unit_code")), "EV3-V2");
	ck_assert_int_eq(json_object_size(first), 3);
	/* rows carry the count only */
	ck_assert_ptr_null(rp_at(rp_row(doc, "unit.code", "EV3-V1"), "unsatisfactory_repeat_subjects"));
	json_decref(doc);
	/* a period whose previous one has no evaluation has no repeat */
	doc = ev_report(world_path(REPORT "?unit=EV3&period=2024"));
	ck_assert_int_eq(rp_int(json_object_get(doc, "total"), "unsatisfactory_repeat"), 0);
	ck_assert_int_eq(json_array_size(rp_at(doc, "total.unsatisfactory_repeat_subjects")), 0);
	/* 2024: B and D unsatisfactory, F satisfactory; A, E, G not evaluated; only E worked */
	assert_row(json_object_get(doc, "total"), 6, 3, 50.0, (const long[]){0, 0, 1, 2}, 42.3, 0, 5);
	json_decref(doc);
	commune_free(&cm);
}
END_TEST

START_TEST(test_a_superseded_evaluation_does_not_count)
{
	struct commune cm;
	json_t *doc = member_report_of_new_commune("EV4", &cm);
	/* D counts once, with the correction (unsatisfactory 48.0), not the satisfactory 55.0 it
	 * superseded */
	json_t *v2 = rp_row(doc, "unit.code", "EV4-V2");
	ck_assert_int_eq(rp_int(v2, "ratings.satisfactory"), 0);
	ck_assert_int_eq(rp_int(v2, "ratings.unsatisfactory"), 1);
	ck_assert_double_eq_tol(number_at(v2, "average_total_score"), 48.0, 1e-9);
	json_decref(doc);
	commune_free(&cm);
}
END_TEST

START_TEST(test_a_draft_does_not_count)
{
	struct commune cm;
	json_t *doc = member_report_of_new_commune("EV5", &cm);
	/* E has a draft rated good: not evaluated, and no "good" anywhere */
	json_t *v2 = rp_row(doc, "unit.code", "EV5-V2");
	ck_assert_int_eq(rp_int(v2, "evaluated"), 1);
	ck_assert_int_eq(rp_int(v2, "ratings.good"), 0);
	ck_assert_int_eq(rp_int(json_object_get(doc, "total"), "ratings.good"), 0);
	json_decref(doc);
	commune_free(&cm);
}
END_TEST

START_TEST(test_evaluator_body_keeps_that_bodys_evaluations)
{
	struct commune cm;
	eval_commune("EV6", "BQ", &cm);
	json_t *doc = ev_report(REPORT "?unit=EV6&period=2025&evaluator_body=party_cell");
	ck_assert_str_eq(json_string_value(rp_at(doc, "evaluator_body")), "party_cell");
	/* the party cell rated A good 75.0 and D (corrected) unsatisfactory 48.0, whose 2024
	 * rating was the party cell's too: a repeat */
	assert_row(rp_row(doc, "unit.code", "EV6-V1"), 2, 1, 50.0, (const long[]){0, 1, 0, 0}, 75.0,
		   0, 1);
	assert_row(rp_row(doc, "unit.code", "EV6-V2"), 3, 1, 33.3, (const long[]){0, 0, 0, 1}, 48.0,
		   1, 1);
	assert_row(json_object_get(doc, "total"), 6, 2, 33.3, (const long[]){0, 1, 0, 1}, 61.5, 1, 3);
	json_decref(doc);
	/* the commune committee: A excellent, B unsatisfactory twice, F satisfactory */
	doc = ev_report(REPORT "?unit=EV6&period=2025&evaluator_body=commune_committee");
	assert_row(json_object_get(doc, "total"), 6, 3, 50.0, (const long[]){1, 0, 1, 1}, 64.2, 1, 3);
	json_decref(doc);
	/* a body that evaluated nobody */
	doc = ev_report(REPORT "?unit=EV6&period=2025&evaluator_body=province_department");
	assert_row(json_object_get(doc, "total"), 6, 0, 0.0, (const long[]){0, 0, 0, 0}, -1, 0, 3);
	json_decref(doc);
	commune_free(&cm);
}
END_TEST

START_TEST(test_the_team_report_counts_active_teams)
{
	struct commune cm;
	eval_commune("EV7", "BQ", &cm);
	json_t *doc = ev_report(REPORT "?unit=EV7&period=2025-Q3&subject_type=team");
	ck_assert_str_eq(json_string_value(rp_at(doc, "subject_type")), "team");
	ck_assert_str_eq(json_string_value(rp_at(doc, "period.from")), "2025-07-01");
	ck_assert_str_eq(json_string_value(rp_at(doc, "period.previous")), "2025-Q2");
	assert_row(rp_row(doc, "unit.code", "EV7-V1"), 1, 1, 100.0, (const long[]){0, 1, 0, 0}, 80.0,
		   0, 0);
	assert_row(rp_row(doc, "unit.code", "EV7-V2"), 1, 1, 100.0, (const long[]){0, 0, 0, 1}, 30.0,
		   1, 1);
	/* T3 is suspended: not a subject, its excellent not counted */
	assert_row(rp_row(doc, "unit.code", "EV7-V3"), 0, 0, 0.0, (const long[]){0, 0, 0, 0}, -1, 0,
		   0);
	assert_row(json_object_get(doc, "total"), 2, 2, 100.0, (const long[]){0, 1, 0, 1}, 55.0, 1, 1);
	json_t *list = rp_at(doc, "total.unsatisfactory_repeat_subjects");
	ck_assert_int_eq(json_array_size(list), 1);
	ck_assert_str_eq(json_string_value(rp_at(json_array_get(list, 0), "subject_id")), cm.t2);
	ck_assert_str_eq(json_string_value(rp_at(json_array_get(list, 0), "name")), "Tổ EV7-V2");
	json_decref(doc);
	/* members are not teams: no member evaluation counts for a quarter */
	doc = ev_report(REPORT "?unit=EV7&period=2025-Q3");
	ck_assert_int_eq(rp_int(json_object_get(doc, "total"), "evaluated"), 0);
	json_decref(doc);
	commune_free(&cm);
}
END_TEST

START_TEST(test_the_report_answers_csv_with_the_same_columns_and_the_total_last)
{
	struct commune cm;
	eval_commune("EV8", "BQ", &cm);
	struct http_response r;
	ev_get(&r, ew.admin, REPORT "?unit=EV8&period=2025", 1);
	ck_assert_msg(r.status == 200, "%s", r.body);
	char *type = http_header_value(&r, "Content-Type");
	ck_assert_str_eq(type, "text/csv; charset=utf-8");
	free(type);
	char *disposition = http_header_value(&r, "Content-Disposition");
	ck_assert_str_eq(disposition, "attachment; filename=\"evaluations-EV8.csv\"");
	free(disposition);
	ck_assert_str_eq(r.body,
			 "unit_code,unit_name,unit_level,active_subjects,evaluated,evaluated_percent,"
			 "ratings.excellent,ratings.good,ratings.satisfactory,ratings.unsatisfactory,"
			 "average_total_score,unsatisfactory_repeat,members_without_activity\r\n"
			 "EV8-V1,Thôn Một,village,2,2,100.0,1,0,0,1,66.3,1,1\r\n"
			 "EV8-V2,Thôn Hai,village,3,1,33.3,0,0,0,1,48.0,1,1\r\n"
			 "EV8-V3,Thôn Ba,village,0,0,0.0,0,0,0,0,,0,0\r\n"
			 "total,,,6,4,66.7,1,0,1,2,60.1,2,3\r\n");
	http_response_free(&r);
	commune_free(&cm);
}
END_TEST

START_TEST(test_period_is_required_and_well_formed)
{
	struct world_counts before = ev_counts();
	static const struct {
		const char *query, *field, *code;
	} cases[] = {
		{"unit=BQ", "period", "required"},
		{"unit=BQ&period=", "period", "required"},
		{"unit=BQ&period=25", "period", "invalid_format"},
		{"unit=BQ&period=2025-Q5", "period", "invalid_format"},
		{"unit=BQ&period=2025Q1", "period", "invalid_format"},
		{"unit=BQ&period=2025-q1", "period", "invalid_format"},
		{"unit=BQ&period=2025-Q1x", "period", "invalid_format"},
		{"unit=BQ&period=%272025%27", "period", "invalid_format"},
		{"unit=BQ&period=2019", "period", "out_of_range"},
		{"unit=BQ&period=2025&subject_type=person", "subject_type", "invalid_value"},
		{"unit=BQ&period=2025&evaluator_body=people", "evaluator_body", "invalid_value"},
		{"unit=bad%20code&period=2025", "unit", "invalid_format"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct http_response r;
		ev_get(&r, ew.admin, world_path(REPORT "?%s", cases[i].query), 0);
		assert_problem(&r, 422);
		ck_assert_msg(response_has_error(&r, cases[i].field, cases[i].code), "%s: %s",
			      cases[i].query, r.body);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_a_period_not_begun_is_422)
{
	struct world_counts before = ev_counts();
	const char *periods[] = {"2999", "2999-Q1", "2100-Q4"};
	for (size_t i = 0; i < 3; i++)
		for (int csv = 0; csv <= 1; csv++) {
			struct http_response r;
			ev_get(&r, ew.admin, world_path(REPORT "?unit=BQ&period=%s", periods[i]), csv);
			assert_problem(&r, 422);
			ck_assert_msg(response_has_error(&r, "period", "in_future"), "%s", r.body);
			http_response_free(&r);
		}
	/* the quarter in progress has begun */
	char *quarter = world_sql(&ew, "SELECT to_char(report_today(), 'YYYY-\"Q\"Q')");
	json_t *doc = ev_report(world_path(REPORT "?unit=BQ&period=%s&subject_type=team", quarter));
	ck_assert_str_eq(json_string_value(rp_at(doc, "period.period")), quarter);
	json_decref(doc);
	free(quarter);
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_a_unit_outside_the_scope_is_404_like_a_missing_one)
{
	struct commune cm;
	eval_commune("EV9", "BQ", &cm);
	struct world_counts before = ev_counts();
	const char *paths[] = {REPORT "?unit=EV9&period=2025", REPORT "?unit=EV9-V1&period=2025",
			       REPORT "?unit=NO-SUCH-UNIT&period=2025"};
	for (size_t i = 0; i < 3; i++)
		for (int csv = 0; csv <= 1; csv++) {
			struct http_response r;
			ev_get(&r, ew.officer_nx, paths[i], csv);
			assert_problem(&r, 404);
			ck_assert_str_eq(json_field(r.body, "detail"), "No such unit.");
			http_response_free(&r);
		}
	world_assert_unchanged(&before);
	commune_free(&cm);
}
END_TEST

START_TEST(test_a_viewer_reads_the_report_in_their_scope)
{
	struct commune cm;
	eval_commune("EV11", "BQ", &cm);
	world_add_user(&ew, "viewer.bq", "viewer", "BQ", NULL);
	char *viewer = world_login(&ew, "viewer.bq", WORLD_PASSWORD);
	json_t *doc = ev_report_as(viewer, REPORT "?unit=EV11&period=2025");
	assert_row(json_object_get(doc, "total"), 6, 4, 66.7, (const long[]){1, 0, 1, 2}, 60.1, 2, 3);
	json_decref(doc);
	/* without unit: their scope unit, a row per commune */
	doc = ev_report_as(viewer, REPORT "?period=2025");
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.code")), "BQ");
	assert_row(rp_row(doc, "unit.code", "EV11"), 6, 4, 66.7, (const long[]){1, 0, 1, 2}, 60.1, 2,
		   3);
	json_decref(doc);
	/* a village is one row, itself */
	doc = ev_report_as(viewer, REPORT "?unit=EV11-V1&period=2025");
	ck_assert_int_eq(json_array_size(json_object_get(doc, "rows")), 1);
	assert_row(rp_row(doc, "unit.code", "EV11-V1"), 2, 2, 100.0, (const long[]){1, 0, 0, 1}, 66.3,
		   1, 1);
	assert_row(json_object_get(doc, "total"), 2, 2, 100.0, (const long[]){1, 0, 0, 1}, 66.3, 1, 1);
	json_decref(doc);
	/* the viewer of TQ does not see BQ's other communes */
	world_get_refused(&ew, REPORT "?unit=EV11&period=2025", ew.viewer_tq, 404);
	/* a team leader reads their own unit, nothing above it */
	doc = ev_report_as(ew.leader_tq, REPORT "?unit=TQ-V1&period=2025");
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.code")), "TQ-V1");
	json_decref(doc);
	world_get_refused(&ew, REPORT "?unit=TQ&period=2025", ew.leader_tq, 404);
	free(viewer);
	commune_free(&cm);
}
END_TEST

START_TEST(test_without_a_token_the_report_is_401)
{
	struct http_response r;
	world_call(&r, &ew, "GET", REPORT "?unit=BQ&period=2025", NULL, NULL, NULL);
	assert_problem(&r, 401);
	char *challenge = http_header_value(&r, "WWW-Authenticate");
	ck_assert_ptr_nonnull(challenge);
	ck_assert_int_eq(strncmp(challenge, "Bearer", 6), 0);
	free(challenge);
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_system_needs_an_evaluations_scope)
{
	struct commune cm;
	eval_commune("EV10", "BQ", &cm);
	char *reader = world_client_token(&ew, "evaluations.reader", "[\"evaluations:read\"]", "BQ");
	char *reports = world_client_token(&ew, "reports.only", "[\"reports:read\"]", "BQ");
	json_t *doc = ev_report_as(reader, REPORT "?unit=EV10&period=2025");
	assert_row(json_object_get(doc, "total"), 6, 4, 66.7, (const long[]){1, 0, 1, 2}, 60.1, 2, 3);
	json_decref(doc);
	/* reports:read opens the other reports, not ratings */
	world_get_refused(&ew, REPORT "?unit=EV10&period=2025", reports, 403);
	free(reader), free(reports);
	commune_free(&cm);
}
END_TEST

START_TEST(test_the_admin_without_unit_gets_a_row_per_top_level_unit)
{
	json_t *doc = ev_report(REPORT "?period=2025");
	ck_assert(json_is_null(json_object_get(doc, "unit")));
	json_t *hg = rp_row(doc, "unit.code", "HG");
	char *members = world_sql(&ew, "SELECT count(*) FROM members m JOIN units u"
				       " ON u.code = m.unit_code WHERE m.status = 'active'");
	ck_assert_int_eq(rp_int(hg, "active_subjects"), atol(members));
	free(members);
	json_decref(doc);
}
END_TEST

Suite *reports_evaluations_suite(void)
{
	Suite *s = suite_create("reports evaluations");
	TCase *tc = tcase_create("reports evaluations");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_evaluations_report_names_its_unit_period_and_subjects);
	tcase_add_test(tc, test_evaluations_report_counts_each_row_and_the_total);
	tcase_add_test(tc, test_a_subject_rated_unsatisfactory_twice_in_a_row_is_listed_in_the_total);
	tcase_add_test(tc, test_a_superseded_evaluation_does_not_count);
	tcase_add_test(tc, test_a_draft_does_not_count);
	tcase_add_test(tc, test_evaluator_body_keeps_that_bodys_evaluations);
	tcase_add_test(tc, test_the_team_report_counts_active_teams);
	tcase_add_test(tc, test_the_report_answers_csv_with_the_same_columns_and_the_total_last);
	tcase_add_test(tc, test_period_is_required_and_well_formed);
	tcase_add_test(tc, test_a_period_not_begun_is_422);
	tcase_add_test(tc, test_a_unit_outside_the_scope_is_404_like_a_missing_one);
	tcase_add_test(tc, test_a_viewer_reads_the_report_in_their_scope);
	tcase_add_test(tc, test_without_a_token_the_report_is_401);
	tcase_add_test(tc, test_a_system_needs_an_evaluations_scope);
	tcase_add_test(tc, test_the_admin_without_unit_gets_a_row_per_top_level_unit);
	suite_add_tcase(s, tc);
	return s;
}
