#include "idempotency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "../validate.h"
#include "problem.h"

static struct db_stmt claim_key = {
	.name = "idempotency_claim",
	.sql = "INSERT INTO idempotency_keys (principal_id, key, request_hash)"
	       " VALUES ($1::uuid, $2, $3)"
	       " ON CONFLICT (principal_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
	       "  status = NULL, body = NULL, location = NULL, etag = NULL, created_at = now()"
	       "  WHERE idempotency_keys.created_at < now() - interval '24 hours'"
	       " RETURNING 1",
	.nparams = 3,
};

static struct db_stmt read_key = {
	.name = "idempotency_read",
	.sql = "SELECT request_hash, status, body, location, etag FROM idempotency_keys"
	       " WHERE principal_id = $1::uuid AND key = $2",
	.nparams = 2,
	.readonly = 1,
};

static struct db_stmt store_key = {
	.name = "idempotency_store",
	.sql = "UPDATE idempotency_keys SET status = $3::int, body = $4, location = $5, etag = $6"
	       " WHERE principal_id = $1::uuid AND key = $2",
	.nparams = 6,
};

static struct db_stmt forget_key = {
	.name = "idempotency_forget",
	.sql = "DELETE FROM idempotency_keys WHERE principal_id = $1::uuid AND key = $2",
	.nparams = 2,
};

static const char *key_of(const struct _u_request *req)
{
	return http_request_header(req, "Idempotency-Key");
}

static void request_hash(const struct _u_request *req, char out[65])
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)req->http_verb, strlen(req->http_verb));
	crypto_hash_sha256_update(&st, (const unsigned char *)" ", 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)req->http_url, strlen(req->http_url));
	crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
	if (req->binary_body_length)
		crypto_hash_sha256_update(&st, req->binary_body, req->binary_body_length);
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(out, 65, digest, sizeof digest);
}

static void replay(struct _u_response *resp, const PGresult *res)
{
	unsigned status = (unsigned)atoi(PQgetvalue(res, 0, 1));
	ulfius_set_binary_body_response(resp, status, PQgetvalue(res, 0, 2),
					(size_t)PQgetlength(res, 0, 2));
	http_header(resp, "Content-Type",
		    status >= 400 ? "application/problem+json" : "application/json");
	if (!PQgetisnull(res, 0, 3))
		http_header(resp, "Location", PQgetvalue(res, 0, 3));
	if (!PQgetisnull(res, 0, 4))
		http_header(resp, "ETag", PQgetvalue(res, 0, 4));
	http_header(resp, "Idempotent-Replayed", "true");
}

enum idempotency_outcome idempotency_begin(const struct _u_request *req,
					   struct _u_response *resp, struct req_ctx *ctx)
{
	const char *key = key_of(req);
	if (!key || ctx->principal.kind == PRINCIPAL_NONE)
		return IDEMPOTENCY_NONE;
	if (!*key || strlen(key) > 255 || !text_is_clean(key, 0)) {
		problem(resp, ctx, 400, "Idempotency-Key must be 1-255 printable characters.");
		return IDEMPOTENCY_ANSWERED;
	}
	char hash[65];
	request_hash(req, hash);
	const char *params[3] = {ctx->principal.id, key, hash};
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &claim_key, params, &st);
	if (!res)
		return IDEMPOTENCY_ANSWERED;
	int claimed = st == DB_OK && PQntuples(res) == 1;
	PQclear(res);
	if (st != DB_OK) {
		problem(resp, ctx, 500, NULL);
		return IDEMPOTENCY_ANSWERED;
	}
	if (claimed)
		return IDEMPOTENCY_FIRST;
	res = request_query(ctx, resp, &read_key, params, &st);
	if (!res)
		return IDEMPOTENCY_ANSWERED;
	if (st != DB_OK || PQntuples(res) != 1)
		problem(resp, ctx, 409, "A request with this Idempotency-Key is being answered.");
	else if (strcmp(PQgetvalue(res, 0, 0), hash) != 0)
		problem(resp, ctx, 422,
			"This Idempotency-Key was used for a different request; use a new key.");
	else if (PQgetisnull(res, 0, 1))
		problem(resp, ctx, 409, "A request with this Idempotency-Key is being answered.");
	else
		replay(resp, res);
	PQclear(res);
	return IDEMPOTENCY_ANSWERED;
}

void idempotency_finish(const struct _u_request *req, struct _u_response *resp,
			struct req_ctx *ctx)
{
	const char *key = key_of(req);
	enum db_status st;
	PGresult *res;
	if (resp->status >= 500) {
		const char *params[2] = {ctx->principal.id, key};
		res = request_query(ctx, resp, &forget_key, params, &st);
	} else {
		char status[24], *body = malloc(resp->binary_body_length + 1);
		if (!body)
			return;
		memcpy(body, resp->binary_body, resp->binary_body_length);
		body[resp->binary_body_length] = '\0';
		snprintf(status, sizeof status, "%ld", resp->status);
		const char *params[6] = {ctx->principal.id, key, status, body,
					 u_map_get(resp->map_header, "Location"),
					 u_map_get(resp->map_header, "ETag")};
		res = request_query(ctx, resp, &store_key, params, &st);
		free(body);
	}
	PQclear(res);
}
