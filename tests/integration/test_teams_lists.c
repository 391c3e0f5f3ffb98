/*
 * GET /api/v1/teams (part of the teams suite): filters (unit subtree, status, has_leader),
 * q ignoring diacritics and case with %, _, ' and \ meaning themselves, signed cursors, bad query
 * parameters, and the CSV export with its quoting.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_teams_support.h"

/* The names in a list response's items, joined by '|', in order (static buffer). */
static const char *names_of(const char *body)
{
	return list_join(body, "name", "|");
}

/* Names found by GET /teams?unit=<unit>&<query>, sorted by SQL order of ids (static). */
static const char *search(const char *unit, const char *query)
{
	char path[300];
	snprintf(path, sizeof path, "/api/v1/teams?unit=%s&limit=200&%s", unit, query);
	struct http_response r;
	world_call(&r, &tw, "GET", path, tw.officer_tq, NULL, NULL);
	ck_assert_msg(r.status == 200, "%s: %s", query, r.body);
	const char *names = names_of(r.body);
	http_response_free(&r);
	return names;
}

START_TEST(test_q_ignores_diacritics_and_case_and_escapes_wildcards)
{
	world_add_unit(&tw, "QS-V", NULL, "village", "TQ");
	static const char *const names[] = {"Tổ CNS Tân Quang", "Đội Đồng Tâm", "Tổ 100% số",
					    "Tổ a_b", "Tổ O'Brien", "Tổ back\\\\slash", "Tổ Dân Chủ"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *id = tt_create_team(tw.officer_tq, "QS-V", names[i], ",\"status\":\"suspended\"");
		free(id);
	}
	ck_assert_str_eq(search("QS-V", "q=tan%20quang"), "Tổ CNS Tân Quang");
	ck_assert_str_eq(search("QS-V", "q=TAN%20QUANG"), "Tổ CNS Tân Quang");
	ck_assert_str_eq(search("QS-V", "q=dong%20tam"), "Đội Đồng Tâm");
	/* "đ" finds plain "d" too, and the other way round */
	const char *d = search("QS-V", "q=%C4%91");
	ck_assert_ptr_nonnull(strstr(d, "Đội Đồng Tâm"));
	ck_assert_ptr_nonnull(strstr(d, "Tổ Dân Chủ"));
	ck_assert_ptr_nonnull(strstr(search("QS-V", "q=dan%20chu"), "Tổ Dân Chủ"));
	ck_assert_ptr_nonnull(strstr(search("QS-V", "q=%C4%91an"), "Tổ Dân Chủ"));
	ck_assert_str_eq(search("QS-V", "q=%25"), "Tổ 100% số");
	ck_assert_str_eq(search("QS-V", "q=_"), "Tổ a_b");
	ck_assert_str_eq(search("QS-V", "q=%27"), "Tổ O'Brien");
	ck_assert_str_eq(search("QS-V", "q=%5C"), "Tổ back\\slash");
	ck_assert_str_eq(search("QS-V", "q=nothing%20like%20it"), "");
}
END_TEST

/* A commune <p>-C under BQ with villages <p>-V1 (team "Tổ A", with a leader "Trưởng tổ A")
 * and <p>-V2 (teams "Tổ B" and "Tổ C", dissolved), and a team of its own. The leader's id
 * (malloc'd). */
static char *commune_of_teams(const char *p)
{
	char commune[16], v1[16], v2[16], extra[48];
	snprintf(commune, sizeof commune, "%s-C", p);
	snprintf(v1, sizeof v1, "%s-V1", p);
	snprintf(v2, sizeof v2, "%s-V2", p);
	world_add_unit(&tw, commune, NULL, "commune", "BQ");
	world_add_unit(&tw, v1, NULL, "village", commune);
	world_add_unit(&tw, v2, NULL, "village", commune);
	char *a = tt_create_team(tw.admin, v1, "Tổ A", NULL);
	free(tt_create_team(tw.admin, v2, "Tổ B", NULL));
	snprintf(extra, sizeof extra, ",\"status\":\"dissolved\"");
	free(tt_create_team(tw.admin, v2, "Tổ C", extra));
	free(tt_create_team(tw.admin, commune, "Tổ xã", NULL));
	char *leader = world_add_member(&tw, v1, "Trưởng tổ A");
	free(tt_add_membership(tw.admin, a, leader, "leader", "2021-01-01"));
	free(a);
	return leader;
}

/* GETs /api/v1/teams?<query> as admin, asserts 200 and that the names of the items are names
 * ("Tổ B|Tổ C" also matches in the other order: ids are random). */
