/*
 * Rubrics through the API: the two seeded rubrics read by every role and by systems with an
 * evaluations scope, the list (current versions in code order, filters, pages), ?version=N,
 * admin create/patch/delete with ETag, If-Match and audit events; an edit of a rubric that an
 * evaluation uses adds a version and keeps the used one, an edit of an unused one changes it in
 * place; deleting a rubric in use is 409; and every rule of the body, by JSON Pointer. Every
 * refused request is checked to have written nothing.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../api/embedded.h"
#include "../../api/resources/rubrics_validate.h"
#include "suites.h"
#include "world.h"

static struct world rw;
WORLD_FIXTURE(rw, NULL)

/* Two criteria of a member rubric: weights 60 + 40. */
#define MEMBER_CRITERIA                                                                        \
	"[{\"code\":\"visits\",\"name_vi\":\"Số hộ được hỗ trợ\",\"name_en\":\"Households helped\","  \
	"\"weight\":60,\"max_score\":10,\"kpi\":\"households_reached\",\"target\":40},"              \
	"{\"code\":\"conduct\",\"name_vi\":\"Tác phong\",\"name_en\":\"Conduct\",\"weight\":40,"     \
	"\"max_score\":10}]"

/* One criterion "c1" with the members `rest` (names, weight...), to vary them; NAMES: its names. */
#define ONE_CRITERION(rest) "[{\"code\":\"c1\"," rest "}]"
#define NAMES "\"name_vi\":\"Tiêu chí\",\"name_en\":\"Criterion\""

static struct world_counts counts(void)
{
	static const char *const tables[] = {"rubrics", "evaluations", "audit_events", NULL};
	return world_counts(&rw, tables);
}

static const char *rubric_path(const char *code)
{
	static char path[160];
	snprintf(path, sizeof path, "/api/v1/rubrics/%s", code);
	return path;
}

/* POSTs a rubric as token: subject_type member, period_kind year, the given criteria and
 * extra members (",..." or ""). */
static void post_rubric(struct http_response *r, const char *token, const char *code,
			const char *criteria, const char *extra)
{
	char body[8192];
	snprintf(body, sizeof body,
		 "{\"code\":\"%s\",\"name_vi\":\"Bộ tiêu chí %s\",\"name_en\":\"Rubric %s\","
		 "\"subject_type\":\"member\",\"period_kind\":\"year\",\"criteria\":%s%s}",
		 code, code, code, criteria, extra);
	world_call(r, &rw, "POST", "/api/v1/rubrics", token, body, NULL);
}

/* Creates member rubric `code` as admin (201 asserted). */
static void create_rubric(const char *code)
{
	struct http_response r;
	post_rubric(&r, rw.admin, code, MEMBER_CRITERIA, "");
	ck_assert_msg(r.status == 201, "create %s: %ld %s", code, r.status, r.body);
	http_response_free(&r);
}

static char *sql_value(const char *sql)
{
	return db_query_value(rw.url, sql);
}

/* Makes version `version` of rubric `code` used: a draft evaluation of a new member names it. */
static void use_rubric(const char *code, int version)
{
	char name[96];
	snprintf(name, sizeof name, "Người được đánh giá %s %d", code, version);
	char *member = world_add_member(&rw, "TQ-V1", name);
	world_exec(&rw,
		   "INSERT INTO evaluations (subject_type, member_id, period, period_from, period_to,"
		   " evaluator_body, rubric_code, rubric_version) VALUES ('member', '%s', '2025',"
		   " '2025-01-01', '2025-12-31', 'party_cell', '%s', %d)",
		   member, code, version);
	free(member);
}

/* The number of versions stored for code. */
static long versions_of(const char *code)
{
	char *n = world_sql(&rw, "SELECT count(*) FROM rubrics WHERE code = '%s'", code);
	long v = n ? strtol(n, NULL, 10) : -1;
	free(n);
	return v;
}

/* The ETag of an answer, without quotes (static buffer). */
static const char *etag_of(const struct http_response *r)
{
	static char tag[32];
	char *etag = http_header_value(r, "ETag");
	ck_assert_ptr_nonnull(etag);
	snprintf(tag, sizeof tag, "%s", etag);
	free(etag);
	return tag;
}

/* ---------------------------------------------------------------------------------------------
 * Reads */

START_TEST(test_the_seeded_rubrics_are_listed_in_code_order)
{
	struct http_response r;
	world_call(&r, &rw, "GET", "/api/v1/rubrics", rw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	long member = list_index(r.body, "code", "member-yearly");
	long team = list_index(r.body, "code", "team-quarterly");
	ck_assert_int_ge(member, 0);
	ck_assert_int_gt(team, member);
	json_t *doc = json_loads(r.body, 0, NULL);
	json_t *item = json_array_get(json_object_get(doc, "items"), (size_t)member);
	ck_assert_int_eq(json_integer_value(json_object_get(item, "version")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(item, "subject_type")), "member");
	ck_assert_str_eq(json_string_value(json_object_get(item, "period_kind")), "year");
	ck_assert_int_eq(json_array_size(json_object_get(item, "criteria")), 5);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(item, "thresholds"),
							    "excellent")),
			 90);
	json_decref(doc);
	http_response_free(&r);
}
END_TEST

START_TEST(test_every_role_reads_a_rubric_with_its_etag)
{
	const char *readers[] = {rw.admin, rw.officer_tq, rw.officer_nx, rw.viewer_tq, rw.leader_tq};
	for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
		struct http_response r;
		world_call(&r, &rw, "GET", rubric_path("member-yearly"), readers[i], NULL, NULL);
		ck_assert_msg(r.status == 200, "reader %zu: %ld %s", i, r.status, r.body);
		ck_assert_str_eq(etag_of(&r), "\"1\"");
		ck_assert_str_eq(json_field(r.body, "name_en"),
				 "Yearly evaluation of a community digital technology team member");
		ck_assert_str_eq(json_field(r.body, "criteria.0.code"), "participation");
		ck_assert_str_eq(json_field(r.body, "criteria.0.kpi"), "active_days");
		ck_assert_str_eq(json_field(r.body, "criteria.0.target"), "24");
		/* a criterion without KPI shows kpi and target as null */
		ck_assert_str_eq(json_field(r.body, "criteria.3.kpi"), "null");
		ck_assert_str_eq(json_field(r.body, "criteria.3.target"), "null");
		ck_assert_str_eq(json_field(r.body, "status"), "active");
		http_response_free(&r);
	}
}
END_TEST

