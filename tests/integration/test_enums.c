/*
 * One list per enumerated value, or a test that says where they drifted apart. The lists live
 * in four places: the schema's CHECK constraints, the C tables the JSON field tables, query
 * filters and CSV import use (members_validate.h, team_status_values, activity_kind_values),
 * the enums of openapi/openapi.yaml (as served at /openapi.json), and, for languages, the
 * `languages` table that GET /api/v1/languages publishes and the spec's LanguageCode lists.
 * The members import is checked to accept every value of every list, and the spec's examples
 * to name only language codes the server accepts.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../api/resources/activities.h"
#include "../../api/resources/members_validate.h"
#include "../../api/resources/teams_shared.h"
#include "suites.h"
#include "world.h"

static struct world w;
WORLD_FIXTURE(w, NULL)

static int by_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A list's values sorted and joined with ',' (malloc'd). */
static char *joined(const char **items, size_t n)
{
	qsort(items, n, sizeof *items, by_text);
	size_t cap = 1;
	for (size_t i = 0; i < n; i++)
		cap += strlen(items[i]) + 1;
	char *out = calloc(1, cap);
	ck_assert_ptr_nonnull(out);
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "", items[i]);
	return out;
}

static char *joined_c(const char *const *values)
{
	const char *items[64] = {0};
	size_t n = 0;
	for (; values[n]; n++)
		items[n] = values[n];
	return joined(items, n);
}

/* The values a CHECK constraint on table.column allows, sorted and joined. */
static char *joined_check(const char *table, const char *column)
{
	char query[512];
	snprintf(query, sizeof query,
		 "SELECT string_agg(v[1], ',' ORDER BY v[1] COLLATE \"C\") FROM pg_constraint c,"
		 " regexp_matches(pg_get_constraintdef(c.oid), '''([^'']+)''', 'g') AS v"
		 " WHERE c.conrelid = '%s'::regclass AND c.contype = 'c'"
		 " AND pg_get_constraintdef(c.oid) ~ '^CHECK \\(+%s (= ANY|<[@])'",
		 table, column);
	char *v = db_query_value(w.url, query);
	ck_assert_msg(v && *v, "no CHECK found on %s.%s", table, column);
	return v;
}

static json_t *spec(void)
{
	struct http_response r;
	http_get(&r, w.server.port, "/openapi.json");
	ck_assert_int_eq(r.status, 200);
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	http_response_free(&r);
	return doc;
}

static char *joined_spec(json_t *doc, const char *schema)
{
	json_t *e = json_object_get(
		json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"), schema),
		"enum");
	ck_assert_msg(json_is_array(e), "no enum in schema %s", schema);
	const char *items[64] = {0};
	size_t n = 0, i;
	json_t *v;
	json_array_foreach(e, i, v)
	{
		items[n++] = json_string_value(v);
	}
	return joined(items, n);
}

struct enum_case {
	const char *schema, *table, *column;
	const char *const *values;
};

START_TEST(test_check_constraints_c_tables_and_spec_enums_agree)
{
	const struct enum_case cases[] = {
		{"Gender", "members", "gender", member_gender_values},
		{"Affiliation", "members", "affiliations", member_affiliation_values},
		{"DigitalSkill", "members", "digital_skill", member_skill_values},
		{"MemberStatus", "members", "status", member_status_values},
		{"MembershipRole", "memberships", "role", member_team_role_values},
		{"TeamStatus", "teams", "status", team_status_values},
		{"ActivityKind", "activities", "kind", activity_kind_values},
	};
	json_t *doc = spec();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *c = joined_c(cases[i].values);
		char *sql = joined_check(cases[i].table, cases[i].column);
		char *api = joined_spec(doc, cases[i].schema);
		ck_assert_msg(!strcmp(c, sql), "%s.%s: C has %s, the CHECK %s", cases[i].table,
			      cases[i].column, c, sql);
		ck_assert_msg(!strcmp(c, api), "%s: C has %s, the spec %s", cases[i].schema, c, api);
		free(c);
		free(sql);
		free(api);
	}
	json_decref(doc);
}
END_TEST

