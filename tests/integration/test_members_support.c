/* Helpers of the members suite: see test_members_support.h. */
#define _GNU_SOURCE
#include "test_members_support.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct world mw;

const char *tm_fresh_phone(void)
{
	static char phone[16];
	snprintf(phone, sizeof phone, "09%08u", (unsigned)randombytes_uniform(100000000));
	return phone;
}

const char *tm_body(const char *unit, const char *full_name, const char *phone,
		    const char *extra_json)
{
	static char body[4096];
	char phone_json[64] = "";
	if (phone)
		snprintf(phone_json, sizeof phone_json, ",\"phone\":\"%s\"", phone);
	snprintf(body, sizeof body, "{\"unit_code\":\"%s\",\"full_name\":\"%s\"%s%s}", unit,
		 full_name, phone_json, extra_json ? extra_json : "");
	return body;
}

const char *tm_create(const char *token, const char *body)
{
	static char id[37];
	struct http_response r;
	world_call(&r, &mw, "POST", "/api/v1/members", token, body, NULL);
	ck_assert_msg(r.status == 201, "create member: %ld %s", r.status, r.body);
	snprintf(id, sizeof id, "%s", json_field(r.body, "id"));
	http_response_free(&r);
	return id;
}

void tm_assert_create_refused(const char *token, const char *body, long status,
			      struct http_response *r)
{
	struct tm_counts before;
	tm_counts(&before);
	world_call(r, &mw, "POST", "/api/v1/members", token, body, NULL);
	assert_problem(r, status);
	tm_assert_unchanged(&before);
}

const char *tm_path(const char *id)
{
	static char path[96];
	snprintf(path, sizeof path, "/api/v1/members/%s", id);
	return path;
}

void tm_call_if_match(struct http_response *r, const char *method, const char *path,
		      const char *token, const char *body, const char *version)
{
	char header[64];
	snprintf(header, sizeof header, "If-Match: \"%s\"", version ? version : "");
	const char *extra[] = {header, NULL};
	world_call(r, &mw, method, path, token, body, version ? extra : NULL);
}

void tm_counts(struct tm_counts *c)
{
	c->members = world_count(&mw, "members");
	c->audit = world_count(&mw, "audit_events");
}

void tm_assert_unchanged(const struct tm_counts *before)
{
	struct tm_counts now;
	tm_counts(&now);
	ck_assert_int_eq(now.members, before->members);
	ck_assert_int_eq(now.audit, before->audit);
}

int tm_has_error(const struct http_response *r, const char *field, const char *code)
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

const char *tm_json(const char *body, const char *name)
{
	static char out[8192];
	out[0] = '\0';
	json_t *doc = json_loads(body, 0, NULL);
	json_t *v = json_object_get(doc, name);
	if (json_is_string(v)) {
		snprintf(out, sizeof out, "%s", json_string_value(v));
	} else if (v) {
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		snprintf(out, sizeof out, "%s", text);
		free(text);
	}
	json_decref(doc);
	return out;
}

char *tm_sql(const char *sql)
{
	return db_query_value(mw.url, sql);
}

const char *tm_url_encode(const char *s)
{
	static char out[1024];
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && n + 4 < sizeof out; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.')
			out[n++] = (char)*p;
		else
			n += (size_t)snprintf(out + n, 4, "%%%02X", *p);
	}
	out[n] = '\0';
	return out;
}
