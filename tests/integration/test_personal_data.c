/*
 * Personal data the registry must not give away:
 *   - a team's contact phone (usually its leader's own number) is masked like a member's
 *     phone for viewers and for systems without members:pii, in single reads (also when the
 *     representation is kept in memory after a reader who may see it), lists, CSV exports and
 *     write answers; officers and systems with members:pii see it;
 *   - phone numbers of members outside the caller's scope cannot be enumerated: an import of
 *     10,000 candidate numbers names none of them, not even in a dry run; every such duplicate
 *     is counted against the account and audited; past the daily allowance (10) the account's
 *     members imports and phone-carrying member writes answer 429 with Retry-After; and
 *     POST /members (409 without a name) is counted and throttled the same way.
 * Each test uses accounts, units and numbers of its own.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "world.h"

static struct world w;
WORLD_FIXTURE(w, NULL)

static void sql(const char *text)
{
	db_exec_ok(w.url, text);
}

static void assert_sql(const char *query, const char *expected)
{
	char *v = db_query_value(w.url, query);
	ck_assert_msg(v && !strcmp(v, expected), "%s: got %s, expected %s", query, v, expected);
	free(v);
}

/* An officer account of unit, logged in: its token (malloc'd) and id (into id[37]). */
static char *officer(const char *username, const char *unit, char id[37])
{
	snprintf(id, 37, "%s", world_add_user(&w, username, "officer", unit, NULL));
	return world_login(&w, username, WORLD_PASSWORD);
}

/* ---- team contact phones ---------------------------------------------------------------- */

/* Reads path as token and asserts the body shows the number clear (1) or masked (0). */
static void assert_phone(const char *path, const char *token, const char *accept, int clear)
{
	const char *h[] = {accept, NULL};
	struct http_response r;
	world_call(&r, &w, "GET", path, token, NULL, accept ? h : NULL);
	ck_assert_msg(r.status == 200, "%s: %ld %s", path, r.status, r.body);
	if (clear) {
		ck_assert_msg(strstr(r.body, "02073822123") != NULL, "%s: not clear in %s", path, r.body);
	} else {
		ck_assert_msg(strstr(r.body, "02073822123") == NULL, "%s: leaked in %s", path, r.body);
		ck_assert_msg(strstr(r.body, "02*******23") != NULL, "%s: not masked in %s", path, r.body);
	}
	http_response_free(&r);
}

START_TEST(test_team_contact_phone_is_masked_without_personal_data_everywhere)
{
	world_add_unit(&w, "PD-T1", "Thôn Điện Thoại", "village", "TQ");
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/teams", w.officer_tq,
		   "{\"unit_code\":\"PD-T1\",\"name\":\"Tổ PD\",\"established_on\":\"2024-01-01\","
		   "\"contact_phone\":\"0207 3822 123\"}",
		   NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "contact_phone"), "02073822123");
	char path[96];
	snprintf(path, sizeof path, "/api/v1/teams/%s", json_field(r.body, "id"));
	http_response_free(&r);
	char *reader = world_client_token(&w, "pd.reader", "[\"registry:read\"]", "TQ");
	char *writer = world_client_token(&w, "pd.writer", "[\"registry:read\",\"registry:write\"]",
					  "TQ");
	char *pii = world_client_token(&w, "pd.pii", "[\"registry:read\",\"members:pii\"]", "TQ");
	/* single reads, in an order that keeps each form in memory before the other reads it */
	for (int round = 0; round < 2; round++) {
		assert_phone(path, w.officer_tq, NULL, 1);
		assert_phone(path, w.viewer_tq, NULL, 0);
		assert_phone(path, reader, NULL, 0);
		assert_phone(path, pii, NULL, 1);
	}
	const char *list = "/api/v1/teams?unit=PD-T1";
	assert_phone(list, w.viewer_tq, NULL, 0);
	assert_phone(list, reader, NULL, 0);
	assert_phone(list, w.officer_tq, NULL, 1);
	assert_phone(list, pii, NULL, 1);
	assert_phone(list, w.viewer_tq, "Accept: text/csv", 0);
	assert_phone(list, reader, "Accept: text/csv", 0);
	assert_phone(list, w.officer_tq, "Accept: text/csv", 1);
	assert_phone(list, pii, "Accept: text/csv", 1);
	/* a write's answer follows the same rule */
	world_call_if_match(&r, &w, "PATCH", path, writer, "{\"notes\":\"họp thứ Hai\"}", "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "contact_phone"), "02*******23");
	http_response_free(&r);
	assert_phone(path, w.viewer_tq, NULL, 0);
	free(reader);
	free(writer);
	free(pii);
}
END_TEST

