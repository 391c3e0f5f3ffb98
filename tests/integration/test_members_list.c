/*
 * GET /api/v1/members: filters (unit subtree, team, language, affiliation, digital_skill,
 * status), q without case or diacritics and with LIKE's metacharacters meaning themselves,
 * signed cursors, bad parameters, the CSV export masked for viewers; and, in a world of 1,100
 * villages, the plans for large subtrees (walk, search) and small ones (unit by unit, team)
 * giving exactly the rows SQL gives, in id order.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_members_support.h"

WORLD_FIXTURE(mw, NULL)

static void add_village(const char *code, const char *parent)
{
	char name[64];
	snprintf(name, sizeof name, "Thôn %s", code);
	world_add_unit(&mw, code, name, "village", parent);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every page of GET /api/v1/members?<query> as token, limit at a time: the values of `field`
 * joined by ',' in the order served (sorted when `sort`), malloc'd. Asserts ids never repeat.
 */
static char *collect(const char *token, const char *query, int limit, const char *field, int sort)
{
	char path[1024], cursor[512] = "";
	char **values = NULL;
	size_t n = 0, total = 1;
	for (;;) {
		snprintf(path, sizeof path, "/api/v1/members?%s&limit=%d%s%s", query, limit,
			 *cursor ? "&cursor=" : "", cursor);
		struct http_response r;
		world_call(&r, &mw, "GET", path, token, NULL, NULL);
		ck_assert_msg(r.status == 200, "%s: %ld %s", path, r.status, r.body);
		json_t *doc = json_loads(r.body, 0, NULL);
		json_t *items = json_object_get(doc, "items"), *item;
		ck_assert_int_le(json_array_size(items), limit);
		size_t i;
		json_array_foreach(items, i, item)
		{
			char **grown = realloc(values, (n + 1) * sizeof *values);
			ck_assert_ptr_nonnull(grown);
			values = grown;
			values[n] = strdup(json_string_value(json_object_get(item, field)));
			total += strlen(values[n++]) + 1;
		}
		const char *next = json_string_value(json_object_get(doc, "next_cursor"));
		snprintf(cursor, sizeof cursor, "%s", next ? next : "");
		json_decref(doc);
		http_response_free(&r);
		if (!*cursor)
			break;
	}
	if (sort && n > 1)
		qsort(values, n, sizeof *values, compare_strings);
	char *out = malloc(total);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, values[i]);
		free(values[i]);
	}
	free(values);
	return out;
}

/* The full names listed for query, sorted, joined by ','. */
static void assert_names(const char *token, const char *query, const char *expected)
{
	char *names = collect(token, query, 200, "full_name", 1);
	ck_assert_msg(!strcmp(names, expected), "%s: got [%s], expected [%s]", query, names, expected);
	free(names);
}

START_TEST(test_filters_by_unit_subtree_language_affiliation_skill_and_status)
{
	add_village("TQ-F1", "TQ");
	add_village("TQ-F2", "TQ");
	tm_create(mw.officer_tq, tm_body("TQ-F1", "Filter A", NULL,
					 ",\"languages\":[\"vie\",\"hmn\"],\"affiliations\":[\"teacher\"],"
					 "\"digital_skill\":\"basic\""));
	tm_create(mw.officer_tq, tm_body("TQ-F1", "Filter B", NULL,
					 ",\"languages\":[\"vie\"],\"affiliations\":[\"official\"],"
					 "\"digital_skill\":\"advanced\",\"status\":\"inactive\""));
	tm_create(mw.officer_tq, tm_body("TQ-F2", "Filter C", NULL,
					 ",\"languages\":[\"tyz\"],\"affiliations\":[\"teacher\"],"
					 "\"digital_skill\":\"intermediate\""));
	tm_create(mw.officer_nx, tm_body("NX-V1", "Filter D", NULL, ",\"affiliations\":[\"teacher\"]"));
	assert_names(mw.officer_tq, "unit=TQ-F1", "Filter A,Filter B");
	assert_names(mw.officer_tq, "unit=TQ-F1&language=hmn", "Filter A");
	assert_names(mw.officer_tq, "unit=TQ-F1&language=vie", "Filter A,Filter B");
	assert_names(mw.officer_tq, "unit=TQ-F1&affiliation=official", "Filter B");
	assert_names(mw.officer_tq, "unit=TQ-F1&digital_skill=advanced", "Filter B");
	assert_names(mw.officer_tq, "unit=TQ-F1&status=inactive", "Filter B");
	assert_names(mw.officer_tq, "unit=TQ-F1&status=active&language=vie", "Filter A");
	assert_names(mw.officer_tq, "q=filter&affiliation=teacher", "Filter A,Filter C");
	assert_names(mw.officer_tq, "q=filter&unit=HG", "Filter A,Filter B,Filter C"); /* ∩ scope */
	assert_names(mw.admin, "q=filter&unit=HG", "Filter A,Filter B,Filter C,Filter D");
	assert_names(mw.admin, "q=filter&unit=BM", "Filter D");
	assert_names(mw.officer_tq, "q=filter&unit=NOWHERE", "");
	assert_names(mw.officer_tq, "q=filter&language=khm", "");
}
END_TEST

