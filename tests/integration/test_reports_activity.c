/*
 * The activity report: by child unit, month and service, against figures worked out by hand;
 * its CSV; the period (defaults, limits, bad dates); merged units, whose history follows
 * their successor once.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_reports_support.h"

#define PERIOD "&from=2025-01-01&to=2025-03-31"

/*
 * Commune <c> under BQ: villages <c>-V1 (team A1: P1, P2) and <c>-V2 (team A2: P3), and a
 * commune team TC (P4). Services rpt_a and rpt_b. Activities:
 *   V1  2025-01-10  rpt_a         10 households, 20 people  P1
 *   V1  2025-02-05  rpt_a, rpt_b   5             12         P1, P2
 *   V2  2025-02-20  rpt_b          7              7         P3
 *   <c> 2025-03-01  (none)         3              4         P4   (the commune itself)
 *   V2  2024-06-01  rpt_a        100            100         P3   (before the period)
 *   V1  2025-04-01  rpt_a         50             50         P2   (after the period)
 * For 2025-01-01..2025-03-31, by hand:
 *   V1: 2 activities, 15 households, 32 people, 2 members; rpt_a 2, rpt_b 1
 *   V2: 1, 7, 7, 1; rpt_a 0, rpt_b 1
 *   total (the commune's own activity too): 4, 25, 43, 4 members; rpt_a 2, rpt_b 2
 *   months: 2025-01: 1, 10, 20, 1; 2025-02: 2, 12, 19, 3 (P1, P2, P3); 2025-03: 1, 3, 4, 1
 *   services: rpt_a: 2, 15, 32, 2 (P1, P2); rpt_b: 2, 12, 19, 3 (P1, P2, P3)
 */
static void activity_commune(const char *c)
{
	world_exec(&rw, "INSERT INTO services (code, name_vi, name_en, category) VALUES"
		" ('rpt_a', 'Dịch vụ A', 'Service A', 'identity'),"
		" ('rpt_b', 'Dịch vụ B', 'Service B', 'payments') ON CONFLICT (code) DO NOTHING");
	char v1[40], v2[40];
	snprintf(v1, sizeof v1, "%s-V1", c);
	snprintf(v2, sizeof v2, "%s-V2", c);
	world_add_unit(&rw, c, "Xã Hoạt Động", "commune", "BQ");
	world_add_unit(&rw, v1, "Thôn Một", "village", c);
	world_add_unit(&rw, v2, "Thôn Hai", "village", c);
	char *a1 = world_add_team(&rw, v1, "active", "2023-01-01");
	char *a2 = world_add_team(&rw, v2, "active", "2023-01-01");
	char *tc = world_add_team(&rw, c, "active", "2023-01-01");
	char *p1 = world_add_member_with(&rw, v1, "Nguyễn Văn Báo Cáo", "{vie}", "{official}",
					 "active");
	char *p2 = world_add_member_with(&rw, v1, "Nguyễn Văn Báo Cáo", "{vie}", "{teacher}",
					 "active");
	char *p3 = world_add_member_with(&rw, v2, "Nguyễn Văn Báo Cáo", "{vie}", "{teacher}",
					 "active");
	char *p4 = world_add_member_with(&rw, c, "Nguyễn Văn Báo Cáo", "{vie}", "{official}",
					 "active");
	world_add_membership(&rw, a1, p1, "leader", "2023-02-01", NULL);
	world_add_membership(&rw, a1, p2, "member", "2023-02-01", NULL);
	world_add_membership(&rw, a2, p3, "leader", "2023-02-01", NULL);
	world_add_membership(&rw, tc, p4, "leader", "2023-02-01", NULL);
	char ids[200];
	snprintf(ids, sizeof ids, "{%s}", p1);
	world_add_activity(&rw, a1, v1, "2025-01-10", "{rpt_a}", 10, 20, ids);
	snprintf(ids, sizeof ids, "{%s,%s}", p1, p2);
	world_add_activity(&rw, a1, v1, "2025-02-05", "{rpt_a,rpt_b}", 5, 12, ids);
	snprintf(ids, sizeof ids, "{%s}", p3);
	world_add_activity(&rw, a2, v2, "2025-02-20", "{rpt_b}", 7, 7, ids);
	world_add_activity(&rw, a2, v2, "2024-06-01", "{rpt_a}", 100, 100, ids);
	snprintf(ids, sizeof ids, "{%s}", p4);
	world_add_activity(&rw, tc, c, "2025-03-01", "{}", 3, 4, ids);
	snprintf(ids, sizeof ids, "{%s}", p2);
	world_add_activity(&rw, a1, v1, "2025-04-01", "{rpt_a}", 50, 50, ids);
	free(a1), free(a2), free(tc), free(p1), free(p2), free(p3), free(p4);
}

