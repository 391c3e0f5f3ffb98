/*
 * Idempotency-Key on creates: the same key and request within 24 hours returns the first
 * response and writes nothing; the same key with another request is 422; keys belong to
 * their principal; an expired key runs the request anew.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "world.h"

static struct world w;

WORLD_FIXTURE(w, NULL)

#define VILLAGE(code) "{\"code\":\"" code "\",\"name\":\"Thôn " code "\",\"level\":\"village\",\"parent_code\":\"TQ\"}"

START_TEST(test_same_key_and_body_replays_the_first_response)
{
	const char *key[] = {"Idempotency-Key: create-IK-1", NULL};
	struct http_response a, b;
	world_call(&a, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-1"), key);
	ck_assert_int_eq(a.status, 201);
	long units = world_count(&w, "units"), audit = world_count(&w, "audit_events");
	world_call(&b, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-1"), key);
	ck_assert_int_eq(b.status, 201);
	ck_assert_str_eq(a.body, b.body);
	char *replayed = http_header_value(&b, "Idempotent-Replayed");
	char *la = http_header_value(&a, "Location"), *lb = http_header_value(&b, "Location");
	char *ea = http_header_value(&a, "ETag"), *eb = http_header_value(&b, "ETag");
	ck_assert_str_eq(replayed, "true");
	ck_assert_str_eq(la, lb);
	ck_assert_str_eq(ea, eb);
	free(replayed);
	free(la);
	free(lb);
	free(ea);
	free(eb);
	ck_assert_int_eq(world_count(&w, "units"), units);
	ck_assert_int_eq(world_count(&w, "audit_events"), audit);
	http_response_free(&a);
	http_response_free(&b);
}
END_TEST

START_TEST(test_same_key_with_another_body_is_422_and_writes_nothing)
{
	const char *key[] = {"Idempotency-Key: create-IK-2", NULL};
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-2"), key);
	ck_assert_int_eq(r.status, 201);
	http_response_free(&r);
	long units = world_count(&w, "units"), audit = world_count(&w, "audit_events");
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-3"), key);
	assert_problem(&r, 422);
	ck_assert_ptr_nonnull(strstr(r.body, "Idempotency-Key"));
	http_response_free(&r);
	ck_assert_int_eq(world_count(&w, "units"), units);
	ck_assert_int_eq(world_count(&w, "audit_events"), audit);
}
END_TEST

START_TEST(test_keys_belong_to_their_principal)
{
	const char *key[] = {"Idempotency-Key: shared-name", NULL};
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-4"), key);
	ck_assert_int_eq(r.status, 201);
	http_response_free(&r);
	/* another caller with the same key and body is not answered from the first caller's record */
	world_call(&r, &w, "POST", "/api/v1/units", w.admin, VILLAGE("IK-4"), key);
	assert_problem(&r, 409);
	ck_assert_ptr_null(http_header_value(&r, "Idempotent-Replayed"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_refusals_are_replayed_too_and_bad_keys_are_400)
{
	const char *key[] = {"Idempotency-Key: bad-body", NULL};
	struct http_response r;
	const char *bad = "{\"code\":\"IK 5\",\"name\":\"x\",\"level\":\"village\",\"parent_code\":\"TQ\"}";
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, bad, key);
	assert_problem(&r, 422);
	http_response_free(&r);
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, bad, key);
	ck_assert_int_eq(r.status, 422);
	char *replayed = http_header_value(&r, "Idempotent-Replayed");
	ck_assert_str_eq(replayed, "true");
	free(replayed);
	http_response_free(&r);
	char long_key[400] = "Idempotency-Key: ";
	memset(long_key + strlen(long_key), 'k', 300);
	const char *too_long[] = {long_key, NULL};
	long units = world_count(&w, "units");
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-6"), too_long);
	assert_problem(&r, 400);
	http_response_free(&r);
	ck_assert_int_eq(world_count(&w, "units"), units);
}
END_TEST

START_TEST(test_an_expired_key_runs_the_request_again)
{
	const char *key[] = {"Idempotency-Key: old-key", NULL};
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-7"), key);
	ck_assert_int_eq(r.status, 201);
	http_response_free(&r);
	db_exec_ok(w.url, "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' "
			  "WHERE key = 'old-key'");
	world_call(&r, &w, "POST", "/api/v1/units", w.officer_tq, VILLAGE("IK-7"), key);
	assert_problem(&r, 409); /* ran again: the code exists now */
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_wrong_content_type_is_refused_before_the_key_is_claimed)
{
	const char *wrong[] = {"Idempotency-Key: csv-1", "Content-Type: application/json", NULL};
	const char *csv = "code,name,level,parent_code\r\nIK-CSV,Thôn CSV,village,TQ\r\n";
	struct http_response r;
	char auth[4200];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", w.officer_tq);
	const char *h1[] = {auth, wrong[0], wrong[1], NULL};
	http_request(&r, "POST", w.server.port, "/api/v1/imports/units", h1, csv, strlen(csv));
	assert_problem(&r, 415);
	http_response_free(&r);
	/* the same key with the right type runs: the 415 was not stored */
	const char *h2[] = {auth, wrong[0], "Content-Type: text/csv", NULL};
	http_request(&r, "POST", w.server.port, "/api/v1/imports/units", h2, csv, strlen(csv));
	ck_assert_msg(r.status == 201, "%s", r.body);
	ck_assert_ptr_null(http_header_value(&r, "Idempotent-Replayed"));
	http_response_free(&r);
}
END_TEST

Suite *idempotency_suite(void)
{
	Suite *s = suite_create("idempotency");
	TCase *tc = tcase_create("keys");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_same_key_and_body_replays_the_first_response);
	tcase_add_test(tc, test_same_key_with_another_body_is_422_and_writes_nothing);
	tcase_add_test(tc, test_keys_belong_to_their_principal);
	tcase_add_test(tc, test_refusals_are_replayed_too_and_bad_keys_are_400);
	tcase_add_test(tc, test_an_expired_key_runs_the_request_again);
	tcase_add_test(tc, test_a_wrong_content_type_is_refused_before_the_key_is_claimed);
	suite_add_tcase(s, tc);
	return s;
}