START_TEST(test_q_ignores_case_and_vietnamese_diacritics)
{
	add_village("TQ-Q1", "TQ");
	tm_create(mw.officer_tq, tm_body("TQ-Q1", "Nguyễn Văn An", NULL, NULL));
	tm_create(mw.officer_tq, tm_body("TQ-Q1", "Trần Đức Bình", NULL, NULL));
	tm_create(mw.officer_tq, tm_body("TQ-Q1", "NGUYỄN THỊ VÂN", NULL, NULL));
	assert_names(mw.officer_tq, "unit=TQ-Q1&q=nguyen%20van", "Nguyễn Văn An");
	assert_names(mw.officer_tq, "unit=TQ-Q1&q=duc", "Trần Đức Bình");
	char query[128];
	snprintf(query, sizeof query, "unit=TQ-Q1&q=%s", tm_url_encode("ĐỨC"));
	assert_names(mw.officer_tq, query, "Trần Đức Bình");
	snprintf(query, sizeof query, "unit=TQ-Q1&q=%s", tm_url_encode("văn"));
	assert_names(mw.officer_tq, query, "NGUYỄN THỊ VÂN,Nguyễn Văn An");
	assert_names(mw.officer_tq, "unit=TQ-Q1&q=NGUYEN", "NGUYỄN THỊ VÂN,Nguyễn Văn An");
	assert_names(mw.officer_tq, "unit=TQ-Q1&q=binh%20tran", "");
}
END_TEST

START_TEST(test_q_metacharacters_and_quotes_mean_themselves)
{
	add_village("TQ-M1", "TQ");
	static const char *const names[] = {"Lê 100% Hoa", "Lê 100 Hoa",  "Mã_Số", "Mã Số",
					    "O'Neil",	   "ONeil",	   "Back\\\\slash", "Backslash"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		tm_create(mw.officer_tq, tm_body("TQ-M1", names[i], NULL, NULL));
	assert_names(mw.officer_tq, "unit=TQ-M1&q=%25", "Lê 100% Hoa");
	assert_names(mw.officer_tq, "unit=TQ-M1&q=100%25", "Lê 100% Hoa");
	assert_names(mw.officer_tq, "unit=TQ-M1&q=_", "Mã_Số");
	assert_names(mw.officer_tq, "unit=TQ-M1&q=a_s", "Mã_Số");
	assert_names(mw.officer_tq, "unit=TQ-M1&q=%27", "O'Neil");
	assert_names(mw.officer_tq, "unit=TQ-M1&q=o%27neil", "O'Neil");
	assert_names(mw.officer_tq, "unit=TQ-M1&q=%5C", "Back\\slash");
	assert_names(mw.officer_tq, "unit=TQ-M1&q=%22", "");
	assert_names(mw.officer_tq, "unit=TQ-M1&q=%27%3B%20DROP%20TABLE%20members%3B--", "");
}
END_TEST

START_TEST(test_team_filter_lists_the_active_members_of_that_team)
{
	add_village("TQ-T1", "TQ");
	char ids[3][37];
	static const char *const names[] = {"Team Active", "Team Former", "Team Never"};
	for (int i = 0; i < 3; i++)
		snprintf(ids[i], sizeof ids[i], "%s", tm_create(mw.officer_tq, tm_body("TQ-T1", names[i], NULL, NULL)));
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "WITH t AS (INSERT INTO teams (unit_code, name, established_on)"
		 " VALUES ('TQ-T1', 'Tổ T1', '2024-01-01') RETURNING id),"
		 " a AS (INSERT INTO memberships (team_id, member_id, team_level, role, joined_on)"
		 "  SELECT id, '%s', 'village', 'member', '2024-01-01' FROM t),"
		 " f AS (INSERT INTO memberships (team_id, member_id, team_level, role, joined_on, left_on)"
		 "  SELECT id, '%s', 'village', 'member', '2024-01-01', '2024-03-01' FROM t)"
		 " SELECT id FROM t", ids[0], ids[1]);
	char *team = world_sql(&mw, "%s", sql);
	char query[96];
	snprintf(query, sizeof query, "team=%s", team);
	assert_names(mw.officer_tq, query, "Team Active");
	assert_names(mw.officer_nx, query, ""); /* out of scope */
	assert_names(mw.officer_tq, "team=7d3c1c0e-0000-4000-8000-000000000000", "");
	free(team);
}
END_TEST

