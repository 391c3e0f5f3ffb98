/* Pure pieces of db/: migration names and versions, connection string defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <sodium.h>

#include "../../db/migrate.h"
#include "../../db/pool.h"

START_TEST(test_migration_versions_come_from_file_names)
{
	ck_assert_int_eq(migrate_version_of("0001_extensions.sql"), 1);
	ck_assert_int_eq(migrate_version_of("0042_x.sql"), 42);
	ck_assert_int_eq(migrate_version_of("extensions.sql"), -1);
	ck_assert_int_eq(migrate_version_of("0003.sql"), -1);
	struct embedded_file files[] = {{"0002_b.sql", (const unsigned char *)"", 0},
					{"0010_c.sql", (const unsigned char *)"", 0},
					{"0001_a.sql", (const unsigned char *)"", 0}};
	ck_assert_int_eq(migrate_latest_version(files, 3), 10);
	ck_assert_int_eq(migrate_latest_version(files, 0), 0);
}
END_TEST

START_TEST(test_embedded_migrations_are_numbered_in_order)
{
	ck_assert_uint_gt(migrations_embedded_count, 0);
	long previous = 0;
	for (size_t i = 0; i < migrations_embedded_count; i++) {
		long v = migrate_version_of(migrations_embedded[i].name);
		ck_assert_msg(v == previous + 1, "%s does not follow %ld", migrations_embedded[i].name,
			      previous);
		previous = v;
	}
}
END_TEST

START_TEST(test_conninfo_gets_timeouts_and_keepalives)
{
	char *a = db_conninfo_with_defaults("postgresql://u@h/db");
	ck_assert_ptr_nonnull(strstr(a, "postgresql://u@h/db?connect_timeout=2&keepalives=1"));
	free(a);
	char *b = db_conninfo_with_defaults("postgresql://u@/db?host=/tmp/s");
	ck_assert_ptr_nonnull(strstr(b, "host=/tmp/s&connect_timeout=2"));
	free(b);
}
END_TEST

START_TEST(test_request_conninfo_carries_the_statement_timeout)
{
	char *a = db_conninfo_for_requests("postgresql://u@h/db", 2500);
	ck_assert_ptr_nonnull(strstr(a, "options=-c%20TimeZone%3DUTC%20-c%20statement_timeout%3D2500"));
	free(a);
	char *b = db_conninfo_for_requests("postgresql://u@h/db", 0);
	ck_assert_ptr_null(strstr(b, "statement_timeout"));
	ck_assert_ptr_null(strstr(b, "read_only"));
	ck_assert_ptr_nonnull(strstr(b, "application_name=cdtt&"));
	/* the session of a cdtt that died mid-statement ends within a second */
	ck_assert_ptr_nonnull(strstr(b, "%20-c%20client_connection_check_interval%3D1000"));
	free(b);
}
END_TEST

START_TEST(test_replica_conninfo_is_read_only_and_named)
{
	char *a = db_conninfo_for_replica("postgresql://u@ro/db", 2500);
	ck_assert_ptr_nonnull(strstr(a, "postgresql://u@ro/db?connect_timeout=2"));
	ck_assert_ptr_nonnull(strstr(a, "application_name=cdtt-replica&"));
	ck_assert_ptr_nonnull(strstr(a, "options=-c%20TimeZone%3DUTC%20-c%20default_transaction_read_only"
				     "%3Don%20-c%20statement_timeout%3D2500"));
	free(a);
}
END_TEST

START_TEST(test_amended_migration_names_the_checksums_it_replaces)
{
	const char *a = "1111111111111111111111111111111111111111111111111111111111111111";
	const char *b = "2222222222222222222222222222222222222222222222222222222222222222";
	char text[512];
	snprintf(text, sizeof text,
		 "-- replaces: sha256:%s\n-- replaces: sha256:%s (before the index)\n-- Why.\n"
		 "CREATE TABLE t (a int);\n",
		 a, b);
	const unsigned char *t = (const unsigned char *)text;
	ck_assert_int_eq(migrate_replaces(t, strlen(text), a), 1);
	ck_assert_int_eq(migrate_replaces(t, strlen(text), b), 1);
	ck_assert_int_eq(migrate_replaces(t, strlen(text),
					  "3333333333333333333333333333333333333333333333333333333333333333"),
			 0);
	/* a prefix of a declared checksum, or a longer one, is not it */
	ck_assert_int_eq(migrate_replaces(t, strlen(text), "1111"), 0);
	snprintf(text, sizeof text, "-- replaces: sha256:%s1\nSELECT 1;\n", a);
	ck_assert_int_eq(migrate_replaces(t, strlen(text), a), 0);
	/* only the leading comment lines count */
	snprintf(text, sizeof text, "-- Why.\nSELECT 1;\n-- replaces: sha256:%s\n", a);
	ck_assert_int_eq(migrate_replaces(t, strlen(text), a), 0);
	/* the declaration may end the file, without a newline; a cut-off one does not count */
	snprintf(text, sizeof text, "-- replaces: sha256:%s", a);
	ck_assert_int_eq(migrate_replaces(t, strlen(text), a), 1);
	ck_assert_int_eq(migrate_replaces(t, strlen(text) - 1, a), 0);
	/* a file with CRLF line ends */
	snprintf(text, sizeof text, "-- Why.\r\n-- replaces: sha256:%s\r\nSELECT 1;\r\n", a);
	ck_assert_int_eq(migrate_replaces(t, strlen(text), a), 1);
}
END_TEST

/* Every declaration in the embedded files is well-formed and in the leading comments, where
 * the runner reads it; a file never names its own checksum. */
START_TEST(test_embedded_replaces_declarations_are_read)
{
	static const char tag[] = "-- replaces: sha256:";
	for (size_t i = 0; i < migrations_embedded_count; i++) {
		const struct embedded_file *f = &migrations_embedded[i];
		const char *text = (const char *)f->data;
		for (const char *p = strstr(text, tag); p; p = strstr(p + 1, tag)) {
			char hex[65];
			snprintf(hex, sizeof hex, "%s", p + sizeof tag - 1);
			ck_assert_msg(strspn(hex, "0123456789abcdef") == 64, "%s: %s", f->name, hex);
			ck_assert_msg(migrate_replaces(f->data, f->len, hex),
				      "%s: the declaration is not in the leading comments", f->name);
			unsigned char digest[crypto_hash_sha256_BYTES];
			char own[65];
			crypto_hash_sha256(digest, f->data, f->len);
			sodium_bin2hex(own, sizeof own, digest, sizeof digest);
			ck_assert_str_ne(own, hex);
		}
	}
}
END_TEST

Suite *db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, test_migration_versions_come_from_file_names);
	tcase_add_test(tc, test_embedded_migrations_are_numbered_in_order);
	tcase_add_test(tc, test_amended_migration_names_the_checksums_it_replaces);
	tcase_add_test(tc, test_embedded_replaces_declarations_are_read);
	tcase_add_test(tc, test_conninfo_gets_timeouts_and_keepalives);
	tcase_add_test(tc, test_request_conninfo_carries_the_statement_timeout);
	tcase_add_test(tc, test_replica_conninfo_is_read_only_and_named);
	suite_add_tcase(s, tc);
	return s;
}