START_TEST(test_a_system_with_an_evaluations_scope_reads_rubrics)
{
	static const char *const scopes[] = {"[\"evaluations:read\"]", "[\"evaluations:write\"]"};
	for (size_t i = 0; i < 2; i++) {
		char id[32];
		snprintf(id, sizeof id, "rubric.reader%zu", i);
		char *token = world_client_token(&rw, id, scopes[i], "TQ");
		struct http_response r;
		world_call(&r, &rw, "GET", rubric_path("team-quarterly"), token, NULL, NULL);
		ck_assert_msg(r.status == 200, "%s: %ld %s", scopes[i], r.status, r.body);
		ck_assert_str_eq(json_field(r.body, "criteria.0.kpi"), "villages_reached");
		http_response_free(&r);
		world_call(&r, &rw, "GET", "/api/v1/rubrics", token, NULL, NULL);
		ck_assert_int_eq(r.status, 200);
		ck_assert(list_has(r.body, "code", "team-quarterly"));
		http_response_free(&r);
		free(token);
	}
}
END_TEST

START_TEST(test_a_system_without_an_evaluations_scope_cannot_read_rubrics)
{
	char *token = world_client_token(&rw, "rubric.registry", "[\"registry:read\"]", "TQ");
	world_get_refused(&rw, "/api/v1/rubrics", token, 403);
	world_get_refused(&rw, rubric_path("member-yearly"), token, 403);
	free(token);
}
END_TEST

START_TEST(test_rubrics_need_a_token)
{
	world_get_refused(&rw, "/api/v1/rubrics", NULL, 401);
	world_get_refused(&rw, rubric_path("member-yearly"), NULL, 401);
}
END_TEST

