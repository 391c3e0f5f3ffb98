#define _GNU_SOURCE
#include "world.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

void world_call_if_match(struct http_response *r, const struct world *w, const char *method,
			 const char *path, const char *token, const char *body,
			 const char *version)
{
	char header[64];
	snprintf(header, sizeof header, "If-Match: \"%s\"", version ? version : "");
	const char *extra[] = {header, NULL};
	world_call(r, w, method, path, token, body, version ? extra : NULL);
}

char *world_sql(const struct world *w, const char *fmt, ...)
{
	char *sql;
	va_list ap;
	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&sql, fmt, ap), 0);
	va_end(ap);
	char *v = db_query_value(w->url, sql);
	free(sql);
	return v;
}

void world_exec(const struct world *w, const char *fmt, ...)
{
	char *sql;
	va_list ap;
	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&sql, fmt, ap), 0);
	va_end(ap);
	db_exec_ok(w->url, sql);
	free(sql);
}

/* "'text'" or "NULL", for a value that may be absent (one of 2 static buffers). */
static const char *sql_or_null(const char *text)
{
	static char out[2][256];
	static int next;
	char *buf = out[next++ % 2];
	if (text)
		snprintf(buf, sizeof out[0], "'%s'", text);
	else
		snprintf(buf, sizeof out[0], "NULL");
	return buf;
}

void world_add_unit(const struct world *w, const char *code, const char *name, const char *level,
		    const char *parent)
{
	if (name)
		world_exec(w, "INSERT INTO units (code, name, level, parent_code)"
			      " VALUES ('%s', '%s', '%s', %s)",
			   code, name, level, sql_or_null(parent));
	else
		world_exec(w, "INSERT INTO units (code, name, level, parent_code)"
			      " VALUES ('%s', 'Unit %s', '%s', %s)",
			   code, code, level, sql_or_null(parent));
}

char *world_add_team(const struct world *w, const char *unit, const char *status,
		     const char *established_on)
{
	return world_sql(w, "INSERT INTO teams (unit_code, name, status, established_on)"
			    " VALUES ('%s', 'Tổ %s', '%s', '%s') RETURNING id",
			 unit, unit, status, established_on);
}

char *world_add_member(const struct world *w, const char *unit, const char *full_name)
{
	return world_sql(w, "INSERT INTO members (unit_code, full_name) VALUES ('%s', '%s')"
			    " RETURNING id",
			 unit, full_name);
}

char *world_add_member_with(const struct world *w, const char *unit, const char *full_name,
			    const char *languages, const char *affiliations, const char *status)
{
	return world_sql(w, "INSERT INTO members (unit_code, full_name, languages, affiliations,"
			    " status) VALUES ('%s', '%s', '%s', '%s', '%s') RETURNING id",
			 unit, full_name, languages, affiliations, status);
}

void world_add_membership(const struct world *w, const char *team, const char *member,
			  const char *role, const char *joined_on, const char *left_on)
{
	world_exec(w, "INSERT INTO memberships (team_id, member_id, team_level, role, joined_on,"
		      " left_on) SELECT t.id, '%s', u.level, '%s', '%s', %s FROM teams t"
		      " JOIN units u ON u.code = t.unit_code WHERE t.id = '%s'",
		   member, role, joined_on, sql_or_null(left_on), team);
}

void world_add_activity(const struct world *w, const char *team, const char *unit,
			const char *date, const char *services, int households, int people,
			const char *member_ids)
{
	world_exec(w, "INSERT INTO activities (team_id, unit_code, date, kind, service_codes,"
		      " households_reached, people_reached, member_ids)"
		      " VALUES ('%s', '%s', '%s', 'household_visit', '%s', %d, %d, '%s')",
		   team, unit, date, services, households, people, member_ids);
}

