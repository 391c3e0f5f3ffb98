/*
 * Funding through the API: proposals with line items and totals computed by PostgreSQL, edits
 * of drafts and returned proposals only, the workflow (submit, approve, reject, return,
 * withdraw, disburse in tranches) with who may make each move (in scope; strictly above; never
 * the account that submitted), the history, budget allocations and approvals that would pass
 * them, two approvers at once, the lists (awaiting=me, filters, CSV), who may read, and every
 * bad input answered 4xx with nothing written.
 *
 * The world: province HG > district BQ > commune TQ > village TQ-V1, and BM > NX > NX-V1. The
 * commune officer of TQ asks; officers of district BQ (two of them) and of province HG decide.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "world.h"

static struct world fw;
static char *bq, *bq2, *hg, *year;
static char team_tq[40], team_nx[40];

static void setup(void)
{
	world_create(&fw, NULL);
	world_add_user(&fw, "officer.bq", "officer", "BQ", NULL);
	world_add_user(&fw, "officer.bq2", "officer", "BQ", NULL);
	world_add_user(&fw, "officer.hg", "officer", "HG", NULL);
	bq = world_login(&fw, "officer.bq", WORLD_PASSWORD);
	bq2 = world_login(&fw, "officer.bq2", WORLD_PASSWORD);
	hg = world_login(&fw, "officer.hg", WORLD_PASSWORD);
	year = world_sql(&fw, "SELECT extract(year FROM report_today())::int");
	char *t = world_add_team(&fw, "TQ-V1", "active", "2024-01-10");
	snprintf(team_tq, sizeof team_tq, "%s", t);
	free(t);
	t = world_add_team(&fw, "NX-V1", "active", "2024-01-10");
	snprintf(team_nx, sizeof team_nx, "%s", t);
	free(t);
}

static void teardown(void)
{
	world_destroy(&fw);
}

static struct world_counts counts(void)
{
	static const char *const tables[] = {"funding_proposals", "funding_line_items",
					     "funding_transitions", "funding_allocations",
					     "audit_events", NULL};
	return world_counts(&fw, tables);
}

#define LINES                                                                               \
	"[{\"category\":\"member_allowance\",\"description\":\"Phụ cấp 8 thành viên × 12 tháng\"," \
	"\"quantity\":96,\"unit_cost_vnd\":300000},"                                          \
	"{\"category\":\"devices\",\"description\":\"Điện thoại thông minh\",\"quantity\":2,"    \
	"\"unit_cost_vnd\":3500000}]"

/* A proposal body of unit for this fiscal year with extra members (",..." or ""). */
static const char *proposal_body(const char *unit, const char *extra)
{
	static char out[4096];
	snprintf(out, sizeof out,
		 "{\"unit_code\":\"%s\",\"title\":\"Phụ cấp và thiết bị cho tổ công nghệ số\","
		 "\"purpose\":\"Hỗ trợ thành viên tổ hướng dẫn người dân dùng dịch vụ công\","
		 "\"fiscal_year\":%s,\"line_items\":" LINES "%s}",
		 unit, year, extra);
	return out;
}

/* Creates a proposal of TQ as the TQ officer; asserts 201; its id (malloc'd). */
static char *create_proposal(void)
{
	struct http_response r;
	world_call(&r, &fw, "POST", "/api/v1/funding-proposals", fw.officer_tq,
		   proposal_body("TQ", world_path(",\"team_ids\":[\"%s\"]", team_tq)), NULL);
	ck_assert_msg(r.status == 201, "create: %ld %s", r.status, r.body);
	char *id = strdup(json_field(r.body, "id"));
	http_response_free(&r);
	return id;
}

static const char *moves_path(const char *id)
{
	return world_path("/api/v1/funding-proposals/%s/transitions", id);
}

/* Moves proposal id at version with body as token; the status. */
static long move(const char *token, const char *id, const char *version, const char *body,
		 struct http_response *out)
{
	struct http_response r;
	world_call_if_match(&r, &fw, "POST", moves_path(id), token, body, version);
	long status = r.status;
	if (out)
		*out = r;
	else
		http_response_free(&r);
	return status;
}

