/*
 * Memberships through the API (part of the teams suite): adding people to teams, the schema's
 * rules (one active leader per team, one active village team and one commune team per
 * person), dates, ending a membership without losing it, the lists of a team and of a person,
 * scope and roles (team leaders read their own team, never write memberships), If-Match and
 * Idempotency-Key. Every refused request is checked to have written nothing.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_teams_support.h"

/* A new village `code`'s team and member "Sùng Seo Páo", and the counts before officer.tq
 * makes the member its leader from 2021-03-01; the answer is left in r (201 asserted). */
struct new_membership {
	char *team, *member;
	struct world_counts before;
	char id[37];
};

static void new_leader(struct new_membership *m, const char *code, struct http_response *r)
{
	m->team = tt_village_team(code, "Tổ thành viên");
	m->member = world_add_member(&tw, code, "Sùng Seo Páo");
	m->before = tt_counts();
	tt_post_membership(r, tw.officer_tq, m->team, m->member, "leader", "2021-03-01", NULL);
	ck_assert_msg(r->status == 201, "%s", r->body);
	snprintf(m->id, sizeof m->id, "%s", json_field(r->body, "id"));
}

static void new_membership_free(struct new_membership *m)
{
	free(m->team), free(m->member);
}

START_TEST(test_created_membership_is_answered_active_with_its_fields)
{
	struct new_membership m;
	struct http_response r;
	new_leader(&m, "MC-V", &r);
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "member_name")), "Sùng Seo Páo");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "role")), "leader");
	ck_assert(json_is_true(json_object_get(doc, "active")));
	ck_assert(json_is_null(json_object_get(doc, "left_on")));
	json_decref(doc);
	http_response_free(&r);
	new_membership_free(&m);
}
END_TEST

START_TEST(test_created_membership_is_answered_its_location_at_version_1)
{
	struct new_membership m;
	struct http_response r;
	new_leader(&m, "MC-L", &r);
	char *location = http_header_value(&r, "Location"), *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(location, tt_membership_path(m.team, m.id));
	ck_assert_str_eq(etag, "\"1\"");
	free(location);
	free(etag);
	http_response_free(&r);
	new_membership_free(&m);
}
END_TEST

START_TEST(test_creating_a_membership_writes_it_with_one_audit_event)
{
	struct new_membership m;
	struct http_response r;
	new_leader(&m, "MC-C", &r);
	http_response_free(&r);
	struct world_counts after = tt_counts();
	ck_assert_int_eq(world_counted(&after, "memberships"),
			 world_counted(&m.before, "memberships") + 1);
	ck_assert_int_eq(world_counted(&after, "audit_events"),
			 world_counted(&m.before, "audit_events") + 1);
	new_membership_free(&m);
}
END_TEST

START_TEST(test_membership_create_is_audited_with_role_and_level)
{
	struct new_membership m;
	struct http_response r;
	new_leader(&m, "MC-A", &r);
	http_response_free(&r);
	char *ev = world_sql(&tw,
			     "SELECT action || ' ' || actor_name || ' ' || (after->>'role') || ' ' ||"
			     " (after->>'team_level') FROM audit_events WHERE entity_id = '%s'",
			     m.id);
	ck_assert_str_eq(ev, "membership.create officer.tq leader village");
	free(ev);
	new_membership_free(&m);
}
END_TEST

START_TEST(test_created_membership_reads_back)
{
	struct new_membership m;
	struct http_response r;
	new_leader(&m, "MC-R", &r);
	http_response_free(&r);
	world_call(&r, &tw, "GET", tt_membership_path(m.team, m.id), tw.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "id"), m.id);
	http_response_free(&r);
	new_membership_free(&m);
}
END_TEST

