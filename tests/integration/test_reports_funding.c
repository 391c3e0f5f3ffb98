/*
 * The funding report (/api/v1/reports/funding): per child unit and in total, against figures
 * worked out by hand from proposals, line items and allocations each test inserts with SQL;
 * its CSV; the fiscal year (required, 2020-2100); merged units; who may read it. One world
 * serves the suite; every test builds its own district (or village), so that it knows every
 * figure and never sees another test's data.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "test_reports_support.h"

static struct world fw;
WORLD_FIXTURE(fw, NULL)

static const char *const categories[] = {"member_allowance", "devices", "mobile_data", "training",
					 "travel",	     "materials", "other",	 NULL};

/*
 * Inserts a proposal of unit for fiscal year with status, approved total (SQL: NULL or a
 * number), disbursed total, the teams it names (an array literal) and its lines (SQL VALUES
 * rows: ('category', quantity, unit_cost), ...); the requested total is their sum. Its id.
 */
static char *proposal(const char *unit, int year, const char *status, const char *approved,
		      long disbursed, const char *teams, const char *lines)
{
	return world_sql(&fw,
			 "WITH l (category, quantity, unit_cost) AS (VALUES %s),"
			 " n AS (SELECT row_number() OVER () - 1 AS position, l.* FROM l),"
			 " p AS (INSERT INTO funding_proposals (unit_code, title, purpose, fiscal_year,"
			 "  team_ids, status, requested_total_vnd, approved_total_vnd,"
			 "  disbursed_total_vnd, decision_no)"
			 "  SELECT '%s', 'Hỗ trợ tổ công nghệ số', 'Thử báo cáo', %d, '%s', '%s',"
			 "   sum(quantity::bigint * unit_cost), %s, %ld,"
			 "   CASE WHEN %s IS NOT NULL THEN '12/QĐ-UBND' END FROM l RETURNING id),"
			 " i AS (INSERT INTO funding_line_items (proposal_id, position, category,"
			 "  description, quantity, unit_cost_vnd, total_vnd)"
			 "  SELECT p.id, n.position, n.category, 'Dòng', n.quantity, n.unit_cost,"
			 "   n.quantity::bigint * n.unit_cost FROM p, n)"
			 " SELECT id FROM p",
			 lines, unit, year, teams, status, approved, disbursed, approved);
}

static void allocation(const char *unit, int year, long amount)
{
	world_exec(&fw, "INSERT INTO funding_allocations (unit_code, fiscal_year, amount_vnd)"
			" VALUES ('%s', %d, %ld)", unit, year, amount);
}

/* A village <c>-V<n> with a team of `status` and `active` active members (their leader first). */
static void village_with_team(const char *c, int n, const char *status, int active)
{
	char code[40];
	snprintf(code, sizeof code, "%s-V%d", c, n);
	world_add_unit(&fw, code, "Thôn Quỹ", "village", c);
	char *team = world_add_team(&fw, code, status, "2023-01-01");
	for (int i = 0; i < active; i++) {
		char *m = world_add_member_with(&fw, code, "Nguyễn Văn Quỹ", "{vie}", "{official}",
						"active");
		world_add_membership(&fw, team, m, i ? "member" : "leader", "2023-02-01", NULL);
		free(m);
	}
	if (n == 1 && !strcmp(status, "active")) {
		/* an inactive member and one who left: not counted */
		char *m = world_add_member_with(&fw, code, "Nguyễn Văn Quỹ", "{vie}", "{official}",
						"inactive");
		world_add_membership(&fw, team, m, "member", "2023-02-01", NULL);
		free(m);
		m = world_add_member_with(&fw, code, "Nguyễn Văn Quỹ", "{vie}", "{official}", "active");
		world_add_membership(&fw, team, m, "member", "2023-02-01", "2024-06-01");
		free(m);
	}
	free(team);
}

