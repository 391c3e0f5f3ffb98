/*
 * The scope rule in SQL (db/functions/10_scope.sql), called directly through libpq with no
 * HTTP: within(path, root), visible_units(scope), visible_teams(scope, only_team) and
 * visible_members(scope), per role and per level.
 *
 * The world (world.h) is completed with a second province, officers of a province and of two
 * districts, a team leader with a team, teams and members in several units, and a commune MC
 * that was created under district BQ and then moved, with its village, under district BM:
 *
 *   HG  > BQ > TQ > TQ-V1          LC > SP > TV > TV-V1
 *       > BM > NX > NX-V1
 *            > MC > MC-V1 (moved here from BQ)
 *
 * An account's scope and only_team are computed as the server computes them (auth/bearer.c,
 * teams_input.c): the empty path for an admin, else the path of the account's unit; a team
 * leader's own team, or the nil uuid when they have none; NULL for everyone else.
 */
#define _GNU_SOURCE
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"
#include "world.h"

static struct world sw;

/* The ltree "is at or under" operator; spelled with an escape so that no C source holds it
 * (paths are compared in db/functions/ only). */
#define DESCENDANT_OP "<\x40"

/* The scope of the account $1, as auth/bearer.c reads it. */
#define SCOPE_OF                                                                           \
	"(SELECT CASE WHEN a.role = 'admin' THEN ''::ltree ELSE n.path END FROM users a"    \
	" LEFT JOIN units n ON n.code = a.unit_code WHERE a.username = $1)"
/* The only_team of the account $1, as team_only_param() passes it. */
#define ONLY_TEAM_OF                                                                       \
	"(SELECT CASE WHEN a.role = 'team_leader' THEN coalesce(a.team_id,"                   \
	" '00000000-0000-0000-0000-000000000000') END FROM users a WHERE a.username = $1)"
/* The path of the unit $1. */
#define PATH_OF(param) "(SELECT path FROM units WHERE code = " param ")"

static void setup(void)
{
	world_create(&sw, NULL);
	world_add_unit(&sw, "LC", "Lào Cai", "province", NULL);
	world_add_unit(&sw, "SP", "Sa Pa", "district", "LC");
	world_add_unit(&sw, "TV", "Tả Van", "commune", "SP");
	world_add_unit(&sw, "TV-V1", "Thôn Tả Van", "village", "TV");
	world_add_unit(&sw, "MC", "Minh Châu", "commune", "BQ");
	world_add_unit(&sw, "MC-V1", "Thôn Minh Châu", "village", "MC");
	db_exec_ok(sw.url, "UPDATE units SET parent_code = 'BM' WHERE code = 'MC'");
	world_add_user(&sw, "officer.hg", "officer", "HG", NULL);
	world_add_user(&sw, "officer.bq", "officer", "BQ", NULL);
	world_add_user(&sw, "officer.bm", "officer", "BM", NULL);
	db_exec_ok(sw.url,
		   "INSERT INTO teams (unit_code, name, status, established_on) VALUES"
		   " ('TQ-V1', 'team TQ-V1', 'active', '2020-01-01'),"
		   " ('TQ-V1', 'team TQ-V1 old', 'dissolved', '2019-01-01'),"
		   " ('TQ', 'team TQ', 'active', '2020-01-01'),"
		   " ('NX-V1', 'team NX-V1', 'active', '2020-01-01'),"
		   " ('TV-V1', 'team TV-V1', 'active', '2020-01-01'),"
		   " ('MC-V1', 'team MC-V1', 'active', '2020-01-01');"
		   "INSERT INTO members (unit_code, full_name) VALUES ('TQ-V1', 'member TQ-V1'),"
		   " ('TQ', 'member TQ'), ('NX-V1', 'member NX-V1'), ('TV-V1', 'member TV-V1'),"
		   " ('MC-V1', 'member MC-V1')");
	world_add_user(&sw, "leader.team", "team_leader", "TQ-V1", NULL);
	db_exec_ok(sw.url, "UPDATE users SET team_id = (SELECT id FROM teams"
			   " WHERE name = 'team TQ-V1') WHERE username = 'leader.team'");
}

static void teardown(void)
{
	world_destroy(&sw);
}

/* Runs sql with up to two text parameters (NULL: none) on the world's database and returns
 * its first value ("" when NULL or no row; static buffer). With seqscan_off, the statement
 * runs after SET enable_seqscan = off. */