static void assert_list_names(const char *query, const char *names)
{
	char path[200];
	snprintf(path, sizeof path, "/api/v1/teams?%s", query);
	struct http_response r;
	world_call(&r, &tw, "GET", path, tw.admin, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	const char *seen = names_of(r.body);
	int same = !strcmp(seen, names) ||
		   (!strcmp(names, "Tổ B|Tổ C") && !strcmp(seen, "Tổ C|Tổ B"));
	ck_assert_msg(same, "%s: %s", query, seen);
	http_response_free(&r);
}

START_TEST(test_list_of_a_commune_holds_its_whole_subtree)
{
	free(commune_of_teams("LF"));
	struct http_response r;
	world_call(&r, &tw, "GET", "/api/v1/teams?unit=LF-C", tw.admin, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(doc, "items")), 4);
	json_decref(doc);
	http_response_free(&r);
}
END_TEST

START_TEST(test_list_of_a_village_holds_its_teams)
{
	free(commune_of_teams("LFV"));
	assert_list_names("unit=LFV-V2", "Tổ B|Tổ C");
}
END_TEST

START_TEST(test_list_filters_by_status)
{
	free(commune_of_teams("LFS"));
	assert_list_names("unit=LFS-C&status=dissolved", "Tổ C");
}
END_TEST

START_TEST(test_list_filters_teams_with_a_leader)
{
	free(commune_of_teams("LFL"));
	assert_list_names("unit=LFL-C&has_leader=true", "Tổ A");
}
END_TEST

START_TEST(test_list_filters_active_teams_without_a_leader)
{
	free(commune_of_teams("LFN"));
	assert_list_names("unit=LFN-V2&has_leader=false&status=active", "Tổ B");
}
END_TEST

START_TEST(test_list_of_an_unknown_unit_is_empty)
{
	assert_list_names("unit=NOPE", "");
}
END_TEST

START_TEST(test_list_items_carry_their_leader_with_the_member_count)
{
	char *leader = commune_of_teams("LFI");
	struct http_response r;
	world_call(&r, &tw, "GET", "/api/v1/teams?unit=LFI-V1", tw.admin, NULL, NULL);
	json_t *doc = json_loads(r.body, 0, NULL);
	json_t *item = json_array_get(json_object_get(doc, "items"), 0);
	json_t *lead = json_object_get(item, "leader");
	ck_assert_str_eq(json_string_value(json_object_get(lead, "id")), leader);
	ck_assert_str_eq(json_string_value(json_object_get(lead, "name")), "Trưởng tổ A");
	ck_assert_int_eq(json_integer_value(json_object_get(item, "member_count")), 1);
	json_decref(doc);
	http_response_free(&r);
	free(leader);
}
END_TEST

START_TEST(test_list_pages_with_signed_cursors)
{
	world_add_unit(&tw, "PG-V", NULL, "village", "TQ");
	for (int i = 0; i < 5; i++) {
		char name[32];
		snprintf(name, sizeof name, "Tổ trang %d", i);
		free(tt_create_team(tw.officer_tq, "PG-V", name, ",\"status\":\"suspended\""));
	}
	char path[512], seen[2048] = "";
	snprintf(path, sizeof path, "/api/v1/teams?unit=PG-V&limit=2");
	int pages = 0, items = 0;
	for (;;) {
		struct http_response r;
		world_call(&r, &tw, "GET", path, tw.officer_tq, NULL, NULL);
		ck_assert_msg(r.status == 200, "%s", r.body);
		json_t *doc = json_loads(r.body, 0, NULL);
		size_t i;
		json_t *item;
		json_array_foreach(json_object_get(doc, "items"), i, item)
		{
			const char *id = json_string_value(json_object_get(item, "id"));
			ck_assert_ptr_null(strstr(seen, id));
			strcat(seen, id);
			items++;
		}
		pages++;
		json_t *next = json_object_get(doc, "next_cursor");
		if (json_is_null(next)) {
			json_decref(doc);
			http_response_free(&r);
			break;
		}
		snprintf(path, sizeof path, "/api/v1/teams?unit=PG-V&limit=2&cursor=%s",
			 json_string_value(next));
		json_decref(doc);
		http_response_free(&r);
	}
	ck_assert_int_eq(items, 5);
	ck_assert_int_eq(pages, 3);
	world_get_refused(&tw, "/api/v1/teams?cursor=forged", tw.officer_tq, 400);
}
END_TEST

