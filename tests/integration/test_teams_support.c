/* Helpers of the teams suite: see test_teams_support.h. */
#define _GNU_SOURCE
#include "test_teams_support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct world tw;

char *tt_sql(const char *sql)
{
	return db_query_value(tw.url, sql);
}

void tt_add_unit(const char *code, const char *level, const char *parent)
{
	char sql[512];
	snprintf(sql, sizeof sql,
		 "INSERT INTO units (code, name, level, parent_code) VALUES ('%s', 'Unit %s', '%s', "
		 "%s%s%s)",
		 code, code, level, parent ? "'" : "", parent ? parent : "NULL", parent ? "'" : "");
	db_exec_ok(tw.url, sql);
}

char *tt_add_member(const char *unit, const char *full_name)
{
	char sql[512];
	snprintf(sql, sizeof sql,
		 "INSERT INTO members (unit_code, full_name) VALUES ('%s', '%s') RETURNING id", unit,
		 full_name);
	return tt_sql(sql);
}

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

char *tt_add_membership(const char *token, const char *team, const char *member,
			const char *role, const char *joined_on)
{
	char body[512];
	snprintf(body, sizeof body, "{\"member_id\":\"%s\",\"role\":\"%s\",\"joined_on\":\"%s\"}",
		 member, role, joined_on);
	struct http_response r;
	world_call(&r, &tw, "POST", tt_memberships_path(team), token, body, NULL);
	ck_assert_msg(r.status == 201, "add membership: %ld %s", r.status, r.body);
	char *id = strdup(json_field(r.body, "id"));
	http_response_free(&r);
	return id;
}

const char *tt_team_path(const char *id)
{
	static char path[128];
	snprintf(path, sizeof path, "/api/v1/teams/%s", id);
	return path;
}

const char *tt_memberships_path(const char *team)
{
	static char path[160];
	snprintf(path, sizeof path, "/api/v1/teams/%s/memberships", team);
	return path;
}

void tt_call_if_match(struct http_response *r, const char *method, const char *path,
		      const char *token, const char *body, const char *version)
{
	char header[64];
	snprintf(header, sizeof header, "If-Match: \"%s\"", version ? version : "");
	const char *extra[] = {header, NULL};
	world_call(r, &tw, method, path, token, body, version ? extra : NULL);
}

void tt_counts(struct tt_counts *c)
{
	c->teams = world_count(&tw, "teams");
	c->memberships = world_count(&tw, "memberships");
	c->audit = world_count(&tw, "audit_events");
}

void tt_assert_unchanged(const struct tt_counts *before)
{
	struct tt_counts now;
	tt_counts(&now);
	ck_assert_int_eq(now.teams, before->teams);
	ck_assert_int_eq(now.memberships, before->memberships);
	ck_assert_int_eq(now.audit, before->audit);
}

int tt_has_error(const struct http_response *r, const char *field, const char *code)
{
	json_t *doc = json_loads(r->body, 0, NULL);
	size_t i;
	json_t *e;
	int found = 0;
	json_array_foreach(json_object_get(doc, "errors"), i, e)
	{
		if (!strcmp(json_string_value(json_object_get(e, "field")), field) &&
		    (!code || !strcmp(json_string_value(json_object_get(e, "code")), code)))
			found = 1;
	}
	json_decref(doc);
	return found;
}

const char *tt_json(const char *body, const char *path)
{
	static char out[1024];
	out[0] = '\0';
	json_t *doc = json_loads(body, 0, NULL), *v = doc;
	char key[128];
	for (const char *p = path; v && *p;) {
		size_t n = strcspn(p, ".");
		snprintf(key, sizeof key, "%.*s", (int)n, p);
		v = json_object_get(v, key);
		p += n + (p[n] == '.');
	}
	if (json_is_string(v))
		snprintf(out, sizeof out, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, sizeof out, "%lld", (long long)json_integer_value(v));
	else if (v)
		snprintf(out, sizeof out, "%s",
			 json_is_true(v) ? "true" : json_is_false(v) ? "false" : json_is_null(v) ? "null" : "");
	json_decref(doc);
	return out;
}
