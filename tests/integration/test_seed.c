/* seed-demo: Hà Giang's layout and counts, one active team of 3-4 in every village, activities
 * that keep the rules, communes that lag, evaluations scored from that work (lower where
 * communes lag, one correction), funding proposals in every state whose amounts and
 * histories add up, a second run that changes nothing, the same data on every run, and an
 * admin who can log in with the password printed once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"
#include "world.h"

static char url[512];
static int first_code;
static char *first_output;
static char password[64];

static int run_seed(const char *database_url, const char *const *args, char **output)
{
	char var[600];
	snprintf(var, sizeof var, "CDTT_DATABASE_URL=%s", database_url);
	const char *env[] = {var, NULL};
	struct proc p = {0};
	proc_spawn(&p, env, args);
	int code = proc_wait(&p, 110000);
	*output = proc_output(&p);
	return code;
}

/* Seeds one fresh database for the whole case: the tests read it, the checks are its own. */
static void setup(void)
{
	snprintf(url, sizeof url, "%s", db_create("seed"));
	const char *args[] = {"seed-demo", NULL};
	first_code = run_seed(url, args, &first_output);
	const char *line = strstr(first_output, "admin password: ");
	if (line)
		sscanf(line + strlen("admin password: "), "%63s", password);
}

static void teardown(void)
{
	free(first_output);
}

static long count(const char *sql)
{
	char *v = db_query_value(url, sql);
	ck_assert_msg(v, "no value: %s", sql);
	long n = atol(v);
	free(v);
	return n;
}

START_TEST(test_seed_exits_0_and_prints_the_admin_password_once)
{
	ck_assert_msg(first_code == 0, "exit %d: %s", first_code, first_output);
	const char *line = strstr(first_output, "admin password: ");
	ck_assert_msg(line, "%s", first_output);
	ck_assert_msg(!strstr(line + 1, "admin password: "), "printed twice: %s", first_output);
	ck_assert_int_ge(strlen(password), 12);
	ck_assert_int_eq(count("SELECT count(*) FROM users WHERE username = 'admin' AND role = 'admin'"
			       " AND status = 'active' AND unit_code IS NULL"),
			 1);
}
END_TEST

START_TEST(test_province_has_the_eleven_real_districts)
{
	ck_assert_int_eq(count("SELECT count(*) FROM units WHERE code = 'HG' AND name = 'Hà Giang'"
			       " AND level = 'province'"),
			 1);
	char *names = db_query_value(url, "SELECT string_agg(name, '|' ORDER BY name COLLATE \"C\")"
					  " FROM units WHERE parent_code = 'HG' AND level = 'district'");
	ck_assert_str_eq(names, "Bắc Mê|Bắc Quang|Hoàng Su Phì|Mèo Vạc|Quang Bình|Quản Bạ|"
				"Thành phố Hà Giang|Vị Xuyên|Xín Mần|Yên Minh|Đồng Văn");
	free(names);
}
END_TEST

START_TEST(test_province_has_193_communes_and_2071_villages)
{
	ck_assert_int_eq(count("SELECT count(*) FROM units c JOIN units d ON d.code = c.parent_code"
			       " WHERE c.level = 'commune' AND d.parent_code = 'HG'"),
			 193);
	ck_assert_int_eq(count("SELECT count(*) FROM units v, units p WHERE p.code = 'HG'"
			       " AND within(v.path, p.path) AND v.level = 'village'"),
			 2071);
	/* every village under a commune, every commune with villages */
	ck_assert_int_eq(count("SELECT count(*) FROM units v JOIN units c ON c.code = v.parent_code"
			       " WHERE v.level = 'village' AND c.level <> 'commune'"),
			 0);
	ck_assert_int_eq(count("SELECT count(*) FROM units c WHERE c.level = 'commune' AND NOT EXISTS"
			       " (SELECT 1 FROM units v WHERE v.parent_code = c.code)"),
			 0);
	ck_assert_int_eq(count("SELECT count(*) FROM units WHERE code !~ '^[A-Za-z0-9._-]{1,32}$'"), 0);
}
END_TEST

