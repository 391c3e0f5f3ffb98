/*
 * Asymmetric signing (RS256 with CDTT_JWT_KEY_FILE, its public key in the JWKS) and a trusted
 * external identity provider (ES256): algorithm confusion with the published public key is
 * refused, and the provider's tokens map to cdtt accounts by preferred_username.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "interop.h"
#include "suites.h"
#include "world.h"

#define IDP_ISSUER "https://sso.example.gov.vn"

static struct world w;
static char dir[64];
static char key_var[128], idp_key_var[128];

static void sh(const char *cmd)
{
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	char *buf = calloc(1, 16384);
	*len = fread(buf, 1, 16383, f);
	fclose(f);
	return buf;
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/cdtt-keys-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char cmd[512];
	snprintf(cmd, sizeof cmd,
		 "cd %s && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rs.pem 2>/dev/null"
		 " && openssl pkey -in rs.pem -pubout -out rs.pub.pem"
		 " && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out idp.pem 2>/dev/null"
		 " && openssl pkey -in idp.pem -pubout -out idp.pub.pem"
		 " && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out rogue.pem 2>/dev/null"
		 " && chmod 644 *.pem",
		 dir);
	sh(cmd);
	snprintf(key_var, sizeof key_var, "CDTT_JWT_KEY_FILE=%s/rs.pem", dir);
	snprintf(idp_key_var, sizeof idp_key_var, "CDTT_TRUSTED_ISSUER_KEY_FILE=%s/idp.pub.pem", dir);
	const char *env[] = {key_var, "CDTT_TRUSTED_ISSUER=" IDP_ISSUER, idp_key_var,
			     "CDTT_TRUSTED_AUDIENCE=cdtt", NULL};
	world_create(&w, env);
}

static void teardown(void)
{
	world_destroy(&w);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	sh(cmd);
}

static char *sign(jwt_alg_t alg, const char *key_file, json_t *claims)
{
	size_t len;
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, key_file);
	char *key = slurp(path, &len);
	jwt_t *jwt = NULL;
	char *grants = json_dumps(claims, JSON_COMPACT);
	ck_assert_int_eq(jwt_new(&jwt), 0);
	ck_assert_int_eq(jwt_add_grants_json(jwt, grants), 0);
	ck_assert_int_eq(jwt_set_alg(jwt, alg, (unsigned char *)key, (int)len), 0);
	char *token = jwt_encode_str(jwt);
	ck_assert_ptr_nonnull(token);
	jwt_free(jwt);
	free(grants);
	free(key);
	json_decref(claims);
	return token;
}

static json_t *idp_claims(const char *iss, const char *aud, const char *username)
{
	long now = (long)time(NULL);
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "iss", iss, "aud", aud, "sub",
			 "3f1c9a52-external", "preferred_username", username, "iat",
			 (json_int_t)now, "exp", (json_int_t)(now + 300));
}

static long me_status(const char *token, char **body)
{
	struct http_response r;
	world_call(&r, &w, "GET", "/api/v1/me", token, NULL, NULL);
	long status = r.status;
	if (body)
		*body = strdup(r.body);
	http_response_free(&r);
	return status;
}

START_TEST(test_rs256_tokens_and_the_jwks)
{
	struct http_response r;
	http_get(&r, w.server.port, "/.well-known/jwks.json");
	ck_assert_int_eq(r.status, 200);
	json_t *jwks = json_loads(r.body, 0, NULL);
	json_t *key = json_array_get(json_object_get(jwks, "keys"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(key, "kty")), "RSA");
	ck_assert_str_eq(json_string_value(json_object_get(key, "alg")), "RS256");
	const char *kid = json_string_value(json_object_get(key, "kid"));
	ck_assert_ptr_nonnull(kid);
	ck_assert_ptr_null(json_object_get(key, "d")); /* never the private part */
	/* our tokens name that key: read the header (the first segment) */
	char header_b64[512], header[512];
	size_t n = strcspn(w.admin, ".");
	ck_assert_uint_lt(n, sizeof header_b64);
	memcpy(header_b64, w.admin, n);
	header_b64[n] = '\0';
	size_t len = 0;
	ck_assert_int_eq(sodium_base642bin((unsigned char *)header, sizeof header - 1, header_b64, n,
					   NULL, &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
			 0);
	header[len] = '\0';
	json_t *h = json_loads(header, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(h, "kid")), kid);
	ck_assert_str_eq(json_string_value(json_object_get(h, "alg")), "RS256");
	json_decref(h);
	json_decref(jwks);
	http_response_free(&r);
	ck_assert_int_eq(me_status(w.admin, NULL), 200);
}
END_TEST

