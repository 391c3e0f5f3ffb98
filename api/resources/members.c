/*
 * Members of the teams, one person each: /api/v1/members (the list is in members_list.c) and
 * /api/v1/members/{id}.
 *
 * Rules enforced here:
 * - A member belongs to the scope of the unit they live in: outside the caller's scope a
 *   member answers 404 and is absent from lists; a create or a move names an active village
 *   or commune in the caller's scope (else 422 not_found).
 * - One person, one phone number: numbers are normalised first (members_validate.c), and a
 *   number already used answers 409, naming the existing member (existing_member_id) only to a
 *   caller who may see that member. No message ever repeats personal data. A number used
 *   outside the caller's scope is counted against the account and audited, and after a few a
 *   day the account's writes that carry a phone answer 429 (unseen_duplicates.h): otherwise
 *   the 409 would tell, one number at a time, who is registered anywhere in the country.
 * - Language codes must exist in the `languages` table, asked in the same statement as the
 *   write, so the table (not a copy in C) is the list.
 * - Phone, e-mail and birth year are masked for callers without the right (member_json's
 *   personal_data parameter); writes and their audit event happen in one statement.
 * - A member with memberships (even ended ones: they are the team's history) cannot be
 *   deleted: 409, suggesting status inactive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/authz.h"
#include "../http/etag.h"
#include "../http/problem.h"
#include "../route.h"
#include "../validate.h"
#include "audit_actor.h"
#include "members_list.h"
#include "../dates.h"
#include "members_validate.h"
#include "rep_cache.h"
#include "resource.h"
#include "unseen_duplicates.h"

static const struct field member_fields[] = {
	{"unit_code", FIELD_CODE, FIELD_REQUIRED, 0, 0, NULL},
	{"full_name", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL},
	{"gender", FIELD_ENUM, FIELD_NULLABLE, 0, 0, member_gender_values},
	{"birth_year", FIELD_INTEGER, FIELD_NULLABLE, MEMBER_MIN_BIRTH_YEAR, 0, NULL}, /* max: now */
	{"phone", FIELD_STRING, FIELD_NULLABLE, 1, 32, NULL},
	{"email", FIELD_STRING, FIELD_NULLABLE, 1, MEMBER_EMAIL_MAX, NULL},
	{"ethnicity", FIELD_STRING, FIELD_NULLABLE, 1, 64, NULL},
	{"languages", FIELD_STRING, 0, 0, 0, NULL},   /* member_languages_validate */
	{"affiliations", FIELD_ENUM_ARRAY, 0, 0, 0, member_affiliation_values},
	{"digital_skill", FIELD_ENUM, FIELD_NULLABLE, 0, 0, member_skill_values},
	{"trainings", FIELD_STRING, 0, 0, 0, NULL},   /* member_trainings_validate */
	{"status", FIELD_ENUM, 0, 0, 0, member_status_values},
	READ_ONLY("id", STAMPS),
};
#define MEMBER_FIELDS (sizeof member_fields / sizeof member_fields[0])

static struct db_stmt get_member = DB_READ("members_get", 3,
	"SELECT CASE WHEN $3::boolean THEN d.personal ELSE d.masked END, m.version,"
	" u.path::text FROM members m JOIN member_documents d ON d.member_id = m.id"
	" JOIN units u ON u.code = m.unit_code WHERE m.id = $1::uuid"
	" AND within(u.path, $2::ltree)");

/* The writes are functions of db/functions/40_members.sql; the last four parameters are the
 * audit actor (audit_actor_params). */
static struct db_stmt create_member = DB_STMT("members_create", 7,
	"SELECT * FROM member_create($1, $2, $3, $4, $5, $6, $7)");

static struct db_stmt update_member = DB_STMT("members_update", 9,
	"SELECT * FROM member_update($1, $2, $3, $4, $5, $6, $7, $8, $9)");

static struct db_stmt delete_member = DB_STMT("members_delete", 7,
	"SELECT * FROM member_delete($1::uuid, $2::int, $3::ltree, " AUDIT_ACTOR_ROW(4, 5, 6, 7) ")");