START_TEST(test_the_places_the_report_names_exist)
{
	ck_assert_int_eq(count("SELECT count(*) FROM units c JOIN units d ON d.code = c.parent_code"
			       " WHERE c.name = 'Tân Quang' AND c.level = 'commune'"
			       " AND d.name = 'Bắc Quang' AND d.parent_code = 'HG'"),
			 1);
	ck_assert_int_eq(count("SELECT count(*) FROM units v JOIN units c ON c.code = v.parent_code"
			       " JOIN units d ON d.code = c.parent_code"
			       " WHERE v.name LIKE '%Nà Xá' AND v.level = 'village'"
			       " AND c.name = 'Yên Định' AND d.name = 'Bắc Mê' AND d.parent_code = 'HG'"),
			 1);
}
END_TEST

START_TEST(test_every_village_has_one_active_team)
{
	ck_assert_int_eq(count("SELECT count(*) FROM units v WHERE v.level = 'village' AND"
			       " (SELECT count(*) FROM teams t WHERE t.unit_code = v.code"
			       "  AND t.status = 'active') <> 1"),
			 0);
	ck_assert_int_eq(count("SELECT count(*) FROM teams WHERE name NOT LIKE 'Tổ công nghệ số cộng đồng %'"
			       " OR established_on NOT BETWEEN '2022-01-01' AND '2024-12-31'"),
			 0);
}
END_TEST

START_TEST(test_every_team_has_3_to_4_active_members_and_one_leader)
{
	ck_assert_int_eq(count("SELECT count(*) FROM teams t WHERE"
			       " (SELECT count(*) FROM memberships m WHERE m.team_id = t.id"
			       "  AND m.left_on IS NULL) NOT BETWEEN 3 AND 4"
			       " OR (SELECT count(*) FROM memberships m WHERE m.team_id = t.id"
			       "  AND m.left_on IS NULL AND m.role = 'leader') <> 1"),
			 0);
	ck_assert_int_eq(count("SELECT count(*) FROM memberships ms JOIN teams t ON t.id = ms.team_id"
			       " JOIN members m ON m.id = ms.member_id"
			       " WHERE ms.joined_on < t.established_on OR ms.joined_on > current_date"
			       " OR m.status <> 'active' OR m.unit_code <> t.unit_code"),
			 0);
	/* both kinds of team: of three and of four */
	ck_assert_int_eq(count("SELECT count(DISTINCT n) FROM (SELECT count(*) AS n FROM memberships"
			       " GROUP BY team_id) s"),
			 2);
}
END_TEST

START_TEST(test_members_are_plausible_and_valid)
{
	ck_assert_int_eq(count("SELECT count(*) FROM members WHERE phone !~ '^0[35789][0-9]{8}$'"
			       " OR full_name !~ '^\\S+ \\S+ \\S+$' OR gender NOT IN ('female', 'male')"
			       " OR birth_year NOT BETWEEN 1950 AND 2008 OR ethnicity IS NULL"
			       " OR digital_skill IS NULL OR cardinality(affiliations) = 0"
			       " OR languages[1] <> 'vie'"),
			 0);
	ck_assert_int_eq(count("SELECT count(*) - count(DISTINCT phone) FROM members"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM members m, unnest(m.languages) l"
			       " WHERE NOT EXISTS (SELECT 1 FROM languages WHERE code = l)"),
			 0);
	/* the district's people: H'Mông in Đồng Văn, Tày or Kinh in Bắc Quang */
	ck_assert_int_gt(count("SELECT count(*) FILTER (WHERE ethnicity = 'H''Mông') * 100 / count(*)"
			       " FROM members WHERE unit_code LIKE 'HG-DV-%'"),
			 60);
	ck_assert_int_gt(count("SELECT count(*) FILTER (WHERE ethnicity IN ('Tày', 'Kinh')) * 100"
			       " / count(*) FROM members WHERE unit_code LIKE 'HG-BQ-%'"),
			 55);
	/* officials lead; youth-union members and teachers are the most common others */
	ck_assert_int_eq(count("SELECT count(*) FROM memberships ms JOIN members m ON m.id = ms.member_id"
			       " WHERE ms.role = 'leader' AND NOT 'official' = ANY (m.affiliations)"),
			 0);
	char *top = db_query_value(url, "SELECT string_agg(a, ',' ORDER BY a) FROM (SELECT a FROM members,"
					"unnest(affiliations) a WHERE a NOT IN ('official', 'party_member')"
					" GROUP BY a ORDER BY count(*) DESC LIMIT 2) s");
	ck_assert_str_eq(top, "teacher,youth_union");
	free(top);
}
END_TEST

