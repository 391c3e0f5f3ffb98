#define _GNU_SOURCE
#include "test_reports_support.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rp_exec(const char *fmt, ...)
{
	char *sql;
	va_list ap;
	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&sql, fmt, ap), 0);
	va_end(ap);
	db_exec_ok(rw.url, sql);
	free(sql);
}

char *rp_sql(const char *fmt, ...)
{
	char *sql;
	va_list ap;
	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&sql, fmt, ap), 0);
	va_end(ap);
	char *v = db_query_value(rw.url, sql);
	free(sql);
	return v;
}

char *rp_team(const char *unit, const char *status)
{
	return rp_sql("INSERT INTO teams (unit_code, name, status, established_on)"
		      " VALUES ('%s', 'Tổ CNS %s', '%s', '2023-01-01') RETURNING id",
		      unit, unit, status);
}

char *rp_member(const char *unit, const char *languages, const char *affiliations,
		const char *status)
{
	return rp_sql("INSERT INTO members (unit_code, full_name, languages, affiliations, status)"
		      " VALUES ('%s', 'Nguyễn Văn Báo Cáo', '%s', '%s', '%s') RETURNING id",
		      unit, languages, affiliations, status);
}

void rp_membership(const char *team, const char *member, const char *team_level,
		   const char *role, const char *left_on)
{
	rp_exec("INSERT INTO memberships (team_id, member_id, team_level, role, joined_on, left_on)"
		" VALUES ('%s', '%s', '%s', '%s', '2023-02-01', %s%s%s)",
		team, member, team_level, role, left_on ? "'" : "", left_on ? left_on : "NULL",
		left_on ? "'" : "");
}

void rp_activity(const char *team, const char *unit, const char *date, const char *services,
		 int households, int people, const char *member_ids)
{
	rp_exec("INSERT INTO activities (team_id, unit_code, date, kind, service_codes,"
		" households_reached, people_reached, member_ids)"
		" VALUES ('%s', '%s', '%s', 'household_visit', '%s', %d, %d, '%s')",
		team, unit, date, services, households, people, member_ids);
}

void rp_get(struct http_response *r, const char *token, const char *path, int csv)
{
	const char *extra[] = {"Accept: text/csv", NULL};
	world_call(r, &rw, "GET", path, token, NULL, csv ? extra : NULL);
}

json_t *rp_report(const char *token, const char *path)
{
	struct http_response r;
	rp_get(&r, token, path, 0);
	ck_assert_msg(r.status == 200, "%s: %ld %s", path, r.status, r.body);
	char *type = http_header_value(&r, "Content-Type");
	ck_assert_str_eq(type, "application/json");
	free(type);
	json_t *doc = json_loads(r.body, 0, NULL);
	ck_assert_msg(doc != NULL, "%s", r.body);
	http_response_free(&r);
	return doc;
}

json_t *rp_at(const json_t *obj, const char *path)
{
	char key[128];
	const json_t *v = obj;
	for (const char *p = path; v && *p;) {
		size_t n = strcspn(p, ".");
		snprintf(key, sizeof key, "%.*s", (int)n, p);
		v = json_object_get(v, key);
		p += n + (p[n] == '.');
	}
	return (json_t *)v;
}

long rp_int(const json_t *obj, const char *path)
{
	const json_t *v = rp_at(obj, path);
	ck_assert_msg(json_is_integer(v), "%s is not an integer", path);
	return (long)json_integer_value(v);
}

json_t *rp_row(const json_t *report, const char *key, const char *value)
{
	size_t i;
	json_t *row;
	json_array_foreach(json_object_get(report, "rows"), i, row)
	{
		const json_t *v = rp_at(row, key);
		if (json_is_string(v) && !strcmp(json_string_value(v), value))
			return row;
	}
	ck_abort_msg("no row with %s = %s", key, value);
	return NULL;
}

struct world_counts rp_counts(void)
{
	static const char *const tables[] = {"audit_events", "activities", "units", "teams", NULL};
	return world_counts(&rw, tables);
}