static const char *sql_value_on(const char *sql, const char *p1, const char *p2,
				int seqscan_off)
{
	static char out[8192];
	PGconn *pg = PQconnectdb(sw.url);
	ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "%s", PQerrorMessage(pg));
	if (seqscan_off)
		PQclear(PQexec(pg, "SET enable_seqscan = off"));
	const char *params[2] = {p1, p2};
	PGresult *res = PQexecParams(pg, sql, p2 ? 2 : p1 ? 1 : 0, NULL, params, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(pg));
	out[0] = '\0';
	/* EXPLAIN answers one row per line of the plan: they are joined with newlines */
	for (int i = 0; i < PQntuples(res); i++) {
		size_t used = strlen(out);
		if (!PQgetisnull(res, i, 0))
			snprintf(out + used, sizeof out - used, "%s%s", i ? "\n" : "",
				 PQgetvalue(res, i, 0));
	}
	PQclear(res);
	PQfinish(pg);
	return out;
}

static const char *sql_value(const char *sql, const char *p1, const char *p2)
{
	return sql_value_on(sql, p1, p2, 0);
}

/* The codes of the units the account sees, sorted and joined with ','. */
static const char *units_seen_by(const char *username)
{
	return sql_value("SELECT string_agg(code, ',' ORDER BY code COLLATE \"C\")"
			 " FROM visible_units(" SCOPE_OF ")",
			 username, NULL);
}

/* The names of the teams the account sees, sorted and joined with ','. */
static const char *teams_seen_by(const char *username)
{
	return sql_value("SELECT string_agg(name, ',' ORDER BY name COLLATE \"C\")"
			 " FROM visible_teams(" SCOPE_OF ", " ONLY_TEAM_OF ")",
			 username, NULL);
}

/* The names of the members the account sees, sorted and joined with ','. */
static const char *members_seen_by(const char *username)
{
	return sql_value("SELECT string_agg(full_name, ',' ORDER BY full_name COLLATE \"C\")"
			 " FROM visible_members(" SCOPE_OF ")",
			 username, NULL);
}

/* within(path of unit, path of root) as "t" or "f". */
static const char *unit_within(const char *unit, const char *root)
{
	return sql_value("SELECT within(" PATH_OF("$1") ", " PATH_OF("$2") ")", unit, root);
}

/* within() */

START_TEST(test_within_holds_for_the_root_itself)
{
	ck_assert_str_eq(unit_within("TQ", "TQ"), "t");
}
END_TEST

START_TEST(test_within_holds_for_a_village_under_a_province)
{
	ck_assert_str_eq(unit_within("TQ-V1", "HG"), "t");
}
END_TEST

START_TEST(test_within_does_not_hold_for_a_parent)
{
	ck_assert_str_eq(unit_within("BQ", "TQ"), "f");
}
END_TEST

START_TEST(test_within_does_not_hold_for_a_sibling)
{
	ck_assert_str_eq(unit_within("BM", "BQ"), "f");
}
END_TEST

START_TEST(test_within_does_not_hold_for_another_province)
{
	ck_assert_str_eq(unit_within("TV-V1", "HG"), "f");
}
END_TEST

START_TEST(test_within_the_empty_path_holds_for_every_unit)
{
	ck_assert_str_eq(sql_value("SELECT bool_and(within(path, '')) FROM units", NULL, NULL),
			 "t");
}
END_TEST

START_TEST(test_within_follows_a_moved_unit_to_its_new_parent)
{
	ck_assert_str_eq(unit_within("MC-V1", "BM"), "t");
}
END_TEST

START_TEST(test_within_no_longer_holds_under_a_moved_units_old_parent)
{
	ck_assert_str_eq(unit_within("MC-V1", "BQ"), "f");
}
END_TEST

START_TEST(test_within_is_inlined_to_the_ltree_operator)
{
	const char *plan = sql_value("EXPLAIN (COSTS OFF) SELECT code FROM units"
				     " WHERE within(path, $1)",
				     "1.2", NULL);
	ck_assert_msg(strstr(plan, "path " DESCENDANT_OP " "), "plan: %s", plan);
	ck_assert_msg(!strstr(plan, "within"), "plan: %s", plan);
}
END_TEST

START_TEST(test_within_uses_the_gist_index_when_sequential_scans_are_off)
{
	const char *plan = sql_value_on("EXPLAIN (COSTS OFF) SELECT code FROM units"
					" WHERE within(path, $1)",
					"1.2", NULL, 1);
	ck_assert_msg(strstr(plan, "units_path_gist"), "plan: %s", plan);
	ck_assert_msg(strstr(plan, "Index Cond: (path " DESCENDANT_OP " "), "plan: %s", plan);
}
END_TEST

START_TEST(test_visible_units_is_inlined_into_the_calling_statement)
{
	const char *plan = sql_value("EXPLAIN (COSTS OFF) SELECT code FROM visible_units($1)",
				     "1.2", NULL);
	ck_assert_msg(!strstr(plan, "Function Scan"), "plan: %s", plan);
	ck_assert_msg(strstr(plan, "path " DESCENDANT_OP " "), "plan: %s", plan);
}
END_TEST