static void assert_activity(const json_t *row, long activities, long households, long people,
			    long members)
{
	ck_assert_int_eq(rp_int(row, "activities"), activities);
	ck_assert_int_eq(rp_int(row, "households_reached"), households);
	ck_assert_int_eq(rp_int(row, "people_reached"), people);
	ck_assert_int_eq(rp_int(row, "active_members"), members);
}

/* Asserts activities_by_service: every service of the catalogue, rpt_a and rpt_b as given. */
static void assert_by_service(const json_t *row, long a, long b)
{
	const json_t *by = rp_at(row, "activities_by_service");
	char *services = world_sql(&rw, "SELECT count(*) FROM services");
	ck_assert_int_eq(json_object_size(by), atol(services));
	free(services);
	const char *key;
	const json_t *n;
	json_object_foreach((json_t *)by, key, n)
	{
		long want = !strcmp(key, "rpt_a") ? a : !strcmp(key, "rpt_b") ? b : 0;
		ck_assert_msg(json_integer_value(n) == want, "%s: %lld", key, json_integer_value(n));
	}
}

START_TEST(test_activity_by_child_counts_each_village_and_the_total)
{
	activity_commune("AC1");
	json_t *doc = rp_report(rw.admin, "/api/v1/reports/activity?unit=AC1" PERIOD);
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.code")), "AC1");
	ck_assert_str_eq(json_string_value(rp_at(doc, "period.from")), "2025-01-01");
	ck_assert_str_eq(json_string_value(rp_at(doc, "period.to")), "2025-03-31");
	ck_assert_str_eq(json_string_value(rp_at(doc, "group_by")), "child");
	ck_assert_int_eq(json_array_size(json_object_get(doc, "rows")), 2);
	json_t *v1 = rp_row(doc, "unit.code", "AC1-V1");
	ck_assert_str_eq(json_string_value(rp_at(v1, "unit.name")), "Thôn Một");
	assert_activity(v1, 2, 15, 32, 2);
	assert_by_service(v1, 2, 1);
	json_t *v2 = rp_row(doc, "unit.code", "AC1-V2");
	assert_activity(v2, 1, 7, 7, 1);
	assert_by_service(v2, 0, 1);
	json_t *total = json_object_get(doc, "total");
	assert_activity(total, 4, 25, 43, 4);
	assert_by_service(total, 2, 2);
	json_decref(doc);
}
END_TEST

START_TEST(test_activity_by_month_has_every_month_of_the_period)
{
	activity_commune("AC2");
	json_t *doc = rp_report(rw.admin, "/api/v1/reports/activity?unit=AC2&group_by=month"
					  "&from=2024-12-15&to=2025-03-31");
	json_t *rows = json_object_get(doc, "rows");
	ck_assert_int_eq(json_array_size(rows), 4);
	ck_assert_str_eq(json_string_value(rp_at(json_array_get(rows, 0), "month")), "2024-12");
	assert_activity(rp_row(doc, "month", "2024-12"), 0, 0, 0, 0);
	assert_activity(rp_row(doc, "month", "2025-01"), 1, 10, 20, 1);
	assert_activity(rp_row(doc, "month", "2025-02"), 2, 12, 19, 3);
	assert_activity(rp_row(doc, "month", "2025-03"), 1, 3, 4, 1);
	ck_assert_ptr_null(rp_at(json_array_get(rows, 0), "activities_by_service"));
	assert_activity(json_object_get(doc, "total"), 4, 25, 43, 4);
	json_decref(doc);
}
END_TEST