#define APPROVE(amount) "{\"action\":\"approve\",\"approved_total_vnd\":" #amount ",\"decision_no\":\"123/QĐ-UBND\"}"

/* A proposal of TQ submitted by the TQ officer (version 2). */
static char *submitted_proposal(void)
{
	char *id = create_proposal();
	ck_assert_int_eq(move(fw.officer_tq, id, "1", "{\"action\":\"submit\"}", NULL), 200);
	return id;
}

START_TEST(test_a_proposal_gets_its_totals_from_the_database)
{
	struct world_counts before = counts();
	struct http_response r;
	world_call(&r, &fw, "POST", "/api/v1/funding-proposals", fw.officer_tq,
		   proposal_body("TQ", world_path(",\"team_ids\":[\"%s\"]", team_tq)), NULL);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	char *location = http_header_value(&r, "Location");
	ck_assert_str_eq(location, world_path("/api/v1/funding-proposals/%s",
					      json_field(r.body, "id")));
	ck_assert_str_eq(json_field(r.body, "status"), "draft");
	ck_assert_str_eq(json_field(r.body, "line_items.0.total_vnd"), "28800000");
	ck_assert_str_eq(json_field(r.body, "line_items.1.total_vnd"), "7000000");
	ck_assert_str_eq(json_field(r.body, "requested_total_vnd"), "35800000");
	ck_assert_str_eq(json_field(r.body, "approved_total_vnd"), "null");
	ck_assert_str_eq(json_field(r.body, "disbursed_total_vnd"), "0");
	ck_assert_str_eq(json_field(r.body, "history"), "[]");
	ck_assert_str_eq(json_field(r.body, "team_ids.0"), team_tq);
	ck_assert_int_eq(world_count(&fw, "funding_line_items"),
			 world_counted(&before, "funding_line_items") + 2);
	char *n = world_sql(&fw, "SELECT count(*) FROM audit_events WHERE action ="
				 " 'funding_proposal.create' AND entity_id = '%s'",
			    json_field(r.body, "id"));
	ck_assert_str_eq(n, "1");
	free(n);
	free(location);
	http_response_free(&r);
}
END_TEST