START_TEST(test_team_shows_the_leader_of_a_new_membership)
{
	struct new_membership m;
	struct http_response r;
	new_leader(&m, "MC-T", &r);
	http_response_free(&r);
	world_call(&r, &tw, "GET", tt_team_path(m.team), tw.officer_tq, NULL, NULL);
	ck_assert_str_eq(json_field(r.body, "leader.name"), "Sùng Seo Páo");
	ck_assert_str_eq(json_field(r.body, "member_count"), "1");
	http_response_free(&r);
	new_membership_free(&m);
}
END_TEST

START_TEST(test_a_second_active_leader_is_409)
{
	char *team = tt_village_team("ML-V", "Tổ hai trưởng");
	char *first = world_add_member(&tw, "ML-V", "Trưởng một");
	char *second = world_add_member(&tw, "ML-V", "Trưởng hai");
	char *ms = tt_add_membership(tw.officer_tq, team, first, "leader", "2021-01-01");
	struct world_counts before = tt_counts();
	struct http_response r;
	tt_post_membership(&r, tw.officer_tq, team, second, "leader", "2021-02-01", NULL);
	assert_problem(&r, 409);
	assert_problem_says(&r, "already has an active leader");
	assert_problem_says(&r, ms);
	http_response_free(&r);
	world_assert_unchanged(&before);
	/* nor by promoting a member */
	char *deputy = tt_add_membership(tw.officer_tq, team, second, "deputy", "2021-02-01");
	before = tt_counts();
	world_call_if_match(&r, &tw, "PATCH", tt_membership_path(team, deputy), tw.officer_tq,
			 "{\"role\":\"leader\"}", "1");
	assert_problem(&r, 409);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(team);
	free(first);
	free(second);
	free(ms);
	free(deputy);
}
END_TEST

/* A new village `code`'s team whose leader "Trưởng cũ" (joined 2021-01-01) left on
 * 2023-06-30 and "Trưởng mới" leads since 2023-07-01: the team's id, the old and the new
 * membership's (malloc'd). */
struct handover {
	char *team, *old_ms, *new_ms;
};

/* Ends the old leader's membership; the PATCH's answer is left in r (200 asserted). */
static void end_old_leader(struct handover *h, const char *code, struct http_response *r)
{
	h->team = tt_village_team(code, "Tổ kế nhiệm");
	char *old = world_add_member(&tw, code, "Trưởng cũ");
	h->old_ms = tt_add_membership(tw.officer_tq, h->team, old, "leader", "2021-01-01");
	world_call_if_match(r, &tw, "PATCH", tt_membership_path(h->team, h->old_ms), tw.officer_tq,
			    "{\"left_on\":\"2023-06-30\"}", "1");
	ck_assert_msg(r->status == 200, "%s", r->body);
	free(old);
}

static void handover(struct handover *h, const char *code)
{
	struct http_response r;
	end_old_leader(h, code, &r);
	http_response_free(&r);
	char *next = world_add_member(&tw, code, "Trưởng mới");
	h->new_ms = tt_add_membership(tw.officer_tq, h->team, next, "leader", "2023-07-01");
	free(next);
}

static void handover_free(struct handover *h)
{
	free(h->team), free(h->old_ms), free(h->new_ms);
}

