/*
 * Evaluations through the API: drafts with evidence computed from the subject's activities,
 * scores, the weighted total and the rating, finalizing with If-Match, corrections that
 * supersede, one current finalized evaluation per subject, period and body (also when two
 * officers finalize at once), deletes of drafts only, prefill of a unit, the lists and their
 * filters and CSV, latest_evaluation on member and team reads, who may read and write, comments
 * masked for viewers, and every bad input answered 4xx with nothing written.
 *
 * The rubrics are the two the migrations seed: member-yearly (participation: active_days,
 * target 24; households: households_reached, 60; services: services_covered, 5; skills;
 * conduct; weights 25/25/15/15/20, max 10 each) and team-quarterly (coverage, households,
 * active_members, records). Periods are of 2025, past whatever day the suite runs.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "world.h"

static struct world ew;
WORLD_FIXTURE(ew, NULL)

#define ALL_EIGHT                                                                           \
	"{\"participation\":8,\"households\":8,\"services\":8,\"skills\":8,\"conduct\":8}"

static struct world_counts counts(void)
{
	static const char *const tables[] = {"evaluations", "audit_events", NULL};
	return world_counts(&ew, tables);
}

/* The village of member m (static buffer). */
static const char *unit_of(const char *m)
{
	static char unit[40];
	char *code = world_sql(&ew, "SELECT unit_code FROM members WHERE id = '%s'", m);
	snprintf(unit, sizeof unit, "%s", code);
	free(code);
	return unit;
}

/*
 * A member of a village of its own under commune TQ (a village has one active team), in that
 * village's team, with three activities: two in 2025 (12 and 30 households, services
 * vneid_level2 and e_health_book, on two days) and one on 2024-12-30. Its id (malloc'd);
 * *team gets the team's id when team is not NULL.
 */
static char *active_member(const char *name, char **team)
{
	char *code = world_sql(&ew, "SELECT 'TQ-' || substr(md5('%s'), 1, 10)", name);
	world_add_unit(&ew, code, name, "village", "TQ");
	char *t = world_add_team(&ew, code, "active", "2024-01-10");
	char *m = world_add_member(&ew, code, name);
	world_add_membership(&ew, t, m, "member", "2024-02-01", NULL);
	char members[64];
	snprintf(members, sizeof members, "{%s}", m);
	world_add_activity(&ew, t, code, "2025-03-02", "{vneid_level2}", 12, 30, members);
	world_add_activity(&ew, t, code, "2025-05-09", "{vneid_level2,e_health_book}", 30, 70,
			   members);
	world_add_activity(&ew, t, code, "2024-12-30", "{vneid_level2}", 99, 99, members);
	free(code);
	if (team)
		*team = t;
	else
		free(t);
	return m;
}

/* The body of a member evaluation for 2025 by body with extra members (",..." or ""). */
static const char *member_body(const char *member, const char *body, const char *extra)
{
	static char out[2048];
	snprintf(out, sizeof out,
		 "{\"subject_type\":\"member\",\"subject_id\":\"%s\",\"period\":\"2025\","
		 "\"evaluator_body\":\"%s\",\"rubric_code\":\"member-yearly\"%s}",
		 member, body, extra);
	return out;
}

/* Creates an evaluation as token; asserts 201; its id (malloc'd). */
static char *create_as(const char *token, const char *body)
{
	struct http_response r;
	world_call(&r, &ew, "POST", "/api/v1/evaluations", token, body, NULL);
	ck_assert_msg(r.status == 201, "create: %ld %s", r.status, r.body);
	char *id = strdup(json_field(r.body, "id"));
	http_response_free(&r);
	return id;
}

/* Creates an evaluation as the TQ officer. */
static char *create(const char *body)
{
	return create_as(ew.officer_tq, body);
}

/* A number of a JSON answer, by a dotted path as json_field. */
static double number(const char *body, const char *path)
{
	return strtod(json_field(body, path), NULL);
}

#define ck_assert_number(body, path, want) \
	ck_assert_double_eq_tol(number((body), (path)), (want), 1e-9)

static const char *eval_path(const char *id)
{
	return world_path("/api/v1/evaluations/%s", id);
}

/* PATCHes evaluation id with If-Match version as token; the response in r. */
static void patch(struct http_response *r, const char *token, const char *id,
		  const char *version, const char *body)
{
	world_call_if_match(r, &ew, "PATCH", eval_path(id), token, body, version);
}

/* Finalizes draft id (version 1) with every criterion at 8; asserts 200. */
static void finalize(const char *id)
{
	struct http_response r;
	patch(&r, ew.officer_tq, id, "1", "{\"scores\":" ALL_EIGHT ",\"status\":\"finalized\"}");
	ck_assert_msg(r.status == 200, "finalize: %ld %s", r.status, r.body);
	http_response_free(&r);
}

