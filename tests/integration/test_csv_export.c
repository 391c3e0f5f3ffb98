/*
 * CSV exports against spreadsheet formulas (OWASP's CSV injection rule), in PostgreSQL's
 * csv_cell()/csv_line() (db/functions/00_text.sql), which every export formats its cells with:
 *   - each case of the rule, cell by cell: = + - @, a leading tab, CR or LF, blanks before a
 *     formula character, the full-width ＝ ＋ － ＠, values already starting with apostrophes,
 *     quotes, commas and surrounding spaces (RFC 4180), NULL and the empty string;
 *   - that the C inverse used by the members import (csv_unguard) gives every value back;
 *   - real exports (members, teams, the coverage report) hold no cell a spreadsheet would
 *     evaluate, and a members export with such values imports back byte for byte.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../api/http/csv_export.h"
#include "../../api/http/csv_parse.h"
#include "suites.h"
#include "world.h"

static struct world w;
WORLD_FIXTURE(w, NULL)

struct cell_case {
	const char *literal; /* a SQL text literal */
	const char *cell;    /* what csv_line makes of it */
};

static const struct cell_case cases[] = {
	{"'=1+1'", "'=1+1"},
	{"'+84'", "'+84"},
	{"'-2'", "'-2"},
	{"'-'", "'-"},
	{"'@SUM(A1)'", "'@SUM(A1)"},
	{"' =1+1'", "' =1+1"},             /* a space before = */
	{"E'\\t=1'", "'\t=1"},              /* a tab before = */
	{"E'  \\t+1'", "'  \t+1"},          /* spaces and a tab before + */
	{"E'\\tabc'", "'\tabc"},            /* a leading tab, whatever follows */
	{"E'\\r=1'", "\"'\r=1\""},          /* a leading CR: guarded, and quoted for the CR */
	{"E'\\nabc'", "\"'\nabc\""},        /* a leading LF likewise */
	{"'＝1+1'", "'＝1+1"},             /* full-width forms */
	{"'＋1'", "'＋1"},
	{"'－1'", "'－1"},
	{"'＠x'", "'＠x"},
	{"E' \\t＝1'", "' \t＝1"},
	{"'''=1'", "''=1"},                 /* a value that starts with '= gets one more */
	{"'it''s'", "it's"},                /* an apostrophe alone is no guard */
	{"'a=b'", "a=b"},
	{"'1-2'", "1-2"},
	{"'a,b'", "\"a,b\""},               /* RFC 4180 */
	{"'say \"hi\"'", "\"say \"\"hi\"\"\""},
	{"'=a,\"b\"'", "\"'=a,\"\"b\"\"\""},
	{"' x '", "\" x \""},
	{"'Giàng Thị Mỷ'", "Giàng Thị Mỷ"},
	{"''", ""},
	{"NULL", ""},
	{NULL, NULL},
};

START_TEST(test_each_cell_follows_the_owasp_rule_and_rfc_4180)
{
	char query[256];
	for (const struct cell_case *c = cases; c->literal; c++) {
		snprintf(query, sizeof query, "SELECT csv_line(VARIADIC ARRAY[%s::text])", c->literal);
		char *got = db_query_value(w.url, query);
		ck_assert_msg(got && !strcmp(got, c->cell), "%s: got [%s], expected [%s]", c->literal,
			      got ? got : "(null)", c->cell);
		free(got);
	}
	char *line = db_query_value(w.url, "SELECT csv_line('=1', NULL, 'b', E'\\t-x', ' ＠')");
	ck_assert_str_eq(line, "'=1,,b,'\t-x,' ＠");
	free(line);
}
END_TEST

/* The members import's inverse gives back what csv_cell guarded, for every case. */
START_TEST(test_the_import_inverse_reads_every_cell_back_as_its_value)
{
	char query[256];
	for (const struct cell_case *c = cases; c->literal; c++) {
		if (!strcmp(c->literal, "NULL"))
			continue;
		snprintf(query, sizeof query,
			 "SELECT 'h' || chr(13) || chr(10) || csv_line(%s::text) || chr(13) || chr(10)",
			 c->literal);
		char *file = db_query_value(w.url, query);
		snprintf(query, sizeof query, "SELECT %s::text", c->literal);
		char *value = db_query_value(w.url, query);
		struct csv_table t;
		struct csv_error e;
		ck_assert_int_eq(csv_parse(file, strlen(file), 0, &t, &e), CSV_OK);
		const char *cell = csv_field(&t, 1, 0);
		ck_assert_msg(cell && !strcmp(csv_unguard(cell), value), "%s: read back [%s]",
			      c->literal, cell ? csv_unguard(cell) : "(none)");
		csv_free(&t);
		free(file);
		free(value);
	}
}
END_TEST

/* Every cell of a CSV body (header included): none starts like a formula. */
static void assert_no_formula(const char *body, size_t expected_min_records)
{
	struct csv_table t;
	struct csv_error e;
	ck_assert_msg(csv_parse(body, strlen(body), 0, &t, &e) == CSV_OK, "not CSV: %s", body);
	ck_assert_uint_ge(t.records, expected_min_records);
	for (size_t r = 0; r < t.records; r++)
		for (size_t c = 0; c < t.columns; c++)
			ck_assert_msg(!csv_formula_start(csv_field(&t, r, c)),
				      "record %zu, column %zu starts like a formula: [%s]", r, c,
				      csv_field(&t, r, c));
	csv_free(&t);
}