/* Replaces a string field of doc by its normalised form, or records why it has none. */
static void normalise_field(json_t *doc, const char *name, json_t **errors,
			    int (*normalise)(const char *, char *), const char *message)
{
	char pointer[32], out[MEMBER_EMAIL_MAX + 1]; /* room for either field */
	snprintf(pointer, sizeof pointer, "/%s", name);
	const json_t *v = json_object_get(doc, name);
	if (!json_is_string(v) || has_field_error(*errors, name))
		return;
	if (normalise(json_string_value(v), out) != 0)
		problem_add_error(errors, pointer, "invalid_format", message);
	else
		json_object_set_new(doc, name, json_string(out));
}

/* languages and trainings: null means absent on create, and is refused on a patch. */
static void check_list(const json_t *body, const char *name, enum validate_mode mode,
		       const char *today, json_t **errors)
{
	const json_t *v = json_object_get(body, name);
	char pointer[32];
	snprintf(pointer, sizeof pointer, "/%s", name);
	if (!v || (json_is_null(v) && mode == VALIDATE_CREATE))
		return;
	if (json_is_null(v))
		problem_add_error(errors, pointer, "required", "must not be null; send [] to clear");
	else if (!strcmp(name, "languages"))
		member_languages_validate(v, errors);
	else
		member_trainings_validate(v, today, errors);
}

/*
 * The members' body_check: every rule of a create or patch body that needs no database. When
 * it finds nothing, *(json_t **)out is the document the statement stores (a new reference, the
 * caller decrefs): phone and e-mail normalised, and on create no nulls; NULL when there was no
 * memory for it.
 */
static int member_body_check(const json_t *body, enum validate_mode mode, json_t **errors,
			     void *out)
{
	json_t **doc_out = out;
	*doc_out = NULL;
	struct field fields[MEMBER_FIELDS];
	memcpy(fields, member_fields, sizeof fields);
	char today[11];
	int year = member_today(today);
	for (struct field *f = fields; f->name; f++)
		if (!strcmp(f->name, "birth_year"))
			f->max = year - MEMBER_MIN_AGE;
	static const char *const lists[] = {"languages", "trainings", NULL};
	json_t *doc = json_deep_copy(body);
	if (!doc)
		goto out;
	/* the lists' own checks name items by index */
	validate_body_except(body, fields, mode, lists, errors);
	check_list(body, "languages", mode, today, errors);
	check_list(body, "trainings", mode, today, errors);
	normalise_field(doc, "phone", errors, member_phone_normalise,
			"must be a Vietnamese phone number: a mobile 03x/05x/07x/08x/09x with "
			"10 digits or a landline 02x with 11 digits, optionally after +84");
	normalise_field(doc, "email", errors, member_email_normalise,
			"must be an e-mail address local@domain.tld");
	if (*errors)
		goto out;
	if (mode == VALIDATE_CREATE) {
		const char *key;
		json_t *v, *tmp;
		json_object_foreach_safe(doc, tmp, key, v) if (json_is_null(v))
			json_object_del(doc, key);
	}
	*doc_out = doc;
	doc = NULL;
out:
	json_decref(doc);
	return *errors != NULL;
}

/* 409 for a phone number in use: existing_id only when the caller may see that member. */
static void phone_taken(struct _u_response *resp, const struct req_ctx *ctx,
			const char *existing_id)
{
	problem_with_members(resp, ctx, 409, "A member with this phone number already exists.", NULL,
			     existing_id ? json_pack("{s:s}", "existing_member_id", existing_id) : NULL);
}

/* Errors the database found (unit_ok, unknown_languages): an unknown unit, unknown language
 * codes. 0 when none. */