START_TEST(test_a_draft_carries_evidence_from_the_members_activities)
{
	char *m = active_member("Lò Văn Chứng", NULL);
	struct world_counts before = counts();
	struct http_response r;
	world_call(&r, &ew, "POST", "/api/v1/evaluations", ew.officer_tq,
		   member_body(m, "party_cell", ",\"scores\":{\"skills\":7}"), NULL);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	char *location = http_header_value(&r, "Location");
	ck_assert_str_eq(location, eval_path(json_field(r.body, "id")));
	char *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(etag, "\"1\"");
	ck_assert_str_eq(json_field(r.body, "status"), "draft");
	ck_assert_str_eq(json_field(r.body, "subject_name"), "Lò Văn Chứng");
	ck_assert_str_eq(json_field(r.body, "rubric_version"), "1");
	ck_assert_str_eq(json_field(r.body, "total_score"), "null");
	ck_assert_str_eq(json_field(r.body, "rating"), "null");
	/* 2025 only: the activity of 2024-12-30 does not count */
	ck_assert_str_eq(json_field(r.body, "evidence.kpis.activities"), "2");
	ck_assert_str_eq(json_field(r.body, "evidence.kpis.households_reached"), "42");
	ck_assert_str_eq(json_field(r.body, "evidence.kpis.people_reached"), "100");
	ck_assert_str_eq(json_field(r.body, "evidence.kpis.active_days"), "2");
	ck_assert_str_eq(json_field(r.body, "evidence.kpis.services_covered"), "2");
	ck_assert_str_eq(json_field(r.body, "evidence.first_activity_on"), "2025-03-02");
	ck_assert_str_eq(json_field(r.body, "evidence.last_activity_on"), "2025-05-09");
	ck_assert_str_eq(json_field(r.body, "evidence.by_service.1.service_code"), "vneid_level2");
	ck_assert_str_eq(json_field(r.body, "evidence.by_service.1.activities"), "2");
	/* participation: 2 active days of 24 → 10 * 2/24 = 0.8; households 42/60 → 7.0;
	 * services 2/5 → 4.0 */
	ck_assert_str_eq(json_field(r.body, "evidence.criteria.0.code"), "participation");
	ck_assert_number(r.body, "evidence.criteria.0.suggested_score", 0.8);
	ck_assert_number(r.body, "evidence.criteria.1.suggested_score", 7.0);
	ck_assert_number(r.body, "evidence.criteria.2.suggested_score", 4.0);
	char *audit = world_sql(&ew, "SELECT action FROM audit_events WHERE entity_id = '%s'",
				json_field(r.body, "id"));
	ck_assert_str_eq(audit, "evaluation.create");
	ck_assert_int_eq(world_count(&ew, "evaluations"), world_counted(&before, "evaluations") + 1);
	free(audit);
	free(etag);
	free(location);
	http_response_free(&r);
	free(m);
}
END_TEST

START_TEST(test_finalizing_computes_the_weighted_total_and_rating)
{
	char *m = active_member("Giàng Seo Pao", NULL);
	char *id = create(member_body(m, "commune_committee", ""));
	struct http_response r;
	/* 25*9/10 + 25*7/10 + 15*5/10 + 15*6/10 + 20*10/10 = 22.5+17.5+7.5+9+20 = 76.5 */
	patch(&r, ew.officer_tq, id, "1",
	      "{\"scores\":{\"participation\":9,\"households\":7,\"services\":5,\"skills\":6,"
	      "\"conduct\":10},\"comments\":\"Nhiệt tình\",\"status\":\"finalized\"}");
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_number(r.body, "total_score", 76.5);
	ck_assert_str_eq(json_field(r.body, "rating"), "good");
	ck_assert_str_eq(json_field(r.body, "status"), "finalized");
	ck_assert_str_eq(json_field(r.body, "version"), "2");
	ck_assert(strcmp(json_field(r.body, "finalized_at"), "null") != 0);
	char *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(etag, "\"2\"");
	free(etag);
	http_response_free(&r);
	char *action = world_sql(&ew, "SELECT string_agg(action, ',' ORDER BY id) FROM audit_events"
				      " WHERE entity_id = '%s'", id);
	ck_assert_str_eq(action, "evaluation.create,evaluation.finalize");
	free(action);
	free(id);
	free(m);
}
END_TEST

START_TEST(test_a_draft_patch_merges_scores_and_a_null_removes_one)
{
	char *m = active_member("Vàng Thị Dợ", NULL);
	char *id = create(member_body(m, "party_cell", ",\"scores\":{\"skills\":6,\"conduct\":7}"));
	struct http_response r;
	patch(&r, ew.officer_tq, id, "1", "{\"scores\":{\"skills\":null,\"services\":4.5}}");
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_number(r.body, "scores.conduct", 7);
	ck_assert_number(r.body, "scores.services", 4.5);
	ck_assert(!json_has(r.body, "scores.skills"));
	ck_assert(!json_has(r.body, "scores.participation"));
	ck_assert_str_eq(json_field(r.body, "status"), "draft");
	http_response_free(&r);
	free(id);
	free(m);
}
END_TEST