/* A new village `code` under TQ with members "Pager 0" to "Pager 4". */
static void village_of_five(const char *code)
{
	add_village(code, "TQ");
	for (int i = 0; i < 5; i++) {
		char name[32];
		snprintf(name, sizeof name, "Pager %d", i);
		tm_create(mw.officer_tq, tm_body(code, name, NULL, NULL));
	}
}

START_TEST(test_pages_of_2_hold_every_member_once)
{
	village_of_five("TQ-P1");
	char *names = collect(mw.officer_tq, "unit=TQ-P1", 2, "full_name", 1);
	ck_assert_str_eq(names, "Pager 0,Pager 1,Pager 2,Pager 3,Pager 4");
	free(names);
}
END_TEST

START_TEST(test_pages_are_served_in_id_order)
{
	village_of_five("TQ-P2");
	char *ids = collect(mw.officer_tq, "unit=TQ-P2", 2, "id", 0);
	char *sorted = collect(mw.officer_tq, "unit=TQ-P2", 2, "id", 1);
	ck_assert_str_eq(ids, sorted);
	free(ids);
	free(sorted);
}
END_TEST

START_TEST(test_a_cursor_of_another_list_is_400)
{
	struct http_response r;
	world_call(&r, &mw, "GET", "/api/v1/users?limit=1", mw.admin, NULL, NULL);
	char path[512];
	snprintf(path, sizeof path, "/api/v1/members?cursor=%s", json_field(r.body, "next_cursor"));
	http_response_free(&r);
	world_get_refused(&mw, path, mw.admin, 400);
}
END_TEST

START_TEST(test_a_cursor_the_server_did_not_sign_is_400)
{
	world_get_refused(&mw, "/api/v1/members?cursor=%27%3B--", mw.officer_tq, 400);
}
END_TEST

START_TEST(test_limits_out_of_range_are_422)
{
	static const char *const limits[] = {"0", "201", "-1", "ten"};
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		char path[96];
		snprintf(path, sizeof path, "/api/v1/members?limit=%s", limits[i]);
		struct http_response r;
		world_call(&r, &mw, "GET", path, mw.officer_tq, NULL, NULL);
		assert_problem(&r, 422);
		ck_assert(response_has_error(&r, "limit", NULL));
		http_response_free(&r);
	}
}
END_TEST