START_TEST(test_activity_by_service_counts_an_activity_in_each_of_its_services_once_in_total)
{
	activity_commune("AC3");
	json_t *doc = rp_report(rw.admin, "/api/v1/reports/activity?unit=AC3&group_by=service" PERIOD);
	char *services = world_sql(&rw, "SELECT count(*) FROM services");
	ck_assert_int_eq(json_array_size(json_object_get(doc, "rows")), atol(services));
	free(services);
	json_t *a = rp_row(doc, "service.code", "rpt_a");
	ck_assert_str_eq(json_string_value(rp_at(a, "service.name_vi")), "Dịch vụ A");
	ck_assert_str_eq(json_string_value(rp_at(a, "service.name_en")), "Service A");
	assert_activity(a, 2, 15, 32, 2);
	assert_activity(rp_row(doc, "service.code", "rpt_b"), 2, 12, 19, 3);
	assert_activity(rp_row(doc, "service.code", "vneid_level2"), 0, 0, 0, 0);
	assert_activity(json_object_get(doc, "total"), 4, 25, 43, 4);
	json_decref(doc);
}
END_TEST

/* The field at index of a CSV line without quoted fields, into out. */
static void csv_field(const char *line, int index, char *out, size_t cap)
{
	const char *p = line;
	for (int i = 0; i < index && p; i++)
		p = (p = strchr(p, ',')) ? p + 1 : NULL;
	ck_assert_ptr_nonnull(p);
	size_t n = strcspn(p, ",\r\n");
	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
}

/* The index of a column in a CSV header line (fields without quotes), or -1. */
static int csv_column(const char *header, const char *name)
{
	size_t len = strlen(name);
	const char *p = header;
	for (int i = 0; *p && *p != '\r'; i++) {
		size_t n = strcspn(p, ",\r");
		if (n == len && !strncmp(p, name, len))
			return i;
		p += n + (p[n] == ',');
	}
	return -1;
}

START_TEST(test_activity_csv_has_the_same_columns_and_the_total_last)
{
	activity_commune("AC4");
	struct http_response r;
	rp_get(&r, rw.admin, "/api/v1/reports/activity?unit=AC4&group_by=month" PERIOD, 1);
	ck_assert_msg(r.status == 200, "%s", r.body);
	char *type = http_header_value(&r, "Content-Type");
	ck_assert_str_eq(type, "text/csv; charset=utf-8");
	free(type);
	ck_assert_str_eq(r.body, "month,activities,households_reached,people_reached,active_members\r\n"
				 "2025-01,1,10,20,1\r\n"
				 "2025-02,2,12,19,3\r\n"
				 "2025-03,1,3,4,1\r\n"
				 "total,4,25,43,4\r\n");
	http_response_free(&r);

	rp_get(&r, rw.admin, "/api/v1/reports/activity?unit=AC4" PERIOD, 1);
	ck_assert_msg(r.status == 200, "%s", r.body);
	const char *header = r.body;
	ck_assert_msg(!strncmp(header, "unit_code,unit_name,unit_level,activities,households_reached,"
				       "people_reached,active_members,activities_by_service.", 109),
		      "%s", r.body);
	const char *v1 = strstr(r.body, "\r\nAC4-V1,Thôn Một,village,2,15,32,2,");
	const char *v2 = strstr(r.body, "\r\nAC4-V2,Thôn Hai,village,1,7,7,1,");
	const char *total = strstr(r.body, "\r\ntotal,,,4,25,43,4,");
	ck_assert_ptr_nonnull(v1);
	ck_assert_ptr_nonnull(v2);
	ck_assert_ptr_nonnull(total);
	ck_assert(v1 < v2 && v2 < total);
	ck_assert_str_eq(strstr(total + 2, "\r\n"), "\r\n"); /* the total is the last line */
	int a = csv_column(header, "activities_by_service.rpt_a");
	int b = csv_column(header, "activities_by_service.rpt_b");
	ck_assert_int_ge(a, 7);
	ck_assert_int_ge(b, 7);
	char field[32];
	csv_field(v1 + 2, a, field, sizeof field);
	ck_assert_str_eq(field, "2");
	csv_field(v1 + 2, b, field, sizeof field);
	ck_assert_str_eq(field, "1");
	csv_field(v2 + 2, a, field, sizeof field);
	ck_assert_str_eq(field, "0");
	csv_field(total + 2, b, field, sizeof field);
	ck_assert_str_eq(field, "2");
	http_response_free(&r);
}
END_TEST