static int database_errors(const PGresult *res, json_t **errors)
{
	if (!result_true(res, "unit_ok"))
		problem_add_error(errors, "/unit_code", "not_found",
				  "no active village or commune with this code in your scope");
	const char *langs = result_value(res, "unknown_languages");
	json_t *unknown = langs ? json_loads(langs, 0, NULL) : NULL;
	size_t i;
	json_t *u;
	json_array_foreach(unknown, i, u)
	{
		char pointer[32], message[64];
		snprintf(pointer, sizeof pointer, "/languages/%lld",
			 (long long)json_integer_value(json_object_get(u, "index")));
		snprintf(message, sizeof message, "no language has the code %s",
			 json_string_value(json_object_get(u, "code")));
		problem_add_error(errors, pointer, "not_found", message);
	}
	json_decref(unknown);
	return *errors != NULL;
}

/*
 * What a create or an update found in the database before writing, in the columns unit_ok,
 * unknown_languages, duplicate_id (a member with the same phone number) and
 * duplicate_visible (whether the caller sees that member). Returns -1 after answering 422 or
 * 409, or 0 when none. A member the caller does not see is counted and audited first
 * (unseen_duplicates.h).
 */
static int refused_by_database(struct _u_response *resp, struct req_ctx *ctx,
			       const PGresult *res, const char *source)
{
	json_t *errors = NULL;
	const char *duplicate = result_value(res, "duplicate_id");
	if (database_errors(res, &errors)) {
		invalid_body(resp, ctx, errors);
	} else if (!duplicate) {
		return 0;
	} else if (result_true(res, "duplicate_visible")) {
		phone_taken(resp, ctx, duplicate);
	} else if (unseen_duplicates_record(ctx, resp, 1, duplicate, source, NULL) == 0) {
		phone_taken(resp, ctx, NULL);
	}
	return -1;
}

/* -1 after answering 429 when the body carries a phone and the account's allowance of
 * duplicates outside its scope is used up (unseen_duplicates.h); 0 to go on. */
static int phone_writes_throttled(struct _u_response *resp, struct req_ctx *ctx,
				  const json_t *doc)
{
	if (!json_is_string(json_object_get(doc, "phone")))
		return 0;
	return unseen_duplicates_throttled(ctx, resp);
}

/* A write the database refused (a race past our checks): 409 or 422, never a 500. */
static void write_refused(struct _u_response *resp, const struct req_ctx *ctx,
			  const PGresult *res)
{
	const char *state = db_sqlstate(res);
	if (!strcmp(state, SQLSTATE_UNIQUE_VIOLATION))
		phone_taken(resp, ctx, NULL);
	else if (!strcmp(state, SQLSTATE_FOREIGN_KEY_VIOLATION) && !strcmp(ctx->route->method, "DELETE"))
		problem(resp, ctx, 409, "The member joined a team meanwhile; set status inactive instead.");
	else if (!strcmp(state, SQLSTATE_FOREIGN_KEY_VIOLATION))
		problem(resp, ctx, 422, "A value does not fit; read the member again and retry.");
	else
		write_failed_unexpectedly(resp, ctx, res);
}

/*
 * What an update answers first, from its columns found (the member exists in scope) and
 * current_version: the database's refusal, 404, or 412 when the version is not the one
 * If-Match named. -1 after answering; 0 to go on.
 */
static int write_refused_or_stale(struct _u_response *resp, const struct req_ctx *ctx,
				  const PGresult *res, enum db_status st, const char *version)
{
	const char *current = st == DB_OK ? result_value(res, "current_version") : NULL;
	if (st != DB_OK)
		write_refused(resp, ctx, res);
	else if (!result_true(res, "found"))
		respond_outcome(resp, ctx, OUTCOME_NOT_FOUND, "member", NULL);
	else if (!current || strcmp(current, version))
		respond_outcome(resp, ctx, OUTCOME_STALE, "member", NULL);
	else
		return 0;
	return -1;
}

/* Team leaders see the people of their own team only: anyone else answers 404. */
static struct db_stmt get_team_member = DB_READ("members_get_of_team", 4,
	"SELECT member_json(m, $3::boolean)::text, m.version"
	" FROM visible_members($2::ltree) m WHERE m.id = $1::uuid AND EXISTS (SELECT 1"
	" FROM memberships ms WHERE ms.member_id = m.id AND ms.team_id = $4::uuid"
	" AND ms.left_on IS NULL)");