START_TEST(test_bad_query_parameters_are_422_naming_each)
{
	struct http_response r;
	world_call(&r, &mw, "GET",
		   "/api/v1/members?status=retired&digital_skill=expert&affiliation=king&language=VIE"
		   "&unit=bad%20code!&team=nope&q=a%01b",
		   mw.officer_tq, NULL, NULL);
	assert_problem(&r, 422);
	static const char *const params[] = {"status", "digital_skill", "affiliation", "language",
					     "unit", "team", "q"};
	for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
		ck_assert_msg(response_has_error(&r, params[i], NULL), "%s: %s", params[i], r.body);
	http_response_free(&r);
	/* a value that is not UTF-8 is named, not taken for an absent filter */
	world_call(&r, &mw, "GET", "/api/v1/members?q=%FF", mw.officer_tq, NULL, NULL);
	assert_problem(&r, 422);
	ck_assert_msg(response_has_error(&r, "q", "invalid_encoding"), "%s", r.body);
	http_response_free(&r);
	char path[400] = "/api/v1/members?q=";
	memset(path + strlen(path), 'a', 201);
	world_call(&r, &mw, "GET", path, mw.officer_tq, NULL, NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "q", "too_long"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_csv_export_lists_every_member_masked_for_the_viewer)
{
	add_village("TQ-C1", "TQ");
	tm_create(mw.officer_tq, tm_body("TQ-C1", "Nguyễn, Văn Csv", "0911222333",
					 ",\"email\":\"csv@example.vn\",\"birth_year\":1970,"
					 "\"gender\":\"male\",\"languages\":[\"vie\",\"hmn\"],"
					 "\"affiliations\":[\"teacher\",\"official\"],\"ethnicity\":\"Mông\""));
	tm_create(mw.officer_tq, tm_body("TQ-C1", "Lò Thị Csv", NULL, NULL));
	const char *accept[] = {"Accept: text/csv", NULL};
	struct http_response r;
	world_call(&r, &mw, "GET", "/api/v1/members?unit=TQ-C1&q=csv&limit=1", mw.viewer_tq, NULL,
		   accept);
	ck_assert_int_eq(r.status, 200);
	char *ct = http_header_value(&r, "Content-Type");
	ck_assert_ptr_nonnull(strstr(ct, "text/csv"));
	free(ct);
	ck_assert_msg(!strncmp(r.body, "id,unit_code,full_name,gender,birth_year,phone,email,"
				       "ethnicity,languages,affiliations,digital_skill,status\r\n", 108),
		      "%s", r.body);
	int lines = 0;
	for (const char *p = r.body; (p = strstr(p, "\r\n")); p += 2)
		lines++;
	ck_assert_int_eq(lines, 3); /* the header and both members: a limit does not cut an export */
	ck_assert_ptr_nonnull(strstr(r.body, ",TQ-C1,\"Nguyễn, Văn Csv\",male,,09******33,c***@example.vn,"
					     "Mông,vie;hmn,teacher;official,,active\r\n"));
	ck_assert_ptr_nonnull(strstr(r.body, ",TQ-C1,Lò Thị Csv,,,,,,,,,active\r\n"));
	ck_assert_ptr_null(strstr(r.body, "0911222333"));
	http_response_free(&r);
	world_call(&r, &mw, "GET", "/api/v1/members?unit=TQ-C1&q=csv", mw.officer_tq, NULL, accept);
	ck_assert_ptr_nonnull(strstr(r.body, ",male,1970,0911222333,csv@example.vn,"));
	http_response_free(&r);
	world_call(&r, &mw, "GET", "/api/v1/members?unit=TQ-C1&status=inactive", mw.officer_tq,
		   NULL, accept);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq((int)strlen(r.body), 108); /* the header alone */
	http_response_free(&r);
}
END_TEST

/* A page's JSON comes from member_documents: it must say what the member's row says now,
 * masked or not, whichever way the row was written. */
START_TEST(test_pages_show_each_member_as_written_last_masked_for_the_viewer)
{
	add_village("TQ-D1", "TQ");
	char *id = strdup(tm_create(mw.officer_tq, tm_body("TQ-D1", "Đặng Văn Tài Liệu", "0912345678",
						    ",\"email\":\"doc@example.vn\",\"birth_year\":1980")));
	struct http_response r;
	world_call(&r, &mw, "GET", "/api/v1/members?unit=TQ-D1", mw.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "items.0.full_name"), "Đặng Văn Tài Liệu");
	ck_assert_str_eq(json_field(r.body, "items.0.phone"), "0912345678");
	http_response_free(&r);
	/* through the API */
	char path[128];
	snprintf(path, sizeof path, "/api/v1/members/%s", id);
	world_call_if_match(&r, &mw, "PATCH", path, mw.officer_tq,
			    "{\"full_name\":\"Đặng Văn Đã Sửa\",\"phone\":\"0987654321\"}", "1");
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	world_call(&r, &mw, "GET", "/api/v1/members?unit=TQ-D1", mw.officer_tq, NULL, NULL);
	ck_assert_str_eq(json_field(r.body, "items.0.full_name"), "Đặng Văn Đã Sửa");
	ck_assert_str_eq(json_field(r.body, "items.0.phone"), "0987654321");
	ck_assert_str_eq(json_field(r.body, "items.0.version"), "2");
	http_response_free(&r);
	/* and by SQL, the way a unit merge moves members */
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE members SET email = 'moved@example.vn', version = version + 1"
		 " WHERE id = '%s' RETURNING 1", id);
	free(db_query_value(mw.url, sql));
	world_call(&r, &mw, "GET", "/api/v1/members?unit=TQ-D1", mw.officer_tq, NULL, NULL);
	ck_assert_str_eq(json_field(r.body, "items.0.email"), "moved@example.vn");
	ck_assert_str_eq(json_field(r.body, "items.0.birth_year"), "1980");
	http_response_free(&r);
	world_call(&r, &mw, "GET", "/api/v1/members?unit=TQ-D1", mw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "items.0.full_name"), "Đặng Văn Đã Sửa");
	ck_assert_str_eq(json_field(r.body, "items.0.phone"), "09******21");
	ck_assert_str_eq(json_field(r.body, "items.0.email"), "m***@example.vn");
	ck_assert_str_eq(json_field(r.body, "items.0.birth_year"), "null");
	ck_assert_ptr_null(strstr(r.body, "0987654321"));
	ck_assert_ptr_null(strstr(r.body, "moved@"));
	http_response_free(&r);
	free(id);
}
END_TEST