START_TEST(test_list_filters_by_subject_type_period_kind_and_status)
{
	struct http_response r;
	world_call(&r, &rw, "GET", "/api/v1/rubrics?subject_type=team", rw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(list_has(r.body, "code", "team-quarterly"));
	ck_assert(!list_has(r.body, "code", "member-yearly"));
	http_response_free(&r);
	world_call(&r, &rw, "GET", "/api/v1/rubrics?period_kind=year&status=active", rw.viewer_tq,
		   NULL, NULL);
	ck_assert(list_has(r.body, "code", "member-yearly"));
	ck_assert(!list_has(r.body, "code", "team-quarterly"));
	http_response_free(&r);
	world_call(&r, &rw, "GET", "/api/v1/rubrics?status=retired&subject_type=team", rw.viewer_tq,
		   NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(!list_has(r.body, "code", "team-quarterly"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_list_names_each_bad_filter)
{
	struct http_response r;
	world_call(&r, &rw, "GET", "/api/v1/rubrics?subject_type=unit&period_kind=month&status=gone",
		   rw.viewer_tq, NULL, NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "subject_type", "invalid_value"));
	ck_assert(response_has_error(&r, "period_kind", "invalid_value"));
	ck_assert(response_has_error(&r, "status", "invalid_value"));
	http_response_free(&r);
	world_get_refused(&rw, "/api/v1/rubrics?limit=0", rw.viewer_tq, 422);
	world_get_refused(&rw, "/api/v1/rubrics?cursor=nonsense", rw.viewer_tq, 400);
}
END_TEST

START_TEST(test_list_pages_of_1_show_each_code_once_at_its_current_version)
{
	/* a rubric with two versions is listed once, at version 2 */
	create_rubric("paged");
	use_rubric("paged", 1);
	struct http_response r;
	world_call_if_match(&r, &rw, "PATCH", rubric_path("paged"), rw.admin,
			    "{\"name_en\":\"Paged rubric\"}", "1");
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	char path[400] = "/api/v1/rubrics?subject_type=member&limit=1";
	int seen = 0, paged = 0;
	for (;;) {
		world_call(&r, &rw, "GET", path, rw.viewer_tq, NULL, NULL);
		ck_assert_int_eq(r.status, 200);
		json_t *doc = json_loads(r.body, 0, NULL);
		json_t *items = json_object_get(doc, "items");
		ck_assert_int_le(json_array_size(items), 1);
		seen += (int)json_array_size(items);
		json_t *item = json_array_get(items, 0);
		if (item && !strcmp(json_string_value(json_object_get(item, "code")), "paged")) {
			paged++;
			ck_assert_int_eq(json_integer_value(json_object_get(item, "version")), 2);
			ck_assert_str_eq(json_string_value(json_object_get(item, "name_en")),
					 "Paged rubric");
		}
		json_decref(doc);
		const char *next = json_field(r.body, "next_cursor");
		if (!strcmp(next, "null")) {
			http_response_free(&r);
			break;
		}
		snprintf(path, sizeof path, "/api/v1/rubrics?subject_type=member&limit=1&cursor=%s",
			 next);
		http_response_free(&r);
	}
	ck_assert_int_eq(paged, 1);
	char *n = sql_value("SELECT count(DISTINCT code) FROM rubrics WHERE subject_type = 'member'");
	ck_assert_int_eq(seen, atoi(n));
	free(n);
}
END_TEST

START_TEST(test_an_unknown_or_malformed_code_is_404)
{
	world_get_refused(&rw, rubric_path("no-such-rubric"), rw.admin, 404);
	world_get_refused(&rw, rubric_path("Member-Yearly"), rw.admin, 404);
	world_get_refused(&rw, rubric_path("x"), rw.admin, 404);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Creating */

START_TEST(test_admin_creates_a_rubric_with_location_etag_and_default_thresholds)
{
	struct world_counts before = counts();
	struct http_response r;
	post_rubric(&r, rw.admin, "village-yearly", MEMBER_CRITERIA, "");
	ck_assert_msg(r.status == 201, "%s", r.body);
	char *location = http_header_value(&r, "Location");
	ck_assert_str_eq(location, "/api/v1/rubrics/village-yearly");
	free(location);
	ck_assert_str_eq(etag_of(&r), "\"1\"");
	ck_assert_str_eq(json_field(r.body, "version"), "1");
	ck_assert_str_eq(json_field(r.body, "status"), "active");
	ck_assert_str_eq(json_field(r.body, "thresholds"),
			 "{\"excellent\":90,\"good\":70,\"satisfactory\":50}");
	ck_assert_str_eq(json_field(r.body, "criteria.0.target"), "40");
	ck_assert_str_eq(json_field(r.body, "criteria.1.kpi"), "null");
	ck_assert(json_has(r.body, "created_at"));
	ck_assert(json_has(r.body, "updated_at"));
	http_response_free(&r);
	struct world_counts after = counts();
	ck_assert_int_eq(world_counted(&after, "rubrics"), world_counted(&before, "rubrics") + 1);
	ck_assert_int_eq(world_counted(&after, "audit_events"),
			 world_counted(&before, "audit_events") + 1);
	char *ev = sql_value("SELECT action || ' ' || actor_name || ' ' || (after->>'version')"
			     " FROM audit_events WHERE entity_type = 'rubric'"
			     " AND entity_id = 'village-yearly'");
	ck_assert_str_eq(ev, "rubric.create admin 1");
	free(ev);
	/* stored without kpi and target where there are none, as the evaluations read them */
	char *stored = sql_value("SELECT criteria->1 ? 'kpi' FROM rubrics"
				 " WHERE code = 'village-yearly'");
	ck_assert_str_eq(stored, "f");
	free(stored);
	/* and read back the same */
	world_call(&r, &rw, "GET", rubric_path("village-yearly"), rw.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "criteria.0.kpi"), "households_reached");
	http_response_free(&r);
}
END_TEST

START_TEST(test_criteria_as_read_can_be_sent_back)
{
	/* the criteria of an answer (kpi and target null where there are none) are a valid body */
	struct http_response r;
	world_call(&r, &rw, "GET", rubric_path("member-yearly"), rw.admin, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	json_t *read = json_loads(r.body, 0, NULL);
	http_response_free(&r);
	char *criteria = json_dumps(json_object_get(read, "criteria"), JSON_COMPACT);
	json_decref(read);
	post_rubric(&r, rw.admin, "round-trip", criteria, "");
	free(criteria);
	ck_assert_msg(r.status == 201, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "criteria.4.kpi"), "null");
	http_response_free(&r);
	char *same = sql_value("SELECT a.criteria = b.criteria FROM rubrics a, rubrics b"
			       " WHERE a.code = 'member-yearly' AND b.code = 'round-trip'");
	ck_assert_str_eq(same, "t");
	free(same);
}
END_TEST

START_TEST(test_a_team_rubric_takes_team_kpis_and_its_own_thresholds)
{
	const char *body =
		"{\"code\":\"team-yearly\",\"name_vi\":\"Đánh giá tổ hằng năm\","
		"\"name_en\":\"Yearly team evaluation\",\"subject_type\":\"team\","
		"\"period_kind\":\"year\",\"criteria\":[{\"code\":\"coverage\",\"name_vi\":\"Bao phủ\","
		"\"name_en\":\"Coverage\",\"weight\":50,\"max_score\":7.5,\"kpi\":\"villages_reached\","
		"\"target\":2.5},{\"code\":\"members\",\"name_vi\":\"Thành viên\",\"name_en\":\"Members\","
		"\"weight\":50,\"max_score\":10,\"kpi\":\"active_members\",\"target\":0.1}],"
		"\"thresholds\":{\"excellent\":85.5,\"good\":65,\"satisfactory\":0},\"status\":\"active\"}";
	struct http_response r;
	world_call(&r, &rw, "POST", "/api/v1/rubrics", rw.admin, body, NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "subject_type"), "team");
	ck_assert_str_eq(json_field(r.body, "criteria.0.max_score"), "7.5");
	ck_assert_str_eq(json_field(r.body, "thresholds.excellent"), "85.5");
	ck_assert_str_eq(json_field(r.body, "thresholds.satisfactory"), "0");
	http_response_free(&r);
	/* numbers are stored with the digits they were written with */
	char *target = sql_value("SELECT criteria->1->>'target' FROM rubrics"
				 " WHERE code = 'team-yearly'");
	ck_assert_str_eq(target, "0.1");
	free(target);
}
END_TEST

START_TEST(test_a_taken_code_is_409)
{
	create_rubric("taken");
	struct world_counts before = counts();
	struct http_response r;
	post_rubric(&r, rw.admin, "taken", MEMBER_CRITERIA, "");
	assert_problem(&r, 409);
	http_response_free(&r);
	post_rubric(&r, rw.admin, "member-yearly", MEMBER_CRITERIA, "");
	assert_problem(&r, 409);
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_the_same_idempotency_key_creates_one_rubric)
{
	char body[2048];
	snprintf(body, sizeof body,
		 "{\"code\":\"idem-rubric\",\"name_vi\":\"A\",\"name_en\":\"A\","
		 "\"subject_type\":\"member\",\"period_kind\":\"quarter\",\"criteria\":%s}",
		 MEMBER_CRITERIA);
	const char *key[] = {"Idempotency-Key: rubric-IK-1", NULL};
	struct world_counts before = counts();
	struct http_response a, b;
	world_call(&a, &rw, "POST", "/api/v1/rubrics", rw.admin, body, key);
	world_call(&b, &rw, "POST", "/api/v1/rubrics", rw.admin, body, key);
	ck_assert_int_eq(a.status, 201);
	ck_assert_int_eq(b.status, 201);
	ck_assert_str_eq(a.body, b.body);
	struct world_counts after = counts();
	ck_assert_int_eq(world_counted(&after, "rubrics"), world_counted(&before, "rubrics") + 1);
	http_response_free(&a);
	http_response_free(&b);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Editing: in place when unused, a new version when used */

START_TEST(test_an_unused_rubric_is_changed_in_place_with_the_next_version)
{
	create_rubric("unused");
	struct world_counts before = counts();
	struct http_response r;
	world_call_if_match(&r, &rw, "PATCH", rubric_path("unused"), rw.admin,
			    "{\"name_en\":\"Unused rubric\",\"period_kind\":\"quarter\"}", "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_str_eq(etag_of(&r), "\"2\"");
	ck_assert_str_eq(json_field(r.body, "version"), "2");
	ck_assert_str_eq(json_field(r.body, "name_en"), "Unused rubric");
	ck_assert_str_eq(json_field(r.body, "period_kind"), "quarter");
	ck_assert_str_eq(json_field(r.body, "name_vi"), "Bộ tiêu chí unused");
	http_response_free(&r);
	ck_assert_int_eq(versions_of("unused"), 1);
	struct world_counts after = counts();
	ck_assert_int_eq(world_counted(&after, "rubrics"), world_counted(&before, "rubrics"));
	ck_assert_int_eq(world_counted(&after, "audit_events"),
			 world_counted(&before, "audit_events") + 1);
	/* version 1 is gone: it was the same row */
	world_get_refused(&rw, "/api/v1/rubrics/unused?version=1", rw.viewer_tq, 404);
	char *ev = sql_value("SELECT action || ' ' || (before->>'version') || ' ' ||"
			     " (after->>'version') FROM audit_events WHERE entity_id = 'unused'"
			     " ORDER BY id DESC LIMIT 1");
	ck_assert_str_eq(ev, "rubric.update 1 2");
	free(ev);
	/* and the next edit needs the new ETag */
	world_call_if_match(&r, &rw, "PATCH", rubric_path("unused"), rw.admin,
			    "{\"name_en\":\"Again\"}", "1");
	assert_problem(&r, 412);
	http_response_free(&r);
}
END_TEST

START_TEST(test_a_used_rubric_gets_a_new_version_and_the_used_one_stays)
{
	create_rubric("used");
	use_rubric("used", 1);
	char *old = sql_value("SELECT to_jsonb(r)::text FROM rubrics r WHERE code = 'used'");
	struct world_counts before = counts();
	struct http_response r;
	world_call_if_match(&r, &rw, "PATCH", rubric_path("used"), rw.admin,
			    "{\"name_en\":\"Used rubric, second edition\"}", "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_str_eq(etag_of(&r), "\"2\"");
	ck_assert_str_eq(json_field(r.body, "version"), "2");
	ck_assert_str_eq(json_field(r.body, "name_en"), "Used rubric, second edition");
	http_response_free(&r);
	ck_assert_int_eq(versions_of("used"), 2);
	struct world_counts after = counts();
	ck_assert_int_eq(world_counted(&after, "rubrics"), world_counted(&before, "rubrics") + 1);
	ck_assert_int_eq(world_counted(&after, "audit_events"),
			 world_counted(&before, "audit_events") + 1);
	/* the used version is exactly as it was */
	char *now = sql_value("SELECT to_jsonb(r)::text FROM rubrics r WHERE code = 'used'"
			      " AND version = 1");
	ck_assert_str_eq(now, old);
	free(now);
	free(old);
	/* read: the current one is 2, ?version=1 the old one with its own ETag */
	world_call(&r, &rw, "GET", rubric_path("used"), rw.viewer_tq, NULL, NULL);
	ck_assert_str_eq(etag_of(&r), "\"2\"");
	ck_assert_str_eq(json_field(r.body, "name_en"), "Used rubric, second edition");
	http_response_free(&r);
	world_call(&r, &rw, "GET", "/api/v1/rubrics/used?version=1", rw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(etag_of(&r), "\"1\"");
	ck_assert_str_eq(json_field(r.body, "version"), "1");
	ck_assert_str_eq(json_field(r.body, "name_en"), "Rubric used");
	http_response_free(&r);
	/* version 2 is unused: its next edit is in place */
	world_call_if_match(&r, &rw, "PATCH", rubric_path("used"), rw.admin,
			    "{\"name_vi\":\"Bộ tiêu chí, lần hai\"}", "2");
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "version"), "3");
	http_response_free(&r);
	ck_assert_int_eq(versions_of("used"), 2);
	char *versions = sql_value("SELECT string_agg(version::text, ',' ORDER BY version)"
				   " FROM rubrics WHERE code = 'used'");
	ck_assert_str_eq(versions, "1,3");
	free(versions);
}
END_TEST

START_TEST(test_a_version_that_never_existed_is_404_and_a_bad_one_422)
{
	world_get_refused(&rw, "/api/v1/rubrics/member-yearly?version=99", rw.viewer_tq, 404);
	static const char *const bad[] = {"abc", "0", "-1", "1.5", "1e3", "9999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct http_response r;
		char path[128];
		snprintf(path, sizeof path, "/api/v1/rubrics/member-yearly?version=%s", bad[i]);
		world_call(&r, &rw, "GET", path, rw.viewer_tq, NULL, NULL);
		assert_problem(&r, 422);
		ck_assert_msg(response_has_error(&r, "version", "invalid_value"), "%s: %s", bad[i],
			      r.body);
		http_response_free(&r);
	}
	struct http_response r;
	world_call(&r, &rw, "GET", "/api/v1/rubrics/member-yearly?version=1", rw.viewer_tq, NULL,
		   NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "code"), "member-yearly");
	http_response_free(&r);
}
END_TEST

START_TEST(test_patch_replaces_criteria_whole_and_merges_thresholds)
{
	create_rubric("merged");
	struct http_response r;
	world_call_if_match(&r, &rw, "PATCH", rubric_path("merged"), rw.admin,
			    "{\"criteria\":[{\"code\":\"all\",\"name_vi\":\"Tất cả\",\"name_en\":\"All\","
			    "\"weight\":100,\"max_score\":5}],\"thresholds\":{\"excellent\":95}}",
			    "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(doc, "criteria")), 1);
	json_decref(doc);
	ck_assert_str_eq(json_field(r.body, "criteria.0.code"), "all");
	ck_assert_str_eq(json_field(r.body, "thresholds"),
			 "{\"excellent\":95,\"good\":70,\"satisfactory\":50}");
	http_response_free(&r);
	/* thresholds null: back to the defaults */
	world_call_if_match(&r, &rw, "PATCH", rubric_path("merged"), rw.admin,
			    "{\"thresholds\":null}", "2");
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "thresholds.excellent"), "90");
	http_response_free(&r);
}
END_TEST