/*
 * District <d> under HG, communes <d>-C1 "Xã Một", <d>-C2 "Xã Hai", <d>-C3 "Xã Ba":
 *   C1  village team: 3 active members (and an inactive one, and one who left)
 *       allocation 2025: 20,000,000; 2024: none
 *       2025 draft      member_allowance 10 × 100,000                       (1,000,000)
 *       2025 submitted  devices 2 × 3,000,000                               (6,000,000)
 *       2025 approved   member_allowance 36 × 100,000 = 3,600,000,
 *                       mobile_data 36 × 50,000 = 1,800,000, devices 4,600,000
 *                       = 10,000,000; approved 8,000,000, paid 5,000,000
 *       2025 withdrawn  training 1 × 5,000,000
 *       2024 disbursed  member_allowance 30 × 300,000 = 9,000,000, all approved and paid
 *   C2  village team: 2 active members; a suspended team with 1 (not counted)
 *       allocation 2024: 10,000,000; 2025: none
 *       2025 disbursed  member_allowance 12 × 150,000 = 1,800,000, travel 10 × 150,000
 *                       = 3,300,000; approved and paid 3,000,000
 *       2025 rejected   materials 1,000 × 2,000 = 2,000,000
 *       2025 returned   mobile_data 24 × 70,000 = 1,680,000
 *   C3  nothing
 *   <d> itself: allocation 2025: 50,000,000; 2025 approved devices 5,000,000, all approved
 * Worked out by hand for 2025:
 *   C1: requested 6,000,000 + 10,000,000 = 16,000,000 (not the draft, not the withdrawn);
 *       approved 8,000,000; paid 5,000,000; remaining 20,000,000 - 8,000,000 = 12,000,000;
 *       member allowance paid 5,000,000 × 3,600,000 / 10,000,000 = 1,800,000; 3 members:
 *       600,000 each
 *   C2: requested 3,300,000 + 2,000,000 + 1,680,000 = 6,980,000; approved and paid
 *       3,000,000; no allocation; member allowance paid 3,000,000 × 1,800,000 / 3,300,000
 *       = 1,636,363 (rounded down); 2 members: 818,181 each
 *   C3: zeros, no allocation, no members: per member null
 *   total: requested 27,980,000; approved 16,000,000; paid 8,000,000; allocation
 *       50,000,000, remaining 34,000,000; member allowance paid 3,436,363; 5 members:
 *       687,272 each
 */
static void funding_district(const char *d)
{
	char c1[40], c2[40], c3[40];
	snprintf(c1, sizeof c1, "%s-C1", d);
	snprintf(c2, sizeof c2, "%s-C2", d);
	snprintf(c3, sizeof c3, "%s-C3", d);
	world_add_unit(&fw, d, "Huyện Quỹ", "district", "HG");
	world_add_unit(&fw, c1, "Xã Một", "commune", d);
	world_add_unit(&fw, c2, "Xã Hai", "commune", d);
	world_add_unit(&fw, c3, "Xã Ba", "commune", d);
	village_with_team(c1, 1, "active", 3);
	village_with_team(c2, 1, "active", 2);
	village_with_team(c2, 2, "suspended", 1);
	allocation(d, 2025, 50000000);
	allocation(c1, 2025, 20000000);
	allocation(c2, 2024, 10000000);
	const char *made[] = {
		proposal(c1, 2025, "draft", "NULL", 0, "{}", "('member_allowance', 10, 100000)"),
		proposal(c1, 2025, "submitted", "NULL", 0, "{}", "('devices', 2, 3000000)"),
		proposal(c1, 2025, "approved", "8000000", 5000000, "{}",
			 "('member_allowance', 36, 100000), ('mobile_data', 36, 50000),"
			 " ('devices', 1, 4600000)"),
		proposal(c1, 2025, "withdrawn", "NULL", 0, "{}", "('training', 1, 5000000)"),
		proposal(c1, 2024, "disbursed", "9000000", 9000000, "{}",
			 "('member_allowance', 30, 300000)"),
		proposal(c2, 2025, "disbursed", "3000000", 3000000, "{}",
			 "('member_allowance', 12, 150000), ('travel', 10, 150000)"),
		proposal(c2, 2025, "rejected", "NULL", 0, "{}", "('materials', 1000, 2000)"),
		proposal(c2, 2025, "returned", "NULL", 0, "{}", "('mobile_data', 24, 70000)"),
		proposal(d, 2025, "approved", "5000000", 0, "{}", "('devices', 1, 5000000)"),
	};
	for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
		free((char *)made[i]);
}