START_TEST(test_activities_respect_the_rules)
{
	ck_assert_int_gt(count("SELECT count(*) FROM activities"), 20000);
	ck_assert_int_eq(count("SELECT count(*) FROM activities a JOIN teams t ON t.id = a.team_id"
			       " WHERE a.date > current_date OR a.date < t.established_on"
			       " OR a.date <= current_date - 366 OR a.unit_code <> t.unit_code"),
			 0);
	ck_assert_int_eq(count("SELECT count(*) FROM activities WHERE households_reached IS NULL"
			       " OR people_reached IS NULL OR households_reached > people_reached"
			       " OR people_reached > 10000 OR households_reached < 1"),
			 0);
	/* the members who went were active members of the team */
	ck_assert_int_eq(count("SELECT count(*) FROM activities a WHERE cardinality(a.member_ids) = 0"
			       " OR EXISTS (SELECT 1 FROM unnest(a.member_ids) m WHERE NOT EXISTS"
			       "  (SELECT 1 FROM memberships ms WHERE ms.team_id = a.team_id"
			       "   AND ms.member_id = m AND ms.left_on IS NULL AND ms.joined_on <= a.date))"),
			 0);
	ck_assert_int_eq(count("SELECT count(*) FROM activities a WHERE cardinality(service_codes) = 0"
			       " OR EXISTS (SELECT 1 FROM unnest(a.service_codes) s"
			       "  WHERE NOT EXISTS (SELECT 1 FROM services WHERE code = s))"),
			 0);
	/* VNeID is the main work */
	char *top = db_query_value(url, "SELECT s FROM activities, unnest(service_codes) s"
					" GROUP BY s ORDER BY count(*) DESC LIMIT 1");
	ck_assert_str_eq(top, "vneid_level2");
	free(top);
	/* most teams active in most months */
	ck_assert_int_gt(count("SELECT count(*) * 100 / (SELECT count(*) FROM teams) FROM teams t"
			       " WHERE (SELECT count(DISTINCT date_trunc('month', date)) FROM activities a"
			       "  WHERE a.team_id = t.id) >= 9"),
			 60);
}
END_TEST

START_TEST(test_some_communes_lag_far_behind)
{
	const char *per_commune = "WITH c AS (SELECT u.code, count(a.id) AS n FROM units u"
				  " JOIN units v ON v.parent_code = u.code"
				  " LEFT JOIN activities a ON a.unit_code = v.code"
				  " WHERE u.level = 'commune' GROUP BY u.code),"
				  " m AS (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY n) AS median"
				  " FROM c) ";
	char sql[1024];
	snprintf(sql, sizeof sql, "%s SELECT count(*) FROM c, m WHERE n < median / 10", per_commune);
	long lagging = count(sql);
	ck_assert_msg(lagging >= 3 && lagging <= 10, "%ld communes lag", lagging);
	/* and the rest is uneven too, not one flat rate */
	snprintf(sql, sizeof sql, "%s SELECT count(*) FROM c, m WHERE n BETWEEN median / 10 AND median / 2",
		 per_commune);
	ck_assert_int_ge(count(sql), 5);
}
END_TEST

/* The lagging communes, as test_some_communes_lag_far_behind finds them: fewer than a tenth of
 * the median commune's activities. */
#define LAGGING_COMMUNES                                                                         \
	"WITH c AS (SELECT u.code, count(a.id) AS n FROM units u"                                  \
	" JOIN units v ON v.parent_code = u.code LEFT JOIN activities a ON a.unit_code = v.code"   \
	" WHERE u.level = 'commune' GROUP BY u.code),"                                             \
	" lagging AS (SELECT code FROM c WHERE n < (SELECT percentile_cont(0.5)"                  \
	" WITHIN GROUP (ORDER BY n) FROM c) / 10) "

/* The current finalized evaluations (not superseded). */
#define CURRENT_FINAL "status = 'finalized' AND superseded_by IS NULL"