/* ---- duplicates outside the caller's scope ------------------------------------------ */

#define PROBE_ROWS 10000
#define PROBE_HITS 25 /* numbers of members of commune NX among the 10,000 */

START_TEST(test_10000_number_import_reveals_no_one_outside_scope_counts_audits_then_429)
{
	char id[37];
	char *token = officer("probe.import", "TQ", id);
	/* members of another commune, whose numbers the officer tries */
	char text[256];
	for (int i = 0; i < PROBE_HITS; i++) {
		snprintf(text, sizeof text,
			 "INSERT INTO members (unit_code, full_name, phone) VALUES"
			 " ('NX-V1', 'Người Ngoài %d', '0388%06d')", i, i * 400);
		sql(text);
	}
	/* 10,000 candidates, in the officer's own village: every 400th is someone's number */
	size_t cap = (size_t)PROBE_ROWS * 48 + 64, len = 0;
	char *csv = malloc(cap);
	ck_assert_ptr_nonnull(csv);
	len += (size_t)snprintf(csv + len, cap - len, "unit_code,full_name,phone\n");
	for (int i = 0; i < PROBE_ROWS; i++)
		len += (size_t)snprintf(csv + len, cap - len, "TQ-V1,Thử %d,0388%06d\n", i, i);
	long members_before = world_count(&w, "members");
	char auth[4200];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	const char *h[] = {auth, "Content-Type: text/csv", NULL};
	struct http_response r;
	http_request(&r, "POST", w.server.port, "/api/v1/imports/members?dry_run=true", h, csv, len);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	/* the dry run names no row, no number and no person */
	ck_assert_str_eq(json_field(r.body, "error_count"), "0");
	ck_assert_str_eq(json_field(r.body, "errors"), "[]");
	ck_assert_ptr_null(strstr(r.body, "duplicate"));
	char *ids = db_query_value(w.url, "SELECT string_agg(id::text, ',') FROM members"
					  " WHERE unit_code = 'NX-V1' AND phone LIKE '0388%'");
	for (char *p = strtok(ids, ","); p; p = strtok(NULL, ","))
		ck_assert_ptr_null(strstr(r.body, p));
	free(ids);
	http_response_free(&r);
	/* counted against the account and audited, with the members concerned */
	snprintf(text, sizeof text,
		 "SELECT sum(hits) FROM unseen_duplicates WHERE principal_id = '%s'", id);
	assert_sql(text, "25");
	snprintf(text, sizeof text,
		 "SELECT after->>'duplicates' || ' ' || (after->>'source') || ' '"
		 " || jsonb_array_length(after->'member_ids') FROM audit_events"
		 " WHERE action = 'member.duplicate_outside_scope' AND actor_id = '%s'", id);
	assert_sql(text, "25 import 25");
	/* the allowance is spent: the next attempt, dry or not, is 429 with Retry-After */
	http_request(&r, "POST", w.server.port, "/api/v1/imports/members?dry_run=true", h, csv, len);
	assert_problem(&r, 429);
	char *retry = http_header_value(&r, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	ck_assert_msg(atoi(retry) > 80000 && atoi(retry) <= 86400, "Retry-After: %s", retry);
	free(retry);
	http_response_free(&r);
	http_request(&r, "POST", w.server.port, "/api/v1/imports/members", h, csv, len);
	assert_problem(&r, 429);
	http_response_free(&r);
	/* and so is a single member write carrying a phone; one without may still be made */
	world_call(&r, &w, "POST", "/api/v1/members", token,
		   "{\"unit_code\":\"TQ-V1\",\"full_name\":\"Có Số\",\"phone\":\"0388999999\"}", NULL);
	assert_problem(&r, 429);
	http_response_free(&r);
	ck_assert_int_eq(world_count(&w, "members"), members_before);
	world_call(&r, &w, "POST", "/api/v1/members", token,
		   "{\"unit_code\":\"TQ-V1\",\"full_name\":\"Không Số\"}", NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	http_response_free(&r);
	free(csv);
	free(token);
}
END_TEST

START_TEST(test_real_import_with_a_number_outside_scope_is_409_naming_no_row)
{
	char id[37];
	char *token = officer("probe.real", "TQ", id);
	sql("INSERT INTO members (unit_code, full_name, phone) VALUES ('NX-V1', 'Bên Kia', '0387000001'),"
	    " ('TQ-V1', 'Bên Này', '0387000002')");
	char auth[4200];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	const char *h[] = {auth, "Content-Type: text/csv", NULL};
	static const char *const tables[] = {"members", "memberships", NULL};
	struct world_counts before = world_counts(&w, tables);
	/* in scope: still named by row */
	const char *mixed = "unit_code,full_name,phone\nTQ-V1,Một,0387000009\n"
			    "TQ-V1,Hai,0387000001\nTQ-V1,Ba,0387000002\n";
	struct http_response r;
	http_request(&r, "POST", w.server.port, "/api/v1/imports/members?dry_run=true", h, mixed,
		     strlen(mixed));
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "error_count"), "1");
	ck_assert_str_eq(json_field(r.body, "errors.0.row"), "3"); /* the only error */
	http_response_free(&r);
	/* outside it alone: the import fails as a whole, naming nothing */
	const char *outside = "unit_code,full_name,phone\nTQ-V1,Một,0387000009\nTQ-V1,Hai,0387000001\n";
	http_request(&r, "POST", w.server.port, "/api/v1/imports/members", h, outside, strlen(outside));
	assert_problem(&r, 409);
	ck_assert_ptr_null(strstr(r.body, "errors"));
	ck_assert_ptr_null(strstr(r.body, "row"));
	ck_assert_ptr_null(strstr(r.body, "0387000001"));
	http_response_free(&r);
	world_assert_unchanged(&before);
	char text[200];
	snprintf(text, sizeof text,
		 "SELECT sum(hits) FROM unseen_duplicates WHERE principal_id = '%s'", id);
	assert_sql(text, "2");
	free(token);
}
END_TEST

