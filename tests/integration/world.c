#define _GNU_SOURCE
#include "world.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../api/auth/password.h"

const char *world_add_user(struct world *w, const char *username, const char *role,
			   const char *unit, const char *password)
{
	static char id[37];
	char hash[PASSWORD_HASH_MAX];
	ck_assert_int_eq(password_hash(password ? password : WORLD_PASSWORD, hash), 0);
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "INSERT INTO users (username, password_hash, role, unit_code) "
		 "VALUES ('%s', '%s', '%s', %s%s%s) RETURNING id",
		 username, hash, role, unit ? "'" : "", unit ? unit : "NULL", unit ? "'" : "");
	char *v = db_query_value(w->url, sql);
	snprintf(id, sizeof id, "%s", v);
	free(v);
	return id;
}

char *world_login(const struct world *w, const char *username, const char *password)
{
	char body[512];
	snprintf(body, sizeof body, "grant_type=password&username=%s&password=%s", username,
		 password);
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	struct http_response r;
	http_request(&r, "POST", w->server.port, "/api/v1/auth/token", h, body, strlen(body));
	ck_assert_msg(r.status == 200, "login %s: %ld %s", username, r.status, r.body);
	json_t *doc = json_loads(r.body, 0, NULL);
	char *token = strdup(json_string_value(json_object_get(doc, "access_token")));
	json_decref(doc);
	http_response_free(&r);
	return token;
}

void world_create(struct world *w, const char *const *extra_env)
{
	memset(w, 0, sizeof *w);
	snprintf(w->url, sizeof w->url, "%s", db_create("world"));
	serve_start(&w->server, w->url, extra_env); /* migrates */
	db_exec_ok(w->url,
		   "INSERT INTO units (code, name, level) VALUES ('HG', 'Hà Giang', 'province');"
		   "INSERT INTO units (code, name, level, parent_code) VALUES"
		   " ('BQ', 'Bắc Quang', 'district', 'HG'), ('BM', 'Bắc Mê', 'district', 'HG');"
		   "INSERT INTO units (code, name, level, parent_code) VALUES"
		   " ('TQ', 'Tân Quang', 'commune', 'BQ'), ('NX', 'Yên Định', 'commune', 'BM');"
		   "INSERT INTO units (code, name, level, parent_code) VALUES"
		   " ('TQ-V1', 'Thôn Tân Thành', 'village', 'TQ'), ('NX-V1', 'Nà Xá', 'village', 'NX')");
	snprintf(w->admin_id, 37, "%s", world_add_user(w, "admin", "admin", NULL, NULL));
	snprintf(w->officer_tq_id, 37, "%s", world_add_user(w, "officer.tq", "officer", "TQ", NULL));
	snprintf(w->officer_nx_id, 37, "%s", world_add_user(w, "officer.nx", "officer", "NX", NULL));
	snprintf(w->viewer_tq_id, 37, "%s", world_add_user(w, "viewer.tq", "viewer", "TQ", NULL));
	snprintf(w->leader_tq_id, 37, "%s",
		 world_add_user(w, "leader.tq", "team_leader", "TQ-V1", NULL));
	w->admin = world_login(w, "admin", WORLD_PASSWORD);
	w->officer_tq = world_login(w, "officer.tq", WORLD_PASSWORD);
	w->officer_nx = world_login(w, "officer.nx", WORLD_PASSWORD);
	w->viewer_tq = world_login(w, "viewer.tq", WORLD_PASSWORD);
	w->leader_tq = world_login(w, "leader.tq", WORLD_PASSWORD);
}

void world_destroy(struct world *w)
{
	if (w->server.pid > 0)
		ck_assert_int_eq(serve_stop(&w->server), 0);
	free(w->admin);
	free(w->officer_tq);
	free(w->officer_nx);
	free(w->viewer_tq);
	free(w->leader_tq);
	memset(w, 0, sizeof *w);
}

void world_call(struct http_response *r, const struct world *w, const char *method,
		const char *path, const char *token, const char *body, const char *const *extra)
{
	char auth[4200];
	const char *h[12];
	int n = 0;
	if (token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		h[n++] = auth;
	}
	if (body)
		h[n++] = !strcmp(method, "PATCH") ? "Content-Type: application/merge-patch+json"
						  : "Content-Type: application/json";
	for (; extra && *extra && n < 11; extra++)
		h[n++] = *extra;
	h[n] = NULL;
	http_request(r, method, w->server.port, path, h, body, body ? strlen(body) : 0);
}

long world_count(const struct world *w, const char *table)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	char *v = db_query_value(w->url, sql);
	long n = atol(v);
	free(v);
	return n;
}

const char *json_field(const char *body, const char *name)
{
	static char out[4096];
	out[0] = '\0';
	json_t *doc = json_loads(body, 0, NULL);
	json_t *v = json_object_get(doc, name);
	if (json_is_string(v))
		snprintf(out, sizeof out, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, sizeof out, "%lld", (long long)json_integer_value(v));
	json_decref(doc);
	return out;
}