START_TEST(test_retiring_a_rubric_is_audited_and_filtered)
{
	create_rubric("old-rubric");
	use_rubric("old-rubric", 1);
	struct http_response r;
	world_call_if_match(&r, &rw, "PATCH", rubric_path("old-rubric"), rw.admin,
			    "{\"status\":\"retired\"}", "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "status"), "retired");
	ck_assert_str_eq(json_field(r.body, "version"), "2");
	http_response_free(&r);
	char *ev = sql_value("SELECT action FROM audit_events WHERE entity_id = 'old-rubric'"
			     " ORDER BY id DESC LIMIT 1");
	ck_assert_str_eq(ev, "rubric.retire");
	free(ev);
	/* the list goes by the current version: retired, though version 1 is active */
	world_call(&r, &rw, "GET", "/api/v1/rubrics?status=retired", rw.officer_tq, NULL, NULL);
	ck_assert(list_has(r.body, "code", "old-rubric"));
	http_response_free(&r);
	world_call(&r, &rw, "GET", "/api/v1/rubrics?status=active&limit=200", rw.officer_tq, NULL,
		   NULL);
	ck_assert(!list_has(r.body, "code", "old-rubric"));
	ck_assert(list_has(r.body, "code", "member-yearly"));
	http_response_free(&r);
}
END_TEST

/* PATCHes rubric code with body and If-Match version (NULL: none) as token; asserts a problem
 * with status and that nothing was written. The answer is left in r. */
static void patch_refused(struct http_response *r, const char *token, const char *code,
			  const char *body, const char *version, long status)
{
	struct world_counts before = counts();
	world_call_if_match(r, &rw, "PATCH", rubric_path(code), token, body, version);
	assert_problem(r, status);
	world_assert_unchanged(&before);
}

START_TEST(test_rubric_patch_without_if_match_is_428)
{
	create_rubric("patch-428");
	struct http_response r;
	patch_refused(&r, rw.admin, "patch-428", "{\"name_en\":\"x\"}", NULL, 428);
	http_response_free(&r);
}
END_TEST

START_TEST(test_rubric_patch_with_a_stale_version_is_412)
{
	create_rubric("patch-412");
	use_rubric("patch-412", 1);
	struct http_response r;
	patch_refused(&r, rw.admin, "patch-412", "{\"name_en\":\"x\"}", "5", 412);
	http_response_free(&r);
	/* an older version of the code is stale too, even though it exists */
	world_call_if_match(&r, &rw, "PATCH", rubric_path("patch-412"), rw.admin,
			    "{\"name_en\":\"y\"}", "1");
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	patch_refused(&r, rw.admin, "patch-412", "{\"name_en\":\"z\"}", "1", 412);
	http_response_free(&r);
}
END_TEST

START_TEST(test_rubric_patch_of_the_code_and_read_only_fields_is_422)
{
	create_rubric("patch-422");
	struct http_response r;
	patch_refused(&r, rw.admin, "patch-422",
		      "{\"code\":\"renamed\",\"version\":7,\"created_at\":\"2020-01-01T00:00:00Z\","
		      "\"criteria\":null,\"status\":null,\"colour\":\"red\"}",
		      "1", 422);
	ck_assert(response_has_error(&r, "/code", "read_only"));
	ck_assert(response_has_error(&r, "/version", "read_only"));
	ck_assert(response_has_error(&r, "/created_at", "read_only"));
	ck_assert(response_has_error(&r, "/criteria", "required"));
	ck_assert(response_has_error(&r, "/status", "required"));
	ck_assert(response_has_error(&r, "/colour", "unknown_field"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_the_patched_rubric_is_checked_whole)
{
	/* team-quarterly measures villages_reached: it cannot become a member rubric as it is */
	struct http_response r;
	patch_refused(&r, rw.admin, "team-quarterly", "{\"subject_type\":\"member\"}", "1", 422);
	ck_assert(response_has_error(&r, "/criteria/0/kpi", "invalid_value"));
	ck_assert(response_has_error(&r, "/criteria/2/kpi", "invalid_value"));
	http_response_free(&r);
	/* thresholds merged into an order that does not hold */
	patch_refused(&r, rw.admin, "team-quarterly", "{\"thresholds\":{\"good\":95}}", "1", 422);
	ck_assert(response_has_error(&r, "/thresholds", "out_of_order"));
	http_response_free(&r);
	patch_refused(&r, rw.admin, "team-quarterly", "{\"thresholds\":{\"good\":null}}", "1", 422);
	ck_assert(response_has_error(&r, "/thresholds/good", "required"));
	http_response_free(&r);
	/* new criteria whose weights do not add up */
	patch_refused(&r, rw.admin, "team-quarterly",
		      "{\"criteria\":[{\"code\":\"a\",\"name_vi\":\"A\",\"name_en\":\"A\",\"weight\":"
		      "90,\"max_score\":10}]}",
		      "1", 422);
	ck_assert(response_has_error(&r, "/criteria/0/code", "invalid_format"));
	ck_assert(response_has_error(&r, "/criteria", "invalid_sum"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_patching_an_unknown_rubric_is_404)
{
	struct http_response r;
	patch_refused(&r, rw.admin, "no-such-rubric", "{\"name_en\":\"x\"}", "1", 404);
	http_response_free(&r);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Deleting */

START_TEST(test_deleting_an_unused_rubric_deletes_every_version)
{
	/* two versions: version 1 was used by an evaluation since deleted */
	create_rubric("gone");
	use_rubric("gone", 1);
	struct http_response r;
	world_call_if_match(&r, &rw, "PATCH", rubric_path("gone"), rw.admin, "{\"name_en\":\"x\"}",
			    "1");
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	world_exec(&rw, "DELETE FROM evaluations WHERE rubric_code = 'gone'");
	ck_assert_int_eq(versions_of("gone"), 2);
	world_call_if_match(&r, &rw, "DELETE", rubric_path("gone"), rw.admin, NULL, "2");
	ck_assert_msg(r.status == 204, "%ld %s", r.status, r.body);
	http_response_free(&r);
	ck_assert_int_eq(versions_of("gone"), 0);
	world_get_refused(&rw, rubric_path("gone"), rw.admin, 404);
	world_get_refused(&rw, "/api/v1/rubrics/gone?version=1", rw.admin, 404);
	char *ev = sql_value("SELECT action || ' ' || (before->>'version') FROM audit_events"
			     " WHERE entity_id = 'gone' ORDER BY id DESC LIMIT 1");
	ck_assert_str_eq(ev, "rubric.delete 2");
	free(ev);
	/* and the code is free again */
	create_rubric("gone");
}
END_TEST

START_TEST(test_deleting_a_rubric_in_use_is_409_saying_retire_it)
{
	/* used in its first version only: still in use */
	create_rubric("in-use");
	use_rubric("in-use", 1);
	struct http_response r;
	world_call_if_match(&r, &rw, "PATCH", rubric_path("in-use"), rw.admin,
			    "{\"name_en\":\"x\"}", "1");
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	struct world_counts before = counts();
	world_call_if_match(&r, &rw, "DELETE", rubric_path("in-use"), rw.admin, NULL, "2");
	assert_problem(&r, 409);
	assert_problem_says(&r, "retire");
	http_response_free(&r);
	world_assert_unchanged(&before);
	/* If-Match first: without it 428, stale 412 */
	world_call_if_match(&r, &rw, "DELETE", rubric_path("in-use"), rw.admin, NULL, NULL);
	assert_problem(&r, 428);
	http_response_free(&r);
	world_call_if_match(&r, &rw, "DELETE", rubric_path("in-use"), rw.admin, NULL, "1");
	assert_problem(&r, 412);
	http_response_free(&r);
	world_call_if_match(&r, &rw, "DELETE", rubric_path("no-such-rubric"), rw.admin, NULL, "1");
	assert_problem(&r, 404);
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Who may write */

/* officer.tq, viewer.tq and leader.tq: none of them writes rubrics. */
#define NON_ADMINS {rw.officer_tq, rw.viewer_tq, rw.leader_tq}

START_TEST(test_non_admins_cannot_create_patch_or_delete_rubrics)
{
	create_rubric("admins-only");
	struct world_counts before = counts();
	const char *writers[] = NON_ADMINS;
	for (size_t i = 0; i < 3; i++) {
		struct http_response r;
		post_rubric(&r, writers[i], "officer-made", MEMBER_CRITERIA, "");
		assert_problem(&r, 403);
		http_response_free(&r);
		world_call_if_match(&r, &rw, "PATCH", rubric_path("admins-only"), writers[i],
				    "{\"name_en\":\"x\"}", "1");
		assert_problem(&r, 403);
		http_response_free(&r);
		world_call_if_match(&r, &rw, "DELETE", rubric_path("admins-only"), writers[i], NULL,
				    "1");
		assert_problem(&r, 403);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_a_system_with_evaluations_write_cannot_write_rubrics)
{
	char *token = world_client_token(&rw, "rubric.writer", "[\"evaluations:write\"]", "TQ");
	struct world_counts before = counts();
	struct http_response r;
	post_rubric(&r, token, "system-made", MEMBER_CRITERIA, "");
	assert_problem(&r, 403);
	http_response_free(&r);
	world_call_if_match(&r, &rw, "PATCH", rubric_path("member-yearly"), token,
			    "{\"name_en\":\"x\"}", "1");
	assert_problem(&r, 403);
	http_response_free(&r);
	world_call_if_match(&r, &rw, "DELETE", rubric_path("member-yearly"), token, NULL, "1");
	assert_problem(&r, 403);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(token);
}
END_TEST

/* The KPIs a criterion may name are those evaluation_kpis() computes (db/functions/
 * 65_evaluations.sql: five for a member, seven for a team), and those the spec lists. */
START_TEST(test_the_kpis_are_those_the_evaluations_compute_and_the_spec_lists)
{
	char sorted[512] = "", first_five[512] = "";
	/* the C table as a list, sorted by SQL for the comparison */
	char values[512] = "";
	for (size_t i = 0; rubric_kpi_values[i]; i++) {
		size_t n = strlen(values);
		snprintf(values + n, sizeof values - n, "%s%s", i ? "," : "", rubric_kpi_values[i]);
		if (i == 4)
			snprintf(first_five, sizeof first_five, "%s", values);
	}
	static const char *const kinds[] = {"team", "member"};
	for (size_t k = 0; k < 2; k++) {
		char *c = world_sql(&rw, "SELECT string_agg(v, ',' ORDER BY v) FROM"
					 " unnest(string_to_array('%s', ',')) v",
				    k == 0 ? values : first_five);
		snprintf(sorted, sizeof sorted, "%s", c);
		free(c);
		char *computed = world_sql(
			&rw,
			"SELECT string_agg(key, ',' ORDER BY key) FROM evaluation_kpis('%s',"
			" ARRAY[gen_random_uuid()], '2025-01-01', '2025-12-31') e,"
			" jsonb_each(e.kpis) WHERE jsonb_typeof(value) = 'number'",
			kinds[k]);
		ck_assert_msg(computed && !strcmp(computed, sorted), "%s KPIs: computed %s, C %s",
			      kinds[k], computed ? computed : "(none)", sorted);
		free(computed);
	}
	json_t *spec = json_loadb((const char *)spec_embedded[0].data, spec_embedded[0].len, 0, NULL);
	json_t *en = json_object_get(
		json_object_get(json_object_get(json_object_get(spec, "components"), "schemas"),
				"RubricKpi"),
		"enum");
	size_t n = 0;
	while (rubric_kpi_values[n])
		n++;
	ck_assert_uint_eq(json_array_size(en), n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(json_string_value(json_array_get(en, i)), rubric_kpi_values[i]);
	json_decref(spec);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * The body */

/* A refused create of member rubric "refused" with these criteria and extra members (",..."
 * or ""): the error's field and code. */
struct refused {
	const char *criteria, *extra, *field, *code;
};

static void assert_refused(const struct refused *cases, size_t n)
{
	struct world_counts before = counts();
	for (size_t i = 0; i < n; i++) {
		struct http_response r;
		post_rubric(&r, rw.admin, "refused", cases[i].criteria, cases[i].extra);
		ck_assert_msg(r.status == 422 && response_has_error(&r, cases[i].field, cases[i].code),
			      "case %zu (%s %s): %ld %s", i, cases[i].field, cases[i].code, r.status,
			      r.body);
		http_response_free(&r);
	}
	world_assert_unchanged(&before);
}

START_TEST(test_weights_must_add_up_to_100)
{
	static const struct refused cases[] = {
		{ONE_CRITERION(NAMES ",\"weight\":90,\"max_score\":10"), "", "/criteria",
		 "invalid_sum"},
		{"[{\"code\":\"a1\"," NAMES ",\"weight\":60,\"max_score\":10},"
		 "{\"code\":\"a2\"," NAMES ",\"weight\":50,\"max_score\":10}]",
		 "", "/criteria", "invalid_sum"},
	};
	assert_refused(cases, sizeof cases / sizeof cases[0]);
	/* the message says what they add up to */
	struct http_response r;
	post_rubric(&r, rw.admin, "refused", ONE_CRITERION(NAMES ",\"weight\":90,\"max_score\":10"),
		    "");
	assert_problem_says(&r, "add up to 90");
	http_response_free(&r);
}
END_TEST

START_TEST(test_thresholds_must_decrease_strictly)
{
	static const struct refused cases[] = {
		{MEMBER_CRITERIA, ",\"thresholds\":{\"excellent\":70,\"good\":90,\"satisfactory\":50}",
		 "/thresholds", "out_of_order"},
		{MEMBER_CRITERIA, ",\"thresholds\":{\"excellent\":90,\"good\":70,\"satisfactory\":70}",
		 "/thresholds", "out_of_order"},
		{MEMBER_CRITERIA, ",\"thresholds\":{\"excellent\":101,\"good\":70,\"satisfactory\":50}",
		 "/thresholds/excellent", "out_of_range"},
		{MEMBER_CRITERIA, ",\"thresholds\":{\"excellent\":90,\"good\":\"70\",\"satisfactory\":50}",
		 "/thresholds/good", "invalid_type"},
		{MEMBER_CRITERIA, ",\"thresholds\":{\"excellent\":90,\"good\":70}",
		 "/thresholds/satisfactory", "required"},
		{MEMBER_CRITERIA,
		 ",\"thresholds\":{\"excellent\":90,\"good\":70,\"satisfactory\":-1}",
		 "/thresholds/satisfactory", "out_of_range"},
		{MEMBER_CRITERIA,
		 ",\"thresholds\":{\"excellent\":90,\"good\":70,\"satisfactory\":50,\"poor\":10}",
		 "/thresholds/poor", "unknown_field"},
		{MEMBER_CRITERIA, ",\"thresholds\":[90,70,50]", "/thresholds", "invalid_type"},
	};
	assert_refused(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_criteria_are_checked_one_by_one_with_json_pointers)
{
	char thirty_one[8192] = "[";
	for (int i = 0; i < 31; i++) {
		size_t n = strlen(thirty_one);
		snprintf(thirty_one + n, sizeof thirty_one - n,
			 "%s{\"code\":\"c%d\"," NAMES ",\"weight\":1,\"max_score\":1}", i ? "," : "", i);
	}
	size_t n = strlen(thirty_one);
	snprintf(thirty_one + n, sizeof thirty_one - n, "]");
	char long_name[300];
	memset(long_name, 'a', 201);
	long_name[201] = '\0';
	char long_criterion[600];
	snprintf(long_criterion, sizeof long_criterion,
		 "[{\"code\":\"c1\",\"name_vi\":\"%s\",\"name_en\":\"x\",\"weight\":100,"
		 "\"max_score\":10}]",
		 long_name);
	const struct refused cases[] = {
		{"[]", "", "/criteria", "too_short"},
		{thirty_one, "", "/criteria", "too_long"},
		{"{}", "", "/criteria", "invalid_type"},
		{"null", "", "/criteria", "required"},
		{"[\"visits\"]", "", "/criteria/0", "invalid_type"},
		/* an unknown member of a criterion */
		{ONE_CRITERION(NAMES ",\"weight\":100,\"max_score\":10,\"colour\":\"red\""), "",
		 "/criteria/0/colour", "unknown_field"},
		{ONE_CRITERION(NAMES ",\"weight\":100,\"max_score\":10,\"a/b\":1"), "",
		 "/criteria/0/a~1b", "unknown_field"},
		/* duplicate codes: the second is named */
		{"[{\"code\":\"same\"," NAMES ",\"weight\":50,\"max_score\":10},"
		 "{\"code\":\"same\"," NAMES ",\"weight\":50,\"max_score\":10}]",
		 "", "/criteria/1/code", "duplicate"},
		{"[{\"code\":\"Bad Code\"," NAMES ",\"weight\":100,\"max_score\":10}]", "",
		 "/criteria/0/code", "invalid_format"},
		{"[{" NAMES ",\"weight\":100,\"max_score\":10}]", "", "/criteria/0/code", "required"},
		{ONE_CRITERION("\"name_en\":\"x\",\"weight\":100,\"max_score\":10"), "",
		 "/criteria/0/name_vi", "required"},
		{long_criterion, "", "/criteria/0/name_vi", "too_long"},
		{ONE_CRITERION("\"name_vi\":\"\",\"name_en\":\"x\",\"weight\":100,\"max_score\":10"),
		 "", "/criteria/0/name_vi", "required"},
		{ONE_CRITERION(NAMES ",\"weight\":0,\"max_score\":10"), "", "/criteria/0/weight",
		 "out_of_range"},
		{ONE_CRITERION(NAMES ",\"weight\":101,\"max_score\":10"), "", "/criteria/0/weight",
		 "out_of_range"},
		{ONE_CRITERION(NAMES ",\"weight\":99.5,\"max_score\":10"), "", "/criteria/0/weight",
		 "invalid_type"},
		{ONE_CRITERION(NAMES ",\"max_score\":10"), "", "/criteria/0/weight", "required"},
		{ONE_CRITERION(NAMES ",\"weight\":100,\"max_score\":0"), "", "/criteria/0/max_score",
		 "out_of_range"},
		{ONE_CRITERION(NAMES ",\"weight\":100,\"max_score\":1000.5"), "",
		 "/criteria/0/max_score", "out_of_range"},
		{ONE_CRITERION(NAMES ",\"weight\":100,\"max_score\":\"10\""), "",
		 "/criteria/0/max_score", "invalid_type"},
		{ONE_CRITERION(NAMES ",\"weight\":100"), "", "/criteria/0/max_score", "required"},
		/* kpi and target go together */
		{ONE_CRITERION(NAMES ",\"weight\":100,\"max_score\":10,\"kpi\":\"activities\""), "",
		 "/criteria/0/target", "required"},
		{ONE_CRITERION(NAMES ",\"weight\":100,\"max_score\":10,\"target\":5"), "",
		 "/criteria/0/target", "not_allowed"},
		{ONE_CRITERION(NAMES ",\"weight\":100,\"max_score\":10,\"kpi\":\"activities\","
				     "\"target\":0"),
		 "", "/criteria/0/target", "out_of_range"},
		{ONE_CRITERION(NAMES ",\"weight\":100,\"max_score\":10,\"kpi\":\"smiles\","
				     "\"target\":3"),
		 "", "/criteria/0/kpi", "invalid_value"},
		{ONE_CRITERION(NAMES ",\"weight\":100,\"max_score\":10,\"kpi\":7,\"target\":3"), "",
		 "/criteria/0/kpi", "invalid_type"},
	};
	assert_refused(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_team_kpis_are_refused_in_a_member_rubric)
{
	static const struct refused cases[] = {
		{ONE_CRITERION(NAMES ",\"weight\":100,\"max_score\":10,\"kpi\":\"villages_reached\","
				     "\"target\":2"),
		 "", "/criteria/0/kpi", "invalid_value"},
		{ONE_CRITERION(NAMES ",\"weight\":100,\"max_score\":10,\"kpi\":\"active_members\","
				     "\"target\":4"),
		 "", "/criteria/0/kpi", "invalid_value"},
	};
	assert_refused(cases, sizeof cases / sizeof cases[0]);
	struct http_response r;
	post_rubric(&r, rw.admin, "refused", cases[0].criteria, "");
	assert_problem_says(&r, "teams only");
	http_response_free(&r);
	/* every member KPI is taken */
	static const char *const member_kpis[] = {"activities", "households_reached",
						  "people_reached", "active_days", "services_covered"};
	for (size_t i = 0; i < 5; i++) {
		char criteria[400], code[40];
		snprintf(criteria, sizeof criteria,
			 "[{\"code\":\"kk\"," NAMES ",\"weight\":100,\"max_score\":10,\"kpi\":\"%s\","
			 "\"target\":3}]",
			 member_kpis[i]);
		snprintf(code, sizeof code, "kpi-%zu", i);
		post_rubric(&r, rw.admin, code, criteria, "");
		ck_assert_msg(r.status == 201, "%s: %s", member_kpis[i], r.body);
		http_response_free(&r);
	}
}
END_TEST

START_TEST(test_the_plain_fields_are_checked_all_at_once)
{
	struct world_counts before = counts();
	struct http_response r;
	world_call(&r, &rw, "POST", "/api/v1/rubrics", rw.admin,
		   "{\"code\":\"Bad Code\",\"name_vi\":\"\",\"subject_type\":\"village\","
		   "\"period_kind\":\"month\",\"status\":\"draft\",\"criteria\":" MEMBER_CRITERIA
		   ",\"version\":3,\"colour\":\"red\"}",
		   NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/code", "invalid_format"));
	ck_assert(response_has_error(&r, "/name_vi", "required"));
	ck_assert(response_has_error(&r, "/name_en", "required"));
	ck_assert(response_has_error(&r, "/subject_type", "invalid_value"));
	ck_assert(response_has_error(&r, "/period_kind", "invalid_value"));
	ck_assert(response_has_error(&r, "/status", "invalid_value"));
	ck_assert(response_has_error(&r, "/version", "read_only"));
	ck_assert(response_has_error(&r, "/colour", "unknown_field"));
	http_response_free(&r);
	world_call(&r, &rw, "POST", "/api/v1/rubrics", rw.admin, "{}", NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/code", "required"));
	ck_assert(response_has_error(&r, "/subject_type", "required"));
	ck_assert(response_has_error(&r, "/period_kind", "required"));
	ck_assert(response_has_error(&r, "/criteria", "required"));
	http_response_free(&r);
	post_rubric(&r, rw.admin, "x", MEMBER_CRITERIA, "");
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/code", "too_short"));
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_bad_json_is_400_and_another_content_type_415)
{
	struct world_counts before = counts();
	struct http_response r;
	world_call(&r, &rw, "POST", "/api/v1/rubrics", rw.admin, "{\"code\":", NULL);
	assert_problem(&r, 400);
	http_response_free(&r);
	world_call(&r, &rw, "POST", "/api/v1/rubrics", rw.admin, "[]", NULL);
	assert_problem(&r, 400);
	http_response_free(&r);
	char auth[4200];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", rw.admin);
	const char *h[] = {auth, "Content-Type: text/plain", NULL};
	const char *body = "code=x";
	http_request(&r, "POST", rw.server.port, "/api/v1/rubrics", h, body, strlen(body));
	assert_problem(&r, 415);
	http_response_free(&r);
	const char *hp[] = {auth, "Content-Type: text/plain", "If-Match: \"1\"", NULL};
	http_request(&r, "PATCH", rw.server.port, rubric_path("member-yearly"), hp, body,
		     strlen(body));
	assert_problem(&r, 415);
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

Suite *rubrics_suite(void)
{
	Suite *s = suite_create("rubrics");
	TCase *tc = tcase_create("rubrics");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_the_seeded_rubrics_are_listed_in_code_order);
	tcase_add_test(tc, test_every_role_reads_a_rubric_with_its_etag);
	tcase_add_test(tc, test_a_system_with_an_evaluations_scope_reads_rubrics);
	tcase_add_test(tc, test_a_system_without_an_evaluations_scope_cannot_read_rubrics);
	tcase_add_test(tc, test_rubrics_need_a_token);
	tcase_add_test(tc, test_list_filters_by_subject_type_period_kind_and_status);
	tcase_add_test(tc, test_list_names_each_bad_filter);
	tcase_add_test(tc, test_list_pages_of_1_show_each_code_once_at_its_current_version);
	tcase_add_test(tc, test_an_unknown_or_malformed_code_is_404);
	tcase_add_test(tc, test_admin_creates_a_rubric_with_location_etag_and_default_thresholds);
	tcase_add_test(tc, test_criteria_as_read_can_be_sent_back);
	tcase_add_test(tc, test_a_team_rubric_takes_team_kpis_and_its_own_thresholds);
	tcase_add_test(tc, test_a_taken_code_is_409);
	tcase_add_test(tc, test_the_same_idempotency_key_creates_one_rubric);
	tcase_add_test(tc, test_an_unused_rubric_is_changed_in_place_with_the_next_version);
	tcase_add_test(tc, test_a_used_rubric_gets_a_new_version_and_the_used_one_stays);
	tcase_add_test(tc, test_a_version_that_never_existed_is_404_and_a_bad_one_422);
	tcase_add_test(tc, test_patch_replaces_criteria_whole_and_merges_thresholds);
	tcase_add_test(tc, test_retiring_a_rubric_is_audited_and_filtered);
	tcase_add_test(tc, test_rubric_patch_without_if_match_is_428);
	tcase_add_test(tc, test_rubric_patch_with_a_stale_version_is_412);
	tcase_add_test(tc, test_rubric_patch_of_the_code_and_read_only_fields_is_422);
	tcase_add_test(tc, test_the_patched_rubric_is_checked_whole);
	tcase_add_test(tc, test_patching_an_unknown_rubric_is_404);
	tcase_add_test(tc, test_deleting_an_unused_rubric_deletes_every_version);
	tcase_add_test(tc, test_deleting_a_rubric_in_use_is_409_saying_retire_it);
	tcase_add_test(tc, test_non_admins_cannot_create_patch_or_delete_rubrics);
	tcase_add_test(tc, test_a_system_with_evaluations_write_cannot_write_rubrics);
	tcase_add_test(tc, test_weights_must_add_up_to_100);
	tcase_add_test(tc, test_thresholds_must_decrease_strictly);
	tcase_add_test(tc, test_criteria_are_checked_one_by_one_with_json_pointers);
	tcase_add_test(tc, test_team_kpis_are_refused_in_a_member_rubric);
	tcase_add_test(tc, test_the_kpis_are_those_the_evaluations_compute_and_the_spec_lists);
	tcase_add_test(tc, test_the_plain_fields_are_checked_all_at_once);
	tcase_add_test(tc, test_bad_json_is_400_and_another_content_type_415);
	suite_add_tcase(s, tc);
	return s;
}