/* GET path as token (csv: Accept: text/csv). */
static void get(struct http_response *r, const char *token, const char *path, int csv)
{
	const char *extra[] = {"Accept: text/csv", NULL};
	world_call(r, &fw, "GET", path, token, NULL, csv ? extra : NULL);
}

/* The JSON report at path as token, asserted 200 (json_decref it). */
static json_t *report(const char *token, const char *path)
{
	struct http_response r;
	get(&r, token, path, 0);
	ck_assert_msg(r.status == 200, "%s: %ld %s", path, r.status, r.body);
	char *type = http_header_value(&r, "Content-Type");
	ck_assert_str_eq(type, "application/json");
	free(type);
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_msg(doc != NULL, "%s", r.body);
	http_response_free(&r);
	return doc;
}

/* The funding report of unit for year, as token. */
static json_t *funding_of(const char *token, const char *unit, int year)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/reports/funding?unit=%s&fiscal_year=%d", unit, year);
	return report(token, path);
}

/* A money figure that may be null: want -1 for null. */
static void assert_money(const json_t *row, const char *key, long want)
{
	const json_t *v = rp_at(row, key);
	if (want < 0)
		ck_assert_msg(json_is_null(v), "%s: not null", key);
	else
		ck_assert_msg(json_is_integer(v) && json_integer_value(v) == want, "%s: %lld, not %ld",
			      key, json_is_integer(v) ? json_integer_value(v) : -1LL, want);
}

/* Counts by status, in the order draft, submitted, returned, approved, rejected, withdrawn,
 * disbursed. */
static void assert_statuses(const json_t *row, const long n[7])
{
	static const char *const statuses[] = {"draft",	   "submitted", "returned", "approved",
					       "rejected", "withdrawn", "disbursed"};
	const json_t *by = rp_at(row, "proposals");
	ck_assert_int_eq(json_object_size(by), 7);
	for (int i = 0; i < 7; i++)
		ck_assert_msg(json_integer_value(json_object_get(by, statuses[i])) == n[i],
			      "proposals.%s: %lld, not %ld", statuses[i],
			      json_integer_value(json_object_get(by, statuses[i])), n[i]);
}

/* The line totals by category, in the order of categories[]. */
static void assert_categories(const json_t *row, const long n[7])
{
	const json_t *by = rp_at(row, "approved_line_items_vnd");
	ck_assert_int_eq(json_object_size(by), 7);
	for (int i = 0; i < 7; i++)
		ck_assert_msg(json_integer_value(json_object_get(by, categories[i])) == n[i],
			      "approved_line_items_vnd.%s: %lld, not %ld", categories[i],
			      json_integer_value(json_object_get(by, categories[i])), n[i]);
}

/* requested, approved, disbursed, allocation, remaining (-1: null). */
static void assert_money_row(const json_t *row, long requested, long approved, long disbursed,
			     long allocation, long remaining)
{
	assert_money(row, "requested_vnd", requested);
	assert_money(row, "approved_vnd", approved);
	assert_money(row, "disbursed_vnd", disbursed);
	assert_money(row, "allocation_vnd", allocation);
	assert_money(row, "remaining_vnd", remaining);
}

/* The member allowance paid, the active members and the allowance per member (-1: null). */
static void assert_allowance(const json_t *row, long paid, long members, long per_member)
{
	assert_money(row, "member_allowance_disbursed_vnd", paid);
	ck_assert_int_eq(rp_int(row, "active_members"), members);
	assert_money(row, "allowance_per_active_member_vnd", per_member);
}