START_TEST(test_bad_proposals_are_422_and_write_nothing)
{
	struct world_counts before = counts();
	static char bodies[16][4096];
	int n = 0;
#define LINE(q, c, cat) \
	"[{\"category\":\"" cat "\",\"description\":\"x\",\"quantity\":" q ",\"unit_cost_vnd\":" c "}]"
	snprintf(bodies[n++], 4096, "{\"unit_code\":\"TQ\",\"title\":\"t\",\"purpose\":\"p\","
		 "\"fiscal_year\":%s,\"line_items\":" LINE("0", "1000", "devices") "}", year);
	snprintf(bodies[n++], 4096, "{\"unit_code\":\"TQ\",\"title\":\"t\",\"purpose\":\"p\","
		 "\"fiscal_year\":%s,\"line_items\":" LINE("-3", "1000", "devices") "}", year);
	snprintf(bodies[n++], 4096, "{\"unit_code\":\"TQ\",\"title\":\"t\",\"purpose\":\"p\","
		 "\"fiscal_year\":%s,\"line_items\":" LINE("1", "-1", "devices") "}", year);
	snprintf(bodies[n++], 4096, "{\"unit_code\":\"TQ\",\"title\":\"t\",\"purpose\":\"p\","
		 "\"fiscal_year\":%s,\"line_items\":" LINE("1000000", "1000000000000", "devices") "}",
		 year);
	snprintf(bodies[n++], 4096, "{\"unit_code\":\"TQ\",\"title\":\"t\",\"purpose\":\"p\","
		 "\"fiscal_year\":%s,\"line_items\":" LINE("1", "1000", "yachts") "}", year);
	snprintf(bodies[n++], 4096, "{\"unit_code\":\"TQ\",\"title\":\"t\",\"purpose\":\"p\","
		 "\"fiscal_year\":%s,\"team_ids\":[\"%s\"],\"line_items\":" LINE("1", "1000", "devices")
		 "}", year, team_nx);
	snprintf(bodies[n++], 4096, "{\"unit_code\":\"TQ\",\"title\":\"t\",\"purpose\":\"p\","
		 "\"fiscal_year\":2019,\"line_items\":" LINE("1", "1000", "devices") "}");
	snprintf(bodies[n++], 4096, "{\"unit_code\":\"TQ\",\"title\":\"t\",\"purpose\":\"p\","
		 "\"fiscal_year\":2099,\"line_items\":" LINE("1", "1000", "devices") "}");
	snprintf(bodies[n++], 4096, "{\"unit_code\":\"TQ\",\"title\":\"t\",\"purpose\":\"p\","
		 "\"fiscal_year\":%s,\"line_items\":[]}", year);
	snprintf(bodies[n++], 4096, "{\"unit_code\":\"TQ\",\"title\":\"t\",\"purpose\":\"p\","
		 "\"fiscal_year\":%s}", year);
	snprintf(bodies[n++], 4096, "{\"unit_code\":\"TQ\",\"title\":\"t\",\"purpose\":\"p\","
		 "\"fiscal_year\":%s,\"status\":\"approved\",\"line_items\":" LINE("1", "1", "devices")
		 "}", year);
	snprintf(bodies[n++], 4096, "{\"unit_code\":\"NX\",\"title\":\"t\",\"purpose\":\"p\","
		 "\"fiscal_year\":%s,\"line_items\":" LINE("1", "1", "devices") "}", year);
	snprintf(bodies[n++], 4096, "{\"unit_code\":\"TQ\",\"title\":\"t\",\"purpose\":\"p\","
		 "\"fiscal_year\":%s,\"line_items\":[{\"category\":\"devices\",\"description\":\"x\","
		 "\"quantity\":1.5,\"unit_cost_vnd\":1}]}", year);
	snprintf(bodies[n++], 4096, "{\"unit_code\":\"TQ\",\"title\":\"t\",\"purpose\":\"p\","
		 "\"fiscal_year\":%s,\"team_ids\":[\"not-a-uuid\"],\"line_items\":"
		 LINE("1", "1", "devices") "}", year);
#undef LINE
	static const struct {
		const char *field, *code;
	} want[] = {
		{"/line_items/0/quantity", NULL}, {"/line_items/0/quantity", NULL},
		{"/line_items/0/unit_cost_vnd", NULL}, {"/line_items/0", "too_large"},
		{"/line_items/0/category", NULL}, {"/team_ids/0", "not_found"},
		{"/fiscal_year", NULL}, {"/fiscal_year", "out_of_range"},
		{"/line_items", "too_short"}, {"/line_items", "required"},
		{"/status", NULL}, {"/unit_code", "not_found"},
		{"/line_items/0/quantity", NULL}, {"/team_ids/0", "invalid_format"},
	};
	ck_assert_int_eq(n, (int)(sizeof want / sizeof want[0]));
	for (int i = 0; i < n; i++) {
		struct http_response r;
		world_call(&r, &fw, "POST", "/api/v1/funding-proposals", fw.officer_tq, bodies[i],
			   NULL);
		ck_assert_msg(r.status == 422, "case %d: %ld %s", i, r.status, r.body);
		assert_problem(&r, 422);
		ck_assert_msg(response_has_error(&r, want[i].field, want[i].code), "case %d: %s", i,
			      r.body);
		http_response_free(&r);
	}
	/* an amount beyond 64 bits is refused as out of range, never wrapped */
	struct http_response r;
	world_call(&r, &fw, "POST", "/api/v1/funding-proposals", fw.officer_tq,
		   world_path("{\"unit_code\":\"TQ\",\"title\":\"t\",\"purpose\":\"p\","
			      "\"fiscal_year\":%s,\"line_items\":[{\"category\":\"devices\","
			      "\"description\":\"x\",\"quantity\":1,"
			      "\"unit_cost_vnd\":99999999999999999999}]}", year),
		   NULL);
	assert_problem(&r, 422);
	assert_problem_says(&r, "too large");
	http_response_free(&r);
	world_assert_unchanged(&before);
}
END_TEST