static void get(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	if (allowed(resp, ctx, ACT_READ_REGISTRY) != 0 || !(id = path_uuid(req, resp, ctx, "id", "member")))
		return;
	int leader = ctx->principal.kind == PRINCIPAL_USER && ctx->principal.role == ROLE_TEAM_LEADER;
	const char *params[4] = {id, ctx->principal.scope_path, personal_data(ctx),
				 members_team_of_leader(ctx)};
	if (leader) { /* the members of their team only: the database says which */
		respond_read(resp, ctx, &get_team_member, params, "member");
		return;
	}
	char key[REP_CACHE_KEY_MAX]; /* p: with personal data, m: masked */
	snprintf(key, sizeof key, "%c:%s", !strcmp(params[2], "true") ? 'p' : 'm', id);
	respond_kept(resp, ctx, key, &get_member, params, "member");
}

static void create(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	if (allowed(resp, ctx, ACT_WRITE_REGISTRY) != 0)
		return;
	json_t *errors = NULL, *doc = NULL;
	if (member_body_check(ctx->body, VALIDATE_CREATE, &errors, &doc)) {
		invalid_body(resp, ctx, errors);
		return;
	}
	if (!doc) {
		internal_error(resp, ctx);
		return;
	}
	if (phone_writes_throttled(resp, ctx, doc) != 0) {
		json_decref(doc);
		return;
	}
	const char *params[7] = {NULL, ctx->principal.scope_path, personal_data(ctx)};
	enum db_status st;
	PGresult *res = write_document(resp, ctx, &create_member, params, 0, 3, doc, &st);
	if (!res)
		return;
	if (st != DB_OK) {
		write_refused(resp, ctx, res);
	} else if (refused_by_database(resp, ctx, res, "create") == 0) {
		if (!result_value(res, "json"))
			phone_taken(resp, ctx, NULL); /* inserted by someone else since our check */
		else
			respond_written_named(resp, ctx, res, 201, "/api/v1/members/", "id");
	}
	PQclear(res);
}

static void update(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	if (allowed(resp, ctx, ACT_WRITE_REGISTRY) != 0 || !(id = path_uuid(req, resp, ctx, "id", "member")))
		return;
	json_t *doc = NULL;
	char version[16];
	int checked = accept_patch(req, resp, ctx, NULL, member_body_check, &doc, version);
	if (checked == 0 && !doc)
		internal_error(resp, ctx);
	if (checked != 0 || !doc || phone_writes_throttled(resp, ctx, doc) != 0) {
		json_decref(doc);
		return;
	}
	const char *params[9] = {id, version, NULL, ctx->principal.scope_path, personal_data(ctx)};
	enum db_status st;
	PGresult *res = write_document(resp, ctx, &update_member, params, 2, 5, doc, &st);
	if (!res)
		return;
	if (write_refused_or_stale(resp, ctx, res, st, version) == 0 &&
	    refused_by_database(resp, ctx, res, "update") == 0)
		respond_updated(resp, ctx, res, "member");
	PQclear(res);
}

static void delete(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	if (allowed(resp, ctx, ACT_WRITE_REGISTRY) != 0 || !(id = path_uuid(req, resp, ctx, "id", "member")))
		return;
	char version[16];
	if (etag_require_if_match(req, resp, ctx, version) != 0)
		return;
	const char *params[7] = {id, version, ctx->principal.scope_path};
	delete_and_answer(resp, ctx, &delete_member, params, 3, version, "member",
			  "The member has memberships, which keep the teams' history: set status "
			  "inactive instead of deleting.",
			  write_refused);
}

const struct route members_routes[] = {
	{"GET", "/api/v1/members", members_list, ROUTE_REPLICA | ROUTE_CSV},
	{"POST", "/api/v1/members", create, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT | ROUTE_CHANGES_KEPT},
	{"GET", "/api/v1/members/{id}", get, 0},
	{"PATCH", "/api/v1/members/{id}", update, ROUTE_JSON_BODY | ROUTE_CHANGES_KEPT},
	{"DELETE", "/api/v1/members/{id}", delete, ROUTE_CHANGES_KEPT},
	{0},
};