START_TEST(test_lists_need_registry_read)
{
	struct http_response r;
	world_call(&r, &mw, "POST", "/api/v1/clients", mw.admin,
		   "{\"client_id\":\"stats.sys\",\"scopes\":[\"reports:read\"],\"unit_code\":\"TQ\"}", NULL);
	ck_assert_int_eq(r.status, 201);
	char form[256];
	snprintf(form, sizeof form, "grant_type=client_credentials&client_id=stats.sys&client_secret=%s",
		 json_field(r.body, "client_secret"));
	http_response_free(&r);
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	http_request(&r, "POST", mw.server.port, "/api/v1/auth/token", h, form, strlen(form));
	char *token = strdup(json_field(r.body, "access_token"));
	http_response_free(&r);
	world_get_refused(&mw, "/api/v1/members", token, 403);
	world_call(&r, &mw, "GET", "/api/v1/members", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 401);
	http_response_free(&r);
	free(token);
}
END_TEST

/*
 * A world with a commune of 1,100 villages (more units than the unit-by-unit plan takes) and
 * 6,000 members in it (more than the short walk of a search reads), 30 of them "Hiếm" (rare).
 */
static void setup_large(void)
{
	world_create(&mw, NULL);
	db_exec_ok(mw.url,
		   "INSERT INTO units (code, name, level, parent_code) VALUES ('BIG', 'Huyện Lớn',"
		   " 'district', 'HG');"
		   "INSERT INTO units (code, name, level, parent_code) VALUES ('BIGC', 'Xã Lớn',"
		   " 'commune', 'BIG');"
		   "INSERT INTO units (code, name, level, parent_code)"
		   " SELECT 'BV' || i, 'Bản ' || i, 'village', 'BIGC' FROM generate_series(1, 1100) i;"
		   "INSERT INTO members (unit_code, full_name, phone, languages, affiliations,"
		   " digital_skill, status)"
		   " SELECT CASE WHEN i % 50 = 0 THEN 'BIGC' ELSE 'BV' || (i % 1100 + 1) END,"
		   " CASE WHEN i % 200 = 7 THEN 'Giàng Thị Hiếm ' || i ELSE"
		   " (ARRAY['Nguyễn','Trần','Lê','Đặng','Giàng'])[1 + i % 5] || ' ' ||"
		   " (ARRAY['Văn','Thị','Đức','Seo'])[1 + i % 4] || ' ' ||"
		   " (ARRAY['An','Bình','Đức','Mỷ','Pó','Vân'])[1 + i % 6] || ' ' || i END,"
		   " '07' || lpad(i::text, 8, '0'),"
		   " CASE i % 3 WHEN 0 THEN '{vie}'::text[] WHEN 1 THEN '{vie,hmn}' ELSE '{tyz}' END,"
		   " CASE i % 4 WHEN 0 THEN '{teacher}'::text[] WHEN 1 THEN '{official,party_member}'"
		   "  ELSE '{}' END,"
		   " (ARRAY['basic','intermediate','advanced'])[1 + i % 3],"
		   " CASE WHEN i % 7 = 0 THEN 'inactive' ELSE 'active' END"
		   " FROM generate_series(1, 6000) i;"
		   "INSERT INTO members (unit_code, full_name)"
		   " SELECT 'TQ-V1', 'Nguyễn Văn Outside ' || i FROM generate_series(1, 5) i;"
		   "ANALYZE units; ANALYZE members;");
}

