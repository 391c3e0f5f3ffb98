/*
 * Accounts of systems (OAuth 2.0 clients), admins only: /api/v1/clients. The secret is
 * generated here, shown once in the creation response, and stored as a SHA-256.
 * Deleting a client ends it at once: its tokens stop working on the next request. Disabling
 * one ends every token issued before, also once it is enabled again
 * (accounts_end_tokens_on_disable(), db/functions/70_accounts.sql).
 * Creation takes no Idempotency-Key: replaying the response would mean storing the secret.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "../auth/account_cache.h"
#include "../auth/account_new.h"
#include "../auth/authz.h"
#include "../http/etag.h"
#include "../http/paging.h"
#include "../http/problem.h"
#include "../route.h"
#include "../validate.h"
#include "audit_actor.h"
#include "clients.h"
#include "resource.h"


static const struct field client_fields[] = {
	{"client_id", FIELD_NAME, FIELD_REQUIRED | FIELD_CREATE_ONLY, 0, 0, NULL},
	{"name", FIELD_STRING, FIELD_NULLABLE, 1, 200, NULL},
	{"scopes", FIELD_ENUM_ARRAY, FIELD_REQUIRED, 1, 0, scope_values},
	{"unit_code", FIELD_CODE, FIELD_REQUIRED, 0, 0, NULL},
	{"status", FIELD_ENUM, 0, 0, 0, account_status_values},
	READ_ONLY("id", "client_secret", STAMPS),
};

static struct db_stmt list_clients = DB_READ("clients_list", 3,
	"SELECT client_json(c)::text, c.id::text FROM clients c"
	" WHERE ($1::uuid IS NULL OR c.id > $1::uuid) AND ($2::text IS NULL OR c.status = $2)"
	" ORDER BY c.id LIMIT $3::int");

static struct db_stmt get_client = DB_READ("clients_get", 1,
	"SELECT client_json(c)::text, c.version FROM clients c WHERE c.id = $1::uuid");

static struct db_stmt create_client = DB_STMT("clients_create", 10,
	"SELECT unit_found, taken, id, json, version FROM client_create($1, $2, $3,"
	" ARRAY(SELECT json_array_elements_text($4::json)), $5, $10, "
	AUDIT_ACTOR_SQL(6, 7, 8, 9) ")");

static struct db_stmt update_client = DB_STMT("clients_update", 7,
	"SELECT found, unit_found, json, version FROM client_update($1::uuid, $2::int,"
	" $3::jsonb, " AUDIT_ACTOR_SQL(4, 5, 6, 7) ")");

static struct db_stmt delete_client = DB_STMT("clients_delete", 5,
	"SELECT * FROM client_delete($1::uuid, " AUDIT_ACTOR_ROW(2, 3, 4, 5) ")");

void client_secret_generate(char secret[CLIENT_SECRET_LEN + 1], char hash_hex[65])
{
	unsigned char random[32], digest[crypto_hash_sha256_BYTES];
	randombytes_buf(random, sizeof random);
	sodium_bin2base64(secret, CLIENT_SECRET_LEN + 1, random, sizeof random,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_hash_sha256(digest, (const unsigned char *)secret, strlen(secret));
	sodium_bin2hex(hash_hex, 65, digest, sizeof digest);
}

static int admin_only(struct _u_response *resp, const struct req_ctx *ctx)
{
	return allowed_or_say(resp, ctx, ACT_MANAGE_CLIENTS, "Only administrators manage clients.");
}

static const char *path_id(const struct _u_request *req, struct _u_response *resp,
			   const struct req_ctx *ctx)
{
	return path_uuid(req, resp, ctx, "id", "client");
}

static void list(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	if (admin_only(resp, ctx) != 0)
		return;
	struct page_request page;
	if (page_request_parse(req, resp, ctx, "clients", &page) != 0)
		return;
	const char *status = u_map_get(req->map_url, "status");
	json_t *errors = NULL;
	query_check_enum(&errors, "status", status, account_status_values, "must be active or disabled");
	if (query_checked(resp, ctx, errors) != 0)
		return;
	const char *params[3] = {page.after[0] ? page.after : NULL, status, page.limit_text};
	respond_page(resp, ctx, &list_clients, params, "clients", page.limit);
}

static void get(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	if (admin_only(resp, ctx) != 0 || !(id = path_id(req, resp, ctx)))
		return;
	const char *params[1] = {id};
	respond_read(resp, ctx, &get_client, params, "client");
}

static void create(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	if (admin_only(resp, ctx) != 0)
		return;
	if (accept_body(resp, ctx, client_fields, VALIDATE_CREATE) != 0)
		return;
	char secret[CLIENT_SECRET_LEN + 1], hash[65];
	client_secret_generate(secret, hash);
	char *scopes = json_dumps(json_object_get(ctx->body, "scopes"), JSON_COMPACT);
	if (!scopes) {
		internal_error(resp, ctx);
		return;
	}
	const char *params[10] = {body_string(ctx->body, "client_id"), body_string(ctx->body, "name"),
				  hash, scopes, body_string(ctx->body, "unit_code")};
	audit_actor_params(ctx, params + 5);
	params[9] = body_string(ctx->body, "status");
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &create_client, params, &st);
	free(scopes);
	if (!res)
		return;
	json_t *doc = NULL;
	const char *json = st == DB_OK ? result_value(res, "json") : NULL;
	const char *version = st == DB_OK ? result_value(res, "version") : NULL;
	const char *id = st == DB_OK ? result_value(res, "id") : NULL;
	if (st != DB_OK) {
		write_failed_unexpectedly(resp, ctx, res);
	} else if (!result_true(res, "unit_found")) {
		invalid_field(resp, ctx, "/unit_code", "not_found", "no such unit");
	} else if (result_true(res, "taken")) {
		respond_outcome(resp, ctx, OUTCOME_CONFLICT, "client", "That client_id is taken.");
	} else if (!json || !version || !id) {
		internal_error(resp, ctx);
	} else if (!(doc = json_loads(json, 0, NULL)) ||
		   json_object_set_new(doc, "client_secret", json_string(secret)) != 0) {
		json_decref(doc); /* created, but its secret cannot be shown: delete it, create again */
		internal_error(resp, ctx);
	} else {
		/* the only time the secret is ever shown */
		http_json(resp, 201, doc);
		json_decref(doc);
		etag_set(resp, version);
		http_header(resp, "Cache-Control", "no-store");
		char location[96];
		snprintf(location, sizeof location, "/api/v1/clients/%s", id);
		http_header(resp, "Location", location); /* the body is not the stored JSON */
	}
	sodium_memzero(secret, sizeof secret);
	PQclear(res);
}