START_TEST(test_bad_query_parameters_are_422_naming_each)
{
	static const struct {
		const char *query, *param;
	} cases[] = {
		{"status=closed", "status"},	{"has_leader=yes", "has_leader"},
		{"limit=0", "limit"},		{"limit=201", "limit"},
		{"q=a%01b", "q"},
		{"unit=bad%20code", "unit"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[200];
		snprintf(path, sizeof path, "/api/v1/teams?%s", cases[i].query);
		struct http_response r;
		world_call(&r, &tw, "GET", path, tw.officer_tq, NULL, NULL);
		ck_assert_msg(r.status == 422 && response_has_error(&r, cases[i].param, NULL), "%s: %ld %s",
			      cases[i].query, r.status, r.body);
		http_response_free(&r);
	}
	/* query values that are not UTF-8: 422 naming each */
	struct http_response bad;
	world_call(&bad, &tw, "GET", "/api/v1/teams?q=%FF&unit=%C3", tw.officer_tq, NULL, NULL);
	assert_problem(&bad, 422);
	ck_assert_msg(response_has_error(&bad, "q", "invalid_encoding") &&
			      response_has_error(&bad, "unit", "invalid_encoding"),
		      "%s", bad.body);
	http_response_free(&bad);
	/* a 300-character q */
	char path[700] = "/api/v1/teams?q=";
	memset(path + strlen(path), 'a', 300);
	world_get_refused(&tw, path, tw.officer_tq, 422);
}
END_TEST

START_TEST(test_csv_export_streams_every_row_with_quoting)
{
	world_add_unit(&tw, "CSV-V", NULL, "village", "TQ");
	char *id = tt_create_team(tw.officer_tq, "CSV-V", "Tổ \\\"Sao\\\", Mai",
				  ",\"contact_phone\":\"0912 000 111\"");
	char *member = world_add_member(&tw, "CSV-V", "Vàng Thị Hoa");
	free(tt_add_membership(tw.officer_tq, id, member, "leader", "2021-01-01"));
	char *other = tt_create_team(tw.officer_tq, "CSV-V", "Tổ phụ", ",\"status\":\"suspended\"");
	const char *accept[] = {"Accept: text/csv", NULL};
	struct http_response r;
	world_call(&r, &tw, "GET", "/api/v1/teams?unit=CSV-V", tw.officer_tq, NULL, accept);
	ck_assert_int_eq(r.status, 200);
	char *ct = http_header_value(&r, "Content-Type");
	ck_assert_ptr_nonnull(strstr(ct, "text/csv"));
	free(ct);
	ck_assert_msg(!strncmp(r.body, "id,unit_code,unit_name,name,status,established_on,"
				       "contact_phone,leader_name,member_count\r\n", 87),
		      "%s", r.body);
	char line[512];
	snprintf(line, sizeof line,
		 "%s,CSV-V,Unit CSV-V,\"Tổ \"\"Sao\"\", Mai\",active,2020-05-01,0912000111,Vàng Thị Hoa,1\r\n",
		 id);
	ck_assert_msg(strstr(r.body, line) != NULL, "%s", r.body);
	snprintf(line, sizeof line, "%s,CSV-V,Unit CSV-V,Tổ phụ,suspended,2020-05-01,,,0\r\n", other);
	ck_assert_msg(strstr(r.body, line) != NULL, "%s", r.body);
	int lines = 0;
	for (const char *p = r.body; (p = strstr(p, "\r\n")); p += 2)
		lines++;
	ck_assert_int_eq(lines, 3);
	http_response_free(&r);
	free(id);
	free(member);
	free(other);
}
END_TEST

void teams_add_list_tests(TCase *tc)
{
	tcase_add_test(tc, test_q_ignores_diacritics_and_case_and_escapes_wildcards);
	tcase_add_test(tc, test_list_of_a_commune_holds_its_whole_subtree);
	tcase_add_test(tc, test_list_of_a_village_holds_its_teams);
	tcase_add_test(tc, test_list_filters_by_status);
	tcase_add_test(tc, test_list_filters_teams_with_a_leader);
	tcase_add_test(tc, test_list_filters_active_teams_without_a_leader);
	tcase_add_test(tc, test_list_of_an_unknown_unit_is_empty);
	tcase_add_test(tc, test_list_items_carry_their_leader_with_the_member_count);
	tcase_add_test(tc, test_list_pages_with_signed_cursors);
	tcase_add_test(tc, test_bad_query_parameters_are_422_naming_each);
	tcase_add_test(tc, test_csv_export_streams_every_row_with_quoting);
}