START_TEST(test_create_with_numbers_outside_scope_is_counted_audited_then_429)
{
	char id[37];
	char *token = officer("probe.single", "NX", id);
	char text[512];
	for (int i = 0; i <= 10; i++) {
		snprintf(text, sizeof text,
			 "INSERT INTO members (unit_code, full_name, phone) VALUES"
			 " ('TQ-V1', 'Người Xa %d', '03860000%02d')", i, i);
		sql(text);
	}
	struct http_response r;
	for (int i = 0; i < 10; i++) { /* the allowance: 409, naming no one */
		snprintf(text, sizeof text,
			 "{\"unit_code\":\"NX-V1\",\"full_name\":\"Thử\",\"phone\":\"03860000%02d\"}", i);
		world_call(&r, &w, "POST", "/api/v1/members", token, text, NULL);
		assert_problem(&r, 409);
		ck_assert_ptr_null(strstr(r.body, "existing_member_id"));
		http_response_free(&r);
	}
	snprintf(text, sizeof text,
		 "SELECT count(*) FROM audit_events e JOIN members m ON m.id::text = e.entity_id"
		 " WHERE e.action = 'member.duplicate_outside_scope' AND e.actor_id = '%s'"
		 " AND e.after->>'source' = 'create' AND m.phone LIKE '038600%%'", id);
	assert_sql(text, "10");
	/* the eleventh, even with a number nobody has, is 429 */
	world_call(&r, &w, "POST", "/api/v1/members", token,
		   "{\"unit_code\":\"NX-V1\",\"full_name\":\"Thử\",\"phone\":\"0386999999\"}", NULL);
	assert_problem(&r, 429);
	char *retry = http_header_value(&r, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	ck_assert_int_gt(atoi(retry), 0);
	free(retry);
	http_response_free(&r);
	snprintf(text, sizeof text,
		 "SELECT sum(hits) FROM unseen_duplicates WHERE principal_id = '%s'", id);
	assert_sql(text, "10");
	/* a patch sending a phone too; other writes go on */
	world_call(&r, &w, "POST", "/api/v1/members", token,
		   "{\"unit_code\":\"NX-V1\",\"full_name\":\"Không Số\"}", NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/members/%s", json_field(r.body, "id"));
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", path, token, "{\"phone\":\"0386999998\"}", "1");
	assert_problem(&r, 429);
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", path, token, "{\"ethnicity\":\"Tày\"}", "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	/* someone in scope is still named to whoever may see them */
	world_call(&r, &w, "POST", "/api/v1/members", w.officer_tq,
		   "{\"unit_code\":\"TQ-V1\",\"full_name\":\"Thử\",\"phone\":\"0386000010\"}", NULL);
	assert_problem(&r, 409);
	ck_assert_ptr_nonnull(strstr(r.body, "existing_member_id"));
	http_response_free(&r);
	free(token);
}
END_TEST

/* An Idempotency-Key runs the write in a transaction that a refusal rolls back: the count and
 * the audit event must outlive it, or a fresh key per attempt would probe for free. */
START_TEST(test_keyed_writes_outside_scope_are_counted_too)
{
	char id[37];
	char *token = officer("probe.keyed", "NX", id);
	sql("INSERT INTO members (unit_code, full_name, phone) VALUES ('TQ-V1', 'Người Xa K1', '0385000001'),"
	    " ('TQ-V1', 'Người Xa K2', '0385000002')");
	char auth[4200];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	const char *json[] = {auth, "Content-Type: application/json", "Idempotency-Key: probe-k1", NULL};
	const char *body = "{\"unit_code\":\"NX-V1\",\"full_name\":\"Thử\",\"phone\":\"0385000001\"}";
	struct http_response r;
	http_request(&r, "POST", w.server.port, "/api/v1/members", json, body, strlen(body));
	assert_problem(&r, 409);
	ck_assert_ptr_null(strstr(r.body, "existing_member_id"));
	http_response_free(&r);
	const char *csv[] = {auth, "Content-Type: text/csv", "Idempotency-Key: probe-k2", NULL};
	const char *rows = "unit_code,full_name,phone\nNX-V1,Hai,0385000002\n";
	http_request(&r, "POST", w.server.port, "/api/v1/imports/members", csv, rows, strlen(rows));
	assert_problem(&r, 409);
	http_response_free(&r);
	char text[300];
	snprintf(text, sizeof text,
		 "SELECT sum(hits) FROM unseen_duplicates WHERE principal_id = '%s'", id);
	assert_sql(text, "2");
	snprintf(text, sizeof text,
		 "SELECT count(*) FROM audit_events WHERE action = 'member.duplicate_outside_scope'"
		 " AND actor_id = '%s'", id);
	assert_sql(text, "2");
	/* the refusals were kept with their keys, and a replay counts nothing more */
	http_request(&r, "POST", w.server.port, "/api/v1/members", json, body, strlen(body));
	ck_assert_int_eq(r.status, 409); /* the first answer, its instance included */
	char *replayed = http_header_value(&r, "Idempotent-Replayed");
	ck_assert_ptr_nonnull(replayed);
	free(replayed);
	http_response_free(&r);
	snprintf(text, sizeof text,
		 "SELECT count(*) FROM idempotency_keys WHERE principal_id = '%s'", id);
	assert_sql(text, "2");
	snprintf(text, sizeof text,
		 "SELECT sum(hits) FROM unseen_duplicates WHERE principal_id = '%s'", id);
	assert_sql(text, "2");
	free(token);
}
END_TEST

Suite *personal_data_suite(void)
{
	Suite *s = suite_create("personal_data");
	TCase *tc = tcase_create("personal_data");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_team_contact_phone_is_masked_without_personal_data_everywhere);
	tcase_add_test(tc, test_10000_number_import_reveals_no_one_outside_scope_counts_audits_then_429);
	tcase_add_test(tc, test_real_import_with_a_number_outside_scope_is_409_naming_no_row);
	tcase_add_test(tc, test_create_with_numbers_outside_scope_is_counted_audited_then_429);
	tcase_add_test(tc, test_keyed_writes_outside_scope_are_counted_too);
	suite_add_tcase(s, tc);
	return s;
}