START_TEST(test_drafts_are_edited_with_if_match_and_submitted_ones_are_not)
{
	char *id = create_proposal();
	struct http_response r;
	world_call_if_match(&r, &fw, "PATCH", world_path("/api/v1/funding-proposals/%s", id),
			    fw.officer_tq,
			    "{\"line_items\":[{\"category\":\"mobile_data\",\"description\":\"Gói 4G"
			    " 12 tháng\",\"quantity\":12,\"unit_cost_vnd\":120000}],\"title\":\"4G\"}",
			    "1");
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_str_eq(json_field(r.body, "requested_total_vnd"), "1440000");
	ck_assert_str_eq(json_field(r.body, "title"), "4G");
	ck_assert(!json_has(r.body, "line_items.1"));
	ck_assert_str_eq(json_field(r.body, "version"), "2");
	http_response_free(&r);
	world_call_if_match(&r, &fw, "PATCH", world_path("/api/v1/funding-proposals/%s", id),
			    fw.officer_tq, "{\"title\":\"stale\"}", "1");
	assert_problem(&r, 412);
	http_response_free(&r);
	ck_assert_int_eq(move(fw.officer_tq, id, "2", "{\"action\":\"submit\"}", NULL), 200);
	struct world_counts before = counts();
	world_call_if_match(&r, &fw, "PATCH", world_path("/api/v1/funding-proposals/%s", id),
			    fw.officer_tq, "{\"title\":\"late\"}", "3");
	assert_problem(&r, 409);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(id);
}
END_TEST

START_TEST(test_a_proposal_goes_from_submit_to_disbursed_in_tranches)
{
	char *id = submitted_proposal();
	struct http_response r;
	ck_assert_int_eq(move(bq, id, "2", APPROVE(30000000), &r), 200);
	ck_assert_str_eq(json_field(r.body, "status"), "approved");
	ck_assert_str_eq(json_field(r.body, "approved_total_vnd"), "30000000");
	ck_assert_str_eq(json_field(r.body, "decision_no"), "123/QĐ-UBND");
	http_response_free(&r);
	ck_assert_int_eq(move(bq, id, "3", "{\"action\":\"disburse\",\"amount_vnd\":10000000,"
				       "\"paid_on\":\"2026-01-05\",\"voucher_no\":\"PC-01\"}", &r), 200);
	ck_assert_str_eq(json_field(r.body, "status"), "approved");
	ck_assert_str_eq(json_field(r.body, "disbursed_total_vnd"), "10000000");
	http_response_free(&r);
	struct world_counts before = counts();
	ck_assert_int_eq(move(bq, id, "4", "{\"action\":\"disburse\",\"amount_vnd\":20000001,"
				       "\"paid_on\":\"2026-01-06\",\"voucher_no\":\"PC-02\"}", &r), 422);
	ck_assert(response_has_error(&r, "/amount_vnd", "exceeds_approved"));
	http_response_free(&r);
	world_assert_unchanged(&before);
	ck_assert_int_eq(move(bq, id, "4", "{\"action\":\"disburse\",\"amount_vnd\":20000000,"
				       "\"paid_on\":\"2026-01-06\",\"voucher_no\":\"PC-02\"}", &r), 200);
	ck_assert_str_eq(json_field(r.body, "status"), "disbursed");
	ck_assert_str_eq(json_field(r.body, "history.0.action"), "submit");
	ck_assert_str_eq(json_field(r.body, "history.1.action"), "approve");
	ck_assert_str_eq(json_field(r.body, "history.1.decision_no"), "123/QĐ-UBND");
	ck_assert_str_eq(json_field(r.body, "history.2.voucher_no"), "PC-01");
	ck_assert_str_eq(json_field(r.body, "history.3.to"), "disbursed");
	ck_assert_str_eq(json_field(r.body, "history.3.actor.name"), "officer.bq");
	http_response_free(&r);
	char *n = world_sql(&fw, "SELECT string_agg(action, ',' ORDER BY id) FROM audit_events"
				 " WHERE entity_id = '%s'", id);
	ck_assert_str_eq(n, "funding_proposal.create,funding_proposal.submit,"
			    "funding_proposal.approve,funding_proposal.disburse,"
			    "funding_proposal.disburse");
	free(n);
	free(id);
}
END_TEST