START_TEST(test_funding_names_the_unit_and_the_fiscal_year)
{
	funding_district("FD1");
	json_t *doc = funding_of(fw.admin, "FD1", 2025);
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.code")), "FD1");
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.name")), "Huyện Quỹ");
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.level")), "district");
	ck_assert_int_eq(rp_int(doc, "period.fiscal_year"), 2025);
	json_t *rows = json_object_get(doc, "rows");
	ck_assert_int_eq(json_array_size(rows), 3);
	ck_assert_str_eq(json_string_value(rp_at(json_array_get(rows, 0), "unit.code")), "FD1-C1");
	ck_assert_str_eq(json_string_value(rp_at(json_array_get(rows, 2), "unit.code")), "FD1-C3");
	ck_assert_ptr_null(json_object_get(json_object_get(doc, "total"), "unit"));
	json_decref(doc);
}
END_TEST

START_TEST(test_funding_row_counts_proposals_by_status_and_their_money)
{
	funding_district("FD2");
	json_t *doc = funding_of(fw.admin, "FD2", 2025);
	json_t *c1 = rp_row(doc, "unit.code", "FD2-C1");
	ck_assert_str_eq(json_string_value(rp_at(c1, "unit.name")), "Xã Một");
	assert_statuses(c1, (const long[]){1, 1, 0, 1, 0, 1, 0});
	assert_money_row(c1, 16000000, 8000000, 5000000, 20000000, 12000000);
	assert_categories(c1, (const long[]){3600000, 4600000, 1800000, 0, 0, 0, 0});
	assert_allowance(c1, 1800000, 3, 600000);
	json_decref(doc);
}
END_TEST

START_TEST(test_funding_row_without_allocation_shows_null_and_rounds_the_allowance_down)
{
	funding_district("FD3");
	json_t *doc = funding_of(fw.admin, "FD3", 2025);
	json_t *c2 = rp_row(doc, "unit.code", "FD3-C2");
	assert_statuses(c2, (const long[]){0, 0, 1, 0, 1, 0, 1});
	/* its allocation is for 2024 only */
	assert_money_row(c2, 6980000, 3000000, 3000000, -1, -1);
	assert_categories(c2, (const long[]){1800000, 0, 0, 0, 1500000, 0, 0});
	assert_allowance(c2, 1636363, 2, 818181);
	json_t *c3 = rp_row(doc, "unit.code", "FD3-C3");
	assert_statuses(c3, (const long[]){0, 0, 0, 0, 0, 0, 0});
	assert_money_row(c3, 0, 0, 0, -1, -1);
	assert_categories(c3, (const long[]){0, 0, 0, 0, 0, 0, 0});
	assert_allowance(c3, 0, 0, -1);
	json_decref(doc);
}
END_TEST

START_TEST(test_funding_total_covers_the_whole_subtree_and_the_units_own_allocation)
{
	funding_district("FD4");
	json_t *doc = funding_of(fw.admin, "FD4", 2025);
	json_t *total = json_object_get(doc, "total");
	/* the district's own proposal counts in the total only */
	assert_statuses(total, (const long[]){1, 1, 1, 2, 1, 1, 1});
	assert_money_row(total, 27980000, 16000000, 8000000, 50000000, 34000000);
	assert_categories(total, (const long[]){5400000, 9600000, 1800000, 0, 1500000, 0, 0});
	assert_allowance(total, 3436363, 5, 687272);
	json_decref(doc);
}
END_TEST

START_TEST(test_funding_counts_only_the_fiscal_year_asked)
{
	funding_district("FD5");
	json_t *doc = funding_of(fw.admin, "FD5", 2024);
	ck_assert_int_eq(rp_int(doc, "period.fiscal_year"), 2024);
	json_t *c1 = rp_row(doc, "unit.code", "FD5-C1");
	assert_statuses(c1, (const long[]){0, 0, 0, 0, 0, 0, 1});
	assert_money_row(c1, 9000000, 9000000, 9000000, -1, -1);
	assert_allowance(c1, 9000000, 3, 3000000);
	json_t *c2 = rp_row(doc, "unit.code", "FD5-C2");
	assert_money_row(c2, 0, 0, 0, 10000000, 10000000);
	assert_money_row(json_object_get(doc, "total"), 9000000, 9000000, 9000000, -1, -1);
	json_decref(doc);
	/* a year without anything: zeros, and still a row per commune */
	doc = funding_of(fw.admin, "FD5", 2030);
	ck_assert_int_eq(json_array_size(json_object_get(doc, "rows")), 3);
	assert_money_row(json_object_get(doc, "total"), 0, 0, 0, -1, -1);
	assert_allowance(json_object_get(doc, "total"), 0, 5, 0);
	json_decref(doc);
}
END_TEST