START_TEST(test_activity_period_defaults_to_the_last_12_months_in_vietnam)
{
	world_add_unit(&rw, "AC5", "Xã Mặc Định", "commune", "BQ");
	world_add_unit(&rw, "AC5-V1", "Thôn Một", "village", "AC5");
	char *team = world_add_team(&rw, "AC5-V1", "active", "2023-01-01");
	char *p = world_add_member_with(&rw, "AC5-V1", "Nguyễn Văn Báo Cáo", "{vie}", "{official}",
					"active");
	world_add_membership(&rw, team, p, "leader", "2023-02-01", NULL);
	char *today = world_sql(&rw, "SELECT (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date");
	char *from = world_sql(&rw,
			       "SELECT ('%s'::date - interval '1 year' + interval '1 day')::date",
			    today);
	char *recent = world_sql(&rw, "SELECT '%s'::date - 10", today);
	char *old = world_sql(&rw, "SELECT '%s'::date - 400", today);
	char ids[64];
	snprintf(ids, sizeof ids, "{%s}", p);
	world_add_activity(&rw, team, "AC5-V1", recent, "{}", 6, 9, ids);
	world_add_activity(&rw, team, "AC5-V1", old, "{}", 60, 90, ids);
	world_add_activity(&rw, team, "AC5-V1", from, "{}", 1, 1, ids);
	json_t *doc = rp_report(rw.admin, "/api/v1/reports/activity?unit=AC5");
	ck_assert_str_eq(json_string_value(rp_at(doc, "period.from")), from);
	ck_assert_str_eq(json_string_value(rp_at(doc, "period.to")), today);
	assert_activity(json_object_get(doc, "total"), 2, 7, 10, 1);
	json_decref(doc);
	/* only from: up to today */
	char path[120];
	snprintf(path, sizeof path, "/api/v1/reports/activity?unit=AC5&from=%s", recent);
	doc = rp_report(rw.admin, path);
	ck_assert_str_eq(json_string_value(rp_at(doc, "period.to")), today);
	assert_activity(json_object_get(doc, "total"), 1, 6, 9, 1);
	json_decref(doc);
	free(team), free(p), free(today), free(from), free(recent), free(old);
}
END_TEST

/* GETs path as the TQ officer and asserts 422 naming field with code, and nothing written. */
static void assert_refused(const char *path, const char *field, const char *code)
{
	struct world_counts before = rp_counts();
	struct http_response r;
	rp_get(&r, rw.officer_tq, path, 0);
	assert_problem(&r, 422);
	ck_assert_msg(response_has_error(&r, field, code), "%s: %s", path, r.body);
	http_response_free(&r);
	world_assert_unchanged(&before);
}

START_TEST(test_from_after_to_is_422)
{
	assert_refused("/api/v1/reports/activity?from=2025-03-01&to=2025-02-28", "from",
		       "out_of_range");
	assert_refused("/api/v1/reports/lagging?from=2025-03-01&to=2025-02-28", "from",
		       "out_of_range");
}
END_TEST

START_TEST(test_a_period_longer_than_5_years_is_422)
{
	assert_refused("/api/v1/reports/activity?from=2005-01-01&to=2024-12-31", "to",
		       "out_of_range");
	assert_refused("/api/v1/reports/activity?from=2020-01-01&to=2025-01-01", "to",
		       "out_of_range");
	assert_refused("/api/v1/reports/lagging?from=2000-01-01&to=2020-01-01", "to",
		       "out_of_range");
	/* 5 years to the day before: allowed */
	json_t *doc = rp_report(rw.officer_tq, "/api/v1/reports/activity?from=2020-01-01&to=2024-12-31");
	json_decref(doc);
	doc = rp_report(rw.officer_tq, "/api/v1/reports/activity?from=2020-02-29&to=2025-02-27");
	json_decref(doc);
}
END_TEST

