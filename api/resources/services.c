/*
 * The service catalogue: /api/v1/services and /api/v1/services/{code} — the digital services
 * teams help people with, each with its guide: ordered steps (an instruction, and what to
 * check before moving on), and translations of the name and steps by ISO 639-3 code.
 *
 * Rules enforced here:
 *   - everyone authenticated reads (ACT_READ_REGISTRY, or a system with any scope): the
 *     catalogue is national, not scoped;
 *   - only admins write (ACT_MANAGE_CATALOGUE); a service is retired with PATCH status
 *     "retired" (no new activity may name it; those that did keep it); a service any activity
 *     names cannot be deleted (409, saying to retire it);
 *   - the body (services_validate.c): steps: 1-30 objects {instruction (1-500), check
 *     (optional, at most 300)}; translations:
 *     {"<code>": {name (1-200), steps (optional, as many as `steps`)}}, the codes existing in
 *     the `languages` table (asked in the same statement as the write). Every error is named
 *     by its JSON Pointer (/steps/2/instruction, /translations/hmn/steps/0/check).
 *   - PATCH is a JSON Merge Patch (RFC 7396) applied to the stored service, recursively (so
 *     {"translations": {"hmn": {"name": "..."}}} keeps the other languages and the hmn steps);
 *     the merged service is validated as a whole and written only if it still has the version
 *     If-Match named.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/authz.h"
#include "../http/etag.h"
#include "../http/paging.h"
#include "../http/problem.h"
#include "../route.h"
#include "../validate.h"
#include "activities.h"
#include "audit_actor.h"
#include "resource.h"
#include "services_validate.h"
#include "teams_shared.h"

#define Q_MAX_CHARS 100
static struct db_stmt list_services = DB_READ("services_list", 5,
	"SELECT service_json(s)::text, s.code FROM services s"
	" WHERE ($1::text IS NULL OR s.code > $1) AND ($2::text IS NULL OR s.category = $2)"
	" AND ($3::text IS NULL OR s.status = $3)"
	" AND ($4::text IS NULL OR search_fold(concat_ws(' ', s.code, s.name_vi, s.name_en,"
	"   (SELECT string_agg(t.value->>'name', ' ') FROM jsonb_each(s.translations) t)))"
	"   LIKE search_pattern($4))"
	" ORDER BY s.code LIMIT $5::int");

static struct db_stmt get_service = DB_READ("services_get", 1,
	"SELECT service_json(s)::text, s.version FROM services s WHERE s.code = $1");

/* The writable fields as stored, the base a merge patch applies to. */
static struct db_stmt get_writable = DB_READ("services_get_writable", 1,
	"SELECT json_build_object('code', code, 'name_vi', name_vi, 'name_en', name_en,"
	" 'category', category, 'steps', steps, 'translations', translations,"
	" 'status', status)::text AS service, version FROM services WHERE code = $1");

/*
 * The writes call the functions of db/functions/50_services.sql, which ask the languages
 * table, write and record the audit event; their columns are read by name.
 * $1 the service as stored (jsonb), $2-$5 audit actor.
 */
static struct db_stmt create_service = DB_STMT("services_create", 5,
	"SELECT * FROM service_create($1::jsonb, " AUDIT_ACTOR_ROW(2, 3, 4, 5) ")");

/* $1 code, $2 version, $3 the merged service (jsonb), $4-$7 audit actor. */
static struct db_stmt update_service = DB_STMT("services_update", 7,
	"SELECT * FROM service_update($1, $2::int, $3::jsonb, " AUDIT_ACTOR_ROW(4, 5, 6, 7) ")");

/* $1 code, $2 version, $3-$6 audit actor. */
static struct db_stmt delete_service = DB_STMT("services_delete", 6,
	"SELECT * FROM service_delete($1, $2::int, " AUDIT_ACTOR_ROW(3, 4, 5, 6) ")");

/* Reading the catalogue: any role, or a system with any scope at all. */
static int may_read(struct _u_response *resp, const struct req_ctx *ctx)
{
	const struct principal *p = &ctx->principal;
	if (authz_allows(p, ACT_READ_REGISTRY) || (p->kind == PRINCIPAL_CLIENT && p->scopes))
		return 1;
	problem(resp, ctx, 403, "Your role or scopes do not allow this.");
	return 0;
}

/*
 * Steps as stored: every step {instruction, check}, check null when not given. New reference,
 * NULL when memory ran out.
 */