/* GETs the team's memberships with query ("" or "?...") as officer.tq; left in r. */
static void get_memberships(struct http_response *r, const struct handover *h, const char *query)
{
	char path[200];
	snprintf(path, sizeof path, "%s%s", tt_memberships_path(h->team), query);
	world_call(r, &tw, "GET", path, tw.officer_tq, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
}

START_TEST(test_an_ended_membership_is_inactive_at_version_2)
{
	struct handover h = {0};
	struct http_response r;
	end_old_leader(&h, "ME-V", &r);
	ck_assert_str_eq(json_field(r.body, "left_on"), "2023-06-30");
	ck_assert_str_eq(json_field(r.body, "active"), "false");
	char *etag = http_header_value(&r, "ETag");
	ck_assert_str_eq(etag, "\"2\"");
	free(etag);
	http_response_free(&r);
	handover_free(&h);
}
END_TEST

START_TEST(test_ending_a_leaders_membership_frees_the_leader_slot)
{
	struct handover h;
	handover(&h, "ME-S"); /* the new leader's membership is 201 */
	ck_assert_ptr_nonnull(h.new_ms);
	handover_free(&h);
}
END_TEST

START_TEST(test_memberships_list_keeps_history_newest_first)
{
	struct handover h;
	handover(&h, "ME-H");
	struct http_response r;
	get_memberships(&r, &h, "");
	ck_assert(list_has(r.body, "id", h.old_ms));
	ck_assert(list_has(r.body, "id", h.new_ms));
	ck_assert_str_eq(json_field(r.body, "items.0.id"), h.new_ms);
	ck_assert_str_eq(json_field(r.body, "items.1.id"), h.old_ms);
	http_response_free(&r);
	handover_free(&h);
}
END_TEST

START_TEST(test_memberships_list_filters_ended_memberships)
{
	struct handover h;
	handover(&h, "ME-F");
	struct http_response r;
	get_memberships(&r, &h, "?active=false");
	ck_assert(list_has(r.body, "id", h.old_ms));
	ck_assert(!list_has(r.body, "id", h.new_ms));
	http_response_free(&r);
	handover_free(&h);
}
END_TEST

START_TEST(test_memberships_list_filters_current_memberships)
{
	struct handover h;
	handover(&h, "ME-T");
	struct http_response r;
	get_memberships(&r, &h, "?active=true");
	ck_assert(!list_has(r.body, "id", h.old_ms));
	ck_assert(list_has(r.body, "id", h.new_ms));
	http_response_free(&r);
	handover_free(&h);
}
END_TEST

START_TEST(test_team_shows_its_new_leader_after_a_handover)
{
	struct handover h;
	handover(&h, "ME-L");
	struct http_response r;
	world_call(&r, &tw, "GET", tt_team_path(h.team), tw.officer_tq, NULL, NULL);
	ck_assert_str_eq(json_field(r.body, "leader.name"), "Trưởng mới");
	ck_assert_str_eq(json_field(r.body, "member_count"), "1");
	http_response_free(&r);
	handover_free(&h);
}
END_TEST

START_TEST(test_ending_a_membership_is_audited)
{
	struct handover h;
	handover(&h, "ME-A");
	char *ev = world_sql(&tw, "SELECT action FROM audit_events WHERE entity_id = '%s'"
				  " ORDER BY id DESC LIMIT 1",
			     h.old_ms);
	ck_assert_str_eq(ev, "membership.update");
	free(ev);
	handover_free(&h);
}
END_TEST

START_TEST(test_a_person_in_two_village_teams_at_once_is_409)
{
	world_add_unit(&tw, "TV-V1", NULL, "village", "TQ");
	world_add_unit(&tw, "TV-V2", NULL, "village", "TQ");
	world_add_unit(&tw, "TV-C", NULL, "commune", "BQ");
	char *one = tt_create_team(tw.officer_tq, "TV-V1", "Tổ thôn một", NULL);
	char *two = tt_create_team(tw.officer_tq, "TV-V2", "Tổ thôn hai", NULL);
	char *commune = tt_create_team(tw.admin, "TV-C", "Tổ xã TV", NULL);
	char *person = world_add_member(&tw, "TV-V1", "Giàng A Lử");
	char *ms = tt_add_membership(tw.officer_tq, one, person, "member", "2021-01-01");
	struct world_counts before = tt_counts();
	struct http_response r;
	tt_post_membership(&r, tw.officer_tq, two, person, "member", "2021-02-01", NULL);
	assert_problem(&r, 409);
	assert_problem_says(&r, "village");
	http_response_free(&r);
	tt_post_membership(&r, tw.officer_tq, one, person, "deputy", "2021-02-01", NULL);
	assert_problem(&r, 409); /* the same team twice */
	http_response_free(&r);
	world_assert_unchanged(&before);
	/* one village team and one commune team is allowed */
	tt_post_membership(&r, tw.admin, commune, person, "member", "2021-02-01", NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	http_response_free(&r);
	/* and an ended membership elsewhere does not count */
	tt_post_membership(&r, tw.officer_tq, two, person, "member", "2020-06-01", "2020-12-31");
	ck_assert_msg(r.status == 201, "%s", r.body);
	http_response_free(&r);
	free(one);
	free(two);
	free(commune);
	free(person);
	free(ms);
}
END_TEST

START_TEST(test_a_member_outside_the_scope_is_422_like_a_missing_one)
{
	char *team = tt_village_team("MO-V", "Tổ phạm vi");
	char *stranger = world_add_member(&tw, "NX-V1", "Người xã khác");
	struct world_counts before = tt_counts();
	struct http_response r;
	tt_post_membership(&r, tw.officer_tq, team, stranger, "member", "2021-01-01", NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/member_id", "not_found"));
	http_response_free(&r);
	tt_post_membership(&r, tw.officer_tq, team, "7d3c1c0e-0000-4000-8000-000000000000", "member",
			"2021-01-01", NULL);
	assert_problem(&r, 422);
	ck_assert(response_has_error(&r, "/member_id", "not_found"));
	http_response_free(&r);
	tt_post_membership(&r, tw.officer_tq, "7d3c1c0e-0000-4000-8000-000000000000", stranger,
			"member", "2021-01-01", NULL);
	assert_problem(&r, 404);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(team);
	free(stranger);
}
END_TEST

/* POSTs each case's body (a format taking the member's id) as a membership of a member of a
 * new village `code`'s team (established 2020-05-01): each is 422 naming its field, and none
 * writes anything. */
static void assert_memberships_refused(const char *code, const struct refused_body *cases,
				       size_t n)
{
	char *team = tt_village_team(code, "Tổ ngày");
	char *member = world_add_member(&tw, code, "Ma Văn Khánh");
	struct world_counts before = tt_counts();
	world_assert_bodies_refused(&tw, tt_memberships_path(team), tw.officer_tq, member, cases, n,
				    &before);
	free(team);
	free(member);
}

START_TEST(test_membership_member_id_is_a_required_uuid)
{
	static const struct refused_body cases[] = {
		{"{\"role\":\"member\",\"joined_on\":\"2021-01-01\"}%.0s", "/member_id", "required"},
		{"{\"member_id\":\"nope\",\"role\":\"member\",\"joined_on\":\"2021-01-01\"}%.0s",
		 "/member_id", "invalid_format"},
		{"{\"member_id\":42,\"role\":\"member\",\"joined_on\":\"2021-01-01\"}%.0s", "/member_id",
		 "invalid_type"},
	};
	assert_memberships_refused("MV-M", cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_membership_role_must_be_a_known_one)
{
	static const struct refused_body cases[] = {
		{"{\"member_id\":\"%s\",\"role\":\"chief\",\"joined_on\":\"2021-01-01\"}", "/role",
		 "invalid_value"},
		{"{\"member_id\":\"%s\",\"role\":\"\",\"joined_on\":\"2021-01-01\"}", "/role", NULL},
		{"{\"member_id\":\"%s\",\"role\":\"lead\\u0001er\",\"joined_on\":\"2021-01-01\"}", "/role",
		 "invalid_characters"},
	};
	assert_memberships_refused("MV-R", cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_membership_joined_on_is_a_real_past_date_after_the_team_began)
{
	static const struct refused_body cases[] = {
		{"{\"member_id\":\"%s\",\"role\":\"member\",\"joined_on\":20210101}", "/joined_on",
		 "invalid_type"},
		{"{\"member_id\":\"%s\",\"role\":\"member\",\"joined_on\":\"\"}", "/joined_on", "required"},
		{"{\"member_id\":\"%s\",\"role\":\"member\",\"joined_on\":\"2999-01-01\"}", "/joined_on",
		 "out_of_range"},
		{"{\"member_id\":\"%s\",\"role\":\"member\",\"joined_on\":\"2021-02-30\"}", "/joined_on",
		 "invalid_format"},
		{"{\"member_id\":\"%s\",\"role\":\"member\",\"joined_on\":\"2019-01-01\"}", "/joined_on",
		 "out_of_range"}, /* before the team was established */
	};
	assert_memberships_refused("MV-J", cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_membership_left_on_lies_between_joined_on_and_today)
{
	static const struct refused_body cases[] = {
		{"{\"member_id\":\"%s\",\"role\":\"member\",\"joined_on\":\"2021-01-01\","
		 "\"left_on\":\"2020-12-31\"}",
		 "/left_on", "out_of_range"},
		{"{\"member_id\":\"%s\",\"role\":\"member\",\"joined_on\":\"2021-01-01\","
		 "\"left_on\":\"2999-12-31\"}",
		 "/left_on", "out_of_range"},
	};
	assert_memberships_refused("MV-L", cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_membership_read_only_fields_are_422)
{
	static const struct refused_body cases[] = {
		{"{\"member_id\":\"%s\",\"role\":\"member\",\"joined_on\":\"2021-01-01\","
		 "\"active\":true,\"team_level\":\"village\"}",
		 "/active", "read_only"},
	};
	assert_memberships_refused("MV-O", cases, sizeof cases / sizeof cases[0]);
}
END_TEST

/* A membership (member, from 2021-01-01) of a new village `code`'s team: its path into path. */
static void membership_to_patch(const char *code, char path[200])
{
	char *team = tt_village_team(code, "Tổ sửa");
	char *member = world_add_member(&tw, code, "Nông Văn Bình");
	char *ms = tt_add_membership(tw.officer_tq, team, member, "member", "2021-01-01");
	snprintf(path, 200, "%s", tt_membership_path(team, ms));
	free(team);
	free(member);
	free(ms);
}

/* PATCHes the membership at path with body and If-Match version (NULL: none) as officer.tq;
 * asserts a problem with status and that nothing was written. The answer is left in r. */
static void membership_patch_refused(struct http_response *r, const char *path, const char *body,
				     const char *version, long status)
{
	struct world_counts before = tt_counts();
	world_call_if_match(r, &tw, "PATCH", path, tw.officer_tq, body, version);
	assert_problem(r, status);
	world_assert_unchanged(&before);
}

START_TEST(test_membership_patch_without_if_match_is_428)
{
	char path[200];
	membership_to_patch("MP-V", path);
	struct http_response r;
	membership_patch_refused(&r, path, "{\"role\":\"deputy\"}", NULL, 428);
	http_response_free(&r);
}
END_TEST

START_TEST(test_membership_patch_with_a_stale_version_is_412)
{
	char path[200];
	membership_to_patch("MP-S", path);
	struct http_response r;
	membership_patch_refused(&r, path, "{\"role\":\"deputy\"}", "9", 412);
	http_response_free(&r);
}
END_TEST

START_TEST(test_membership_patch_ending_before_it_began_is_422)
{
	char path[200];
	membership_to_patch("MP-D", path);
	struct http_response r;
	membership_patch_refused(&r, path, "{\"left_on\":\"2020-01-01\"}", "1", 422);
	ck_assert(response_has_error(&r, "/left_on", "out_of_range"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_membership_patch_of_read_only_fields_is_422)
{
	char path[200];
	membership_to_patch("MP-R", path);
	struct http_response r;
	membership_patch_refused(
		&r, path, "{\"member_id\":\"7d3c1c0e-0000-4000-8000-000000000000\",\"team_id\":null}",
		"1", 422);
	ck_assert(response_has_error(&r, "/member_id", "read_only"));
	ck_assert(response_has_error(&r, "/team_id", "read_only"));
	http_response_free(&r);
}
END_TEST

START_TEST(test_membership_patch_cannot_clear_the_role)
{
	char path[200];
	membership_to_patch("MP-N", path);
	struct http_response r;
	membership_patch_refused(&r, path, "{\"role\":null}", "1", 422);
	http_response_free(&r);
}
END_TEST

START_TEST(test_membership_patch_changes_the_role)
{
	char path[200];
	membership_to_patch("MP-C", path);
	struct http_response r;
	world_call_if_match(&r, &tw, "PATCH", path, tw.officer_tq, "{\"role\":\"deputy\"}", "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "role"), "deputy");
	http_response_free(&r);
}
END_TEST

START_TEST(test_team_leader_reads_own_team_but_cannot_write_memberships)
{
	char *own = tt_create_team(tw.officer_tq, "TQ-V1", "Tổ của trưởng", NULL);
	char *other = tt_create_team(tw.officer_tq, "TQ-V1", "Tổ khác trong thôn",
				     ",\"status\":\"suspended\"");
	char sql[200];
	snprintf(sql, sizeof sql, "UPDATE users SET team_id = '%s' WHERE username = 'leader.tq'", own);
	db_exec_ok(tw.url, sql);
	char *member = world_add_member(&tw, "TQ-V1", "Thào Mí Sính");
	char *ms = tt_add_membership(tw.officer_tq, own, member, "member", "2021-01-01");
	struct http_response r;
	world_call(&r, &tw, "GET", tt_team_path(own), tw.leader_tq, NULL, NULL);
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	world_call(&r, &tw, "GET", tt_memberships_path(own), tw.leader_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(list_has(r.body, "id", ms));
	http_response_free(&r);
	/* another team, even inside the leader's village, is not theirs */
	world_get_refused(&tw, tt_team_path(other), tw.leader_tq, 404);
	world_call(&r, &tw, "GET", "/api/v1/teams?limit=200", tw.leader_tq, NULL, NULL);
	ck_assert(list_has(r.body, "id", own));
	ck_assert(!list_has(r.body, "id", other));
	http_response_free(&r);
	struct world_counts before = tt_counts();
	char *newcomer = world_add_member(&tw, "TQ-V1", "Người mới");
	tt_post_membership(&r, tw.leader_tq, own, newcomer, "member", "2021-01-01", NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	tt_post_membership(&r, tw.leader_tq, other, newcomer, "member", "2021-01-01", NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	world_call_if_match(&r, &tw, "PATCH", tt_membership_path(own, ms), tw.leader_tq, "{\"role\":\"leader\"}", "1");
	assert_problem(&r, 403);
	http_response_free(&r);
	tt_post_membership(&r, tw.viewer_tq, own, newcomer, "member", "2021-01-01", NULL);
	assert_problem(&r, 403);
	http_response_free(&r);
	world_assert_unchanged(&before);
	db_exec_ok(tw.url, "UPDATE users SET team_id = NULL WHERE username = 'leader.tq'");
	free(own);
	free(other);
	free(member);
	free(ms);
	free(newcomer);
}
END_TEST

START_TEST(test_a_persons_history_lists_every_team_newest_first)
{
	world_add_unit(&tw, "PH-A", NULL, "village", "TQ");
	world_add_unit(&tw, "PH-B", NULL, "village", "TQ");
	char *a = tt_create_team(tw.officer_tq, "PH-A", "Tổ cũ của chị", NULL);
	char *b = tt_create_team(tw.officer_tq, "PH-B", "Tổ mới của chị", NULL);
	char *person = world_add_member(&tw, "PH-A", "Lý Thị Dung");
	struct http_response r;
	tt_post_membership(&r, tw.officer_tq, a, person, "member", "2020-06-01", "2022-12-31");
	ck_assert_int_eq(r.status, 201);
	char *first = strdup(json_field(r.body, "id"));
	http_response_free(&r);
	char *second = tt_add_membership(tw.officer_tq, b, person, "deputy", "2023-01-01");
	char path[200];
	snprintf(path, sizeof path, "/api/v1/members/%s/memberships?limit=1", person);
	world_call(&r, &tw, "GET", path, tw.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "items.0.id"), second);
	json_t *doc = json_loads(r.body, 0, NULL);
	char next[256];
	snprintf(next, sizeof next, "/api/v1/members/%s/memberships?limit=1&cursor=%s", person,
		 json_string_value(json_object_get(doc, "next_cursor")));
	json_decref(doc);
	http_response_free(&r);
	world_call(&r, &tw, "GET", next, tw.officer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "items.0.id"), first);
	ck_assert_str_eq(json_field(r.body, "next_cursor"), "null");
	http_response_free(&r);
	snprintf(path, sizeof path, "/api/v1/members/%s/memberships?active=true", person);
	world_call(&r, &tw, "GET", path, tw.viewer_tq, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(list_has(r.body, "id", second));
	ck_assert(!list_has(r.body, "id", first));
	http_response_free(&r);
	world_call(&r, &tw, "GET", "/api/v1/members/7d3c1c0e-0000-4000-8000-000000000000/memberships",
		   tw.officer_tq, NULL, NULL);
	assert_problem(&r, 404);
	http_response_free(&r);
	free(a);
	free(b);
	free(person);
	free(first);
	free(second);
}
END_TEST

START_TEST(test_same_idempotency_key_adds_one_membership)
{
	char *team = tt_village_team("MI-V", "Tổ một lần");
	char *member = world_add_member(&tw, "MI-V", "Hà Văn Tú");
	char *other = world_add_member(&tw, "MI-V", "Khác");
	char body[300];
	snprintf(body, sizeof body, "{\"member_id\":\"%s\",\"role\":\"member\",\"joined_on\":\"2021-01-01\"}",
		 member);
	const char *key[] = {"Idempotency-Key: ms-IK-1", NULL};
	struct http_response a, b;
	world_call(&a, &tw, "POST", tt_memberships_path(team), tw.officer_tq, body, key);
	ck_assert_int_eq(a.status, 201);
	struct world_counts before = tt_counts();
	world_call(&b, &tw, "POST", tt_memberships_path(team), tw.officer_tq, body, key);
	ck_assert_int_eq(b.status, 201);
	ck_assert_str_eq(a.body, b.body);
	char *replayed = http_header_value(&b, "Idempotent-Replayed");
	ck_assert_str_eq(replayed, "true");
	free(replayed);
	http_response_free(&a);
	http_response_free(&b);
	snprintf(body, sizeof body, "{\"member_id\":\"%s\",\"role\":\"member\",\"joined_on\":\"2021-01-01\"}",
		 other);
	world_call(&b, &tw, "POST", tt_memberships_path(team), tw.officer_tq, body, key);
	assert_problem(&b, 422);
	http_response_free(&b);
	world_assert_unchanged(&before);
	free(team);
	free(member);
	free(other);
}
END_TEST

START_TEST(test_a_dissolved_team_takes_no_new_active_membership)
{
	world_add_unit(&tw, "MD-V", NULL, "village", "TQ");
	char *team = tt_create_team(tw.officer_tq, "MD-V", "Tổ giải thể", ",\"status\":\"dissolved\"");
	char *member = world_add_member(&tw, "MD-V", "Đặng Văn Lâm");
	struct world_counts before = tt_counts();
	struct http_response r;
	tt_post_membership(&r, tw.officer_tq, team, member, "member", "2021-01-01", NULL);
	assert_problem(&r, 409);
	http_response_free(&r);
	world_assert_unchanged(&before);
	/* its history may still be recorded */
	tt_post_membership(&r, tw.officer_tq, team, member, "member", "2021-01-01", "2021-12-31");
	ck_assert_msg(r.status == 201, "%s", r.body);
	http_response_free(&r);
	free(team);
	free(member);
}
END_TEST

START_TEST(test_an_ended_membership_of_a_dissolved_team_does_not_come_back)
{
	char *team = tt_village_team("DS-V", "Tổ giải thể");
	char *person = world_add_member(&tw, "DS-V", "Người cũ");
	char *ms = tt_add_membership(tw.officer_tq, team, person, "member", "2024-02-01");
	struct http_response r;
	/* "007" names version 7 as "7" does: If-Match compares numbers */
	world_call_if_match(&r, &tw, "PATCH", tt_membership_path(team, ms), tw.officer_tq,
			    "{\"left_on\":\"2024-06-30\"}", "001");
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	char sql[200];
	snprintf(sql, sizeof sql, "UPDATE teams SET status = 'dissolved' WHERE id = '%s' RETURNING id", team);
	free(world_sql(&tw, "%s", sql));
	struct world_counts before = tt_counts();
	world_call_if_match(&r, &tw, "PATCH", tt_membership_path(team, ms), tw.officer_tq,
			    "{\"left_on\":null}", "2");
	assert_problem(&r, 409);
	http_response_free(&r);
	world_assert_unchanged(&before);
	free(team);
	free(person);
	free(ms);
}
END_TEST

void teams_add_membership_tests(TCase *tc)
{
	tcase_add_test(tc, test_an_ended_membership_of_a_dissolved_team_does_not_come_back);
	tcase_add_test(tc, test_created_membership_is_answered_active_with_its_fields);
	tcase_add_test(tc, test_created_membership_is_answered_its_location_at_version_1);
	tcase_add_test(tc, test_creating_a_membership_writes_it_with_one_audit_event);
	tcase_add_test(tc, test_membership_create_is_audited_with_role_and_level);
	tcase_add_test(tc, test_created_membership_reads_back);
	tcase_add_test(tc, test_team_shows_the_leader_of_a_new_membership);
	tcase_add_test(tc, test_a_second_active_leader_is_409);
	tcase_add_test(tc, test_an_ended_membership_is_inactive_at_version_2);
	tcase_add_test(tc, test_ending_a_leaders_membership_frees_the_leader_slot);
	tcase_add_test(tc, test_memberships_list_keeps_history_newest_first);
	tcase_add_test(tc, test_memberships_list_filters_ended_memberships);
	tcase_add_test(tc, test_memberships_list_filters_current_memberships);
	tcase_add_test(tc, test_team_shows_its_new_leader_after_a_handover);
	tcase_add_test(tc, test_ending_a_membership_is_audited);
	tcase_add_test(tc, test_a_person_in_two_village_teams_at_once_is_409);
	tcase_add_test(tc, test_a_member_outside_the_scope_is_422_like_a_missing_one);
	tcase_add_test(tc, test_membership_member_id_is_a_required_uuid);
	tcase_add_test(tc, test_membership_role_must_be_a_known_one);
	tcase_add_test(tc, test_membership_joined_on_is_a_real_past_date_after_the_team_began);
	tcase_add_test(tc, test_membership_left_on_lies_between_joined_on_and_today);
	tcase_add_test(tc, test_membership_read_only_fields_are_422);
	tcase_add_test(tc, test_membership_patch_without_if_match_is_428);
	tcase_add_test(tc, test_membership_patch_with_a_stale_version_is_412);
	tcase_add_test(tc, test_membership_patch_ending_before_it_began_is_422);
	tcase_add_test(tc, test_membership_patch_of_read_only_fields_is_422);
	tcase_add_test(tc, test_membership_patch_cannot_clear_the_role);
	tcase_add_test(tc, test_membership_patch_changes_the_role);
	tcase_add_test(tc, test_team_leader_reads_own_team_but_cannot_write_memberships);
	tcase_add_test(tc, test_a_persons_history_lists_every_team_newest_first);
	tcase_add_test(tc, test_same_idempotency_key_adds_one_membership);
	tcase_add_test(tc, test_a_dissolved_team_takes_no_new_active_membership);
}
