/*
 * The CSV injection guard's inverse (api/http/csv_export.c): csv_formula_start() says which
 * values an export guards with an apostrophe (OWASP: = + - @, tab, CR, their full-width
 * forms, and a formula character after blanks), csv_unguard() takes exactly that apostrophe
 * away when a file comes back. The guard itself is SQL (csv_cell, db/functions/00_text.sql); the
 * csv_guard integration suite checks the two agree on every case below.
 */
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "../../api/http/csv_export.h"

START_TEST(test_formula_characters_start_a_formula)
{
	ck_assert(csv_formula_start("=1+1"));
	ck_assert(csv_formula_start("+84"));
	ck_assert(csv_formula_start("-2"));
	ck_assert(csv_formula_start("@SUM(A1)"));
	ck_assert(!csv_formula_start("1-2"));
	ck_assert(!csv_formula_start("a=b"));
	ck_assert(!csv_formula_start(""));
	ck_assert(!csv_formula_start("Giàng Thị Mỷ"));
	ck_assert(!csv_formula_start("'=1")); /* already guarded */
}
END_TEST

START_TEST(test_blanks_before_a_formula_character_do_not_hide_it)
{
	ck_assert(csv_formula_start(" =1"));
	ck_assert(csv_formula_start("   +1"));
	ck_assert(csv_formula_start("\t=1"));
	ck_assert(csv_formula_start(" \t@x"));
	ck_assert(csv_formula_start("\r\n-1"));
	ck_assert(!csv_formula_start(" x"));
	ck_assert(!csv_formula_start("   "));
}
END_TEST

START_TEST(test_a_leading_tab_cr_or_lf_is_guarded_whatever_follows)
{
	ck_assert(csv_formula_start("\tabc"));
	ck_assert(csv_formula_start("\rabc"));
	ck_assert(csv_formula_start("\nabc"));
	ck_assert(!csv_formula_start("abc\t"));
}
END_TEST

START_TEST(test_full_width_formula_characters_are_formulas_too)
{
	ck_assert(csv_formula_start("＝1+1"));
	ck_assert(csv_formula_start("＋1"));
	ck_assert(csv_formula_start("－1"));
	ck_assert(csv_formula_start("＠x"));
	ck_assert(csv_formula_start(" \t＝1"));
	ck_assert(!csv_formula_start("Ｘ＝1")); /* full-width X first */
	ck_assert(!csv_formula_start("\xef\xbc")); /* a cut sequence reads no further */
}
END_TEST

START_TEST(test_unguard_takes_away_exactly_the_apostrophe_the_export_added)
{
	ck_assert_str_eq(csv_unguard("'=1+1"), "=1+1");
	ck_assert_str_eq(csv_unguard("' =1"), " =1");
	ck_assert_str_eq(csv_unguard("'\t=1"), "\t=1");
	ck_assert_str_eq(csv_unguard("'\tabc"), "\tabc");
	ck_assert_str_eq(csv_unguard("'\r\n@x"), "\r\n@x");
	ck_assert_str_eq(csv_unguard("'＠x"), "＠x");
	ck_assert_str_eq(csv_unguard("''=1"), "'=1"); /* a value that began with '= */
	ck_assert_str_eq(csv_unguard("'''-1"), "''-1");
}
END_TEST

START_TEST(test_unguard_leaves_every_other_cell_alone)
{
	static const char *const cells[] = {"=1", "'", "''", "'abc", "it's", "'1-2", "' x", "",
					    "Giàng Thị Mỷ", "a,b", "\"q\"", NULL};
	for (const char *const *c = cells; *c; c++)
		ck_assert_ptr_eq(csv_unguard(*c), *c);
}
END_TEST

/* What csv_cell() does before quoting, written again here: the inverse must undo it. */
START_TEST(test_guard_then_unguard_gives_back_every_value)
{
	static const char *const values[] = {"=1+1", "'=1", "''+1", " =1", "\t=1", "\tx", "\r\n@x",
					     "＝1", " ＋1", "－", "＠", "'", "it's", "a-b", "-",
					     "", " x ", "+84 912 345 678", NULL};
	char cell[64];
	for (const char *const *v = values; *v; v++) {
		int guard = csv_formula_start(*v + strspn(*v, "'"));
		snprintf(cell, sizeof cell, "%s%s", guard ? "'" : "", *v);
		ck_assert_str_eq(csv_unguard(cell), *v);
	}
}
END_TEST

Suite *csv_guard_suite(void)
{
	Suite *s = suite_create("csv_guard");
	TCase *tc = tcase_create("csv_guard");
	tcase_add_test(tc, test_formula_characters_start_a_formula);
	tcase_add_test(tc, test_blanks_before_a_formula_character_do_not_hide_it);
	tcase_add_test(tc, test_a_leading_tab_cr_or_lf_is_guarded_whatever_follows);
	tcase_add_test(tc, test_full_width_formula_characters_are_formulas_too);
	tcase_add_test(tc, test_unguard_takes_away_exactly_the_apostrophe_the_export_added);
	tcase_add_test(tc, test_unguard_leaves_every_other_cell_alone);
	tcase_add_test(tc, test_guard_then_unguard_gives_back_every_value);
	suite_add_tcase(s, tc);
	return s;
}