START_TEST(test_a_date_that_is_not_a_real_date_is_422)
{
	assert_refused("/api/v1/reports/activity?from=2025-02-30", "from", "invalid_format");
	assert_refused("/api/v1/reports/activity?to=2025-1-01", "to", "invalid_format");
	assert_refused("/api/v1/reports/activity?from=yesterday", "from", "invalid_format");
	assert_refused("/api/v1/reports/lagging?to=1899-12-31", "to", "invalid_format");
}
END_TEST

START_TEST(test_an_unknown_group_by_is_422)
{
	assert_refused("/api/v1/reports/activity?group_by=week", "group_by", "invalid_value");
	assert_refused("/api/v1/reports/activity?group_by=CHILD", "group_by", "invalid_value");
}
END_TEST

/*
 * Commune <c>: villages <c>-A (team TA, QA) and <c>-B (team TB, QB). Before the merge, A
 * recorded 2 activities (5 households, 5 people each), B 1 (7, 9).
 */
static void merge_commune(const char *c, char **ta)
{
	char a[40], b[40];
	snprintf(a, sizeof a, "%s-A", c);
	snprintf(b, sizeof b, "%s-B", c);
	world_add_unit(&rw, c, "Xã Sáp Nhập", "commune", "BQ");
	world_add_unit(&rw, a, "Thôn Cũ", "village", c);
	world_add_unit(&rw, b, "Thôn Mới", "village", c);
	*ta = world_add_team(&rw, a, "active", "2023-01-01");
	char *tb = world_add_team(&rw, b, "active", "2023-01-01");
	char *qa = world_add_member_with(&rw, a, "Nguyễn Văn Báo Cáo", "{vie}", "{official}",
					 "active");
	char *qb = world_add_member_with(&rw, b, "Nguyễn Văn Báo Cáo", "{vie}", "{official}",
					 "active");
	world_add_membership(&rw, *ta, qa, "leader", "2023-02-01", NULL);
	world_add_membership(&rw, tb, qb, "leader", "2023-02-01", NULL);
	char ids[64];
	snprintf(ids, sizeof ids, "{%s}", qa);
	world_add_activity(&rw, *ta, a, "2025-02-01", "{}", 5, 5, ids);
	world_add_activity(&rw, *ta, a, "2025-02-02", "{}", 5, 5, ids);
	snprintf(ids, sizeof ids, "{%s}", qb);
	world_add_activity(&rw, tb, b, "2025-02-03", "{}", 7, 9, ids);
	free(tb), free(qa), free(qb);
}

/* Retires village `from` into `into` through the API (its team dissolved first). */
static void retire(const char *from, const char *into, const char *team)
{
	world_exec(&rw, "UPDATE teams SET status = 'dissolved' WHERE id = '%s'", team);
	char path[80], body[80];
	snprintf(path, sizeof path, "/api/v1/units/%s/retire", from);
	snprintf(body, sizeof body, "{\"successor_code\":\"%s\"}", into);
	struct http_response r;
	world_call(&r, &rw, "POST", path, rw.admin, body, NULL);
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
}

START_TEST(test_a_merged_villages_activities_count_under_its_successor_once)
{
	char *ta;
	merge_commune("MG1", &ta);
	json_t *doc = rp_report(rw.admin, "/api/v1/reports/activity?unit=MG1" PERIOD);
	assert_activity(rp_row(doc, "unit.code", "MG1-A"), 2, 10, 10, 1);
	assert_activity(rp_row(doc, "unit.code", "MG1-B"), 1, 7, 9, 1);
	assert_activity(json_object_get(doc, "total"), 3, 17, 19, 2);
	json_decref(doc);

	retire("MG1-A", "MG1-B", ta);
	doc = rp_report(rw.admin, "/api/v1/reports/activity?unit=MG1" PERIOD);
	ck_assert_int_eq(json_array_size(json_object_get(doc, "rows")), 1);
	assert_activity(rp_row(doc, "unit.code", "MG1-B"), 3, 17, 19, 2);
	assert_activity(json_object_get(doc, "total"), 3, 17, 19, 2);
	json_decref(doc);
	/* the successor's own report takes its predecessor's history */
	doc = rp_report(rw.admin, "/api/v1/reports/activity?unit=MG1-B" PERIOD);
	assert_activity(rp_row(doc, "unit.code", "MG1-B"), 3, 17, 19, 2);
	assert_activity(json_object_get(doc, "total"), 3, 17, 19, 2);
	json_decref(doc);
	/* and the records keep the unit they were made under */
	char *kept = world_sql(&rw, "SELECT count(*) FROM activities WHERE unit_code = 'MG1-A'");
	ck_assert_str_eq(kept, "2");
	free(kept);
	/* coverage: one village left, with its team */
	doc = rp_report(rw.admin, "/api/v1/reports/coverage?unit=MG1");
	ck_assert_int_eq(json_array_size(json_object_get(doc, "rows")), 1);
	ck_assert_int_eq(rp_int(json_object_get(doc, "total"), "villages"), 1);
	ck_assert_int_eq(rp_int(json_object_get(doc, "total"), "teams"), 1);
	json_decref(doc);
	free(ta);
}
END_TEST

