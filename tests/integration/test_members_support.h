/*
 * Helpers shared by the members suite's files (test_members.c: single members and access;
 * test_members_validation.c: field validation and phone numbers; test_members_list.c: lists,
 * search, CSV, and the plans of large subtrees). Every
 * test makes its own members with fresh phone numbers, so tests never depend on each other.
 */
#ifndef CDTT_TEST_MEMBERS_SUPPORT_H
#define CDTT_TEST_MEMBERS_SUPPORT_H
#include <check.h>

#include "world.h"

extern struct world mw;

/* A mobile number nobody in this run has used yet: "09" and 8 random digits (static). */
const char *tm_fresh_phone(void);

/* A valid member body: unit, full name, phone (NULL: none); extra_json goes inside the object. */
const char *tm_body(const char *unit, const char *full_name, const char *phone,
		    const char *extra_json);

/* POST /api/v1/members as token, asserting 201; returns the new id (static buffer). */
const char *tm_create(const char *token, const char *body);

#define TM_PATH_SIZE 96

/* As tm_create, and writes the new member's path (tm_path) into path. */
const char *tm_create_at(const char *token, const char *body, char path[TM_PATH_SIZE]);

/* POST /api/v1/members that must be refused with status and write nothing; r is the answer. */
void tm_assert_create_refused(const char *token, const char *body, long status,
			      struct http_response *r);

/* "/api/v1/members/<id>" (static buffer). */
const char *tm_path(const char *id);

/* Rows in members and audit_events, to assert (world_assert_unchanged) that nothing was written. */
struct world_counts tm_counts(void);

/* q=... percent-encoded for a query string (static buffer). */
const char *tm_url_encode(const char *s);

/* The validation tests (test_members_validation.c), in members_suite()'s first test case. */
void members_add_validation_tests(TCase *tc);

/* The list tests (test_members_list.c), with test cases and worlds of their own. */
void members_add_list_tests(Suite *s);

#endif