/* What SQL says the list under BIGC holds, with condition on m: ids joined by ',' in order. */
static char *expected_ids(const char *root, const char *condition)
{
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "SELECT coalesce(string_agg(m.id::text, ',' ORDER BY m.id), '') FROM members m"
		 " JOIN units u ON u.code = m.unit_code"
		 " WHERE within(u.path, (SELECT path FROM units WHERE code = '%s')) AND %s",
		 root, condition);
	return world_sql(&mw, "%s", sql);
}

static void assert_same_as_sql(const char *query, int limit, const char *root,
			       const char *condition, int at_least)
{
	char *want = expected_ids(root, condition);
	char *got = collect(mw.admin, query, limit, "id", 0);
	ck_assert_msg(!strcmp(got, want), "%s differs from SQL", query);
	int rows = *want ? 1 : 0;
	for (const char *p = want; (p = strchr(p, ',')); p++)
		rows++;
	ck_assert_msg(rows >= at_least, "%s: only %d rows", query, rows);
	free(want);
	free(got);
}

START_TEST(test_large_subtree_is_walked_and_sifted_in_id_order_like_sql)
{
	char *units = world_sql(&mw,
				"SELECT count(*) FROM units WHERE within(path, (SELECT path FROM units WHERE code = 'BIGC'))");
	ck_assert_str_eq(units, "1101");
	free(units);
	assert_same_as_sql("unit=BIGC", 200, "BIGC", "true", 6000);
	assert_same_as_sql("unit=BIG", 97, "BIG", "true", 6000);
	assert_same_as_sql("unit=BIGC&language=hmn&status=active", 50, "BIGC",
			   "'hmn' = ANY (m.languages) AND m.status = 'active'", 300);
	assert_same_as_sql("unit=BIGC&affiliation=party_member&digital_skill=advanced", 50, "BIGC",
			   "'party_member' = ANY (m.affiliations) AND m.digital_skill = 'advanced'", 50);
	/* rarer than a page in the short walk: each unit's first page makes up the rest */
	static const char rare[] = "m.status = 'inactive' AND 'teacher' = ANY (m.affiliations)"
				   " AND 'tyz' = ANY (m.languages)";
	assert_same_as_sql("unit=BIGC&status=inactive&affiliation=teacher&language=tyz", 200, "BIGC",
			   rare, 60);
	assert_same_as_sql("unit=BIGC&status=inactive&affiliation=teacher&language=tyz", 9, "BIGC",
			   rare, 60);
}
END_TEST

START_TEST(test_large_subtree_search_finds_what_sql_finds)
{
	assert_same_as_sql("unit=BIGC&q=nguyen%20van", 20, "BIGC",
			   "search_fold(m.full_name) LIKE '%nguyen van%'", 40);
	char query[96];
	snprintf(query, sizeof query, "unit=BIGC&q=%s", tm_url_encode("ĐỨC"));
	assert_same_as_sql(query, 100, "BIGC", "search_fold(m.full_name) LIKE '%duc%'", 300);
	/* a rare name: the short walk finds some, the trigram index the others */
	assert_same_as_sql("unit=BIGC&q=hiem", 50, "BIGC", "search_fold(m.full_name) LIKE '%hiem%'", 30);
	assert_same_as_sql("unit=BIGC&q=hiem", 7, "BIGC", "search_fold(m.full_name) LIKE '%hiem%'", 30);
	assert_same_as_sql("unit=BIGC&q=hiem&language=hmn", 50, "BIGC",
			   "search_fold(m.full_name) LIKE '%hiem%' AND 'hmn' = ANY (m.languages)", 5);
	/* two letters: no trigram to look up, the walk filters by name */
	assert_same_as_sql("unit=BIGC&q=an", 100, "BIGC", "search_fold(m.full_name) LIKE '%an%'", 300);
	assert_same_as_sql("unit=BIGC&q=nguyen%20van&status=inactive", 10, "BIGC",
			   "search_fold(m.full_name) LIKE '%nguyen van%' AND m.status = 'inactive'", 1);
	/* the whole tree: members outside BIGC are found too */
	assert_same_as_sql("unit=HG&q=nguyen%20van", 50, "HG",
			   "search_fold(m.full_name) LIKE '%nguyen van%'", 45);
}
END_TEST