START_TEST(test_hs256_token_signed_with_the_public_key_is_401)
{
	long now = (long)time(NULL);
	json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "iss", "cdtt", "aud", "cdtt-api",
			      "sub", w.admin_id, "iat", (json_int_t)now, "nbf", (json_int_t)now,
			      "exp", (json_int_t)(now + 600));
	char *token = sign(JWT_ALG_HS256, "rs.pub.pem", c);
	ck_assert_int_eq(me_status(token, NULL), 401);
	free(token);
}
END_TEST

START_TEST(test_trusted_provider_token_maps_to_the_account)
{
	char *token = sign(JWT_ALG_ES256, "idp.pem", idp_claims(IDP_ISSUER, "cdtt", "Officer.TQ"));
	char *body;
	ck_assert_int_eq(me_status(token, &body), 200);
	ck_assert_str_eq(json_field(body, "username"), "officer.tq");
	ck_assert_str_eq(json_field(body, "role"), "officer");
	free(body);
	free(token);
}
END_TEST

START_TEST(test_trusted_provider_tokens_that_do_not_fit_are_401)
{
	char *t;
	t = sign(JWT_ALG_ES256, "idp.pem", idp_claims(IDP_ISSUER, "someone-else", "officer.tq"));
	ck_assert_int_eq(me_status(t, NULL), 401);
	free(t);
	t = sign(JWT_ALG_ES256, "idp.pem", idp_claims("https://evil.example.com", "cdtt", "officer.tq"));
	ck_assert_int_eq(me_status(t, NULL), 401);
	free(t);
	t = sign(JWT_ALG_ES256, "idp.pem", idp_claims(IDP_ISSUER, "cdtt", "no.such.user"));
	ck_assert_int_eq(me_status(t, NULL), 401);
	free(t);
	t = sign(JWT_ALG_ES256, "rogue.pem", idp_claims(IDP_ISSUER, "cdtt", "officer.tq"));
	ck_assert_int_eq(me_status(t, NULL), 401);
	free(t);
	t = sign(JWT_ALG_HS256, "idp.pub.pem", idp_claims(IDP_ISSUER, "cdtt", "officer.tq"));
	ck_assert_int_eq(me_status(t, NULL), 401);
	free(t);
	/* the provider cannot speak as our issuer either */
	long now = (long)time(NULL);
	json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "iss", "cdtt", "aud", "cdtt-api",
			      "sub", w.admin_id, "iat", (json_int_t)now, "nbf", (json_int_t)now,
			      "exp", (json_int_t)(now + 600));
	t = sign(JWT_ALG_ES256, "idp.pem", c);
	ck_assert_int_eq(me_status(t, NULL), 401);
	free(t);
}
END_TEST

START_TEST(test_public_key_as_signing_key_stops_start_up)
{
	char var[600], bad_key[160];
	snprintf(var, sizeof var, "CDTT_DATABASE_URL=%s", w.url);
	snprintf(bad_key, sizeof bad_key, "CDTT_JWT_KEY_FILE=%s/rs.pub.pem", dir);
	const char *env[] = {var, bad_key, "CDTT_LISTEN=127.0.0.1:1", NULL};
	const char *args[] = {"serve", NULL};
	struct proc p = {0};
	proc_spawn(&p, env, args);
	ck_assert_int_eq(proc_wait(&p, 10000), 2);
	char *out = proc_output(&p);
	ck_assert_msg(strstr(out, "CDTT_JWT_KEY_FILE"), "%s", out);
	free(out);
}
END_TEST

/* The header of a compact JWS, decoded (a new reference). */
static json_t *token_header(const char *token)
{
	char b64[512], text[512];
	size_t n = strcspn(token, "."), len = 0;
	ck_assert_uint_lt(n, sizeof b64);
	memcpy(b64, token, n);
	b64[n] = '\0';
	ck_assert_int_eq(sodium_base642bin((unsigned char *)text, sizeof text - 1, b64, n, NULL, &len,
					   NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
			 0);
	text[len] = '\0';
	json_t *h = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(h);
	return h;
}

/* `cdtt serve` with env must stop at start-up (exit 2) naming variable. */
static void assert_start_up_refused(const char *const *env, const char *variable)
{
	const char *args[] = {"serve", NULL};
	struct proc p = {0};
	proc_spawn(&p, env, args);
	ck_assert_int_eq(proc_wait(&p, 10000), 2);
	char *out = proc_output(&p);
	ck_assert_msg(strstr(out, variable), "%s", out);
	free(out);
}

/* A new EC key in dir/new.pem. */
static void new_key_file(void)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd,
		 "cd %s && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256"
		 " -out new.pem 2>/dev/null && chmod 644 new.pem",
		 dir);
	sh(cmd);
}