START_TEST(test_funding_csv_has_the_same_columns_and_the_total_last)
{
	funding_district("FD6");
	struct http_response r;
	get(&r, fw.admin, "/api/v1/reports/funding?unit=FD6&fiscal_year=2025", 1);
	ck_assert_msg(r.status == 200, "%s", r.body);
	char *type = http_header_value(&r, "Content-Type");
	ck_assert_str_eq(type, "text/csv; charset=utf-8");
	free(type);
	char *disposition = http_header_value(&r, "Content-Disposition");
	ck_assert_str_eq(disposition, "attachment; filename=\"funding-FD6.csv\"");
	free(disposition);
	ck_assert_str_eq(
		r.body,
		"unit_code,unit_name,unit_level,proposals.draft,proposals.submitted,"
		"proposals.returned,proposals.approved,proposals.rejected,proposals.withdrawn,"
		"proposals.disbursed,requested_vnd,approved_vnd,disbursed_vnd,allocation_vnd,"
		"remaining_vnd,approved_line_items_vnd.member_allowance,"
		"approved_line_items_vnd.devices,approved_line_items_vnd.mobile_data,"
		"approved_line_items_vnd.training,approved_line_items_vnd.travel,"
		"approved_line_items_vnd.materials,approved_line_items_vnd.other,"
		"member_allowance_disbursed_vnd,active_members,allowance_per_active_member_vnd\r\n"
		"FD6-C1,Xã Một,commune,1,1,0,1,0,1,0,16000000,8000000,5000000,20000000,12000000,"
		"3600000,4600000,1800000,0,0,0,0,1800000,3,600000\r\n"
		"FD6-C2,Xã Hai,commune,0,0,1,0,1,0,1,6980000,3000000,3000000,,,"
		"1800000,0,0,0,1500000,0,0,1636363,2,818181\r\n"
		"FD6-C3,Xã Ba,commune,0,0,0,0,0,0,0,0,0,0,,,0,0,0,0,0,0,0,0,0,\r\n"
		"total,,,1,1,1,2,1,1,1,27980000,16000000,8000000,50000000,34000000,"
		"5400000,9600000,1800000,0,1500000,0,0,3436363,5,687272\r\n");
	http_response_free(&r);
}
END_TEST

START_TEST(test_funding_categories_are_those_line_items_may_have)
{
	/* the keys of approved_line_items_vnd, in order, are the values of the CHECK */
	char *allowed = world_sql(&fw, "SELECT string_agg(m[1], ',' ORDER BY o)"
				       " FROM pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid),"
				       " '''([a-z_]+)''', 'g') WITH ORDINALITY AS x(m, o)"
				       " WHERE c.conrelid = 'funding_line_items'::regclass"
				       " AND pg_get_constraintdef(c.oid) LIKE '%%category%%'");
	world_add_unit(&fw, "FD7", "Huyện Trống", "district", "HG");
	json_t *doc = funding_of(fw.admin, "FD7", 2025);
	const char *key;
	json_t *value;
	char keys[256] = "";
	size_t n = 0;
	json_object_foreach(rp_at(json_object_get(doc, "total"), "approved_line_items_vnd"), key,
			    value)
	{
		n += (size_t)snprintf(keys + n, sizeof keys - n, "%s%s", n ? "," : "", key);
		ck_assert_uint_lt(n, sizeof keys);
	}
	ck_assert_str_eq(keys, allowed);
	/* a unit without children: one row, itself */
	ck_assert_int_eq(json_array_size(json_object_get(doc, "rows")), 1);
	rp_row(doc, "unit.code", "FD7");
	json_decref(doc);
	free(allowed);
}
END_TEST