START_TEST(test_bad_scores_periods_and_rubrics_are_422_and_write_nothing)
{
	char *t;
	char *m = active_member("Sùng A Lử", &t);
	struct world_counts before = counts();
	static char body[40][2048];
	int n = 0;
#define CASE(extra_fmt, ...) snprintf(body[n++], sizeof body[0], extra_fmt, __VA_ARGS__)
	CASE("%s", member_body(m, "party_cell", ",\"scores\":{\"bogus\":3}"));
	CASE("%s", member_body(m, "party_cell", ",\"scores\":{\"skills\":11}"));
	CASE("%s", member_body(m, "party_cell", ",\"scores\":{\"skills\":-1}"));
	CASE("%s", member_body(m, "party_cell", ",\"scores\":{\"skills\":\"8\"}"));
	CASE("%s", member_body(m, "party_cell", ",\"scores\":{\"skills\":7.25}"));
	CASE("%s", member_body(m, "party_cell", ",\"scores\":[1]"));
	CASE("%s", member_body(m, "party_cell", ",\"status\":\"finalized\",\"scores\":{\"skills\":7}"));
	CASE("{\"subject_type\":\"member\",\"subject_id\":\"%s\",\"period\":\"2025-Q3\","
	     "\"evaluator_body\":\"party_cell\",\"rubric_code\":\"member-yearly\"}", m);
	CASE("{\"subject_type\":\"member\",\"subject_id\":\"%s\",\"period\":\"2025-Q5\","
	     "\"evaluator_body\":\"party_cell\",\"rubric_code\":\"member-yearly\"}", m);
	CASE("{\"subject_type\":\"member\",\"subject_id\":\"%s\",\"period\":\"1999\","
	     "\"evaluator_body\":\"party_cell\",\"rubric_code\":\"member-yearly\"}", m);
	CASE("{\"subject_type\":\"member\",\"subject_id\":\"%s\",\"period\":\"2099\","
	     "\"evaluator_body\":\"party_cell\",\"rubric_code\":\"member-yearly\"}", m);
	CASE("{\"subject_type\":\"member\",\"subject_id\":\"%s\",\"period\":\"2025\","
	     "\"evaluator_body\":\"party_cell\",\"rubric_code\":\"no-such-rubric\"}", m);
	CASE("{\"subject_type\":\"member\",\"subject_id\":\"%s\",\"period\":\"2025-Q1\","
	     "\"evaluator_body\":\"party_cell\",\"rubric_code\":\"team-quarterly\"}", m);
	CASE("{\"subject_type\":\"team\",\"subject_id\":\"%s\",\"period\":\"2025-Q1\","
	     "\"evaluator_body\":\"party_cell\",\"rubric_code\":\"team-quarterly\"}", m);
	CASE("{\"subject_type\":\"member\",\"subject_id\":\"%s\",\"period\":\"2025\","
	     "\"evaluator_body\":\"party_cell\",\"rubric_code\":\"member-yearly\"}", t);
	CASE("%s", member_body(m, "village_elders", ""));
	CASE("%s", member_body(m, "party_cell", ",\"reason\":\"appeal\""));
	CASE("%s", member_body(m, "party_cell",
			       ",\"supersedes\":\"6f1a9c3e-2b7d-4e8a-9c5f-1d3b7e9a2c48\""));
	CASE("%s", member_body(m, "party_cell", ",\"total_score\":99"));
	CASE("%s", member_body(m, "party_cell", ",\"colour\":\"red\""));
	CASE("{\"subject_type\":\"person\",\"subject_id\":\"%s\",\"period\":\"2025\","
	     "\"evaluator_body\":\"party_cell\",\"rubric_code\":\"member-yearly\"}", m);
	CASE("{\"subject_type\":\"member\",\"subject_id\":\"%s\",\"period\":\"2025\","
	     "\"evaluator_body\":\"party_cell\"}", m);
#undef CASE
	static const struct {
		const char *field, *code;
	} want[] = {
		{"/scores/bogus", "unknown_criterion"}, {"/scores/skills", "out_of_range"},
		{"/scores/skills", "out_of_range"},     {"/scores/skills", "invalid_type"},
		{"/scores/skills", "out_of_range"},     {"/scores", "invalid_type"},
		{"/scores/conduct", "required"},        {"/period", "invalid_format"},
		{"/period", "invalid_format"},          {"/period", "out_of_range"},
		{"/period", "in_future"},               {"/rubric_code", "unknown"},
		{"/rubric_code", "wrong_subject_type"}, {"/subject_id", "wrong_type"},
		{"/subject_id", "wrong_type"},          {"/evaluator_body", NULL},
		{"/reason", "not_allowed"},             {"/reason", "required"},
		{"/total_score", NULL},                 {"/colour", NULL},
		{"/subject_type", NULL},                {"/rubric_code", "required"},
	};
	ck_assert_int_eq(n, (int)(sizeof want / sizeof want[0]));
	for (int i = 0; i < n; i++) {
		struct http_response r;
		world_call(&r, &ew, "POST", "/api/v1/evaluations", ew.officer_tq, body[i], NULL);
		ck_assert_msg(r.status == 422, "case %d: %ld %s", i, r.status, r.body);
		assert_problem(&r, 422);
		ck_assert_msg(response_has_error(&r, want[i].field, want[i].code),
			      "case %d: wanted %s %s in %s", i, want[i].field,
			      want[i].code ? want[i].code : "*", r.body);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
	free(t);
	free(m);
}
END_TEST

START_TEST(test_a_subject_outside_scope_is_404_and_nothing_is_written)
{
	char *m = active_member("Hoàng Văn Páo", NULL);
	struct world_counts before = counts();
	struct http_response r;
	world_call(&r, &ew, "POST", "/api/v1/evaluations", ew.officer_nx,
		   member_body(m, "party_cell", ""), NULL);
	assert_problem(&r, 404);
	http_response_free(&r);
	world_call(&r, &ew, "POST", "/api/v1/evaluations", ew.officer_tq,
		   member_body("6f1a9c3e-2b7d-4e8a-9c5f-1d3b7e9a2c48", "party_cell", ""), NULL);
	assert_problem(&r, 404);
	http_response_free(&r);
	world_assert_unchanged(&before);
	/* and one of the TQ officer's evaluations is invisible to the NX officer */
	char *id = create(member_body(m, "party_cell", ""));
	world_get_refused(&ew, eval_path(id), ew.officer_nx, 404);
	patch(&r, ew.officer_nx, id, "1", "{\"comments\":\"x\"}");
	assert_problem(&r, 404);
	http_response_free(&r);
	free(id);
	free(m);
}
END_TEST

START_TEST(test_a_finalized_evaluation_cannot_change_or_be_deleted)
{
	char *m = active_member("Thào Mí Sình", NULL);
	char *id = create(member_body(m, "party_cell", ""));
	finalize(id);
	struct world_counts before = counts();
	struct http_response r;
	patch(&r, ew.officer_tq, id, "2", "{\"comments\":\"late change\"}");
	assert_problem(&r, 409);
	assert_problem_says(&r, "supersedes");
	http_response_free(&r);
	world_call_if_match(&r, &ew, "DELETE", eval_path(id), ew.officer_tq, NULL, "2");
	assert_problem(&r, 409);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(id);
	free(m);
}
END_TEST

START_TEST(test_a_second_finalized_evaluation_for_the_same_period_and_body_is_409)
{
	char *m = active_member("Lầu Thị Mai", NULL);
	char *id = create(member_body(m, "party_cell", ""));
	finalize(id);
	struct world_counts before = counts();
	struct http_response r;
	world_call(&r, &ew, "POST", "/api/v1/evaluations", ew.officer_tq,
		   member_body(m, "party_cell",
			       ",\"status\":\"finalized\",\"scores\":" ALL_EIGHT), NULL);
	assert_problem(&r, 409);
	assert_problem_says(&r, id);
	http_response_free(&r);
	world_assert_unchanged(&before);
	/* another body evaluates the same member for the same year */
	world_call(&r, &ew, "POST", "/api/v1/evaluations", ew.officer_tq,
		   member_body(m, "commune_committee",
			       ",\"status\":\"finalized\",\"scores\":" ALL_EIGHT), NULL);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	ck_assert_number(r.body, "total_score", 80.0);
	ck_assert_str_eq(json_field(r.body, "rating"), "good");
	http_response_free(&r);
	free(id);
	free(m);
}
END_TEST

START_TEST(test_the_database_keeps_one_current_finalized_evaluation)
{
	char *m = active_member("Cứ A Dế", NULL);
	char *id = create(member_body(m, "party_cell", ""));
	finalize(id);
	/* a second finalized row written past the API is refused by the unique index */
	char *err = world_sql(&ew,
		"SELECT count(*) FROM evaluations e WHERE e.subject_id = '%s'"
		" AND e.status = 'finalized' AND e.superseded_by IS NULL", m);
	ck_assert_str_eq(err, "1");
	free(err);
	char *idx = world_sql(&ew, "SELECT indexdef FROM pg_indexes"
				   " WHERE indexname = 'evaluations_one_final'");
	ck_assert_ptr_nonnull(strstr(idx, "UNIQUE"));
	free(idx);
	free(id);
	free(m);
}
END_TEST

START_TEST(test_finalize_needs_if_match_and_a_stale_one_is_412)
{
	char *m = active_member("Mùa A Tủa", NULL);
	char *id = create(member_body(m, "party_cell", ""));
	struct world_counts before = counts();
	struct http_response r;
	patch(&r, ew.officer_tq, id, NULL, "{\"scores\":" ALL_EIGHT ",\"status\":\"finalized\"}");
	assert_problem(&r, 428);
	http_response_free(&r);
	patch(&r, ew.officer_tq, id, "7", "{\"scores\":" ALL_EIGHT ",\"status\":\"finalized\"}");
	assert_problem(&r, 412);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(id);
	free(m);
}
END_TEST

struct race {
	const char *id;
	long status;
};

static void *finalize_once(void *arg)
{
	struct race *race = arg;
	struct http_response r;
	patch(&r, ew.officer_tq, race->id, "1",
	      "{\"scores\":" ALL_EIGHT ",\"status\":\"finalized\"}");
	race->status = r.status;
	http_response_free(&r);
	return NULL;
}

START_TEST(test_two_officers_finalizing_one_draft_at_once_one_wins)
{
	char *m = active_member("Sình Thị Dính", NULL);
	for (int round = 0; round < 5; round++) {
		const char *bodies[] = {"party_cell", "commune_committee", "district_committee",
					"province_department", "team_self"};
		char *id = create(member_body(m, bodies[round], ""));
		struct race a = {id, 0}, b = {id, 0};
		pthread_t ta, tb;
		pthread_create(&ta, NULL, finalize_once, &a);
		pthread_create(&tb, NULL, finalize_once, &b);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		int wins = (a.status == 200) + (b.status == 200);
		ck_assert_msg(wins == 1, "round %d: %ld and %ld", round, a.status, b.status);
		long lost = a.status == 200 ? b.status : a.status;
		ck_assert_msg(lost == 409 || lost == 412, "round %d: the loser got %ld", round, lost);
		char *n = world_sql(&ew, "SELECT count(*) FROM audit_events WHERE entity_id = '%s'"
					 " AND action = 'evaluation.finalize'", id);
		ck_assert_str_eq(n, "1");
		free(n);
		free(id);
	}
	free(m);
}
END_TEST

START_TEST(test_two_drafts_finalized_at_once_leave_one_current)
{
	char *m = active_member("Hạng A Chu", NULL);
	/* two drafts of the same subject, period and body can only exist past the API's
	 * check (a draft made while another was being deleted): the index decides */
	char *first = create(member_body(m, "party_cell", ""));
	world_exec(&ew, "INSERT INTO evaluations (subject_type, member_id, period, period_from,"
			" period_to, evaluator_body, rubric_code, rubric_version)"
			" VALUES ('member', '%s', '2025', '2025-01-01', '2025-12-31', 'party_cell',"
			" 'member-yearly', 1)", m);
	char *second = world_sql(&ew, "SELECT id FROM evaluations WHERE member_id = '%s'"
				      " AND id <> '%s'", m, first);
	struct race a = {first, 0}, b = {second, 0};
	pthread_t ta, tb;
	pthread_create(&ta, NULL, finalize_once, &a);
	pthread_create(&tb, NULL, finalize_once, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ck_assert_msg((a.status == 200) + (b.status == 200) == 1, "%ld and %ld", a.status,
		      b.status);
	ck_assert_int_eq(a.status == 200 ? b.status : a.status, 409);
	free(first);
	free(second);
	free(m);
}
END_TEST

START_TEST(test_a_correction_supersedes_and_the_old_one_stays_readable)
{
	char *m = active_member("Ly Seo Chứ", NULL);
	char *old = create(member_body(m, "party_cell", ""));
	finalize(old);
	char extra[512];
	snprintf(extra, sizeof extra,
		 ",\"supersedes\":\"%s\",\"reason\":\"Khiếu nại được chấp nhận: bỏ sót hoạt động"
		 " tháng 6\",\"status\":\"finalized\",\"scores\":{\"participation\":10,"
		 "\"households\":10,\"services\":8,\"skills\":8,\"conduct\":9}}",
		 old);
	extra[strlen(extra) - 1] = '\0';
	struct http_response r;
	world_call(&r, &ew, "POST", "/api/v1/evaluations", ew.officer_tq,
		   member_body(m, "party_cell", extra), NULL);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	char *fresh = strdup(json_field(r.body, "id"));
	ck_assert_str_eq(json_field(r.body, "supersedes"), old);
	ck_assert_number(r.body, "total_score", 92.0);
	ck_assert_str_eq(json_field(r.body, "rating"), "excellent");
	http_response_free(&r);
	world_call(&r, &ew, "GET", eval_path(old), ew.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "superseded_by"), fresh);
	ck_assert_number(r.body, "total_score", 80.0);
	http_response_free(&r);
	/* the member's read shows the correction */
	world_call(&r, &ew, "GET", world_path("/api/v1/members/%s", m), ew.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "latest_evaluation.id"), fresh);
	ck_assert_str_eq(json_field(r.body, "latest_evaluation.rating"), "excellent");
	ck_assert_number(r.body, "latest_evaluation.total_score", 92.0);
	http_response_free(&r);
	/* superseding the superseded one again is 409 */
	struct world_counts before = counts();
	world_call(&r, &ew, "POST", "/api/v1/evaluations", ew.officer_tq,
		   member_body(m, "party_cell", world_path(",\"supersedes\":\"%s\","
							   "\"reason\":\"again\"", old)),
		   NULL);
	assert_problem(&r, 409);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(fresh);
	free(old);
	free(m);
}
END_TEST