/* visible_units() */

START_TEST(test_admin_sees_every_unit_of_every_province)
{
	ck_assert_str_eq(units_seen_by("admin"),
			 "BM,BQ,HG,LC,MC,MC-V1,NX,NX-V1,SP,TQ,TQ-V1,TV,TV-V1");
}
END_TEST

START_TEST(test_province_officer_sees_exactly_their_province_subtree)
{
	ck_assert_str_eq(units_seen_by("officer.hg"), "BM,BQ,HG,MC,MC-V1,NX,NX-V1,TQ,TQ-V1");
}
END_TEST

START_TEST(test_district_officer_sees_exactly_their_district_subtree)
{
	ck_assert_str_eq(units_seen_by("officer.bq"), "BQ,TQ,TQ-V1");
}
END_TEST

START_TEST(test_district_officer_sees_a_commune_moved_under_their_district)
{
	ck_assert_str_eq(units_seen_by("officer.bm"), "BM,MC,MC-V1,NX,NX-V1");
}
END_TEST

START_TEST(test_commune_officer_sees_exactly_their_commune_subtree)
{
	ck_assert_str_eq(units_seen_by("officer.tq"), "TQ,TQ-V1");
}
END_TEST

START_TEST(test_commune_officer_of_another_commune_sees_only_theirs)
{
	ck_assert_str_eq(units_seen_by("officer.nx"), "NX,NX-V1");
}
END_TEST

START_TEST(test_viewer_sees_the_units_an_officer_of_their_unit_sees)
{
	char *officer = strdup(units_seen_by("officer.tq"));
	ck_assert_str_eq(units_seen_by("viewer.tq"), officer);
	free(officer);
}
END_TEST

START_TEST(test_team_leader_sees_only_their_village)
{
	ck_assert_str_eq(units_seen_by("leader.tq"), "TQ-V1");
}
END_TEST

START_TEST(test_an_unknown_scope_sees_no_unit)
{
	/* bearer.c gives an account whose unit has no path the scope "none" */
	ck_assert_str_eq(sql_value("SELECT count(*) FROM visible_units('none')", NULL, NULL),
			 "0");
}
END_TEST

/* visible_teams() */

START_TEST(test_admin_sees_every_team)
{
	ck_assert_str_eq(teams_seen_by("admin"), "team MC-V1,team NX-V1,team TQ,team TQ-V1,"
						 "team TQ-V1 old,team TV-V1");
}
END_TEST

START_TEST(test_province_officer_sees_the_teams_of_their_province_only)
{
	ck_assert_str_eq(teams_seen_by("officer.hg"),
			 "team MC-V1,team NX-V1,team TQ,team TQ-V1,team TQ-V1 old");
}
END_TEST

START_TEST(test_district_officer_sees_the_teams_of_their_district_only)
{
	ck_assert_str_eq(teams_seen_by("officer.bq"), "team TQ,team TQ-V1,team TQ-V1 old");
}
END_TEST

START_TEST(test_team_of_a_moved_commune_is_seen_under_its_new_district)
{
	ck_assert_str_eq(teams_seen_by("officer.bm"), "team MC-V1,team NX-V1");
}
END_TEST

START_TEST(test_commune_officer_sees_every_team_of_the_commune_whatever_its_status)
{
	ck_assert_str_eq(teams_seen_by("officer.tq"), "team TQ,team TQ-V1,team TQ-V1 old");
}
END_TEST

START_TEST(test_viewer_sees_the_teams_an_officer_of_their_unit_sees)
{
	char *officer = strdup(teams_seen_by("officer.tq"));
	ck_assert_str_eq(teams_seen_by("viewer.tq"), officer);
	free(officer);
}
END_TEST

START_TEST(test_team_leader_sees_only_their_own_team)
{
	ck_assert_str_eq(teams_seen_by("leader.team"), "team TQ-V1");
}
END_TEST

START_TEST(test_team_leader_without_a_team_sees_no_team)
{
	ck_assert_str_eq(teams_seen_by("leader.tq"), "");
}
END_TEST

START_TEST(test_only_team_outside_the_scope_is_not_seen)
{
	ck_assert_str_eq(sql_value("SELECT count(*) FROM visible_teams(" PATH_OF("'TQ-V1'") ","
				   " (SELECT id FROM teams WHERE name = $1))",
				   "team NX-V1", NULL),
			 "0");
}
END_TEST

/* visible_members() */

START_TEST(test_admin_sees_every_member)
{
	ck_assert_str_eq(members_seen_by("admin"), "member MC-V1,member NX-V1,member TQ,"
						   "member TQ-V1,member TV-V1");
}
END_TEST

START_TEST(test_province_officer_sees_the_members_of_their_province_only)
{
	ck_assert_str_eq(members_seen_by("officer.hg"),
			 "member MC-V1,member NX-V1,member TQ,member TQ-V1");
}
END_TEST