START_TEST(test_evaluations_by_status_period_and_body)
{
	/* every member once for the year half a year back, by party cell or commune committee */
	char *year = db_query_value(url, "SELECT extract(year FROM (now() AT TIME ZONE"
				       " 'Asia/Ho_Chi_Minh')::date - interval '6 months')::int::text");
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM members m WHERE m.status = 'active' AND (SELECT count(*)"
		 " FROM evaluations e WHERE e.member_id = m.id AND e." CURRENT_FINAL
		 " AND e.period = '%s' AND e.rubric_code = 'member-yearly'"
		 " AND e.evaluator_body = CASE WHEN m.affiliations && '{party_member,civil_servant}'"
		 " THEN 'party_cell' ELSE 'commune_committee' END) <> 1",
		 year);
	ck_assert_int_eq(count(sql), 0);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM evaluations WHERE subject_type = 'member'"
		 " AND (period <> '%s' OR status <> 'finalized')", year);
	ck_assert_int_eq(count(sql), 0);
	free(year);
	ck_assert_int_gt(count("SELECT count(*) FROM evaluations WHERE subject_type = 'member'"
			       " AND " CURRENT_FINAL " AND evaluator_body = 'party_cell'"),
			 1000);
	ck_assert_int_gt(count("SELECT count(*) FROM evaluations WHERE subject_type = 'member'"
			       " AND " CURRENT_FINAL " AND evaluator_body = 'commune_committee'"),
			 3000);
	/* every active team for each whole quarter inside the activity window, by the commune */
	ck_assert_int_eq(count("SELECT count(*) FROM evaluations WHERE subject_type = 'team'"
			       " AND status = 'finalized' AND (evaluator_body <> 'commune_committee'"
			       " OR rubric_code <> 'team-quarterly' OR period_from < current_date - 366"
			       " OR period_to >= (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date)"),
			 0);
	ck_assert_int_ge(count("SELECT count(DISTINCT period) FROM evaluations"
			       " WHERE subject_type = 'team' AND status = 'finalized'"),
			 3);
	ck_assert_int_eq(count("SELECT count(*) FROM teams t, (SELECT DISTINCT period FROM evaluations"
			       " WHERE subject_type = 'team' AND status = 'finalized') p"
			       " WHERE t.status = 'active' AND (SELECT count(*) FROM evaluations e"
			       " WHERE e.team_id = t.id AND e.period = p.period AND e." CURRENT_FINAL ") <> 1"),
			 0);
	/* twenty teams' own drafts for the quarter in progress: no rating without every score */
	ck_assert_int_eq(count("SELECT count(*) FROM evaluations WHERE status = 'draft'"), 20);
	ck_assert_int_eq(count("SELECT count(*) FROM evaluations WHERE status = 'draft'"
			       " AND evaluator_body = 'team_self' AND subject_type = 'team'"
			       " AND finalized_at IS NULL AND period = to_char((now() AT TIME ZONE"
			       " 'Asia/Ho_Chi_Minh')::date, 'YYYY-\"Q\"Q')"),
			 20);
	long rated = count("SELECT count(*) FROM evaluations WHERE status = 'draft'"
			   " AND rating IS NOT NULL");
	ck_assert_msg(rated > 0 && rated < 20, "%ld drafts rated", rated);
	ck_assert_int_eq(count("SELECT count(*) FROM evaluations e JOIN rubrics r"
			       " ON r.code = e.rubric_code AND r.version = e.rubric_version"
			       " WHERE e.status = 'draft' AND (e.rating IS NULL) <> EXISTS"
			       " (SELECT 1 FROM jsonb_array_elements(r.criteria) c"
			       "  WHERE NOT e.scores ? (c->>'code'))"),
			 0);
}
END_TEST

START_TEST(test_evaluation_scores_totals_and_ratings_are_the_servers)
{
	/* total and rating as the API computes them, on the rubric's current version */
	ck_assert_int_eq(count("SELECT count(*) FROM evaluations e JOIN rubrics r"
			       " ON r.code = e.rubric_code AND r.version = e.rubric_version"
			       " WHERE e.total_score IS DISTINCT FROM evaluation_total(e.scores, r.criteria)"
			       " OR e.rating IS DISTINCT FROM evaluation_rating(e.total_score, r.thresholds)"
			       " OR evaluation_score_problems(e.scores, r.criteria, e.status = 'finalized')"
			       "  IS NOT NULL"
			       " OR r.version <> (SELECT max(version) FROM rubrics WHERE code = r.code)"),
			 0);
	/* a criterion with a KPI scored as the frozen evidence suggests */
	ck_assert_int_eq(count("SELECT count(*) FROM evaluations e,"
			       " jsonb_array_elements(e.evidence->'criteria') c"
			       " WHERE (e.scores->(c->>'code'))::numeric <> (c->>'suggested_score')::numeric"),
			 0);
	ck_assert_int_eq(count("SELECT count(*) FROM evaluations WHERE status = 'finalized'"
			       " AND (evidence->>'computed_at' <> rfc3339(finalized_at)"
			       " OR finalized_at > now() OR created_at > finalized_at"
			       " OR evidence->>'period_from' <> period_from::text)"),
			 0);
	/* ratings spread over the scale */
	ck_assert_int_ge(count("SELECT count(DISTINCT rating) FROM evaluations WHERE " CURRENT_FINAL), 3);
	ck_assert_int_ge(count("SELECT count(DISTINCT rating) FROM evaluations WHERE " CURRENT_FINAL
			       " AND subject_type = 'member'"),
			 4);
}
END_TEST

