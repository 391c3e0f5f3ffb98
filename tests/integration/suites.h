#ifndef CDTT_TEST_SUITES_H
#define CDTT_TEST_SUITES_H
#include <check.h>
Suite *startup_suite(void);
Suite *migrations_suite(void);
Suite *pipeline_suite(void);
Suite *ops_suite(void);
Suite *resilience_suite(void);
Suite *auth_suite(void);
Suite *keys_auth_suite(void);
Suite *accounts_suite(void);
Suite *units_suite(void);
Suite *teams_suite(void);
Suite *members_suite(void);
Suite *imports_suite(void);
Suite *idempotency_suite(void);
Suite *seed_suite(void);
#endif