START_TEST(test_district_officer_sees_the_members_of_their_district_only)
{
	ck_assert_str_eq(members_seen_by("officer.bq"), "member TQ,member TQ-V1");
}
END_TEST

START_TEST(test_member_of_a_moved_commune_is_seen_under_its_new_district)
{
	ck_assert_str_eq(members_seen_by("officer.bm"), "member MC-V1,member NX-V1");
}
END_TEST

START_TEST(test_commune_officer_sees_the_members_of_their_commune_subtree)
{
	ck_assert_str_eq(members_seen_by("officer.tq"), "member TQ,member TQ-V1");
}
END_TEST

START_TEST(test_commune_officer_does_not_see_the_members_of_another_commune)
{
	ck_assert_str_eq(members_seen_by("officer.nx"), "member NX-V1");
}
END_TEST

START_TEST(test_viewer_sees_the_members_an_officer_of_their_unit_sees)
{
	char *officer = strdup(members_seen_by("officer.tq"));
	ck_assert_str_eq(members_seen_by("viewer.tq"), officer);
	free(officer);
}
END_TEST

START_TEST(test_team_leader_sees_the_members_of_their_village)
{
	ck_assert_str_eq(members_seen_by("leader.team"), "member TQ-V1");
}
END_TEST

Suite *scope_sql_suite(void)
{
	Suite *s = suite_create("scope sql");
	TCase *tc = tcase_create("scope functions");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_within_holds_for_the_root_itself);
	tcase_add_test(tc, test_within_holds_for_a_village_under_a_province);
	tcase_add_test(tc, test_within_does_not_hold_for_a_parent);
	tcase_add_test(tc, test_within_does_not_hold_for_a_sibling);
	tcase_add_test(tc, test_within_does_not_hold_for_another_province);
	tcase_add_test(tc, test_within_the_empty_path_holds_for_every_unit);
	tcase_add_test(tc, test_within_follows_a_moved_unit_to_its_new_parent);
	tcase_add_test(tc, test_within_no_longer_holds_under_a_moved_units_old_parent);
	tcase_add_test(tc, test_within_is_inlined_to_the_ltree_operator);
	tcase_add_test(tc, test_within_uses_the_gist_index_when_sequential_scans_are_off);
	tcase_add_test(tc, test_visible_units_is_inlined_into_the_calling_statement);
	tcase_add_test(tc, test_admin_sees_every_unit_of_every_province);
	tcase_add_test(tc, test_province_officer_sees_exactly_their_province_subtree);
	tcase_add_test(tc, test_district_officer_sees_exactly_their_district_subtree);
	tcase_add_test(tc, test_district_officer_sees_a_commune_moved_under_their_district);
	tcase_add_test(tc, test_commune_officer_sees_exactly_their_commune_subtree);
	tcase_add_test(tc, test_commune_officer_of_another_commune_sees_only_theirs);
	tcase_add_test(tc, test_viewer_sees_the_units_an_officer_of_their_unit_sees);
	tcase_add_test(tc, test_team_leader_sees_only_their_village);
	tcase_add_test(tc, test_an_unknown_scope_sees_no_unit);
	tcase_add_test(tc, test_admin_sees_every_team);
	tcase_add_test(tc, test_province_officer_sees_the_teams_of_their_province_only);
	tcase_add_test(tc, test_district_officer_sees_the_teams_of_their_district_only);
	tcase_add_test(tc, test_team_of_a_moved_commune_is_seen_under_its_new_district);
	tcase_add_test(tc, test_commune_officer_sees_every_team_of_the_commune_whatever_its_status);
	tcase_add_test(tc, test_viewer_sees_the_teams_an_officer_of_their_unit_sees);
	tcase_add_test(tc, test_team_leader_sees_only_their_own_team);
	tcase_add_test(tc, test_team_leader_without_a_team_sees_no_team);
	tcase_add_test(tc, test_only_team_outside_the_scope_is_not_seen);
	tcase_add_test(tc, test_admin_sees_every_member);
	tcase_add_test(tc, test_province_officer_sees_the_members_of_their_province_only);
	tcase_add_test(tc, test_district_officer_sees_the_members_of_their_district_only);
	tcase_add_test(tc, test_member_of_a_moved_commune_is_seen_under_its_new_district);
	tcase_add_test(tc, test_commune_officer_sees_the_members_of_their_commune_subtree);
	tcase_add_test(tc, test_commune_officer_does_not_see_the_members_of_another_commune);
	tcase_add_test(tc, test_viewer_sees_the_members_an_officer_of_their_unit_sees);
	tcase_add_test(tc, test_team_leader_sees_the_members_of_their_village);
	suite_add_tcase(s, tc);
	return s;
}