/* A replica of w started with a new key, the old one (dir/rs.pem) as previous, and the old
 * key's kid as the running server publishes it. Stop it with serve_stop(&rotated->server). */
static void start_rotated(struct world *rotated, char old_kid[64])
{
	new_key_file();
	struct http_response r;
	http_get(&r, w.server.port, "/.well-known/jwks.json");
	json_t *jwks = json_loads(r.body, 0, NULL);
	snprintf(old_kid, 64, "%s",
		 json_string_value(json_object_get(json_array_get(json_object_get(jwks, "keys"), 0),
						   "kid")));
	json_decref(jwks);
	http_response_free(&r);
	static char new_key[160], previous_key[160];
	snprintf(new_key, sizeof new_key, "CDTT_JWT_KEY_FILE=%s/new.pem", dir);
	snprintf(previous_key, sizeof previous_key, "CDTT_JWT_PREVIOUS_KEY_FILE=%s/rs.pem", dir);
	const char *env[] = {new_key, previous_key, NULL};
	*rotated = w;
	serve_start(&rotated->server, w.url, env);
}

/* The published keys of a server (json_decref them). */
static json_t *published_keys(const struct world *s)
{
	struct http_response r;
	http_get(&r, s->server.port, "/.well-known/jwks.json");
	ck_assert_int_eq(r.status, 200);
	json_t *jwks = json_loads(r.body, 0, NULL);
	http_response_free(&r);
	return jwks;
}

START_TEST(test_a_rotated_server_publishes_the_new_key_then_the_previous)
{
	struct world rotated;
	char old_kid[64];
	start_rotated(&rotated, old_kid);
	json_t *jwks = published_keys(&rotated);
	json_t *keys = json_object_get(jwks, "keys");
	ck_assert_uint_eq(json_array_size(keys), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(keys, 0), "alg")), "ES256");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(keys, 1), "kid")), old_kid);
	ck_assert_ptr_null(json_object_get(json_array_get(keys, 1), "d"));
	json_decref(jwks);
	ck_assert_int_eq(serve_stop(&rotated.server), 0);
}
END_TEST

START_TEST(test_a_rotated_server_accepts_a_token_of_the_previous_key)
{
	struct world rotated;
	char old_kid[64];
	start_rotated(&rotated, old_kid);
	struct http_response r;
	world_call(&r, &rotated, "GET", "/api/v1/me", w.admin, NULL, NULL);
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	ck_assert_int_eq(serve_stop(&rotated.server), 0);
}
END_TEST

START_TEST(test_a_rotated_server_signs_new_tokens_with_the_new_key)
{
	struct world rotated;
	char old_kid[64];
	start_rotated(&rotated, old_kid);
	json_t *jwks = published_keys(&rotated);
	const char *new_kid = json_string_value(
		json_object_get(json_array_get(json_object_get(jwks, "keys"), 0), "kid"));
	char *fresh = world_login(&rotated, "officer.tq", WORLD_PASSWORD);
	json_t *h = token_header(fresh);
	ck_assert_str_eq(json_string_value(json_object_get(h, "kid")), new_kid);
	ck_assert_str_eq(json_string_value(json_object_get(h, "alg")), "ES256");
	json_decref(h);
	struct http_response r;
	world_call(&r, &rotated, "GET", "/api/v1/me", fresh, NULL, NULL);
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	json_decref(jwks);
	free(fresh);
	ck_assert_int_eq(serve_stop(&rotated.server), 0);
}
END_TEST

START_TEST(test_a_server_without_the_new_key_refuses_its_tokens)
{
	/* nothing is guessed: a replica that does not have the new key yet does not accept it */
	struct world rotated;
	char old_kid[64];
	start_rotated(&rotated, old_kid);
	char *fresh = world_login(&rotated, "officer.tq", WORLD_PASSWORD);
	ck_assert_int_eq(me_status(fresh, NULL), 401);
	free(fresh);
	ck_assert_int_eq(serve_stop(&rotated.server), 0);
}
END_TEST