/* The import takes every value of every list (a dry run that finds nothing wrong). */
START_TEST(test_the_members_import_accepts_every_value_of_every_list)
{
	world_add_unit(&w, "EN-V1", "Thôn Liệt Kê", "village", "TQ");
	db_exec_ok(w.url, "INSERT INTO teams (unit_code, name, established_on)"
			  " VALUES ('EN-V1', 'Tổ EN', '2024-01-01')");
	char csv[8192], affiliations[512] = "";
	size_t len = (size_t)snprintf(csv, sizeof csv,
				      "unit_code,full_name,gender,digital_skill,status,team_role,"
				      "affiliations\n");
	for (const char *const *a = member_affiliation_values; *a; a++)
		snprintf(affiliations + strlen(affiliations), sizeof affiliations - strlen(affiliations),
			 "%s%s", a == member_affiliation_values ? "" : ";", *a);
	for (int i = 0; i < 3; i++) /* every list has at most three values but affiliations */
		len += (size_t)snprintf(csv + len, sizeof csv - len, "EN-V1,Người %d,%s,%s,%s,%s,%s\n", i,
					member_gender_values[i], member_skill_values[i],
					member_status_values[i % 2], member_team_role_values[i],
					affiliations);
	char auth[4200];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", w.officer_tq);
	const char *h[] = {auth, "Content-Type: text/csv", NULL};
	struct http_response r;
	http_request(&r, "POST", w.server.port, "/api/v1/imports/members?dry_run=true", h, csv, len);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(!strcmp(json_field(r.body, "valid"), "true"), "%s", r.body);
	http_response_free(&r);
}
END_TEST