START_TEST(test_a_move_the_status_does_not_allow_is_409_with_the_allowed_actions)
{
	char *id = create_proposal();
	struct world_counts before = counts();
	struct http_response r;
	ck_assert_int_eq(move(bq, id, "1", "{\"action\":\"disburse\",\"amount_vnd\":1,"
				       "\"paid_on\":\"2026-01-05\",\"voucher_no\":\"PC\"}", &r), 409);
	assert_problem(&r, 409);
	ck_assert_str_eq(json_field(r.body, "allowed_actions"), "[\"submit\",\"withdraw\"]");
	http_response_free(&r);
	world_assert_unchanged(&before);
	ck_assert_int_eq(move(fw.officer_tq, id, "1", "{\"action\":\"withdraw\"}", NULL), 200);
	ck_assert_int_eq(move(fw.officer_tq, id, "2", "{\"action\":\"submit\"}", &r), 409);
	ck_assert_str_eq(json_field(r.body, "allowed_actions"), "[]");
	http_response_free(&r);
	free(id);
}
END_TEST

START_TEST(test_who_may_decide)
{
	char *id = submitted_proposal();
	struct world_counts before = counts();
	struct http_response r;
	/* the commune itself is not above its own proposal */
	ck_assert_int_eq(move(fw.officer_tq, id, "2", APPROVE(1), &r), 403);
	assert_problem(&r, 403);
	http_response_free(&r);
	/* another district does not see it */
	ck_assert_int_eq(move(fw.officer_nx, id, "2", APPROVE(1), &r), 404);
	assert_problem(&r, 404);
	http_response_free(&r);
	ck_assert_int_eq(move(fw.viewer_tq, id, "2", APPROVE(1), &r), 403);
	http_response_free(&r);
	world_assert_unchanged(&before);
	/* the province may */
	ck_assert_int_eq(move(hg, id, "2", "{\"action\":\"reject\",\"comment\":\"Trùng đề nghị"
				       " khác\"}", NULL), 200);
	free(id);
}
END_TEST

START_TEST(test_whoever_submitted_never_decides_even_an_admin)
{
	struct http_response r;
	world_call(&r, &fw, "POST", "/api/v1/funding-proposals", fw.admin,
		   proposal_body("TQ", ""), NULL);
	ck_assert_int_eq(r.status, 201);
	char *id = strdup(json_field(r.body, "id"));
	http_response_free(&r);
	ck_assert_int_eq(move(fw.admin, id, "1", "{\"action\":\"submit\"}", NULL), 200);
	struct world_counts before = counts();
	ck_assert_int_eq(move(fw.admin, id, "2", APPROVE(100), &r), 403);
	assert_problem_says(&r, "submitted");
	http_response_free(&r);
	ck_assert_int_eq(move(fw.admin, id, "2", "{\"action\":\"return\",\"comment\":\"x\"}", &r),
			 403);
	http_response_free(&r);
	world_assert_unchanged(&before);
	ck_assert_int_eq(move(bq, id, "2", APPROVE(100), NULL), 200);
	free(id);
}
END_TEST

