/*
 * Client authentication. The Basic credentials are form-encoded before base64 (RFC 6749
 * §2.3.1): standard clients such as openid-client encode even the characters a client id may
 * hold ("province%2Edashboard"), so both parts are decoded, strictly: anything malformed is an
 * authentication failure, never a guess. Unknown clients, wrong secrets and disabled clients
 * get the same answer after the same work (a constant-time comparison of SHA-256 digests).
 */
#define _GNU_SOURCE
#include "client_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "bearer.h"
#include "throttle.h"

#define CLIENT_ID_MAX 64
#define SECRET_MAX 511

static struct db_stmt client_for_login = DB_READ("token_client_for_login", 1,
	"SELECT " PRINCIPAL_CLIENT_COLUMNS ", c.secret_hash, c.status" PRINCIPAL_CLIENT_FROM
	" WHERE c.client_id = $1");

void oauth_error(struct _u_response *resp, unsigned status, const char *error,
		 const char *description)
{
	json_t *doc = json_pack("{s:s, s:s}", "error", error, "error_description", description);
	http_json(resp, status, doc);
	json_decref(doc);
	http_header(resp, "Cache-Control", "no-store");
	http_header(resp, "Pragma", "no-cache");
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int form_decode(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *c = in; *c; c++) {
		int byte = (unsigned char)*c;
		if (*c == '+') {
			byte = ' ';
		} else if (*c == '%') {
			int hi = hex_value(c[1]), lo = hi < 0 ? -1 : hex_value(c[2]);
			if (hi < 0 || lo < 0)
				return -1;
			byte = hi * 16 + lo;
			c += 2;
		}
		if (byte == 0 || n + 1 >= cap)
			return -1;
		out[n++] = (char)byte;
	}
	out[n] = '\0';
	return 0;
}

static void sha256_hex(const char *text, char out[65])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, (const unsigned char *)text, strlen(text));
	sodium_bin2hex(out, 65, digest, sizeof digest);
}

static void refuse(struct _u_response *resp)
{
	oauth_error(resp, 401, "invalid_client", "Client authentication failed.");
	http_header(resp, "WWW-Authenticate", "Basic realm=\"cdtt\"");
}

int client_authenticate(const struct _u_request *req, const char *body_id,
			const char *body_secret, struct _u_response *resp, struct req_ctx *ctx,
			struct client_account *out)
{
	char id[CLIENT_ID_MAX + 1] = "", secret[SECRET_MAX + 1] = "";
	int plausible = 1, rc = -1;
	PGresult *res = NULL;
	memset(out, 0, sizeof *out);
	if (req->auth_basic_user && req->auth_basic_password) {
		/* too long or malformed: checked like a wrong secret, with nothing to find */
		if (form_decode(req->auth_basic_user, id, sizeof id) ||
		    form_decode(req->auth_basic_password, secret, sizeof secret))
			plausible = 0;
	} else if (body_id && body_secret) {
		plausible = strlen(body_id) <= CLIENT_ID_MAX && strlen(body_secret) <= SECRET_MAX;
		if (plausible) {
			snprintf(id, sizeof id, "%s", body_id);
			snprintf(secret, sizeof secret, "%s", body_secret);
		}
	} else {
		refuse(resp);
		goto out;
	}
	if (!plausible)
		id[0] = secret[0] = '\0';
	if (plausible && !id[0]) {
		refuse(resp);
		goto out;
	}
	char address[64];
	http_client_address(req, address);
	if (login_throttled(ctx, resp, LOGIN_CLIENT, id, address))
		goto out;
	const char *params[1] = {id};
	enum db_status st;
	res = request_query(ctx, resp, &client_for_login, params, &st);
	if (!res)
		goto out;
	int found = st == DB_OK && PQntuples(res) == 1 && plausible;
	char given[65], stored[65] = "0000000000000000000000000000000000000000000000000000000000000000";
	sha256_hex(secret, given);
	if (found)
		snprintf(stored, sizeof stored, "%s", db_value(res, 0, "secret_hash"));
	int ok = sodium_memcmp(given, stored, 64) == 0 && found &&
		 !strcmp(db_value(res, 0, "status"), "active");
	if (!ok) {
		if (login_failed(ctx, resp, LOGIN_CLIENT, id, address) == 0)
			refuse(resp);
		goto out;
	}
	principal_from_row(&out->p, PRINCIPAL_CLIENT, res);
	snprintf(out->scopes, sizeof out->scopes, "%s", db_value(res, 0, "grants"));
	out->valid_after = principal_valid_after(res);
	if (login_succeeded(ctx, resp, LOGIN_CLIENT, id, address))
		goto out;
	rc = 0;
out:
	PQclear(res);
	sodium_memzero(secret, sizeof secret);
	return rc;
}
