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

const char *tm_create_at(const char *token, const char *body, char path[TM_PATH_SIZE])
{
	const char *id = tm_create(token, body);
	snprintf(path, TM_PATH_SIZE, "%s", tm_path(id));
	return id;
}

void tm_assert_create_refused(const char *token, const char *body, long status,
			      struct http_response *r)
{
	struct world_counts before = tm_counts();
	world_call(r, &mw, "POST", "/api/v1/members", token, body, NULL);
	assert_problem(r, status);
	world_assert_unchanged(&before);
}

const char *tm_path(const char *id)
{
	static char path[TM_PATH_SIZE];
	snprintf(path, sizeof path, "/api/v1/members/%s", id);
	return path;
}

struct world_counts tm_counts(void)
{
	static const char *const tables[] = {"members", "audit_events", NULL};
	return world_counts(&mw, tables);
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
