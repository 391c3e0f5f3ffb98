/* Helpers of the activities suite: see test_activities_support.h. */
#define _GNU_SOURCE
#include "test_activities_support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct world aw;

char *at_village_team(const char *code)
{
	world_add_unit(&aw, code, NULL, "village", "TQ");
	return world_add_team(&aw, code, "active", "2020-01-01");
}

const char *at_day(int days)
{
	static char out[4][11];
	static int next;
	char *buf = out[next++ % 4];
	time_t t = time(NULL) + 7 * 3600 + (time_t)days * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 11, "%Y-%m-%d", &tm);
	return buf;
}

void at_post(struct http_response *r, const char *token, const char *team, const char *body)
{
	world_call(r, &aw, "POST", at_team_path(team), token, body, NULL);
}

char *at_record(const char *token, const char *team, const char *body)
{
	struct http_response r;
	at_post(&r, token, team, body);
	ck_assert_msg(r.status == 201, "record: %ld %s", r.status, r.body);
	char *id = strdup(json_field(r.body, "id"));
	http_response_free(&r);
	return id;
}

const char *at_body(const char *date, const char *member_ids)
{
	static char body[2048];
	snprintf(body, sizeof body,
		 "{\"date\":\"%s\",\"kind\":\"household_visit\",\"service_codes\":[\"vneid_level2\"],"
		 "\"households_reached\":3,\"people_reached\":7,\"member_ids\":%s}",
		 date, member_ids ? member_ids : "[]");
	return body;
}

struct world_counts at_counts(void)
{
	static const char *const tables[] = {"activities", "audit_events", NULL};
	return world_counts(&aw, tables);
}