START_TEST(test_each_action_takes_its_own_fields)
{
	char *id = submitted_proposal();
	struct world_counts before = counts();
	static const struct {
		const char *body, *field, *code;
	} bad[] = {
		{"{\"action\":\"reject\"}", "/comment", "required"},
		{"{\"action\":\"return\"}", "/comment", "required"},
		{"{\"action\":\"approve\",\"approved_total_vnd\":5}", "/decision_no", "required"},
		{"{\"action\":\"approve\",\"decision_no\":\"1\"}", "/approved_total_vnd", "required"},
		{APPROVE(35800001), "/approved_total_vnd", "exceeds_requested"},
		{"{\"action\":\"approve\",\"approved_total_vnd\":-1,\"decision_no\":\"1\"}",
		 "/approved_total_vnd", NULL},
		{"{\"action\":\"launch\"}", "/action", NULL},
		{"{\"comment\":\"x\"}", "/action", "required"},
		{"{\"action\":\"reject\",\"comment\":\"x\",\"amount_vnd\":5}", "/amount_vnd",
		 "not_allowed"},
		{"{\"action\":\"disburse\",\"amount_vnd\":5,\"paid_on\":\"2026-02-30\","
		 "\"voucher_no\":\"1\"}", "/paid_on", "invalid_format"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct http_response r;
		ck_assert_msg(move(bq, id, "2", bad[i].body, &r) == 422, "case %zu: %ld %s", i,
			      r.status, r.body);
		ck_assert_msg(response_has_error(&r, bad[i].field, bad[i].code), "case %zu: %s", i,
			      r.body);
		http_response_free(&r);
	}
	struct http_response r;
	ck_assert_int_eq(move(bq, id, "7", APPROVE(1), &r), 412);
	http_response_free(&r);
	world_call(&r, &fw, "POST", moves_path(id), bq, APPROVE(1), NULL);
	assert_problem(&r, 428);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(id);
}
END_TEST

START_TEST(test_a_returned_proposal_is_edited_and_submitted_again)
{
	char *id = submitted_proposal();
	struct http_response r;
	ck_assert_int_eq(move(bq, id, "2", "{\"action\":\"return\",\"comment\":\"Bổ sung báo giá"
				       " thiết bị\"}", &r), 200);
	ck_assert_str_eq(json_field(r.body, "status"), "returned");
	ck_assert_str_eq(json_field(r.body, "history.1.comment"), "Bổ sung báo giá thiết bị");
	http_response_free(&r);
	world_call_if_match(&r, &fw, "PATCH", world_path("/api/v1/funding-proposals/%s", id),
			    fw.officer_tq, "{\"purpose\":\"Có báo giá kèm theo\"}", "3");
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	http_response_free(&r);
	ck_assert_int_eq(move(fw.officer_tq, id, "4", "{\"action\":\"submit\"}", NULL), 200);
	free(id);
}
END_TEST

struct race {
	const char *token, *id, *body;
	long status;
	char *response;
};

static void *move_once(void *arg)
{
	struct race *race = arg;
	struct http_response r;
	race->status = move(race->token, race->id, "2", race->body, &r);
	race->response = strdup(r.body ? r.body : "");
	http_response_free(&r);
	return NULL;
}

static void race_two(struct race *a, struct race *b)
{
	pthread_t ta, tb;
	pthread_create(&ta, NULL, move_once, a);
	pthread_create(&tb, NULL, move_once, b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
}

START_TEST(test_two_approvers_at_once_one_wins)
{
	for (int round = 0; round < 3; round++) {
		char *id = submitted_proposal();
		struct race a = {bq, id, APPROVE(1000), 0, NULL};
		struct race b = {bq2, id, "{\"action\":\"reject\",\"comment\":\"Không đủ kinh phí\"}",
				 0, NULL};
		race_two(&a, &b);
		ck_assert_msg((a.status == 200) + (b.status == 200) == 1, "round %d: %ld %ld", round,
			      a.status, b.status);
		long lost = a.status == 200 ? b.status : a.status;
		ck_assert_msg(lost == 412 || lost == 409, "round %d: %ld", round, lost);
		char *n = world_sql(&fw, "SELECT count(*) FROM funding_transitions WHERE proposal_id"
					 " = '%s' AND action IN ('approve', 'reject')", id);
		ck_assert_str_eq(n, "1");
		free(n);
		free(a.response);
		free(b.response);
		free(id);
	}
}
END_TEST

START_TEST(test_allocations_are_set_above_and_approvals_stay_within_them)
{
	/* a district of its own, so that no other test's approvals count */
	world_add_unit(&fw, "VX", "Huyện Vị Xuyên", "district", "HG");
	world_add_unit(&fw, "VX-C1", "Xã Đạo Đức", "commune", "VX");
	char *officer = (world_add_user(&fw, "officer.vxc1", "officer", "VX-C1", NULL),
			 world_login(&fw, "officer.vxc1", WORLD_PASSWORD));
	struct http_response r;
	/* a commune does not set its own budget */
	world_call(&r, &fw, "POST", "/api/v1/funding-allocations", officer,
		   world_path("{\"unit_code\":\"VX-C1\",\"fiscal_year\":%s,"
			      "\"amount_vnd\":50000000}", year), NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	const char *allocation = world_path("{\"unit_code\":\"VX\",\"fiscal_year\":%s,"
					    "\"amount_vnd\":50000000}", year);
	world_call(&r, &fw, "POST", "/api/v1/funding-allocations", hg, allocation, NULL);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	char *alloc = strdup(json_field(r.body, "id"));
	ck_assert_str_eq(json_field(r.body, "remaining_vnd"), "50000000");
	http_response_free(&r);
	world_call(&r, &fw, "POST", "/api/v1/funding-allocations", hg, allocation, NULL);
	assert_problem(&r, 409);
	http_response_free(&r);
	/* two proposals of 35,800,000 each: together beyond the allocation */
	char *ids[2];
	for (int i = 0; i < 2; i++) {
		world_call(&r, &fw, "POST", "/api/v1/funding-proposals", officer,
			   proposal_body("VX-C1", ""), NULL);
		ck_assert_int_eq(r.status, 201);
		ids[i] = strdup(json_field(r.body, "id"));
		http_response_free(&r);
		ck_assert_int_eq(move(officer, ids[i], "1", "{\"action\":\"submit\"}", NULL), 200);
	}
	struct race a = {hg, ids[0], APPROVE(35800000), 0, NULL};
	struct race b = {hg, ids[1], APPROVE(35800000), 0, NULL};
	race_two(&a, &b);
	ck_assert_msg((a.status == 200) + (b.status == 200) == 1, "%ld %ld", a.status, b.status);
	const char *lost = a.status == 200 ? b.response : a.response;
	ck_assert_int_eq(a.status == 200 ? b.status : a.status, 409);
	ck_assert_str_eq(json_field(lost, "code"), "budget_exceeded");
	ck_assert_str_eq(json_field(lost, "remaining_vnd"), "14200000");
	/* raising the allocation lets the second through */
	world_call_if_match(&r, &fw, "PATCH", world_path("/api/v1/funding-allocations/%s", alloc),
			    hg, "{\"amount_vnd\":80000000}", "1");
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_str_eq(json_field(r.body, "remaining_vnd"), "44200000");
	http_response_free(&r);
	ck_assert_int_eq(move(hg, a.status == 200 ? ids[1] : ids[0], "2", APPROVE(35800000), NULL),
			 200);
	world_call(&r, &fw, "GET", world_path("/api/v1/funding-allocations?unit=VX&fiscal_year=%s",
					      year), hg, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "items.0.approved_vnd"), "71600000");
	http_response_free(&r);
	free(a.response);
	free(b.response);
	free(ids[0]);
	free(ids[1]);
	free(alloc);
	free(officer);
}
END_TEST

START_TEST(test_lists_awaiting_me_filters_and_csv)
{
	char *id = submitted_proposal();
	struct http_response r;
	world_call(&r, &fw, "GET", "/api/v1/funding-proposals?awaiting=me&limit=200", bq, NULL,
		   NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(list_has(r.body, "id", id));
	http_response_free(&r);
	/* not for the commune that asked */
	world_call(&r, &fw, "GET", "/api/v1/funding-proposals?awaiting=me&limit=200",
		   fw.officer_tq, NULL, NULL);
	ck_assert(!list_has(r.body, "id", id));
	http_response_free(&r);
	world_call(&r, &fw, "GET",
		   world_path("/api/v1/funding-proposals?unit=TQ&status=submitted&category=devices"
			      "&fiscal_year=%s&q=thiet%%20bi&limit=200", year),
		   fw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(list_has(r.body, "id", id));
	ck_assert(!json_has(r.body, "items.0.history") ||
		  !strcmp(json_field(r.body, "items.0.history"), "null"));
	http_response_free(&r);
	world_call(&r, &fw, "GET", "/api/v1/funding-proposals?status=paid&awaiting=you", bq, NULL,
		   NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "status", NULL));
	ck_assert(response_has_error(&r, "awaiting", NULL));
	http_response_free(&r);
	static const char *const csv[] = {"Accept: text/csv", NULL};
	world_call(&r, &fw, "GET", "/api/v1/funding-proposals?unit=TQ", bq, NULL, csv);
	ck_assert_int_eq(r.status, 200);
	ck_assert(!strncmp(r.body, "id,unit_code,unit_name,fiscal_year,title,status,", 48));
	ck_assert_ptr_nonnull(strstr(r.body, id));
	http_response_free(&r);
	free(id);
}
END_TEST

START_TEST(test_who_reads_proposals)
{
	char *id = create_proposal();
	const char *path = world_path("/api/v1/funding-proposals/%s", id);
	struct http_response r;
	world_call(&r, &fw, "GET", path, fw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	world_get_refused(&fw, path, fw.officer_nx, 404);
	/* a team leader reads the proposals that name their team */
	char *leader = world_add_team_leader(&fw, "leader.fund", "TQ-V1", team_tq);
	world_call(&r, &fw, "GET", path, leader, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	struct http_response c;
	world_call(&c, &fw, "POST", "/api/v1/funding-proposals", fw.officer_tq,
		   proposal_body("TQ", ""), NULL);
	world_get_refused(&fw, world_path("/api/v1/funding-proposals/%s", json_field(c.body, "id")),
			  leader, 404);
	http_response_free(&c);
	char *reader = world_client_token(&fw, "fund-reader", "[\"funding:read\"]", "TQ");
	char *registry = world_client_token(&fw, "fund-registry", "[\"registry:read\"]", "TQ");
	struct world_counts before = counts();
	world_call(&r, &fw, "POST", "/api/v1/funding-proposals", leader, proposal_body("TQ", ""),
		   NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	world_call(&r, &fw, "GET", path, reader, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	world_get_refused(&fw, path, registry, 403);
	world_call(&r, &fw, "POST", "/api/v1/funding-proposals", reader, proposal_body("TQ", ""),
		   NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	world_get_refused(&fw, path, NULL, 401);
	world_assert_unchanged(&before);
	free(reader);
	free(registry);
	free(leader);
	free(id);
}
END_TEST

Suite *funding_suite(void)
{
	Suite *s = suite_create("funding");
	TCase *tc = tcase_create("funding");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_a_proposal_gets_its_totals_from_the_database);
	tcase_add_test(tc, test_bad_proposals_are_422_and_write_nothing);
	tcase_add_test(tc, test_drafts_are_edited_with_if_match_and_submitted_ones_are_not);
	tcase_add_test(tc, test_a_proposal_goes_from_submit_to_disbursed_in_tranches);
	tcase_add_test(tc, test_a_move_the_status_does_not_allow_is_409_with_the_allowed_actions);
	tcase_add_test(tc, test_who_may_decide);
	tcase_add_test(tc, test_whoever_submitted_never_decides_even_an_admin);
	tcase_add_test(tc, test_each_action_takes_its_own_fields);
	tcase_add_test(tc, test_a_returned_proposal_is_edited_and_submitted_again);
	tcase_add_test(tc, test_two_approvers_at_once_one_wins);
	tcase_add_test(tc, test_allocations_are_set_above_and_approvals_stay_within_them);
	tcase_add_test(tc, test_lists_awaiting_me_filters_and_csv);
	tcase_add_test(tc, test_who_reads_proposals);
	suite_add_tcase(s, tc);
	return s;
}
