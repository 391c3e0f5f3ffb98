#define _GNU_SOURCE
#include "test_reports_support.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