static json_t *stored_steps(const json_t *steps)
{
	json_t *out = json_array();
	size_t i;
	const json_t *s;
	json_array_foreach(steps, i, s)
	{
		const json_t *check = json_object_get(s, "check");
		if (!out || json_array_append_new(out, json_pack("{s:O, s:O}", "instruction",
								 json_object_get(s, "instruction"),
								 "check", check ? check : json_null())) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/*
 * The service as stored, from a checked document: normalised steps. New reference, NULL when
 * memory ran out.
 */
static json_t *stored_service(const json_t *doc)
{
	json_t *out = json_deep_copy(doc);
	if (!out || json_object_set_new(out, "steps", stored_steps(json_object_get(doc, "steps"))) != 0)
		goto fail;
	json_t *translations = json_object_get(out, "translations");
	if (json_is_null(translations))
		json_object_del(out, "translations");
	const char *key;
	json_t *t;
	json_object_foreach(json_object_get(out, "translations"), key, t)
	{
		json_t *steps = json_object_get(t, "steps");
		if (json_is_null(steps))
			json_object_del(t, "steps");
		else if (steps && json_object_set_new(t, "steps", stored_steps(steps)) != 0)
			goto fail;
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

static void list(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	struct page_request page;
	if (!may_read(resp, ctx) || page_request_parse(req, resp, ctx, "services", &page) != 0)
		return;
	json_t *errors = NULL;
	const char *category = query_param(req, "category"), *status = query_param(req, "status");
	const char *q = query_param(req, "q");
	query_check_enum(&errors, "category", category, service_category_values,
			 "must be identity, public_services, payments, health, commerce, skills "
			 "or safety");
	query_check_enum(&errors, "status", status, service_status_values, "must be active or retired");
	if (q && !query_text_ok(q, Q_MAX_CHARS))
		problem_add_error(&errors, "q", "invalid_value",
				  "must be text of at most 100 characters, without control characters");
	if (query_checked(resp, ctx, errors) != 0)
		return;
	const char *params[5] = {page.after[0] ? page.after : NULL, category, status, q,
				 page.limit_text};
	respond_page(resp, ctx, &list_services, params, "services", page.limit);
}

static void get(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *code;
	if (!may_read(resp, ctx) ||
	    !(code = path_param(req, resp, ctx, "code", "service", catalogue_code_is_valid)))
		return;
	const char *params[1] = {code};
	respond_read(resp, ctx, &get_service, params, "service");
}

static void create(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	if (allowed(resp, ctx, ACT_MANAGE_CATALOGUE) != 0)
		return;
	json_t *errors = NULL;
	if (service_check(ctx->body, &errors) != 0) {
		invalid_body(resp, ctx, errors);
		return;
	}
	const char *params[5] = {NULL};
	enum db_status st;
	PGresult *res = write_document(resp, ctx, &create_service, params, 0, 1,
				      stored_service(ctx->body), &st);
	if (res)
		respond_named_outcome(resp, ctx, res, st, 201, "/api/v1/services/", "service");
	PQclear(res);
}

/*
 * A patch's own checks (a body_check): its plain members (unknown, read-only, create-only,
 * null where not allowed, wrong types) by the field table, and steps not null; the rest is
 * checked on the merged service. Returns the number of errors it appended.
 */
static int service_patch_check(const json_t *patch, enum validate_mode mode, json_t **errors,
			       void *out)
{
	(void)out;
	static const char *const own[] = {"steps", "translations", NULL};
	size_t before = json_array_size(*errors);
	validate_body_except(patch, service_fields, mode, own, errors);
	if (json_is_null(json_object_get(patch, "steps")))
		problem_add_error(errors, "/steps", "required", "must not be null");
	return (int)(json_array_size(*errors) - before);
}

static void update(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *code;
	char version[16];
	if (allowed(resp, ctx, ACT_MANAGE_CATALOGUE) != 0 ||
	    !(code = path_param(req, resp, ctx, "code", "service", catalogue_code_is_valid)) ||
	    accept_patch(req, resp, ctx, NULL, service_patch_check, NULL, version) != 0)
		return;
	const char *key[1] = {code};
	json_t *merged = patched_document(resp, ctx, &get_writable, key, "service", "service",
					  version),
	       *errors = NULL;
	if (!merged)
		return;
	if (service_check(merged, &errors) != 0) {
		json_decref(merged);
		invalid_body(resp, ctx, errors);
		return;
	}
	json_t *doc = stored_service(merged);
	json_decref(merged);
	const char *params[7] = {code, version};
	enum db_status st;
	PGresult *res = write_document(resp, ctx, &update_service, params, 2, 3, doc, &st);
	if (res)
		respond_named_outcome(resp, ctx, res, st, 200, NULL, "service");
	PQclear(res);
}

static void delete(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *code;
	char version[16];
	if (allowed(resp, ctx, ACT_MANAGE_CATALOGUE) != 0 ||
	    !(code = path_param(req, resp, ctx, "code", "service", catalogue_code_is_valid)) ||
	    etag_require_if_match(req, resp, ctx, version) != 0)
		return;
	const char *params[6] = {code, version};
	delete_and_answer(resp, ctx, &delete_service, params, 2, version, "service",
			  "Activities refer to this service, and deleting it would break their "
			  "records: retire it instead (PATCH status \"retired\").",
			  NULL);
}

const struct route services_routes[] = {
	{"GET", "/api/v1/services", list, 0},
	{"POST", "/api/v1/services", create, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT},
	{"GET", "/api/v1/services/{code}", get, 0},
	{"PATCH", "/api/v1/services/{code}", update, ROUTE_JSON_BODY},
	{"DELETE", "/api/v1/services/{code}", delete, 0},
	{0},
};