START_TEST(test_an_independent_verifier_checks_tokens_of_both_keys)
{
	/* the jose package, against the published JWKS */
	static const char *const packages[] = {"jose", NULL};
	if (!interop_available("jose", packages))
		return;
	struct world rotated;
	char old_kid[64];
	start_rotated(&rotated, old_kid);
	char *fresh = world_login(&rotated, "officer.tq", WORLD_PASSWORD);
	char url[64], tokens[8192];
	snprintf(url, sizeof url, "CDTT_URL=http://127.0.0.1:%d", rotated.server.port);
	snprintf(tokens, sizeof tokens, "CDTT_TOKENS=%s %s", w.admin, fresh);
	const char *node_env[] = {url, "CDTT_ISSUER=cdtt", "CDTT_AUDIENCE=cdtt-api", tokens, NULL};
	char *out;
	int rc = interop_run("jose_verify.mjs", node_env, &out);
	ck_assert_msg(rc == 0, "jose: %s", out);
	printf("%s", out);
	fflush(stdout);
	free(out);
	free(fresh);
	ck_assert_int_eq(serve_stop(&rotated.server), 0);
}
END_TEST

START_TEST(test_the_previous_key_cannot_be_the_signing_key)
{
	new_key_file();
	char var[600], new_key[160], previous_key[160];
	snprintf(var, sizeof var, "CDTT_DATABASE_URL=%s", w.url);
	snprintf(new_key, sizeof new_key, "CDTT_JWT_KEY_FILE=%s/new.pem", dir);
	snprintf(previous_key, sizeof previous_key, "CDTT_JWT_PREVIOUS_KEY_FILE=%s/new.pem", dir);
	const char *same[] = {var, new_key, previous_key, "CDTT_LISTEN=127.0.0.1:1", NULL};
	assert_start_up_refused(same, "CDTT_JWT_PREVIOUS_KEY_FILE");
}
END_TEST

START_TEST(test_an_https_issuer_gives_absolute_metadata_urls)
{
	const char *env[] = {key_var, "CDTT_JWT_ISSUER=https://cdtt.example.gov.vn/", NULL};
	struct world https = w;
	serve_start(&https.server, w.url, env);
	struct http_response r;
	http_get(&r, https.server.port, "/.well-known/openid-configuration");
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "issuer"), "https://cdtt.example.gov.vn/");
	ck_assert_str_eq(json_field(r.body, "token_endpoint"),
			 "https://cdtt.example.gov.vn/api/v1/auth/token");
	ck_assert_str_eq(json_field(r.body, "jwks_uri"),
			 "https://cdtt.example.gov.vn/.well-known/jwks.json");
	ck_assert_str_eq(json_field(r.body, "introspection_endpoint"),
			 "https://cdtt.example.gov.vn/api/v1/auth/introspect");
	http_response_free(&r);
	char *token = world_login(&https, "officer.tq", WORLD_PASSWORD);
	world_call(&r, &https, "GET", "/api/v1/me", token, NULL, NULL);
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	free(token);
	ck_assert_int_eq(serve_stop(&https.server), 0);

	/* an issuer URL must be https (plain http only on this machine), without query */
	char var[600];
	snprintf(var, sizeof var, "CDTT_DATABASE_URL=%s", w.url);
	static const char *const bad[] = {"CDTT_JWT_ISSUER=http://cdtt.example.gov.vn",
					  "CDTT_JWT_ISSUER=https://cdtt.example.gov.vn/?x=1",
					  "CDTT_JWT_ISSUER=ftp://cdtt.example.gov.vn"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *bad_env[] = {var, key_var, bad[i], "CDTT_LISTEN=127.0.0.1:1", NULL};
		assert_start_up_refused(bad_env, "CDTT_JWT_ISSUER");
	}
}
END_TEST

Suite *keys_auth_suite(void)
{
	Suite *s = suite_create("keys");
	TCase *tc = tcase_create("asymmetric");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rs256_tokens_and_the_jwks);
	tcase_add_test(tc, test_hs256_token_signed_with_the_public_key_is_401);
	tcase_add_test(tc, test_trusted_provider_token_maps_to_the_account);
	tcase_add_test(tc, test_trusted_provider_tokens_that_do_not_fit_are_401);
	tcase_add_test(tc, test_public_key_as_signing_key_stops_start_up);
	tcase_add_test(tc, test_a_rotated_server_publishes_the_new_key_then_the_previous);
	tcase_add_test(tc, test_a_rotated_server_accepts_a_token_of_the_previous_key);
	tcase_add_test(tc, test_a_rotated_server_signs_new_tokens_with_the_new_key);
	tcase_add_test(tc, test_a_server_without_the_new_key_refuses_its_tokens);
	tcase_add_test(tc, test_an_independent_verifier_checks_tokens_of_both_keys);
	tcase_add_test(tc, test_the_previous_key_cannot_be_the_signing_key);
	tcase_add_test(tc, test_an_https_issuer_gives_absolute_metadata_urls);
	suite_add_tcase(s, tc);
	return s;
}