START_TEST(test_supersedes_must_name_a_finalized_evaluation_of_the_same_subject)
{
	char *m = active_member("Tráng A Sử", NULL);
	char *other = active_member("Tráng Thị Mỷ", NULL);
	char *draft = create(member_body(m, "party_cell", ""));
	char *others = create(member_body(other, "commune_committee", ""));
	finalize(others);
	struct world_counts before = counts();
	struct http_response r;
	world_call(&r, &ew, "POST", "/api/v1/evaluations", ew.officer_tq,
		   member_body(m, "party_cell", world_path(",\"supersedes\":\"%s\","
							   "\"reason\":\"appeal\"", draft)),
		   NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/supersedes", "not_finalized"));
	http_response_free(&r);
	world_call(&r, &ew, "POST", "/api/v1/evaluations", ew.officer_tq,
		   member_body(m, "commune_committee",
			       world_path(",\"supersedes\":\"%s\",\"reason\":\"appeal\"", others)),
		   NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/supersedes", "not_found"));
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(draft);
	free(others);
	free(other);
	free(m);
}
END_TEST

START_TEST(test_a_draft_is_deleted_with_if_match_and_audited)
{
	char *m = active_member("Phàn Văn Lở", NULL);
	char *id = create(member_body(m, "party_cell", ""));
	struct http_response r;
	world_call_if_match(&r, &ew, "DELETE", eval_path(id), ew.officer_tq, NULL, "3");
	assert_problem(&r, 412);
	http_response_free(&r);
	world_call_if_match(&r, &ew, "DELETE", eval_path(id), ew.officer_tq, NULL, "1");
	ck_assert_int_eq(r.status, 204);
	http_response_free(&r);
	world_get_refused(&ew, eval_path(id), ew.officer_tq, 404);
	char *n = world_sql(&ew, "SELECT count(*) FROM audit_events WHERE entity_id = '%s'"
				 " AND action = 'evaluation.delete'", id);
	ck_assert_str_eq(n, "1");
	free(n);
	free(id);
	free(m);
}
END_TEST

START_TEST(test_a_second_draft_for_the_same_period_and_body_is_409)
{
	char *m = active_member("Chảo Láo San", NULL);
	char *id = create(member_body(m, "party_cell", ""));
	struct world_counts before = counts();
	struct http_response r;
	world_call(&r, &ew, "POST", "/api/v1/evaluations", ew.officer_tq,
		   member_body(m, "party_cell", ""), NULL);
	assert_problem(&r, 409);
	assert_problem_says(&r, id);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(id);
	free(m);
}
END_TEST

START_TEST(test_viewers_read_scores_but_not_comments)
{
	char *m = active_member("Nông Thị Hoa", NULL);
	char *id = create(member_body(m, "party_cell", ",\"comments\":\"Cần cải thiện kỹ năng\""));
	struct http_response r;
	world_call(&r, &ew, "GET", eval_path(id), ew.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "comments"), "********");
	ck_assert_str_eq(json_field(r.body, "evidence.kpis.activities"), "2");
	http_response_free(&r);
	world_call(&r, &ew, "GET", eval_path(id), ew.officer_tq, NULL, NULL);
	ck_assert_str_eq(json_field(r.body, "comments"), "Cần cải thiện kỹ năng");
	http_response_free(&r);
	world_call(&r, &ew, "GET", world_path("/api/v1/evaluations?subject_id=%s", m), ew.viewer_tq,
		   NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "items.0.comments"), "********");
	http_response_free(&r);
	static const char *const csv[] = {"Accept: text/csv", NULL};
	world_call(&r, &ew, "GET", world_path("/api/v1/evaluations?subject_id=%s", m), ew.viewer_tq,
		   NULL, csv);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, "kỹ năng"));
	ck_assert_ptr_nonnull(strstr(r.body, "********"));
	http_response_free(&r);
	/* and a viewer writes nothing */
	struct world_counts before = counts();
	world_call(&r, &ew, "POST", "/api/v1/evaluations", ew.viewer_tq,
		   member_body(m, "commune_committee", ""), NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	patch(&r, ew.viewer_tq, id, "1", "{\"comments\":\"x\"}");
	assert_problem(&r, 403);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(id);
	free(m);
}
END_TEST

