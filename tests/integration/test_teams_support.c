/* Helpers of the teams suite: see test_teams_support.h. */
#define _GNU_SOURCE
#include "test_teams_support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct world tw;

char *tt_create_team(const char *token, const char *unit, const char *name,
		     const char *extra_json)
{
	char body[1024];
	snprintf(body, sizeof body,
		 "{\"unit_code\":\"%s\",\"name\":\"%s\",\"established_on\":\"2020-05-01\"%s}", unit,
		 name, extra_json ? extra_json : "");
	struct http_response r;
	world_call(&r, &tw, "POST", "/api/v1/teams", token, body, NULL);
	ck_assert_msg(r.status == 201, "create team %s: %ld %s", name, r.status, r.body);
	char *id = strdup(json_field(r.body, "id"));
	http_response_free(&r);
	return id;
}

char *tt_village_team(const char *code, const char *name)
{
	world_add_unit(&tw, code, NULL, "village", "TQ");
	return tt_create_team(tw.officer_tq, code, name, NULL);
}

void tt_post_membership(struct http_response *r, const char *token, const char *team,
			const char *member, const char *role, const char *joined_on,
			const char *left_on)
{
	char body[512], left[64] = "";
	if (left_on)
		snprintf(left, sizeof left, ",\"left_on\":\"%s\"", left_on);
	snprintf(body, sizeof body,
		 "{\"member_id\":\"%s\",\"role\":\"%s\",\"joined_on\":\"%s\"%s}", member, role,
		 joined_on, left);
	world_call(r, &tw, "POST", tt_memberships_path(team), token, body, NULL);
}

char *tt_add_membership(const char *token, const char *team, const char *member,
			const char *role, const char *joined_on)
{
	struct http_response r;
	tt_post_membership(&r, token, team, member, role, joined_on, NULL);
	ck_assert_msg(r.status == 201, "add membership: %ld %s", r.status, r.body);
	char *id = strdup(json_field(r.body, "id"));
	http_response_free(&r);
	return id;
}

struct world_counts tt_counts(void)
{
	static const char *const tables[] = {"teams", "memberships", "audit_events", NULL};
	return world_counts(&tw, tables);
}