static void get_csv(struct http_response *r, const char *path)
{
	const char *accept[] = {"Accept: text/csv", NULL};
	world_call(r, &w, "GET", path, w.officer_tq, NULL, accept);
	ck_assert_msg(r->status == 200, "%s: %ld %s", path, r->status, r->body);
}

START_TEST(test_members_teams_and_report_exports_hold_no_formula)
{
	world_add_unit(&w, "CG-V1", "@Thôn Công Thức", "village", "TQ");
	db_exec_ok(w.url,
		   "INSERT INTO teams (unit_code, name, established_on, notes) VALUES"
		   " ('CG-V1', '=HYPERLINK(\"http://x.example\",\"bấm\")', '2024-01-01', E'\\t-1');"
		   "INSERT INTO members (unit_code, full_name, ethnicity) VALUES"
		   " ('CG-V1', '=cmd|'' /C calc''!A0', ' +Mông'), ('CG-V1', '＠Thị', E'\\r\\n=1'),"
		   " ('CG-V1', E'\\t-3', NULL), ('CG-V1', '''=already', '－')");
	struct http_response r;
	get_csv(&r, "/api/v1/members?unit=CG-V1");
	assert_no_formula(r.body, 5);
	ck_assert_ptr_nonnull(strstr(r.body, ",'=cmd|' /C calc'!A0,"));
	ck_assert_ptr_nonnull(strstr(r.body, ",''=already,"));
	http_response_free(&r);
	get_csv(&r, "/api/v1/teams?unit=CG-V1");
	assert_no_formula(r.body, 2);
	ck_assert_ptr_nonnull(strstr(r.body, ",'@Thôn Công Thức,"));
	http_response_free(&r);
	get_csv(&r, "/api/v1/reports/coverage?unit=TQ");
	assert_no_formula(r.body, 2);
	ck_assert_ptr_nonnull(strstr(r.body, "'@Thôn Công Thức"));
	http_response_free(&r);
}
END_TEST

/* A members export with guarded cells is a members import that gives back the same export. */
START_TEST(test_a_guarded_members_export_imports_back_byte_for_byte)
{
	world_add_unit(&w, "CG-RT", "Thôn Khứ Hồi", "village", "TQ");
	db_exec_ok(w.url,
		   "INSERT INTO members (id, unit_code, full_name, ethnicity, phone, status) VALUES"
		   " ('6a0e1b1e-5b7a-4c53-9d6a-3a7c2b1d0e01', 'CG-RT', '=1+1', '+Mông', '0384000001',"
		   "  'active'),"
		   " ('6a0e1b1e-5b7a-4c53-9d6a-3a7c2b1d0e02', 'CG-RT', '''=2', ' -Dao', NULL, 'inactive'),"
		   " ('6a0e1b1e-5b7a-4c53-9d6a-3a7c2b1d0e03', 'CG-RT', '＠Thị Ba', '－', NULL, 'active'),"
		   " ('6a0e1b1e-5b7a-4c53-9d6a-3a7c2b1d0e04', 'CG-RT', '-Bốn, \"Tư\"', NULL, NULL,"
		   "  'active')");
	struct http_response r;
	get_csv(&r, "/api/v1/members?unit=CG-RT");
	char *exported = strdup(r.body);
	http_response_free(&r);
	ck_assert_ptr_nonnull(strstr(exported, ",'=1+1,"));
	db_exec_ok(w.url, "DELETE FROM members WHERE unit_code = 'CG-RT'");
	char auth[4200];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", w.officer_tq);
	const char *h[] = {auth, "Content-Type: text/csv", NULL};
	http_request(&r, "POST", w.server.port, "/api/v1/imports/members", h, exported,
		     strlen(exported));
	ck_assert_msg(r.status == 201, "%s", r.body);
	http_response_free(&r);
	char *name = db_query_value(w.url, "SELECT full_name || '|' || ethnicity FROM members"
					   " WHERE id = '6a0e1b1e-5b7a-4c53-9d6a-3a7c2b1d0e02'");
	ck_assert_str_eq(name, "'=2| -Dao");
	free(name);
	get_csv(&r, "/api/v1/members?unit=CG-RT");
	ck_assert_str_eq(r.body, exported);
	http_response_free(&r);
	free(exported);
}
END_TEST

Suite *csv_export_suite(void)
{
	Suite *s = suite_create("csv_export");
	TCase *tc = tcase_create("csv_export");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_each_cell_follows_the_owasp_rule_and_rfc_4180);
	tcase_add_test(tc, test_the_import_inverse_reads_every_cell_back_as_its_value);
	tcase_add_test(tc, test_members_teams_and_report_exports_hold_no_formula);
	tcase_add_test(tc, test_a_guarded_members_export_imports_back_byte_for_byte);
	suite_add_tcase(s, tc);
	return s;
}