char *world_add_team_leader(struct world *w, const char *username, const char *unit,
			    const char *team)
{
	world_add_user(w, username, "team_leader", unit, NULL);
	world_exec(w, "UPDATE users SET team_id = '%s' WHERE username = '%s'", team, username);
	return world_login(w, username, WORLD_PASSWORD);
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

struct world_counts world_counts(const struct world *w, const char *const *tables)
{
	struct world_counts c = {.w = w, .tables = tables};
	for (size_t i = 0; tables[i]; i++) {
		ck_assert_uint_lt(i, WORLD_COUNTED_MAX);
		c.rows[i] = world_count(w, tables[i]);
	}
	return c;
}

void world_assert_unchanged(const struct world_counts *before)
{
	for (size_t i = 0; before->tables[i]; i++) {
		long now = world_count(before->w, before->tables[i]);
		ck_assert_msg(now == before->rows[i], "%s: %ld rows, %ld before", before->tables[i],
			      now, before->rows[i]);
	}
}

long world_counted(const struct world_counts *c, const char *table)
{
	for (size_t i = 0; c->tables[i]; i++)
		if (!strcmp(c->tables[i], table))
			return c->rows[i];
	ck_abort_msg("%s was not counted", table);
	return -1;
}

int world_read_becomes(const struct world *w, const char *path, const char *token, long status,
		       const char *field, const char *want)
{
	for (int i = 0; i < 40; i++) {
		struct http_response r;
		world_call(&r, w, "GET", path, token, NULL, NULL);
		int seen = r.status == status && (!field || !strcmp(json_field(r.body, field), want));
		http_response_free(&r);
		if (seen)
			return 1;
		struct timespec pause = {0, 50 * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
	return 0;
}

/* The value at a dotted path in doc (borrowed), or NULL. */
static json_t *json_at(json_t *doc, const char *path)
{
	json_t *v = doc;
	char key[128];
	for (const char *p = path; v && *p;) {
		size_t n = strcspn(p, ".");
		snprintf(key, sizeof key, "%.*s", (int)n, p);
		if (json_is_array(v) && n > 0 && strspn(key, "0123456789") == n)
			v = json_array_get(v, strtoul(key, NULL, 10));
		else
			v = json_object_get(v, key);
		p += n + (p[n] == '.');
	}
	return v;
}

int json_has(const char *body, const char *path)
{
	json_t *doc = json_loads(body, 0, NULL);
	int has = json_at(doc, path) != NULL;
	json_decref(doc);
	return has;
}

const char *json_field(const char *body, const char *path)
{
	static char out[8192];
	out[0] = '\0';
	json_t *doc = json_loads(body, 0, NULL), *v = json_at(doc, path);
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

int response_has_error(const struct http_response *r, const char *field, const char *code)
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

long list_index(const char *body, const char *field, const char *value)
{
	json_t *doc = json_loads(body, 0, NULL);
	size_t i;
	json_t *item;
	long at = -1;
	json_array_foreach(json_object_get(doc, "items"), i, item)
	{
		const char *v = json_string_value(json_object_get(item, field));
		if (v && !strcmp(v, value)) {
			at = (long)i;
			break;
		}
	}
	json_decref(doc);
	return at;
}

int list_has(const char *body, const char *field, const char *value)
{
	return list_index(body, field, value) >= 0;
}

char *world_client_token(const struct world *w, const char *client_id, const char *scopes,
			 const char *unit)
{
	char body[512];
	snprintf(body, sizeof body, "{\"client_id\":\"%s\",\"scopes\":%s,\"unit_code\":\"%s\"}",
		 client_id, scopes, unit);
	struct http_response r;
	world_call(&r, w, "POST", "/api/v1/clients", w->admin, body, NULL);
	ck_assert_msg(r.status == 201, "client: %ld %s", r.status, r.body);
	char form[512];
	snprintf(form, sizeof form, "grant_type=client_credentials&client_id=%s&client_secret=%s",
		 client_id, json_field(r.body, "client_secret"));
	http_response_free(&r);
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	http_request(&r, "POST", w->server.port, "/api/v1/auth/token", h, form, strlen(form));
	ck_assert_msg(r.status == 200, "token: %ld %s", r.status, r.body);
	char *token = strdup(json_field(r.body, "access_token"));
	http_response_free(&r);
	return token;
}

const char *list_join(const char *body, const char *field, const char *sep)
{
	static char out[8192];
	out[0] = '\0';
	json_t *doc = json_loads(body, 0, NULL);
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(doc, "items"), i, item)
	{
		size_t n = strlen(out);
		snprintf(out + n, sizeof out - n, "%s%s", i ? sep : "",
			 json_string_value(json_object_get(item, field)));
	}
	json_decref(doc);
	return out;
}

void world_assert_bodies_refused(const struct world *w, const char *path, const char *token,
				 const char *arg, const struct refused_body *cases, size_t n,
				 const struct world_counts *before)
{
	for (size_t i = 0; i < n; i++) {
		char body[1024];
		snprintf(body, sizeof body, cases[i].body, arg);
		struct http_response r;
		world_call(&r, w, "POST", path, token, body, NULL);
		ck_assert_msg(r.status == 422 && response_has_error(&r, cases[i].field, cases[i].code),
			      "case %zu: %ld %s", i, r.status, r.body);
		http_response_free(&r);
	}
	world_assert_unchanged(before);
}

void world_get_refused(const struct world *w, const char *path, const char *token, long status)
{
	struct http_response r;
	world_call(&r, w, "GET", path, token, NULL, NULL);
	assert_problem(&r, status);
	http_response_free(&r);
}

const char *world_path(const char *fmt, ...)
{
	static char out[8][256];
	static int next;
	char *buf = out[next++ % 8];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof out[0], fmt, ap);
	va_end(ap);
	return buf;
}

void assert_problem_says(const struct http_response *r, const char *text)
{
	json_t *doc = json_loads(r->body, 0, NULL);
	ck_assert_msg(doc, "not JSON: %s", r->body);
	const char *said[] = {json_string_value(json_object_get(doc, "detail")),
			      json_string_value(json_object_get(doc, "title"))};
	int found = 0;
	for (size_t i = 0; i < 2; i++)
		found |= said[i] && strstr(said[i], text) != NULL;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(doc, "errors"), i, e)
	{
		const char *message = json_string_value(json_object_get(e, "message"));
		found |= message && strstr(message, text) != NULL;
	}
	ck_assert_msg(found, "no detail, title or error message says \"%s\": detail \"%s\", errors %s",
		      text, said[0] ? said[0] : "", json_field(r->body, "errors"));
	json_decref(doc);
}