START_TEST(test_small_parts_of_a_large_tree_are_read_unit_by_unit_like_sql)
{
	assert_same_as_sql("unit=BV7", 1, "BV7", "true", 1);
	assert_same_as_sql("unit=BV7&q=an", 1, "BV7", "search_fold(m.full_name) LIKE '%an%'", 0);
	assert_same_as_sql("unit=TQ", 2, "TQ", "true", 5);
	char *team = world_sql(&mw, "WITH t AS (INSERT INTO teams (unit_code, name, established_on)"
			    " VALUES ('BV5', 'Tổ BV5', '2024-01-01') RETURNING id),"
			    " ms AS (INSERT INTO memberships (team_id, member_id, team_level, role, joined_on)"
			    "  SELECT t.id, m.id, 'village', 'member', '2024-01-01' FROM t, members m"
			    "  WHERE m.unit_code = 'BV5')"
			    " SELECT id FROM t");
	char query[96], condition[200];
	snprintf(query, sizeof query, "team=%s", team);
	snprintf(condition, sizeof condition, "m.unit_code = 'BV5'");
	assert_same_as_sql(query, 1, "HG", condition, 1);
	free(team);
}
END_TEST

START_TEST(test_csv_export_of_a_large_subtree_spans_several_pages)
{
	const char *accept[] = {"Accept: text/csv", NULL};
	struct http_response r;
	world_call(&r, &mw, "GET", "/api/v1/members?unit=BIGC", mw.admin, NULL, accept);
	ck_assert_int_eq(r.status, 200);
	char *want = expected_ids("BIGC", "true"), *got = malloc(r.body_len + 1), *g = got;
	int lines = 0;
	for (const char *p = strstr(r.body, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
		if (lines++)
			*g++ = ',';
		memcpy(g, p + 2, 36); /* each line starts with the id */
		g += 36;
	}
	*g = '\0';
	char *count = world_sql(&mw, "SELECT count(*) FROM members WHERE unit_code LIKE 'B%%'");
	ck_assert_int_eq(lines, atoi(count)); /* six pages of the export */
	ck_assert_int_eq(lines, 6000);
	free(count);
	ck_assert_msg(!strcmp(got, want), "CSV ids differ from SQL");
	free(want);
	free(got);
	http_response_free(&r);
}
END_TEST

void members_add_list_tests(Suite *s)
{
	TCase *tc = tcase_create("lists");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_filters_by_unit_subtree_language_affiliation_skill_and_status);
	tcase_add_test(tc, test_q_ignores_case_and_vietnamese_diacritics);
	tcase_add_test(tc, test_q_metacharacters_and_quotes_mean_themselves);
	tcase_add_test(tc, test_team_filter_lists_the_active_members_of_that_team);
	tcase_add_test(tc, test_pages_of_2_hold_every_member_once);
	tcase_add_test(tc, test_pages_are_served_in_id_order);
	tcase_add_test(tc, test_a_cursor_of_another_list_is_400);
	tcase_add_test(tc, test_a_cursor_the_server_did_not_sign_is_400);
	tcase_add_test(tc, test_limits_out_of_range_are_422);
	tcase_add_test(tc, test_bad_query_parameters_are_422_naming_each);
	tcase_add_test(tc, test_csv_export_lists_every_member_masked_for_the_viewer);
	tcase_add_test(tc, test_pages_show_each_member_as_written_last_masked_for_the_viewer);
	tcase_add_test(tc, test_lists_need_registry_read);
	suite_add_tcase(s, tc);
	TCase *large = tcase_create("lists of large subtrees");
	tcase_set_timeout(large, 120);
	tcase_add_unchecked_fixture(large, setup_large, teardown);
	tcase_add_test(large, test_large_subtree_is_walked_and_sifted_in_id_order_like_sql);
	tcase_add_test(large, test_large_subtree_search_finds_what_sql_finds);
	tcase_add_test(large, test_small_parts_of_a_large_tree_are_read_unit_by_unit_like_sql);
	tcase_add_test(large, test_csv_export_of_a_large_subtree_spans_several_pages);
	suite_add_tcase(s, large);
}