static void update(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	if (admin_only(resp, ctx) != 0 || !(id = path_id(req, resp, ctx)))
		return;
	char version[16];
	if (accept_patch(req, resp, ctx, client_fields, NULL, NULL, version) != 0)
		return;
	const char *params[7] = {id, version, NULL};
	enum db_status st;
	PGresult *res = write_document(resp, ctx, &update_client, params, 2, 3,
				       json_incref(ctx->body), &st);
	if (!res)
		return;
	if (st != DB_OK) {
		write_failed_unexpectedly(resp, ctx, res);
	} else if (!result_true(res, "found")) {
		respond_outcome(resp, ctx, OUTCOME_NOT_FOUND, "client", NULL);
	} else if (!result_true(res, "unit_found")) {
		invalid_field(resp, ctx, "/unit_code", "not_found", "no such unit");
	} else {
		account_cache_evict(ctx->env->accounts, "*"); /* this replica at once */
		respond_updated(resp, ctx, res, "client");
	}
	PQclear(res);
}

static void delete(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	const char *id;
	if (admin_only(resp, ctx) != 0 || !(id = path_id(req, resp, ctx)))
		return;
	const char *params[5] = {id};
	enum db_status st;
	PGresult *res = run_write(resp, ctx, &delete_client, params, 1, &st);
	if (!res)
		return;
	if (st != DB_OK) {
		write_failed_unexpectedly(resp, ctx, res);
	} else {
		if (result_true(res, "found"))
			account_cache_evict(ctx->env->accounts, "*"); /* this replica at once */
		respond_deleted(resp, ctx, res, NULL, "client", NULL); /* no If-Match: 204 or 404 */
	}
	PQclear(res);
}

const struct route clients_routes[] = {
	{"GET", "/api/v1/clients", list, 0},
	{"POST", "/api/v1/clients", create, ROUTE_JSON_BODY},
	{"GET", "/api/v1/clients/{id}", get, 0},
	{"PATCH", "/api/v1/clients/{id}", update, ROUTE_JSON_BODY},
	{"DELETE", "/api/v1/clients/{id}", delete, 0},
	{0},
};