START_TEST(test_funding_fiscal_year_is_required_and_from_2020_to_2100)
{
	funding_district("FD8");
	static const char *const tables[] = {"audit_events", "funding_proposals",
					     "funding_allocations", NULL};
	struct world_counts before = world_counts(&fw, tables);
	static const struct {
		const char *query, *code;
	} bad[] = {
		{"", "required"},
		{"&fiscal_year=", "required"},
		{"&fiscal_year=2019", "out_of_range"},
		{"&fiscal_year=2101", "out_of_range"},
		{"&fiscal_year=0000", "out_of_range"},
		{"&fiscal_year=abcd", "invalid_format"},
		{"&fiscal_year=20250", "invalid_format"},
		{"&fiscal_year=-2025", "invalid_format"},
		{"&fiscal_year=2025.0", "invalid_format"},
		{"&fiscal_year=%202025", "invalid_format"},
		{"&fiscal_year=2025%00", "invalid_encoding"}, /* refused before the handler */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		for (int csv = 0; csv <= 1; csv++) {
			char path[128];
			snprintf(path, sizeof path, "/api/v1/reports/funding?unit=FD8%s", bad[i].query);
			struct http_response r;
			get(&r, fw.admin, path, csv);
			assert_problem(&r, 422);
			ck_assert_msg(response_has_error(&r, "fiscal_year", bad[i].code), "%s: %s", path,
				      r.body);
			http_response_free(&r);
		}
	/* with a bad unit too, both are named */
	struct http_response r;
	get(&r, fw.admin, "/api/v1/reports/funding?unit=bad%20code&fiscal_year=1999", 0);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "unit", "invalid_format"));
	ck_assert(response_has_error(&r, "fiscal_year", "out_of_range"));
	http_response_free(&r);
	/* the edges are years */
	json_t *doc = funding_of(fw.admin, "FD8", 2020);
	json_decref(doc);
	doc = funding_of(fw.admin, "FD8", 2100);
	json_decref(doc);
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_funding_of_a_unit_outside_the_scope_is_404_like_a_missing_one)
{
	funding_district("FD9");
	const char *paths[] = {"/api/v1/reports/funding?unit=FD9&fiscal_year=2025",
			       "/api/v1/reports/funding?unit=FD9-C1&fiscal_year=2025",
			       "/api/v1/reports/funding?unit=NO-SUCH-UNIT&fiscal_year=2025"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		for (int csv = 0; csv <= 1; csv++) {
			struct http_response r;
			get(&r, fw.officer_nx, paths[i], csv);
			assert_problem(&r, 404);
			ck_assert_str_eq(json_field(r.body, "detail"), "No such unit.");
			http_response_free(&r);
		}
	/* without unit: the caller's own */
	json_t *doc = report(fw.officer_nx, "/api/v1/reports/funding?fiscal_year=2025");
	ck_assert_str_eq(json_string_value(rp_at(doc, "unit.code")), "NX");
	json_decref(doc);
}
END_TEST

START_TEST(test_funding_counts_a_person_once_in_a_row_and_once_in_the_total)
{
	/* A and B in a village team of C1, A and C in C1's own team, B in C2's own team */
	world_add_unit(&fw, "FDP", "Huyện Người", "district", "HG");
	world_add_unit(&fw, "FDP-C1", "Xã Một", "commune", "FDP");
	world_add_unit(&fw, "FDP-C2", "Xã Hai", "commune", "FDP");
	world_add_unit(&fw, "FDP-C1-V1", "Thôn Một", "village", "FDP-C1");
	char *tv = world_add_team(&fw, "FDP-C1-V1", "active", "2023-01-01");
	char *tc1 = world_add_team(&fw, "FDP-C1", "active", "2023-01-01");
	char *tc2 = world_add_team(&fw, "FDP-C2", "active", "2023-01-01");
	char *a = world_add_member(&fw, "FDP-C1-V1", "Nguyễn Văn A");
	char *b = world_add_member(&fw, "FDP-C1-V1", "Nguyễn Văn B");
	char *c = world_add_member(&fw, "FDP-C1", "Nguyễn Văn C");
	world_add_membership(&fw, tv, a, "leader", "2023-02-01", NULL);
	world_add_membership(&fw, tv, b, "member", "2023-02-01", NULL);
	world_add_membership(&fw, tc1, a, "member", "2023-02-01", NULL);
	world_add_membership(&fw, tc1, c, "member", "2023-02-01", NULL);
	world_add_membership(&fw, tc2, b, "member", "2023-02-01", NULL);
	free(proposal("FDP", 2025, "disbursed", "600000", 600000, "{}",
		      "('member_allowance', 6, 100000)"));
	json_t *doc = funding_of(fw.admin, "FDP", 2025);
	ck_assert_int_eq(rp_int(rp_row(doc, "unit.code", "FDP-C1"), "active_members"), 3);
	ck_assert_int_eq(rp_int(rp_row(doc, "unit.code", "FDP-C2"), "active_members"), 1);
	assert_allowance(json_object_get(doc, "total"), 600000, 3, 200000);
	json_decref(doc);
	free(tv), free(tc1), free(tc2), free(a), free(b), free(c);
}
END_TEST

START_TEST(test_funding_follows_a_merged_commune_to_its_successor)
{
	world_add_unit(&fw, "FDM", "Huyện Sáp Nhập", "district", "HG");
	world_add_unit(&fw, "FDM-A", "Xã Cũ", "commune", "FDM");
	world_add_unit(&fw, "FDM-B", "Xã Mới", "commune", "FDM");
	free(proposal("FDM-A", 2025, "disbursed", "2000000", 2000000, "{}",
		      "('devices', 1, 2000000)"));
	free(proposal("FDM-B", 2025, "submitted", "NULL", 0, "{}", "('devices', 1, 1000000)"));
	struct http_response r;
	world_call(&r, &fw, "POST", "/api/v1/units/FDM-A/retire", fw.admin,
		   "{\"successor_code\":\"FDM-B\"}", NULL);
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	json_t *doc = funding_of(fw.admin, "FDM", 2025);
	ck_assert_int_eq(json_array_size(json_object_get(doc, "rows")), 1);
	json_t *b = rp_row(doc, "unit.code", "FDM-B");
	assert_statuses(b, (const long[]){0, 1, 0, 0, 0, 0, 1});
	assert_money_row(b, 3000000, 2000000, 2000000, -1, -1);
	assert_money_row(json_object_get(doc, "total"), 3000000, 2000000, 2000000, -1, -1);
	json_decref(doc);
	/* the proposal keeps the unit it was made for */
	char *kept = world_sql(&fw, "SELECT count(*) FROM funding_proposals WHERE unit_code = 'FDM-A'");
	ck_assert_str_eq(kept, "1");
	free(kept);
}
END_TEST

START_TEST(test_funding_viewer_reads_it_in_scope)
{
	world_add_unit(&fw, "TQ-FV", "Thôn Xem Quỹ", "village", "TQ");
	allocation("TQ-FV", 2025, 4000000);
	free(proposal("TQ-FV", 2025, "approved", "2500000", 1000000, "{}",
		      "('member_allowance', 10, 200000), ('mobile_data', 10, 100000)"));
	json_t *doc = funding_of(fw.viewer_tq, "TQ-FV", 2025);
	json_t *row = rp_row(doc, "unit.code", "TQ-FV");
	/* paid 1,000,000 × 2,000,000 / 3,000,000 = 666,666 for allowances */
	assert_money_row(row, 3000000, 2500000, 1000000, 4000000, 1500000);
	assert_allowance(row, 666666, 0, -1);
	assert_money_row(json_object_get(doc, "total"), 3000000, 2500000, 1000000, 4000000, 1500000);
	json_decref(doc);
	struct http_response r;
	get(&r, fw.viewer_tq, "/api/v1/reports/funding?unit=BQ&fiscal_year=2025", 0);
	assert_problem(&r, 404);
	http_response_free(&r);
}
END_TEST

START_TEST(test_funding_team_leader_counts_only_proposals_naming_the_team)
{
	world_add_unit(&fw, "TQ-FL", "Thôn Tổ Trưởng", "village", "TQ");
	char *team = world_add_team(&fw, "TQ-FL", "active", "2023-01-01");
	char teams[64];
	snprintf(teams, sizeof teams, "{%s}", team);
	free(proposal("TQ-FL", 2025, "submitted", "NULL", 0, teams, "('devices', 1, 1000000)"));
	free(proposal("TQ-FL", 2025, "submitted", "NULL", 0, "{}", "('devices', 1, 2000000)"));
	char *leader = world_add_team_leader(&fw, "leader.quy", "TQ-FL", team);
	json_t *doc = funding_of(leader, "TQ-FL", 2025);
	assert_statuses(json_object_get(doc, "total"), (const long[]){0, 1, 0, 0, 0, 0, 0});
	assert_money(json_object_get(doc, "total"), "requested_vnd", 1000000);
	json_decref(doc);
	doc = funding_of(fw.officer_tq, "TQ-FL", 2025);
	assert_statuses(json_object_get(doc, "total"), (const long[]){0, 2, 0, 0, 0, 0, 0});
	assert_money(json_object_get(doc, "total"), "requested_vnd", 3000000);
	json_decref(doc);
	free(leader);
	free(team);
}
END_TEST

START_TEST(test_funding_a_system_needs_a_funding_scope)
{
	funding_district("FD10");
	char *reader = world_client_token(&fw, "funding.reader", "[\"funding:read\"]", "HG");
	char *writer = world_client_token(&fw, "funding.writer", "[\"funding:write\"]", "HG");
	char *registry = world_client_token(&fw, "registry.only", "[\"registry:read\"]", "HG");
	char *reports = world_client_token(&fw, "reports.only", "[\"reports:read\"]", "HG");
	json_t *doc = funding_of(reader, "FD10", 2025);
	assert_money_row(json_object_get(doc, "total"), 27980000, 16000000, 8000000, 50000000,
			 34000000);
	json_decref(doc);
	doc = funding_of(writer, "FD10", 2025);
	json_decref(doc);
	const char *refused[] = {registry, reports};
	for (size_t i = 0; i < 2; i++) {
		struct http_response r;
		get(&r, refused[i], "/api/v1/reports/funding?unit=FD10&fiscal_year=2025", 0);
		assert_problem(&r, 403);
		http_response_free(&r);
		/* the right comes before the parameters */
		get(&r, refused[i], "/api/v1/reports/funding?unit=FD10", 1);
		assert_problem(&r, 403);
		http_response_free(&r);
	}
	free(reader), free(writer), free(registry), free(reports);
}
END_TEST

Suite *reports_funding_suite(void)
{
	Suite *s = suite_create("reports funding");
	TCase *tc = tcase_create("reports funding");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_funding_names_the_unit_and_the_fiscal_year);
	tcase_add_test(tc, test_funding_row_counts_proposals_by_status_and_their_money);
	tcase_add_test(tc, test_funding_row_without_allocation_shows_null_and_rounds_the_allowance_down);
	tcase_add_test(tc, test_funding_total_covers_the_whole_subtree_and_the_units_own_allocation);
	tcase_add_test(tc, test_funding_counts_only_the_fiscal_year_asked);
	tcase_add_test(tc, test_funding_csv_has_the_same_columns_and_the_total_last);
	tcase_add_test(tc, test_funding_categories_are_those_line_items_may_have);
	tcase_add_test(tc, test_funding_fiscal_year_is_required_and_from_2020_to_2100);
	tcase_add_test(tc, test_funding_of_a_unit_outside_the_scope_is_404_like_a_missing_one);
	tcase_add_test(tc, test_funding_counts_a_person_once_in_a_row_and_once_in_the_total);
	tcase_add_test(tc, test_funding_follows_a_merged_commune_to_its_successor);
	tcase_add_test(tc, test_funding_viewer_reads_it_in_scope);
	tcase_add_test(tc, test_funding_team_leader_counts_only_proposals_naming_the_team);
	tcase_add_test(tc, test_funding_a_system_needs_a_funding_scope);
	suite_add_tcase(s, tc);
	return s;
}