START_TEST(test_languages_lists_the_table_to_any_authenticated_caller)
{
	struct http_response r;
	world_call(&r, &w, "GET", "/api/v1/languages", w.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	json_t *doc = json_loads(r.body, 0, NULL);
	http_response_free(&r);
	json_t *items = json_object_get(doc, "items");
	char *count = db_query_value(w.url, "SELECT count(*) FROM languages");
	ck_assert_int_eq((int)json_array_size(items), atoi(count));
	free(count);
	ck_assert(json_is_null(json_object_get(doc, "next_cursor")));
	char *codes = db_query_value(w.url, "SELECT string_agg(code || '=' || name_vi || '/' || name_en,"
					    " ',' ORDER BY code) FROM languages");
	char listed[4096] = "";
	size_t i;
	json_t *v;
	json_array_foreach(items, i, v)
	{
		snprintf(listed + strlen(listed), sizeof listed - strlen(listed), "%s%s=%s/%s",
			 i ? "," : "", json_string_value(json_object_get(v, "code")),
			 json_string_value(json_object_get(v, "name_vi")),
			 json_string_value(json_object_get(v, "name_en")));
	}
	ck_assert_str_eq(listed, codes);
	ck_assert_ptr_null(strstr(listed, "dao="));
	ck_assert_ptr_nonnull(strstr(listed, "tyz=Tiếng Tày/"));
	free(codes);
	json_decref(doc);
	world_call(&r, &w, "GET", "/api/v1/languages", w.leader_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	http_get(&r, w.server.port, "/api/v1/languages");
	assert_problem(&r, 401);
	http_response_free(&r);
}
END_TEST

/* Collapses runs of blanks and line ends to one space (the spec's text is wrapped). */
static void squeeze(char *s)
{
	char *out = s;
	for (const char *p = s; *p; p++)
		if (!(*p == ' ' || *p == '\n') || (out > s && out[-1] != ' '))
			*out++ = *p == '\n' ? ' ' : *p;
	*out = '\0';
}

static int known_language(const char *code)
{
	char query[128];
	if (strlen(code) != 3 || strspn(code, "abcdefghijklmnopqrstuvwxyz") != 3)
		return 0;
	snprintf(query, sizeof query, "SELECT count(*) FROM languages WHERE code = '%s'", code);
	char *n = db_query_value(w.url, query);
	int known = n && atoi(n) == 1;
	free(n);
	return known;
}

START_TEST(test_the_spec_names_exactly_the_language_codes_the_table_holds)
{
	json_t *doc = spec();
	json_t *schema = json_object_get(
		json_object_get(json_object_get(doc, "components"), "schemas"), "LanguageCode");
	char *text = strdup(json_string_value(json_object_get(schema, "description")));
	squeeze(text);
	/* every code of the table is listed with its Vietnamese name */
	char *rows = db_query_value(w.url, "SELECT string_agg(code || chr(9) || name_vi, chr(10)"
					   " ORDER BY code) FROM languages");
	for (char *line = strtok(rows, "\n"); line; line = strtok(NULL, "\n")) {
		char *tab = strchr(line, '\t'), want[160];
		*tab = '\0';
		snprintf(want, sizeof want, "`%s` %s", line, tab + 1);
		ck_assert_msg(strstr(text, want) != NULL, "the spec does not list %s", want);
	}
	free(rows);
	/* and every code it lists with a name (`xxx` Tiếng ...) is one the server accepts */
	for (const char *p = strchr(text, '`'); p; p = strchr(p + 1, '`')) {
		if (strlen(p) < 12 || p[4] != '`' || strncmp(p + 5, " Tiếng", strlen(" Tiếng")))
			continue;
		char code[4] = {p[1], p[2], p[3], '\0'};
		ck_assert_msg(known_language(code), "the spec lists %s, which the server refuses", code);
	}
	free(text);
	json_decref(doc);
}
END_TEST

/* Every "languages" of the spec's examples: JSON arrays, and CSV columns of that name. */
static void check_examples(json_t *v)
{
	json_t *child;
	size_t i;
	if (json_is_object(v)) {
		const char *key;
		json_object_foreach(v, key, child)
		{
			if (!strcmp(key, "languages") && json_is_array(child)) {
				json_t *code;
				json_array_foreach(child, i, code)
				{
					if (json_is_string(code))
						ck_assert_msg(known_language(json_string_value(code)),
							      "an example names %s",
							      json_string_value(code));
				}
			}
			check_examples(child);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child)
		{
			check_examples(child);
		}
	} else if (json_is_string(v) && !strncmp(json_string_value(v), "full_name,", 10)) {
		/* a members CSV example: find the languages column, check each row's list */
		char *csv = strdup(json_string_value(v));
		int column = -1, n = 0;
		char *save_line, *save_field;
		for (char *line = strtok_r(csv, "\r\n", &save_line); line;
		     line = strtok_r(NULL, "\r\n", &save_line), n++) {
			int c = 0;
			for (char *f = line, *next; f; f = next, c++) {
				next = strchr(f, ',');
				if (next)
					*next++ = '\0';
				if (n == 0 && !strcmp(f, "languages"))
					column = c;
				if (n > 0 && c == column)
					for (char *code = strtok_r(f, ";", &save_field); code;
					     code = strtok_r(NULL, ";", &save_field))
						ck_assert_msg(known_language(code),
							      "a CSV example names %s", code);
			}
		}
		free(csv);
	}
}

START_TEST(test_the_spec_examples_name_only_accepted_language_codes)
{
	json_t *doc = spec();
	check_examples(doc);
	json_decref(doc);
}
END_TEST

Suite *enums_suite(void)
{
	Suite *s = suite_create("enums");
	TCase *tc = tcase_create("enums");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_check_constraints_c_tables_and_spec_enums_agree);
	tcase_add_test(tc, test_the_members_import_accepts_every_value_of_every_list);
	tcase_add_test(tc, test_languages_lists_the_table_to_any_authenticated_caller);
	tcase_add_test(tc, test_the_spec_names_exactly_the_language_codes_the_table_holds);
	tcase_add_test(tc, test_the_spec_examples_name_only_accepted_language_codes);
	suite_add_tcase(s, tc);
	return s;
}