START_TEST(test_a_team_leader_reads_their_teams_evaluations_and_writes_none)
{
	char *team;
	char *m = active_member("Lý Văn Tài", &team);
	char *outsider = active_member("Lý Thị Nở", NULL);
	char *leader = world_add_team_leader(&ew, "leader.eval", unit_of(m), team);
	char *mine = create(member_body(m, "party_cell", ",\"comments\":\"Tốt\""));
	char *theirs = create(member_body(outsider, "party_cell", ""));
	struct http_response r;
	world_call(&r, &ew, "GET", eval_path(mine), leader, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "comments"), "Tốt");
	http_response_free(&r);
	world_get_refused(&ew, eval_path(theirs), leader, 404);
	world_call(&r, &ew, "GET", "/api/v1/evaluations?period=2025", leader, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(list_has(r.body, "id", mine));
	ck_assert(!list_has(r.body, "id", theirs));
	http_response_free(&r);
	struct world_counts before = counts();
	world_call(&r, &ew, "POST", "/api/v1/evaluations", leader,
		   member_body(m, "team_self", ""), NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(leader);
	free(mine);
	free(theirs);
	free(outsider);
	free(team);
	free(m);
}
END_TEST

START_TEST(test_systems_need_the_evaluation_scopes)
{
	char *m = active_member("Hầu A Lềnh", NULL);
	char *id = create(member_body(m, "party_cell", ""));
	char *reader = world_client_token(&ew, "eval-reader", "[\"evaluations:read\"]", "TQ");
	char *writer = world_client_token(&ew, "eval-writer", "[\"evaluations:write\"]", "TQ");
	char *registry = world_client_token(&ew, "eval-registry", "[\"registry:read\"]", "TQ");
	struct http_response r;
	world_call(&r, &ew, "GET", eval_path(id), reader, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	world_get_refused(&ew, eval_path(id), registry, 403);
	world_get_refused(&ew, "/api/v1/evaluations", registry, 403);
	struct world_counts before = counts();
	world_call(&r, &ew, "POST", "/api/v1/evaluations", reader,
		   member_body(m, "commune_committee", ""), NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	world_assert_unchanged(&before);
	world_call(&r, &ew, "POST", "/api/v1/evaluations", writer,
		   member_body(m, "commune_committee", ""), NULL);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	http_response_free(&r);
	world_get_refused(&ew, "/api/v1/evaluations", NULL, 401);
	free(reader);
	free(writer);
	free(registry);
	free(id);
	free(m);
}
END_TEST

START_TEST(test_team_evaluations_are_quarterly_with_team_kpis)
{
	char *team;
	char *m = active_member("Đặng Văn Sơn", &team);
	char *second = world_add_member(&ew, unit_of(m), "Đặng Thị Hà");
	world_add_activity(&ew, team, unit_of(m), "2025-06-20", "{smartphone_basics}", 5, 9,
			   world_path("{%s}", second));
	struct http_response r;
	world_call(&r, &ew, "POST", "/api/v1/evaluations", ew.officer_tq,
		   world_path("{\"subject_type\":\"team\",\"subject_id\":\"%s\",\"period\":\"2025-Q2\","
			      "\"evaluator_body\":\"commune_committee\",\"rubric_code\":"
			      "\"team-quarterly\"}", team),
		   NULL);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	/* April-June: the activity of 2025-05-09 and that of 2025-06-20 */
	ck_assert_str_eq(json_field(r.body, "evidence.kpis.activities"), "2");
	ck_assert_str_eq(json_field(r.body, "evidence.kpis.households_reached"), "35");
	ck_assert_str_eq(json_field(r.body, "evidence.kpis.active_members"), "2");
	ck_assert_str_eq(json_field(r.body, "evidence.kpis.villages_reached"), "1");
	ck_assert_str_eq(json_field(r.body, "evidence.period_from"), "2025-04-01");
	ck_assert_str_eq(json_field(r.body, "evidence.period_to"), "2025-06-30");
	char *id = strdup(json_field(r.body, "id"));
	http_response_free(&r);
	world_call_if_match(&r, &ew, "PATCH", eval_path(id), ew.officer_tq,
			    "{\"scores\":{\"coverage\":10,\"households\":10,\"active_members\":10,"
			    "\"records\":10},\"status\":\"finalized\"}", "1");
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_str_eq(json_field(r.body, "rating"), "excellent");
	http_response_free(&r);
	world_call(&r, &ew, "GET", world_path("/api/v1/teams/%s", team), ew.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "latest_evaluation.period"), "2025-Q2");
	ck_assert_number(r.body, "latest_evaluation.total_score", 100.0);
	http_response_free(&r);
	free(id);
	free(second);
	free(team);
	free(m);
}
END_TEST

START_TEST(test_prefill_creates_drafts_once_for_the_active_members_of_a_unit)
{
	world_add_unit(&ew, "PF", "Xã Phù Lưu", "commune", "BQ");
	world_add_unit(&ew, "PF-V1", "Thôn Nà Đông", "village", "PF");
	char *t = world_add_team(&ew, "PF-V1", "active", "2024-01-10");
	char *a = world_add_member(&ew, "PF-V1", "Nguyễn Văn An");
	char *b = world_add_member(&ew, "PF-V1", "Nguyễn Thị Bình");
	char *c = world_add_member_with(&ew, "PF-V1", "Nguyễn Văn Cường", "{vie}", "{}",
					"inactive");
	world_add_activity(&ew, t, "PF-V1", "2025-08-01", "{vneid_level2}", 7, 15,
			   world_path("{%s}", a));
	/* b already has a draft by this body */
	char *existing = create_as(ew.admin, member_body(b, "commune_committee", ""));
	const char *body = "{\"unit_code\":\"PF\",\"period\":\"2025\",\"rubric_code\":"
			   "\"member-yearly\",\"evaluator_body\":\"commune_committee\"}";
	struct http_response r;
	world_call(&r, &ew, "POST", "/api/v1/evaluations:prefill", ew.admin, body, NULL);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_str_eq(json_field(r.body, "created"), "1");
	ck_assert_str_eq(json_field(r.body, "skipped"), "1");
	ck_assert_str_eq(json_field(r.body, "subject_type"), "member");
	http_response_free(&r);
	char *kpi = world_sql(&ew, "SELECT evidence->'kpis'->>'households_reached' FROM evaluations"
				   " WHERE member_id = '%s' AND status = 'draft'", a);
	ck_assert_str_eq(kpi, "7");
	char *none = world_sql(&ew, "SELECT count(*) FROM evaluations WHERE member_id = '%s'", c);
	ck_assert_str_eq(none, "0");
	char *audited = world_sql(&ew, "SELECT count(*) FROM audit_events WHERE action ="
				       " 'evaluation.prefill' AND after->>'member_id' = '%s'", a);
	ck_assert_str_eq(audited, "1");
	struct world_counts before = counts();
	world_call(&r, &ew, "POST", "/api/v1/evaluations:prefill", ew.admin, body, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "created"), "0");
	ck_assert_str_eq(json_field(r.body, "skipped"), "2");
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(audited);
	free(none);
	free(kpi);
	free(existing);
	free(a);
	free(b);
	free(c);
	free(t);
}
END_TEST

START_TEST(test_prefill_refuses_units_outside_scope_and_bad_input)
{
	struct world_counts before = counts();
	struct http_response r;
	world_call(&r, &ew, "POST", "/api/v1/evaluations:prefill", ew.officer_tq,
		   "{\"unit_code\":\"NX\",\"period\":\"2025\",\"rubric_code\":\"member-yearly\","
		   "\"evaluator_body\":\"commune_committee\"}", NULL);
	assert_problem(&r, 404);
	http_response_free(&r);
	static const struct {
		const char *body, *field, *code;
	} bad[] = {
		{"{\"unit_code\":\"TQ\",\"period\":\"2025-Q3\",\"rubric_code\":\"member-yearly\","
		 "\"evaluator_body\":\"party_cell\"}", "/period", "invalid_format"},
		{"{\"unit_code\":\"TQ\",\"period\":\"2025\",\"rubric_code\":\"team-quarterly\","
		 "\"evaluator_body\":\"party_cell\"}", "/period", "invalid_format"},
		{"{\"unit_code\":\"TQ\",\"period\":\"2099\",\"rubric_code\":\"member-yearly\","
		 "\"evaluator_body\":\"party_cell\"}", "/period", "in_future"},
		{"{\"unit_code\":\"TQ\",\"period\":\"20x5\",\"rubric_code\":\"member-yearly\","
		 "\"evaluator_body\":\"party_cell\"}", "/period", "invalid_format"},
		{"{\"unit_code\":\"TQ\",\"period\":\"2025\",\"rubric_code\":\"nope\","
		 "\"evaluator_body\":\"party_cell\"}", "/rubric_code", "unknown"},
		{"{\"unit_code\":\"TQ\",\"period\":\"2025\",\"rubric_code\":\"member-yearly\","
		 "\"evaluator_body\":\"elders\"}", "/evaluator_body", NULL},
		{"{\"period\":\"2025\",\"rubric_code\":\"member-yearly\","
		 "\"evaluator_body\":\"party_cell\"}", "/unit_code", "required"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		world_call(&r, &ew, "POST", "/api/v1/evaluations:prefill", ew.officer_tq, bad[i].body,
			   NULL);
		assert_problem(&r, 422);
		ck_assert_msg(response_has_error(&r, bad[i].field, bad[i].code), "case %zu: %s", i,
			      r.body);
		http_response_free(&r);
	}
	world_call(&r, &ew, "POST", "/api/v1/evaluations:prefill", ew.viewer_tq,
		   "{\"unit_code\":\"TQ\",\"period\":\"2025\",\"rubric_code\":\"member-yearly\","
		   "\"evaluator_body\":\"party_cell\"}", NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_lists_filter_page_and_export)
{
	char *m = active_member("Bàn Văn Quý", NULL);
	char *a = create(member_body(m, "party_cell", ""));
	char *b = create(member_body(m, "commune_committee", ""));
	finalize(b);
	struct http_response r;
	world_call(&r, &ew, "GET",
		   world_path("/api/v1/evaluations?subject_id=%s&status=finalized", m), ew.officer_tq,
		   NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(list_join(r.body, "id", ","), b);
	http_response_free(&r);
	world_call(&r, &ew, "GET",
		   world_path("/api/v1/evaluations?subject_id=%s&evaluator_body=party_cell", m),
		   ew.officer_tq, NULL, NULL);
	ck_assert_str_eq(list_join(r.body, "id", ","), a);
	http_response_free(&r);
	world_call(&r, &ew, "GET",
		   world_path("/api/v1/evaluations?subject_id=%s&rating=good&period=2025&unit=TQ"
			      "&subject_type=member", m),
		   ew.officer_tq, NULL, NULL);
	ck_assert_str_eq(list_join(r.body, "id", ","), b);
	http_response_free(&r);
	world_call(&r, &ew, "GET", world_path("/api/v1/evaluations?subject_id=%s&unit=NX", m),
		   ew.officer_tq, NULL, NULL);
	ck_assert_str_eq(list_join(r.body, "id", ","), "");
	http_response_free(&r);
	/* pages of one: each evaluation once */
	world_call(&r, &ew, "GET", world_path("/api/v1/evaluations?subject_id=%s&limit=1", m),
		   ew.officer_tq, NULL, NULL);
	char first[40];
	snprintf(first, sizeof first, "%s", json_field(r.body, "items.0.id"));
	char *cursor = strdup(json_field(r.body, "next_cursor"));
	http_response_free(&r);
	world_call(&r, &ew, "GET",
		   world_path("/api/v1/evaluations?subject_id=%s&limit=1&cursor=%s", m, cursor),
		   ew.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_ne(json_field(r.body, "items.0.id"), first);
	ck_assert_str_eq(json_field(r.body, "next_cursor"), "null");
	http_response_free(&r);
	static const char *const csv[] = {"Accept: text/csv", NULL};
	world_call(&r, &ew, "GET", world_path("/api/v1/evaluations?subject_id=%s", m),
		   ew.officer_tq, NULL, csv);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(!strncmp(r.body, "id,subject_type,subject_id,subject_name,unit_code,period,",
			       56), "%s", r.body);
	ck_assert_ptr_nonnull(strstr(r.body, "Bàn Văn Quý"));
	http_response_free(&r);
	free(cursor);
	free(a);
	free(b);
	free(m);
}
END_TEST

START_TEST(test_bad_list_filters_are_named)
{
	struct http_response r;
	world_call(&r, &ew, "GET",
		   "/api/v1/evaluations?period=2025-Q9&rating=great&status=done&evaluator_body=x"
		   "&subject_type=person&subject_id=42&unit=a%20b",
		   ew.officer_tq, NULL, NULL);
	assert_problem(&r, 422);
	const char *names[] = {"period", "rating", "status", "evaluator_body", "subject_type",
			       "subject_id", "unit"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		ck_assert_msg(response_has_error(&r, names[i], NULL), "%s: %s", names[i], r.body);
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_patch_of_fixed_fields_is_422)
{
	char *m = active_member("Vừ A Dính", NULL);
	char *id = create(member_body(m, "party_cell", ""));
	struct world_counts before = counts();
	static const char *const bodies[] = {
		"{\"period\":\"2024\"}", "{\"evaluator_body\":\"team_self\"}",
		"{\"rubric_code\":\"team-quarterly\"}", "{\"total_score\":100}",
		"{\"reason\":\"why\"}", "{\"status\":\"archived\"}", "{\"scores\":{\"skills\":\"x\"}}",
	};
	static const char *const fields[] = {"/period", "/evaluator_body", "/rubric_code",
					     "/total_score", "/reason", "/status",
					     "/scores/skills"};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		struct http_response r;
		patch(&r, ew.officer_tq, id, "1", bodies[i]);
		assert_problem(&r, 422);
		ck_assert_msg(response_has_error(&r, fields[i], NULL), "%s: %s", bodies[i], r.body);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
	free(id);
	free(m);
}
END_TEST

Suite *evaluations_suite(void)
{
	Suite *s = suite_create("evaluations");
	TCase *tc = tcase_create("evaluations");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_a_draft_carries_evidence_from_the_members_activities);
	tcase_add_test(tc, test_finalizing_computes_the_weighted_total_and_rating);
	tcase_add_test(tc, test_a_draft_patch_merges_scores_and_a_null_removes_one);
	tcase_add_test(tc, test_bad_scores_periods_and_rubrics_are_422_and_write_nothing);
	tcase_add_test(tc, test_a_subject_outside_scope_is_404_and_nothing_is_written);
	tcase_add_test(tc, test_a_finalized_evaluation_cannot_change_or_be_deleted);
	tcase_add_test(tc, test_a_second_finalized_evaluation_for_the_same_period_and_body_is_409);
	tcase_add_test(tc, test_the_database_keeps_one_current_finalized_evaluation);
	tcase_add_test(tc, test_finalize_needs_if_match_and_a_stale_one_is_412);
	tcase_add_test(tc, test_two_officers_finalizing_one_draft_at_once_one_wins);
	tcase_add_test(tc, test_two_drafts_finalized_at_once_leave_one_current);
	tcase_add_test(tc, test_a_correction_supersedes_and_the_old_one_stays_readable);
	tcase_add_test(tc, test_supersedes_must_name_a_finalized_evaluation_of_the_same_subject);
	tcase_add_test(tc, test_a_draft_is_deleted_with_if_match_and_audited);
	tcase_add_test(tc, test_a_second_draft_for_the_same_period_and_body_is_409);
	tcase_add_test(tc, test_viewers_read_scores_but_not_comments);
	tcase_add_test(tc, test_a_team_leader_reads_their_teams_evaluations_and_writes_none);
	tcase_add_test(tc, test_systems_need_the_evaluation_scopes);
	tcase_add_test(tc, test_team_evaluations_are_quarterly_with_team_kpis);
	tcase_add_test(tc, test_prefill_creates_drafts_once_for_the_active_members_of_a_unit);
	tcase_add_test(tc, test_prefill_refuses_units_outside_scope_and_bad_input);
	tcase_add_test(tc, test_lists_filter_page_and_export);
	tcase_add_test(tc, test_bad_list_filters_are_named);
	tcase_add_test(tc, test_a_patch_of_fixed_fields_is_422);
	suite_add_tcase(s, tc);
	return s;
}