START_TEST(test_one_evaluation_was_corrected)
{
	ck_assert_int_eq(count("SELECT count(*) FROM evaluations WHERE superseded_by IS NOT NULL"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM evaluations WHERE supersedes IS NOT NULL"), 1);
	/* the pair names each other, same subject, period and body, both finalized, the
	 * correction later and with its reason */
	ck_assert_int_eq(count("SELECT count(*) FROM evaluations o JOIN evaluations n"
			       " ON n.id = o.superseded_by AND n.supersedes = o.id"
			       " WHERE o.status = 'finalized' AND n.status = 'finalized'"
			       " AND n.superseded_by IS NULL AND o.reason IS NULL AND length(n.reason) > 10"
			       " AND n.subject_id = o.subject_id AND n.period = o.period"
			       " AND n.evaluator_body = o.evaluator_body"
			       " AND n.finalized_at > o.finalized_at AND n.scores <> o.scores"),
			 1);
}
END_TEST

START_TEST(test_lagging_communes_score_lower)
{
	const char *by_lag = LAGGING_COMMUNES
		"SELECT round(avg(e.total_score) FILTER (WHERE v.parent_code IN (SELECT code FROM lagging)))"
		" || ' ' || round(avg(e.total_score) FILTER (WHERE v.parent_code NOT IN"
		" (SELECT code FROM lagging))) FROM evaluations e"
		" LEFT JOIN members m ON m.id = e.member_id LEFT JOIN teams t ON t.id = e.team_id"
		" JOIN units v ON v.code = coalesce(m.unit_code, t.unit_code)"
		" WHERE e." CURRENT_FINAL " AND e.subject_type = '%s'";
	const char *types[] = {"member", "team"};
	for (int i = 0; i < 2; i++) {
		char sql[1600];
		snprintf(sql, sizeof sql, by_lag, types[i]);
		char *v = db_query_value(url, sql);
		ck_assert_msg(v, "%s", sql);
		long lagging = 0, others = 0;
		ck_assert_int_eq(sscanf(v, "%ld %ld", &lagging, &others), 2);
		ck_assert_msg(lagging + 20 < others, "%s: lagging communes %ld, others %ld", types[i],
			      lagging, others);
		free(v);
	}
}
END_TEST

START_TEST(test_one_current_finalized_evaluation_per_subject_period_and_body)
{
	ck_assert_int_eq(count("SELECT count(*) FROM (SELECT 1 FROM evaluations WHERE " CURRENT_FINAL
			       " GROUP BY subject_id, period, evaluator_body HAVING count(*) > 1) d"),
			 0);
}
END_TEST

START_TEST(test_funding_has_proposals_in_every_state)
{
	/* this year's proposals are in every status; last year's are all settled */
	ck_assert_int_eq(count("SELECT count(DISTINCT status) FROM funding_proposals"
			       " WHERE fiscal_year = extract(year FROM current_date)::int"),
			 7);
	ck_assert_int_eq(count("SELECT count(*) FROM funding_proposals"
			       " WHERE fiscal_year = extract(year FROM current_date)::int - 1"
			       " AND status IN ('draft', 'submitted', 'returned')"),
			 0);
	ck_assert_int_eq(count("SELECT count(DISTINCT fiscal_year) FROM funding_proposals"), 2);
	/* partly paid, fully paid, returned with a comment, rejected with one */
	ck_assert_int_gt(count("SELECT count(*) FROM funding_proposals WHERE status = 'approved'"
			       " AND disbursed_total_vnd BETWEEN 1 AND approved_total_vnd - 1"),
			 0);
	ck_assert_int_gt(count("SELECT count(*) FROM funding_proposals WHERE status = 'approved'"
			       " AND disbursed_total_vnd = 0"),
			 0);
	ck_assert_int_gt(count("SELECT count(*) FROM funding_proposals WHERE status = 'disbursed'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM funding_proposals p WHERE status IN ('returned',"
			       " 'rejected') AND NOT EXISTS (SELECT 1 FROM funding_transitions t"
			       " WHERE t.proposal_id = p.id AND t.to_status = p.status"
			       " AND length(t.comment) > 10)"),
			 0);
	/* from communes, for their own teams, mostly allowances, mobile data and devices */
	ck_assert_int_eq(count("SELECT count(*) FROM funding_proposals p JOIN units u"
			       " ON u.code = p.unit_code WHERE u.level <> 'commune'"
			       " OR cardinality(p.team_ids) = 0 OR EXISTS (SELECT 1 FROM unnest(p.team_ids) i"
			       "  WHERE NOT EXISTS (SELECT 1 FROM teams t JOIN units v ON v.code = t.unit_code"
			       "   WHERE t.id = i AND v.parent_code = p.unit_code))"),
			 0);
	char *top = db_query_value(url, "SELECT string_agg(category, ',' ORDER BY category) FROM"
					" (SELECT category FROM funding_line_items GROUP BY category"
					" ORDER BY count(*) DESC LIMIT 3) s");
	ck_assert_str_eq(top, "devices,member_allowance,mobile_data");
	free(top);
}
END_TEST

START_TEST(test_funding_amounts_add_up)
{
	/* requested = the lines; disbursed <= approved <= requested; paid = the tranches */
	ck_assert_int_eq(count("SELECT count(*) FROM funding_proposals p WHERE requested_total_vnd <>"
			       " (SELECT sum(total_vnd) FROM funding_line_items l WHERE l.proposal_id = p.id)"
			       " OR approved_total_vnd > requested_total_vnd"
			       " OR disbursed_total_vnd > coalesce(approved_total_vnd, 0)"
			       " OR (status = 'disbursed') <> (disbursed_total_vnd > 0"
			       "     AND disbursed_total_vnd = approved_total_vnd)"
			       " OR disbursed_total_vnd <> (SELECT coalesce(sum(amount_vnd), 0)"
			       "  FROM funding_transitions t WHERE t.proposal_id = p.id AND t.action = 'disburse')"
			       " OR approved_total_vnd IS DISTINCT FROM (SELECT amount_vnd FROM"
			       "  funding_transitions t WHERE t.proposal_id = p.id AND t.action = 'approve')"),
			 0);
	ck_assert_int_eq(count("SELECT count(*) FROM funding_line_items"
			       " WHERE total_vnd <> quantity * unit_cost_vnd OR total_vnd <= 0"),
			 0);
	/* every district has an allocation for this year and last, and approved within it */
	ck_assert_int_eq(count("SELECT count(*) FROM units d, generate_series(extract(year FROM"
			       " current_date)::int - 1, extract(year FROM current_date)::int) y"
			       " WHERE d.level = 'district' AND NOT EXISTS (SELECT 1 FROM funding_allocations a"
			       "  WHERE a.unit_code = d.code AND a.fiscal_year = y)"),
			 0);
	ck_assert_int_eq(count("SELECT count(*) FROM funding_allocations a"
			       " WHERE funding_approved_under(a.unit_code, a.fiscal_year) > a.amount_vnd"),
			 0);
	/* and districts differ: the most generous approved several times what the least did */
	ck_assert_int_gt(count("SELECT max(n) / greatest(min(n), 1) FROM (SELECT d.code,"
			       " funding_approved_under(d.code, extract(year FROM current_date)::int) AS n"
			       " FROM units d WHERE d.level = 'district') s"),
			 4);
}
END_TEST

START_TEST(test_funding_history_leads_to_each_status)
{
	/* the last move ends in the status (a draft has none); each move starts where the one
	 * before ended, is one funding_workflow allows, and comes after it */
	ck_assert_int_eq(count("SELECT count(*) FROM funding_proposals p WHERE p.status <>"
			       " coalesce((SELECT t.to_status FROM funding_transitions t"
			       "  WHERE t.proposal_id = p.id ORDER BY t.id DESC LIMIT 1), 'draft')"
			       " OR p.version <> 1 + (SELECT count(*) FROM funding_transitions t"
			       "  WHERE t.proposal_id = p.id)"),
			 0);
	ck_assert_int_eq(count("SELECT count(*) FROM (SELECT t.*, lag(to_status) OVER w AS before,"
			       " lag(at) OVER w AS before_at FROM funding_transitions t"
			       " WINDOW w AS (PARTITION BY proposal_id ORDER BY id)) m"
			       " WHERE from_status <> coalesce(before, 'draft') OR at <= before_at"
			       " OR at > now() OR NOT EXISTS (SELECT 1 FROM funding_workflow w"
			       "  WHERE w.from_status = m.from_status AND w.action = m.action"
			       "  AND (w.to_status = m.to_status OR m.action = 'disburse'"
			       "       AND m.to_status = 'disbursed'))"),
			 0);
	/* a decision has its number, a payment its voucher and day; the one who submits never
	 * decides */
	ck_assert_int_eq(count("SELECT count(*) FROM funding_transitions t JOIN funding_proposals p"
			       " ON p.id = t.proposal_id WHERE t.actor_type <> 'user' OR t.actor_name = ''"
			       " OR (t.action = 'approve') <> (t.decision_no IS NOT NULL)"
			       " OR (t.action = 'disburse') <> (t.voucher_no IS NOT NULL AND t.paid_on IS NOT NULL)"
			       " OR t.paid_on > current_date OR t.at < p.created_at"
			       " OR t.action IN ('approve', 'reject', 'return') AND EXISTS (SELECT 1"
			       "  FROM funding_transitions s WHERE s.proposal_id = t.proposal_id"
			       "  AND s.action = 'submit' AND s.actor_name = t.actor_name)"),
			 0);
}
END_TEST

static const char *const snapshot_sql =
	"SELECT md5(concat_ws('/',"
	" (SELECT string_agg(concat_ws(',', code, name, level, parent_code), ';' ORDER BY code) FROM units),"
	" (SELECT string_agg(concat_ws(',', id, unit_code, name, established_on, contact_phone), ';'"
	"  ORDER BY id) FROM teams),"
	" (SELECT string_agg(concat_ws(',', id, unit_code, full_name, gender, birth_year, phone, ethnicity,"
	"  languages, affiliations, digital_skill, trainings), ';' ORDER BY id) FROM members),"
	" (SELECT string_agg(concat_ws(',', id, team_id, member_id, role, joined_on), ';' ORDER BY id)"
	"  FROM memberships),"
	" (SELECT string_agg(concat_ws(',', id, team_id, unit_code, date, kind, service_codes,"
	"  households_reached, people_reached, member_ids, languages, notes), ';' ORDER BY id)"
	"  FROM activities),"
	" (SELECT string_agg(concat_ws(',', id, subject_id, period, evaluator_body, rubric_code,"
	"  rubric_version, scores, total_score, rating, status, supersedes, superseded_by, reason,"
	"  evidence - 'computed_at'), ';' ORDER BY id) FROM evaluations),"
	" (SELECT string_agg(concat_ws(',', id, unit_code, title, fiscal_year, team_ids, status,"
	"  requested_total_vnd, approved_total_vnd, disbursed_total_vnd, decision_no, version), ';'"
	"  ORDER BY id) FROM funding_proposals),"
	" (SELECT string_agg(concat_ws(',', proposal_id, position, category, description, quantity,"
	"  unit_cost_vnd), ';' ORDER BY proposal_id, position) FROM funding_line_items),"
	" (SELECT string_agg(concat_ws(',', proposal_id, action, to_status, actor_name, comment,"
	"  amount_vnd, voucher_no, paid_on), ';' ORDER BY proposal_id, id) FROM funding_transitions),"
	" (SELECT string_agg(concat_ws(',', unit_code, fiscal_year, amount_vnd), ';'"
	"  ORDER BY unit_code, fiscal_year) FROM funding_allocations)))";

static const char *const counts_sql =
	"SELECT concat_ws(' ', (SELECT count(*) FROM units), (SELECT count(*) FROM teams),"
	" (SELECT count(*) FROM members), (SELECT count(*) FROM memberships),"
	" (SELECT count(*) FROM activities), (SELECT count(*) FROM services),"
	" (SELECT count(*) FROM evaluations), (SELECT count(*) FROM users),"
	" (SELECT count(*) FROM funding_proposals), (SELECT count(*) FROM funding_transitions),"
	" (SELECT count(*) FROM funding_allocations))";

START_TEST(test_second_run_changes_nothing)
{
	char *before = db_query_value(url, counts_sql), *data_before = db_query_value(url, snapshot_sql);
	char *hash_before = db_query_value(url, "SELECT password_hash FROM users WHERE username = 'admin'");
	char *out;
	const char *args[] = {"seed-demo", NULL};
	ck_assert_int_eq(run_seed(url, args, &out), 0);
	ck_assert_msg(strstr(out, "admin exists; password unchanged"), "%s", out);
	ck_assert_msg(!strstr(out, "admin password:"), "%s", out);
	ck_assert_msg(strstr(out, "nothing added"), "%s", out);
	free(out);
	char *after = db_query_value(url, counts_sql), *data_after = db_query_value(url, snapshot_sql);
	char *hash_after = db_query_value(url, "SELECT password_hash FROM users WHERE username = 'admin'");
	ck_assert_str_eq(after, before);
	ck_assert_str_eq(data_after, data_before);
	ck_assert_str_eq(hash_after, hash_before);
	free(before), free(after), free(data_before), free(data_after), free(hash_before),
		free(hash_after);
}
END_TEST

START_TEST(test_same_data_on_every_run)
{
	/* another fresh database: the same rows, ids included (only timestamps and the admin's
	 * password differ) */
	char other[512];
	snprintf(other, sizeof other, "%s", db_create("seed2"));
	char *out;
	const char *args[] = {"seed-demo", NULL};
	ck_assert_int_eq(run_seed(other, args, &out), 0);
	free(out);
	char *mine = db_query_value(url, snapshot_sql), *theirs = db_query_value(other, snapshot_sql);
	ck_assert_str_eq(theirs, mine);
	free(mine);
	free(theirs);
}
END_TEST

START_TEST(test_admin_logs_in_with_the_printed_password)
{
	ck_assert_msg(password[0], "no password printed: %s", first_output);
	struct proc server = {0};
	serve_start(&server, url, NULL);
	char body[200];
	snprintf(body, sizeof body, "grant_type=password&username=admin&password=%s", password);
	const char *form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	struct http_response r;
	http_request(&r, "POST", server.port, "/api/v1/auth/token", form, body, strlen(body));
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_int_gt(strlen(json_field(r.body, "access_token")), 20);
	http_response_free(&r);
	/* and not with another */
	snprintf(body, sizeof body, "grant_type=password&username=admin&password=%sx", password);
	http_request(&r, "POST", server.port, "/api/v1/auth/token", form, body, strlen(body));
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(json_field(r.body, "error"), "invalid_grant");
	http_response_free(&r);
	ck_assert_int_eq(serve_stop(&server), 0);
}
END_TEST

START_TEST(test_bad_scale_is_refused_with_usage)
{
	const char *cases[][3] = {{"seed-demo", "--scale", "0"},
				  {"seed-demo", "--scale", "101"},
				  {"seed-demo", "--scale", "2x"},
				  {"seed-demo", "--size", "2"}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *args[] = {cases[i][0], cases[i][1], cases[i][2], NULL};
		char *out;
		ck_assert_int_eq(run_seed(url, args, &out), 2);
		ck_assert_msg(strstr(out, "usage: cdtt seed-demo"), "%s", out);
		free(out);
	}
}
END_TEST

Suite *seed_suite(void)
{
	Suite *s = suite_create("seed");
	TCase *tc = tcase_create("seed-demo");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_seed_exits_0_and_prints_the_admin_password_once);
	tcase_add_test(tc, test_province_has_the_eleven_real_districts);
	tcase_add_test(tc, test_province_has_193_communes_and_2071_villages);
	tcase_add_test(tc, test_the_places_the_report_names_exist);
	tcase_add_test(tc, test_every_village_has_one_active_team);
	tcase_add_test(tc, test_every_team_has_3_to_4_active_members_and_one_leader);
	tcase_add_test(tc, test_members_are_plausible_and_valid);
	tcase_add_test(tc, test_activities_respect_the_rules);
	tcase_add_test(tc, test_some_communes_lag_far_behind);
	tcase_add_test(tc, test_evaluations_by_status_period_and_body);
	tcase_add_test(tc, test_evaluation_scores_totals_and_ratings_are_the_servers);
	tcase_add_test(tc, test_one_evaluation_was_corrected);
	tcase_add_test(tc, test_lagging_communes_score_lower);
	tcase_add_test(tc, test_one_current_finalized_evaluation_per_subject_period_and_body);
	tcase_add_test(tc, test_funding_has_proposals_in_every_state);
	tcase_add_test(tc, test_funding_amounts_add_up);
	tcase_add_test(tc, test_funding_history_leads_to_each_status);
	tcase_add_test(tc, test_second_run_changes_nothing);
	tcase_add_test(tc, test_same_data_on_every_run);
	tcase_add_test(tc, test_admin_logs_in_with_the_printed_password);
	tcase_add_test(tc, test_bad_scale_is_refused_with_usage);
	suite_add_tcase(s, tc);
	return s;
}