START_TEST(test_a_village_merged_into_another_commune_counts_in_both_communes_reports_once)
{
	char *ta;
	merge_commune("MG2", &ta);
	world_add_unit(&rw, "MG3", "Xã Bên Cạnh", "commune", "BQ");
	world_add_unit(&rw, "MG3-X", "Thôn Chuyển", "village", "MG3");
	char *tx = world_add_team(&rw, "MG3-X", "active", "2023-01-01");
	char *qx = world_add_member_with(&rw, "MG3-X", "Nguyễn Văn Báo Cáo", "{vie}", "{official}",
					 "active");
	world_add_membership(&rw, tx, qx, "leader", "2023-02-01", NULL);
	char ids[64];
	snprintf(ids, sizeof ids, "{%s}", qx);
	world_add_activity(&rw, tx, "MG3-X", "2025-03-03", "{}", 11, 13, ids);
	retire("MG3-X", "MG2-B", tx);
	/* the successor's commune: in B's row and in its total */
	json_t *doc = rp_report(rw.admin, "/api/v1/reports/activity?unit=MG2" PERIOD);
	assert_activity(rp_row(doc, "unit.code", "MG2-B"), 2, 18, 22, 2);
	assert_activity(json_object_get(doc, "total"), 4, 28, 32, 3);
	json_decref(doc);
	/* the old commune keeps its history: its only village retired, it reports on itself */
	doc = rp_report(rw.admin, "/api/v1/reports/activity?unit=MG3" PERIOD);
	ck_assert_int_eq(json_array_size(json_object_get(doc, "rows")), 1);
	assert_activity(rp_row(doc, "unit.code", "MG3"), 1, 11, 13, 1);
	assert_activity(json_object_get(doc, "total"), 1, 11, 13, 1);
	json_decref(doc);
	/* the district above both counts it once, in the successor's commune */
	doc = rp_report(rw.admin, "/api/v1/reports/activity?unit=BQ" PERIOD);
	assert_activity(rp_row(doc, "unit.code", "MG2"), 4, 28, 32, 3);
	assert_activity(rp_row(doc, "unit.code", "MG3"), 0, 0, 0, 0);
	json_decref(doc);
	free(ta), free(tx), free(qx);
}
END_TEST

void reports_add_activity_tests(TCase *tc)
{
	tcase_add_test(tc, test_activity_by_child_counts_each_village_and_the_total);
	tcase_add_test(tc, test_activity_by_month_has_every_month_of_the_period);
	tcase_add_test(tc, test_activity_by_service_counts_an_activity_in_each_of_its_services_once_in_total);
	tcase_add_test(tc, test_activity_csv_has_the_same_columns_and_the_total_last);
	tcase_add_test(tc, test_activity_period_defaults_to_the_last_12_months_in_vietnam);
	tcase_add_test(tc, test_from_after_to_is_422);
	tcase_add_test(tc, test_a_period_longer_than_5_years_is_422);
	tcase_add_test(tc, test_a_date_that_is_not_a_real_date_is_422);
	tcase_add_test(tc, test_an_unknown_group_by_is_422);
	tcase_add_test(tc, test_a_merged_villages_activities_count_under_its_successor_once);
	tcase_add_test(tc, test_a_village_merged_into_another_commune_counts_in_both_communes_reports_once);
}
