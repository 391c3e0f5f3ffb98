/*
 * The token endpoint and bearer verification, attacked: every malformed, forged, expired or
 * misdirected token answers 401 with WWW-Authenticate and says nothing about which check
 * failed; logins are throttled; the grants follow RFC 6749.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <jwt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "interop.h"
#include "suites.h"
#include "world.h"

static struct world w;

WORLD_FIXTURE(w, NULL)

/* Signs claims with alg and key (NULL/0 for "none"); malloc'd token. */
static char *forge(jwt_alg_t alg, const void *key, size_t key_len, json_t *claims)
{
	jwt_t *jwt = NULL;
	char *grants = json_dumps(claims, JSON_COMPACT);
	ck_assert_int_eq(jwt_new(&jwt), 0);
	ck_assert_int_eq(jwt_add_grants_json(jwt, grants), 0);
	ck_assert_int_eq(jwt_set_alg(jwt, alg, key, (int)key_len), 0);
	char *token = jwt_encode_str(jwt);
	jwt_free(jwt);
	free(grants);
	json_decref(claims);
	return token;
}

/* Claims the server would accept for the admin, with the given overrides. */
static json_t *claims(const char *sub, const char *iss, const char *aud, long nbf_offset,
		      long exp_offset)
{
	long now = (long)time(NULL);
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s}", "iss", iss, "aud", aud, "sub",
			 sub, "iat", (json_int_t)now, "nbf", (json_int_t)(now + nbf_offset), "exp",
			 (json_int_t)(now + exp_offset), "jti", "test", "role", "admin");
}

static char *secret_token(json_t *c)
{
	return forge(JWT_ALG_HS256, TEST_JWT_SECRET, strlen(TEST_JWT_SECRET), c);
}

/* GET /api/v1/me with this Authorization header value must answer 401 invalid_token. */
static void assert_rejected(const char *authorization)
{
	char header[9000];
	snprintf(header, sizeof header, "Authorization: %s", authorization);
	const char *h[] = {header, NULL};
	struct http_response r;
	http_request(&r, "GET", w.server.port, "/api/v1/me", h, NULL, 0);
	assert_problem(&r, 401);
	char *www = http_header_value(&r, "WWW-Authenticate");
	ck_assert_msg(www && strstr(www, "Bearer") && strstr(www, "error=\"invalid_token\""), "%s", www);
	free(www);
	/* the same words whatever failed */
	assert_problem_says(&r, "The access token is invalid or expired");
	http_response_free(&r);
}

static void assert_token_rejected(char *token)
{
	char header[8800];
	snprintf(header, sizeof header, "Bearer %s", token);
	assert_rejected(header);
	free(token);
}

static long post_token(const char *content_type, const char *body, char **out_body);

/* Forgets every failed login and counted address, so tests do not make each other wait. */
static void forget_failures(void)
{
	db_exec_ok(w.url, "DELETE FROM login_throttle; DELETE FROM login_address_failures");
}

START_TEST(test_missing_authorization_is_401_with_bearer_challenge)
{
	struct http_response r;
	http_get(&r, w.server.port, "/api/v1/me");
	assert_problem(&r, 401);
	char *www = http_header_value(&r, "WWW-Authenticate");
	ck_assert_str_eq(www, "Bearer realm=\"cdtt\"");
	free(www);
	http_response_free(&r);
}
END_TEST

START_TEST(test_garbage_and_truncated_tokens_are_401)
{
	assert_rejected("Bearer garbage");
	assert_rejected("Bearer ");
	assert_rejected("Basic YWRtaW46cGFzc3dvcmQ=");
	assert_rejected("Bearer a.b.c");
	char truncated[4096];
	snprintf(truncated, sizeof truncated, "Bearer %s", w.admin);
	truncated[strlen(truncated) - 10] = '\0';
	assert_rejected(truncated);
	char huge[8700];
	memset(huge, 'A', sizeof huge - 1);
	memcpy(huge, "Bearer ", 7);
	huge[sizeof huge - 1] = '\0';
	assert_rejected(huge);
}
END_TEST

START_TEST(test_valid_token_reaches_the_endpoint)
{
	struct http_response r;
	world_call(&r, &w, "GET", "/api/v1/me", w.admin, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "username"), "admin");
	http_response_free(&r);
	/* a token we forge with the right secret and claims works too: the checks below fail
	 * for their own reason only */
	char *token = secret_token(claims(w.admin_id, "cdtt", "cdtt-api", 0, 600));
	world_call(&r, &w, "GET", "/api/v1/me", token, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	free(token);
}
END_TEST

START_TEST(test_wrong_signature_is_401)
{
	const char *other = "another-secret-0123456789abcdef-0123456789";
	assert_token_rejected(
		forge(JWT_ALG_HS256, other, strlen(other), claims(w.admin_id, "cdtt", "cdtt-api", 0, 600)));
	/* same secret, other algorithm */
	assert_token_rejected(forge(JWT_ALG_HS512, TEST_JWT_SECRET, strlen(TEST_JWT_SECRET),
				    claims(w.admin_id, "cdtt", "cdtt-api", 0, 600)));
}
END_TEST

START_TEST(test_expired_token_is_401_beyond_60_seconds_leeway)
{
	assert_token_rejected(secret_token(claims(w.admin_id, "cdtt", "cdtt-api", -3600, -120)));
	char *token = secret_token(claims(w.admin_id, "cdtt", "cdtt-api", -3600, -30));
	struct http_response r;
	world_call(&r, &w, "GET", "/api/v1/me", token, NULL, NULL);
	ck_assert_int_eq(r.status, 200); /* within the leeway */
	http_response_free(&r);
	free(token);
}
END_TEST

/* A token accepted once (and kept, verified, by the server) still ends at its exp. */
START_TEST(test_an_accepted_token_still_expires)
{
	char *token = secret_token(claims(w.admin_id, "cdtt", "cdtt-api", -3600, -58));
	struct http_response r;
	world_call(&r, &w, "GET", "/api/v1/me", token, NULL, NULL);
	ck_assert_int_eq(r.status, 200); /* 2 s of leeway left */
	http_response_free(&r);
	sleep(3);
	world_get_refused(&w, "/api/v1/me", token, 401);
	free(token);
	/* times at the ends of what JSON integers hold are compared without overflow */
	json_t *c = claims(w.admin_id, "cdtt", "cdtt-api", 0, 600);
	json_object_set_new(c, "exp", json_integer(LLONG_MAX));
	json_object_set_new(c, "nbf", json_integer(LLONG_MIN));
	token = secret_token(c);
	for (int i = 0; i < 2; i++) {
		world_call(&r, &w, "GET", "/api/v1/me", token, NULL, NULL);
		ck_assert_int_eq(r.status, 200);
		http_response_free(&r);
	}
	free(token);
}
END_TEST

START_TEST(test_token_not_yet_valid_is_401)
{
	assert_token_rejected(secret_token(claims(w.admin_id, "cdtt", "cdtt-api", 300, 900)));
}
END_TEST

START_TEST(test_wrong_issuer_or_audience_is_401)
{
	assert_token_rejected(secret_token(claims(w.admin_id, "someone-else", "cdtt-api", 0, 600)));
	assert_token_rejected(secret_token(claims(w.admin_id, "cdtt", "other-api", 0, 600)));
}
END_TEST

START_TEST(test_missing_or_malformed_claims_are_401)
{
	json_t *c = claims(w.admin_id, "cdtt", "cdtt-api", 0, 600);
	json_object_del(c, "exp");
	assert_token_rejected(secret_token(c));
	c = claims(w.admin_id, "cdtt", "cdtt-api", 0, 600);
	json_object_set_new(c, "exp", json_string("tomorrow"));
	assert_token_rejected(secret_token(c));
	assert_token_rejected(secret_token(claims("not-a-uuid'; DROP TABLE users;--", "cdtt", "cdtt-api", 0, 600)));
	assert_token_rejected(
		secret_token(claims("00000000-0000-4000-8000-000000000000", "cdtt", "cdtt-api", 0, 600)));
	ck_assert_int_eq(world_count(&w, "users"), 5);
}
END_TEST

START_TEST(test_alg_none_is_401)
{
	assert_token_rejected(forge(JWT_ALG_NONE, NULL, 0, claims(w.admin_id, "cdtt", "cdtt-api", 0, 600)));
	/* hand-made: {"alg":"none","typ":"JWT"}, valid claims, an empty signature */
	json_t *c = claims(w.admin_id, "cdtt", "cdtt-api", 0, 600);
	char *payload = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	char b64[2048], header[2600];
	sodium_bin2base64(b64, sizeof b64, (const unsigned char *)payload, strlen(payload),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(payload);
	snprintf(header, sizeof header, "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.%s.", b64);
	assert_rejected(header);
	/* and the same with the signature of a real token appended */
	snprintf(header, sizeof header, "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.%s.%s", b64,
		 strrchr(w.admin, '.') + 1);
	assert_rejected(header);
}
END_TEST

START_TEST(test_disabled_user_token_stops_working_at_once)
{
	const char *id = world_add_user(&w, "soon.disabled", "viewer", "TQ", NULL);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/users/%s", id);
	char *token = world_login(&w, "soon.disabled", WORLD_PASSWORD);
	struct http_response r;
	world_call(&r, &w, "GET", "/api/v1/me", token, NULL, NULL); /* now cached */
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	/* disabled through the API: the very next request is refused */
	world_call_if_match(&r, &w, "PATCH", path, w.admin, "{\"status\":\"disabled\"}", "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	char header[4200];
	snprintf(header, sizeof header, "Bearer %s", token);
	assert_rejected(header);
	free(token);
}
END_TEST

START_TEST(test_an_account_changed_by_another_hand_stops_within_a_moment)
{
	/* a change made outside this process (another replica, an operator's SQL) arrives by
	 * PostgreSQL's NOTIFY: within milliseconds; allow a second for a loaded machine */
	world_add_user(&w, "elsewhere.disabled", "viewer", "TQ", NULL);
	char *token = world_login(&w, "elsewhere.disabled", WORLD_PASSWORD);
	struct http_response r;
	world_call(&r, &w, "GET", "/api/v1/me", token, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	db_exec_ok(w.url, "UPDATE users SET status = 'disabled' WHERE username = 'elsewhere.disabled'");
	long status = 200;
	for (int i = 0; i < 100 && status == 200; i++) {
		usleep(10000);
		world_call(&r, &w, "GET", "/api/v1/me", token, NULL, NULL);
		status = r.status;
		http_response_free(&r);
	}
	ck_assert_int_eq(status, 401);
	free(token);
}
END_TEST

START_TEST(test_enabling_an_account_again_does_not_revive_its_old_tokens)
{
	const char *id = world_add_user(&w, "re.enabled", "viewer", "TQ", NULL);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/users/%s", id);
	char *old = world_login(&w, "re.enabled", WORLD_PASSWORD);
	struct http_response r;
	world_call(&r, &w, "GET", "/api/v1/me", old, NULL, NULL); /* now in both caches */
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", path, w.admin, "{\"status\":\"disabled\"}", "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", path, w.admin, "{\"status\":\"active\"}", "2");
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	/* within the same second as all of the above: the old token is over, a new one works */
	char header[4200];
	snprintf(header, sizeof header, "Bearer %s", old);
	assert_rejected(header);
	char *fresh = world_login(&w, "re.enabled", WORLD_PASSWORD);
	world_call(&r, &w, "GET", "/api/v1/me", fresh, NULL, NULL);
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	/* a change made by other hands (SQL, another replica) is no different */
	db_exec_ok(w.url, "UPDATE users SET status = 'disabled' WHERE username = 're.enabled'");
	db_exec_ok(w.url, "UPDATE users SET status = 'active' WHERE username = 're.enabled'");
	snprintf(header, sizeof header, "Bearer %s", fresh);
	ck_assert(world_read_becomes(&w, "/api/v1/me", fresh, 401, NULL, NULL));
	free(old);
	free(fresh);
}
END_TEST

START_TEST(test_enabling_a_client_again_does_not_revive_its_old_tokens)
{
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/clients", w.admin,
		   "{\"client_id\":\"re.enabled.client\",\"scopes\":[\"registry:read\"],"
		   "\"unit_code\":\"TQ\"}",
		   NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	char form[256], path[80];
	snprintf(form, sizeof form,
		 "grant_type=client_credentials&client_id=re.enabled.client&client_secret=%s",
		 json_field(r.body, "client_secret"));
	snprintf(path, sizeof path, "/api/v1/clients/%s", json_field(r.body, "id"));
	http_response_free(&r);
	char *answer;
	ck_assert_int_eq(post_token("application/x-www-form-urlencoded", form, &answer), 200);
	char *old = strdup(json_field(answer, "access_token"));
	free(answer);
	world_call(&r, &w, "GET", "/api/v1/me", old, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	http_response_free(&r);
	world_call_if_match(&r, &w, "PATCH", path, w.admin, "{\"status\":\"disabled\"}", "1");
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	/* disabled: its secret gets no token */
	ck_assert_int_eq(post_token("application/x-www-form-urlencoded", form, NULL), 401);
	world_call_if_match(&r, &w, "PATCH", path, w.admin, "{\"status\":\"active\"}", "2");
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	char header[4200];
	snprintf(header, sizeof header, "Bearer %s", old);
	assert_rejected(header);
	ck_assert_int_eq(post_token("application/x-www-form-urlencoded", form, &answer), 200);
	char *fresh = strdup(json_field(answer, "access_token"));
	free(answer);
	world_call(&r, &w, "GET", "/api/v1/me", fresh, NULL, NULL);
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
	free(old);
	free(fresh);
	forget_failures();
}
END_TEST

START_TEST(test_password_grant_in_a_form_answers_a_bearer_token_not_to_be_stored)
{
	struct http_response r;
	const char *form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	const char *body = "grant_type=password&username=ADMIN&password=correct+horse+battery+staple";
	http_request(&r, "POST", w.server.port, "/api/v1/auth/token", form, body, strlen(body));
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "token_type"), "Bearer");
	ck_assert_str_eq(json_field(r.body, "expires_in"), "3600");
	char *cache = http_header_value(&r, "Cache-Control");
	ck_assert_str_eq(cache, "no-store");
	free(cache);
	http_response_free(&r);
}
END_TEST

/* The password grant for viewer.tq as a JSON body (200 asserted). */
static void viewer_logs_in_with_json(void)
{
	struct http_response r;
	const char *json[] = {"Content-Type: application/json", NULL};
	const char *jbody = "{\"grant_type\":\"password\",\"username\":\"viewer.tq\","
			    "\"password\":\"" WORLD_PASSWORD "\"}";
	http_request(&r, "POST", w.server.port, "/api/v1/auth/token", json, jbody, strlen(jbody));
	ck_assert_msg(r.status == 200, "%s", r.body);
	http_response_free(&r);
}

START_TEST(test_password_grant_takes_a_json_body)
{
	viewer_logs_in_with_json();
}
END_TEST

START_TEST(test_password_grant_is_audited)
{
	viewer_logs_in_with_json();
	char *n = db_query_value(w.url, "SELECT count(*) FROM audit_events WHERE action = "
					"'auth.token_issued' AND actor_name = 'viewer.tq'");
	ck_assert_int_ge(atoi(n), 1);
	free(n);
}
END_TEST

START_TEST(test_password_grant_audit_holds_no_password)
{
	viewer_logs_in_with_json();
	char *leak = db_query_value(w.url, "SELECT count(*) FROM audit_events WHERE "
					   "coalesce(after::text, '') LIKE '%horse%'");
	ck_assert_str_eq(leak, "0");
	free(leak);
}
END_TEST

static long post_token(const char *content_type, const char *body, char **out_body)
{
	char ct[128];
	snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
	const char *h[] = {ct, "X-Request-Id: token-test", NULL};
	struct http_response r;
	http_request(&r, "POST", w.server.port, "/api/v1/auth/token", h, body, strlen(body));
	long status = r.status;
	if (out_body)
		*out_body = strdup(r.body);
	http_response_free(&r);
	return status;
}

START_TEST(test_wrong_password_and_unknown_user_get_the_same_answer)
{
	long before = world_count(&w, "audit_events");
	char *a, *b;
	ck_assert_int_eq(post_token("application/x-www-form-urlencoded",
				    "grant_type=password&username=officer.tq&password=wrong-password-1", &a),
			 400);
	ck_assert_int_eq(post_token("application/x-www-form-urlencoded",
				    "grant_type=password&username=nobody.here&password=wrong-password-1", &b),
			 400);
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(json_field(a, "error"), "invalid_grant");
	free(a);
	free(b);
	ck_assert_int_eq(world_count(&w, "audit_events"), before + 2);
	char *n = db_query_value(w.url, "SELECT count(*) FROM audit_events WHERE action = "
					"'auth.login_failed' AND entity_id = 'nobody.here'");
	ck_assert_str_eq(n, "1");
	free(n);
	/* leave no waiting account or counted address behind for the other tests */
	forget_failures();
}
END_TEST

/*
 * A password grant through the curl program from a chosen loopback source address (the whole
 * of 127.0.0.0/8 reaches the server), as another machine would. Returns the HTTP status; with
 * retry_after, the Retry-After header's seconds (0 when absent).
 */
static long login_from(const char *source, const char *username, const char *password,
		       int *retry_after)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "curl -s -o /dev/null -D - -w 'status %%{http_code}\\n' --interface %s"
		 " --data-urlencode grant_type=password --data-urlencode 'username=%s'"
		 " --data-urlencode 'password=%s' http://127.0.0.1:%d/api/v1/auth/token",
		 source, username, password, w.server.port);
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	char line[512];
	long status = 0;
	if (retry_after)
		*retry_after = 0;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "status ", 7))
			status = atol(line + 7);
		else if (retry_after && !strncasecmp(line, "Retry-After:", 12))
			*retry_after = atoi(line + 12);
	}
	ck_assert_int_eq(pclose(f), 0);
	return status;
}

START_TEST(test_failed_logins_make_the_account_wait_longer_each_time)
{
	world_add_user(&w, "throttled.one", "viewer", "TQ", NULL);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(post_token("application/x-www-form-urlencoded",
					    "grant_type=password&username=throttled.one&password=nope-nope-nope",
					    NULL),
				 400);
	/* the sixth is not checked, even with the right password: 429 until the wait is over */
	char body[256];
	snprintf(body, sizeof body, "grant_type=password&username=throttled.one&password=%s",
		 "correct+horse+battery+staple");
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	struct http_response r;
	http_request(&r, "POST", w.server.port, "/api/v1/auth/token", h, body, strlen(body));
	assert_problem(&r, 429);
	char *retry = http_header_value(&r, "Retry-After");
	ck_assert_msg(retry && atoi(retry) > 0 && atoi(retry) <= 30, "Retry-After %s", retry);
	free(retry);
	http_response_free(&r);
	/* no lock-out of the address: another account from it logs in */
	free(world_login(&w, "viewer.tq", WORLD_PASSWORD));
	/* the wait over (as if 30 s had passed), one more wrong password is checked, and the
	 * next wait is twice as long */
	db_exec_ok(w.url, "UPDATE login_throttle SET next_check_at = now()"
			  " WHERE account = 'user:throttled.one'");
	ck_assert_int_eq(post_token("application/x-www-form-urlencoded",
				    "grant_type=password&username=throttled.one&password=nope-nope-nope",
				    NULL),
			 400);
	http_request(&r, "POST", w.server.port, "/api/v1/auth/token", h, body, strlen(body));
	assert_problem(&r, 429);
	retry = http_header_value(&r, "Retry-After");
	ck_assert_msg(retry && atoi(retry) > 30 && atoi(retry) <= 60, "Retry-After %s", retry);
	free(retry);
	http_response_free(&r);
	/* once the wait is over the right password works, and the account starts afresh */
	db_exec_ok(w.url, "UPDATE login_throttle SET next_check_at = now()"
			  " WHERE account = 'user:throttled.one'");
	free(world_login(&w, "throttled.one", WORLD_PASSWORD));
	char *left = db_query_value(w.url, "SELECT count(*) FROM login_throttle"
					   " WHERE account = 'user:throttled.one'");
	ck_assert_str_eq(left, "0");
	free(left);
	forget_failures();
}
END_TEST

START_TEST(test_forty_concurrent_wrong_passwords_get_five_checks)
{
	world_add_user(&w, "raced.one", "viewer", "TQ", NULL);
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "for i in $(seq 40); do curl -s -o /dev/null -w '%%{http_code}\\n'"
		 " -d grant_type=password -d username=raced.one -d password=wrong-$i"
		 " http://127.0.0.1:%d/api/v1/auth/token & done; wait",
		 w.server.port);
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	char line[64];
	int checked = 0, waiting = 0, other = 0;
	while (fgets(line, sizeof line, f)) {
		long status = atol(line);
		checked += status == 400;
		waiting += status == 429;
		other += status != 400 && status != 429;
	}
	pclose(f);
	ck_assert_int_eq(other, 0);
	ck_assert_int_eq(checked, 5);
	ck_assert_int_eq(waiting, 35);
	char *n = db_query_value(w.url, "SELECT count(*) FROM audit_events WHERE action ="
					" 'auth.login_failed' AND entity_id = 'raced.one'");
	ck_assert_str_eq(n, "5");
	free(n);
	forget_failures();
}
END_TEST

START_TEST(test_a_stranger_cannot_keep_the_owner_out)
{
	world_add_user(&w, "attacked.one", "viewer", "TQ", NULL);
	/* the owner logs in from their office: that address becomes known to the account */
	ck_assert_int_eq(login_from("127.0.0.1", "attacked.one", WORLD_PASSWORD, NULL), 200);
	/* a stranger guesses from elsewhere until the account makes strangers wait */
	int retry = 0;
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(login_from("127.0.0.2", "attacked.one", "guess-guess-guess", NULL), 400);
	ck_assert_int_eq(login_from("127.0.0.2", "attacked.one", "guess-guess-guess", &retry), 429);
	ck_assert_int_gt(retry, 0);
	/* the owner, at the office, is not kept out */
	ck_assert_int_eq(login_from("127.0.0.1", "attacked.one", WORLD_PASSWORD, NULL), 200);
	/* an address the account has never logged in from waits like the stranger */
	ck_assert_int_eq(login_from("127.0.0.3", "attacked.one", WORLD_PASSWORD, &retry), 429);
	ck_assert_int_gt(retry, 0);
	/* nor can anyone keep the admin out by name: the admin logged in from 127.0.0.1 */
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(login_from("127.0.0.2", "admin", "guess-guess-guess", NULL), 400);
	ck_assert_int_eq(login_from("127.0.0.2", "admin", "guess-guess-guess", NULL), 429);
	ck_assert_int_eq(login_from("127.0.0.1", "admin", WORLD_PASSWORD, NULL), 200);
	forget_failures();
}
END_TEST

START_TEST(test_a_shared_office_address_is_not_locked_out)
{
	/* a commune office behind one address: a dozen people mistype their passwords */
	char name[32];
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof name, "office.clerk%d", i);
		world_add_user(&w, name, "viewer", "TQ", NULL);
		for (int j = 0; j < 2; j++)
			ck_assert_int_eq(login_from("127.0.0.5", name, "mistyped-password", NULL), 400);
	}
	/* 24 failures from the address: everyone there still logs in */
	ck_assert_int_eq(login_from("127.0.0.5", "office.clerk0", WORLD_PASSWORD, NULL), 200);
	ck_assert_int_eq(login_from("127.0.0.5", "office.clerk11", WORLD_PASSWORD, NULL), 200);
	/* one machine spraying passwords over many accounts is stopped at 100 */
	db_exec_ok(w.url, "UPDATE login_address_failures SET failures = 100"
			  " WHERE address = '127.0.0.5'");
	int retry = 0;
	ck_assert_int_eq(login_from("127.0.0.5", "office.clerk5", WORLD_PASSWORD, &retry), 429);
	ck_assert_int_gt(retry, 0);
	ck_assert_int_le(retry, 900);
	/* ...but not for an account that logged in from there before */
	ck_assert_int_eq(login_from("127.0.0.5", "office.clerk0", WORLD_PASSWORD, NULL), 200);
	forget_failures();
}
END_TEST

START_TEST(test_hostile_usernames_are_refused_without_harm)
{
	long users = world_count(&w, "users");
	static const char *const names[] = {"admin'--", "x' OR '1'='1", "admin%00", "%27%3B+DROP+TABLE+users%3B"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char body[256];
		snprintf(body, sizeof body, "grant_type=password&username=%s&password=correct+horse+battery+staple",
			 names[i]);
		ck_assert_int_eq(post_token("application/x-www-form-urlencoded", body, NULL), 400);
	}
	size_t n = 10 * 1024;
	char *body = malloc(n + 100);
	strcpy(body, "grant_type=password&password=x&username=");
	size_t at = strlen(body);
	memset(body + at, 'a', n);
	body[at + n] = '\0';
	ck_assert_int_eq(post_token("application/x-www-form-urlencoded", body, NULL), 400);
	free(body);
	ck_assert_int_eq(world_count(&w, "users"), users);
	forget_failures();
	char *tables = db_query_value(w.url, "SELECT count(*) FROM pg_tables WHERE tablename = 'users'");
	ck_assert_str_eq(tables, "1");
	free(tables);
}
END_TEST

START_TEST(test_token_endpoint_bad_requests)
{
	char *body;
	ck_assert_int_eq(post_token("application/x-www-form-urlencoded", "grant_type=authorization_code&code=x", &body), 400);
	ck_assert_str_eq(json_field(body, "error"), "unsupported_grant_type");
	free(body);
	ck_assert_int_eq(post_token("application/x-www-form-urlencoded", "username=a&password=b", &body), 400);
	ck_assert_str_eq(json_field(body, "error"), "invalid_request");
	free(body);
	ck_assert_int_eq(post_token("application/x-www-form-urlencoded", "grant_type=password&username=admin", &body), 400);
	ck_assert_str_eq(json_field(body, "error"), "invalid_request");
	free(body);
	ck_assert_int_eq(post_token("application/json", "{\"grant_type\": 5}", &body), 400);
	ck_assert_str_eq(json_field(body, "error"), "invalid_request");
	free(body);
	ck_assert_int_eq(post_token("application/json", "{\"grant_type\":", NULL), 400);
	ck_assert_int_eq(post_token("text/plain", "grant_type=password", NULL), 415);
}
END_TEST

/* A system client_id with scopes registry:read and reports:read in HG, created by the admin:
 * its secret and id. */
struct system_client {
	char client_id[64], secret[128], id[40];
};

static void system_client(struct system_client *c, const char *client_id)
{
	*c = (struct system_client){0};
	char body[300];
	snprintf(body, sizeof body,
		 "{\"client_id\":\"%s\",\"name\":\"Bảng điều khiển tỉnh\","
		 "\"scopes\":[\"registry:read\",\"reports:read\"],\"unit_code\":\"HG\"}",
		 client_id);
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/clients", w.admin, body, NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	snprintf(c->client_id, sizeof c->client_id, "%s", client_id);
	snprintf(c->secret, sizeof c->secret, "%s", json_field(r.body, "client_secret"));
	snprintf(c->id, sizeof c->id, "%s", json_field(r.body, "id"));
	http_response_free(&r);
}

/* POSTs the client credentials grant for c with secret (NULL: c's own) and, when scope is not
 * NULL, that scope; returns the status, and the answer in *answer (malloc'd). */
static long client_grant(const struct system_client *c, const char *secret, const char *scope,
			 char **answer)
{
	char form[300];
	snprintf(form, sizeof form,
		 "grant_type=client_credentials&client_id=%s&client_secret=%s%s%s",
		 c->client_id, secret ? secret : c->secret, scope ? "&scope=" : "",
		 scope ? scope : "");
	return post_token("application/x-www-form-urlencoded", form, answer);
}

/* The access token of c (malloc'd). */
static char *client_token(const struct system_client *c)
{
	char *answer;
	ck_assert_int_eq(client_grant(c, NULL, NULL, &answer), 200);
	char *token = strdup(json_field(answer, "access_token"));
	free(answer);
	return token;
}

START_TEST(test_a_new_client_is_answered_its_secret_once)
{
	struct system_client c;
	system_client(&c, "province.dashboard");
	ck_assert_uint_eq(strlen(c.secret), 43);
}
END_TEST

START_TEST(test_a_clients_secret_is_not_shown_again)
{
	struct system_client c;
	system_client(&c, "province.secret");
	struct http_response r;
	world_call(&r, &w, "GET", "/api/v1/clients", w.admin, NULL, NULL);
	ck_assert_ptr_null(strstr(r.body, c.secret)); /* nowhere in the list */
	http_response_free(&r);
}
END_TEST

START_TEST(test_client_credentials_grant_gives_the_clients_scopes)
{
	struct system_client c;
	system_client(&c, "province.scopes");
	char *answer;
	ck_assert_int_eq(client_grant(&c, NULL, NULL, &answer), 200);
	ck_assert_str_eq(json_field(answer, "scope"), "registry:read reports:read");
	free(answer);
}
END_TEST

START_TEST(test_client_credentials_grant_refuses_a_scope_the_client_lacks)
{
	struct system_client c;
	system_client(&c, "province.narrow");
	char *answer;
	ck_assert_int_eq(client_grant(&c, NULL, "members:pii", &answer), 400);
	ck_assert_str_eq(json_field(answer, "error"), "invalid_scope");
	free(answer);
}
END_TEST

START_TEST(test_client_credentials_grant_with_a_wrong_secret_is_401)
{
	struct system_client c;
	system_client(&c, "province.wrong");
	char *answer;
	ck_assert_int_eq(client_grant(&c, "wrong", NULL, &answer), 401);
	ck_assert_str_eq(json_field(answer, "error"), "invalid_client");
	free(answer);
	forget_failures();
}
END_TEST

START_TEST(test_a_systems_token_is_the_client_on_me)
{
	struct system_client c;
	system_client(&c, "province.me");
	char *token = client_token(&c);
	struct http_response r;
	world_call(&r, &w, "GET", "/api/v1/me", token, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_field(r.body, "client_id"), "province.me");
	http_response_free(&r);
	free(token);
}
END_TEST

START_TEST(test_a_system_cannot_manage_accounts)
{
	struct system_client c;
	system_client(&c, "province.users");
	char *token = client_token(&c);
	world_get_refused(&w, "/api/v1/users", token, 403);
	free(token);
}
END_TEST

START_TEST(test_a_deleted_clients_token_is_rejected)
{
	struct system_client c;
	system_client(&c, "province.deleted");
	char *token = client_token(&c);
	char path[80];
	snprintf(path, sizeof path, "/api/v1/clients/%s", c.id);
	struct http_response r;
	world_call(&r, &w, "DELETE", path, w.admin, NULL, NULL);
	ck_assert_int_eq(r.status, 204);
	http_response_free(&r);
	char header[4200];
	snprintf(header, sizeof header, "Bearer %s", token);
	assert_rejected(header);
	free(token);
}
END_TEST

/* The client_credentials grant with Authorization: Basic base64(user:password), user and
 * password given as they go into the header; returns the status. */
static long basic_token_status(const char *user, const char *password)
{
	char pair[300], encoded[420], header[460];
	snprintf(pair, sizeof pair, "%s:%s", user, password);
	sodium_bin2base64(encoded, sizeof encoded, (const unsigned char *)pair, strlen(pair),
			  sodium_base64_VARIANT_ORIGINAL);
	snprintf(header, sizeof header, "Authorization: Basic %s", encoded);
	const char *h[] = {header, "Content-Type: application/x-www-form-urlencoded", NULL};
	struct http_response r;
	const char *body = "grant_type=client_credentials";
	http_request(&r, "POST", w.server.port, "/api/v1/auth/token", h, body, strlen(body));
	long status = r.status;
	if (status == 401)
		ck_assert_str_eq(json_field(r.body, "error"), "invalid_client");
	http_response_free(&r);
	return status;
}

START_TEST(test_client_credentials_with_basic_authentication)
{
	struct proc p = {0};
	char var[600];
	snprintf(var, sizeof var, "CDTT_DATABASE_URL=%s", w.url);
	const char *env[] = {var, NULL};
	const char *args[] = {"create-client", "--client-id", "hr.system", "--scopes",
			      "registry:read members:pii", "--unit", "TQ", NULL};
	proc_spawn(&p, env, args);
	ck_assert_int_eq(proc_wait(&p, 10000), 0);
	char *text = proc_output(&p);
	const char *s = strstr(text, "client_secret: ");
	ck_assert_ptr_nonnull(s);
	char secret[64];
	sscanf(s + 15, "%63s", secret);
	free(text);
	char basic[200], cmd[400];
	snprintf(cmd, sizeof cmd, "printf '%%s' 'hr.system:%s' | base64 -w0", secret);
	FILE *f = popen(cmd, "r");
	char encoded[160] = "";
	ck_assert_ptr_nonnull(fgets(encoded, sizeof encoded, f));
	pclose(f);
	snprintf(basic, sizeof basic, "Authorization: Basic %s", encoded);
	const char *h[] = {basic, "Content-Type: application/x-www-form-urlencoded", NULL};
	struct http_response r;
	const char *body = "grant_type=client_credentials";
	http_request(&r, "POST", w.server.port, "/api/v1/auth/token", h, body, strlen(body));
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_str_eq(json_field(r.body, "scope"), "registry:read members:pii");
	http_response_free(&r);
	/* RFC 6749 §2.3.1: id and secret are form-encoded before Basic; encoding even the
	 * characters that need none ('.' '-' '_') is allowed, and decoded */
	ck_assert_int_eq(basic_token_status("hr%2Esystem", secret), 200);
	char encoded_secret[200] = "";
	for (const char *c = secret; *c; c++) {
		size_t at = strlen(encoded_secret);
		snprintf(encoded_secret + at, sizeof encoded_secret - at,
			 *c == '-' || *c == '_' ? "%%%02X" : "%c", *c);
	}
	ck_assert_int_eq(basic_token_status("hr%2esystem", encoded_secret), 200);
	/* malformed percent-encoding is a failed authentication, not a guess */
	ck_assert_int_eq(basic_token_status("hr%2Gsystem", secret), 401);
	ck_assert_int_eq(basic_token_status("hr.system%", secret), 401);
	ck_assert_int_eq(basic_token_status("hr.system%00", secret), 401);
	forget_failures();
}
END_TEST

START_TEST(test_jwks_is_empty_for_hs256)
{
	struct http_response r;
	http_get(&r, w.server.port, "/.well-known/jwks.json");
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "{\"keys\":[]}");
	http_response_free(&r);
}
END_TEST

START_TEST(test_metadata_is_published_at_both_well_known_paths)
{
	struct http_response a, b;
	http_get(&a, w.server.port, "/.well-known/oauth-authorization-server");
	http_get(&b, w.server.port, "/.well-known/openid-configuration");
	ck_assert_int_eq(a.status, 200);
	ck_assert_int_eq(b.status, 200);
	ck_assert_str_eq(a.body, b.body);
	json_t *doc = json_loads(a.body, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "issuer")), "cdtt");
	/* the issuer is a plain name here: URLs come from the request's Host */
	char want[128];
	snprintf(want, sizeof want, "http://127.0.0.1:%d/api/v1/auth/token", w.server.port);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "token_endpoint")), want);
	snprintf(want, sizeof want, "http://127.0.0.1:%d/.well-known/jwks.json", w.server.port);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "jwks_uri")), want);
	snprintf(want, sizeof want, "http://127.0.0.1:%d/api/v1/auth/introspect", w.server.port);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "introspection_endpoint")), want);
	ck_assert_str_eq(json_field(a.body, "grant_types_supported"),
			 "[\"password\",\"client_credentials\"]");
	ck_assert_str_eq(json_field(a.body, "token_endpoint_auth_methods_supported"),
			 "[\"client_secret_basic\",\"client_secret_post\"]");
	ck_assert_ptr_nonnull(strstr(json_field(a.body, "scopes_supported"), "\"members:pii\""));
	json_decref(doc);
	http_response_free(&a);
	http_response_free(&b);
	/* a Host that is not a host name gives no URL built from it */
	const char *h[] = {"Host: evil.example\"><script>", NULL};
	http_request(&a, "GET", w.server.port, "/.well-known/oauth-authorization-server", h, NULL, 0);
	ck_assert_int_eq(a.status, 200);
	ck_assert_str_eq(json_field(a.body, "token_endpoint"), "/api/v1/auth/token");
	http_response_free(&a);
}
END_TEST

/* A client for introspection; fills its secret. */
static void introspecting_client(const char *client_id, char secret[64])
{
	struct http_response r;
	char body[200];
	snprintf(body, sizeof body,
		 "{\"client_id\":\"%s\",\"scopes\":[\"registry:read\"],\"unit_code\":\"TQ\"}", client_id);
	world_call(&r, &w, "POST", "/api/v1/clients", w.admin, body, NULL);
	ck_assert_msg(r.status == 201, "%s", r.body);
	snprintf(secret, 64, "%s", json_field(r.body, "client_secret"));
	http_response_free(&r);
}

/* POST /api/v1/auth/introspect token=... as client_id (client_secret in the body); returns
 * the status and copies the body into out (cap bytes). */
static long introspect(const char *client_id, const char *secret, const char *token, char *out,
		       size_t cap)
{
	size_t n = strlen(token) + 300;
	char *body = malloc(n);
	snprintf(body, n, "client_id=%s&client_secret=%s&token=%s", client_id, secret, token);
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	struct http_response r;
	http_request(&r, "POST", w.server.port, "/api/v1/auth/introspect", h, body, strlen(body));
	free(body);
	long status = r.status;
	snprintf(out, cap, "%s", r.body);
	http_response_free(&r);
	return status;
}

START_TEST(test_introspection_tells_active_from_inactive_tokens)
{
	char secret[64], out[2048];
	introspecting_client("resource.server", secret);
	/* an active person's token: who, until when, from whom */
	ck_assert_int_eq(introspect("resource.server", secret, w.viewer_tq, out, sizeof out), 200);
	ck_assert_str_eq(json_field(out, "active"), "true");
	ck_assert_str_eq(json_field(out, "sub"), w.viewer_tq_id);
	ck_assert_str_eq(json_field(out, "username"), "viewer.tq");
	ck_assert_str_eq(json_field(out, "iss"), "cdtt");
	ck_assert_str_eq(json_field(out, "aud"), "cdtt-api");
	ck_assert_str_eq(json_field(out, "token_type"), "Bearer");
	ck_assert_int_gt(atol(json_field(out, "exp")), atol(json_field(out, "iat")));
	/* a system's token: its scope and client_id */
	char form[200], *answer;
	snprintf(form, sizeof form,
		 "grant_type=client_credentials&client_id=resource.server&client_secret=%s", secret);
	ck_assert_int_eq(post_token("application/x-www-form-urlencoded", form, &answer), 200);
	char *system_token = strdup(json_field(answer, "access_token"));
	free(answer);
	ck_assert_int_eq(introspect("resource.server", secret, system_token, out, sizeof out), 200);
	ck_assert_str_eq(json_field(out, "active"), "true");
	ck_assert_str_eq(json_field(out, "scope"), "registry:read");
	ck_assert_str_eq(json_field(out, "client_id"), "resource.server");

	/* inactive, all alike: garbage, forged, expired, unknown account, ended by a disable */
	long now = (long)time(NULL);
	char *expired = secret_token(json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "iss", "cdtt", "aud",
					       "cdtt-api", "sub", w.viewer_tq_id, "iat",
					       (json_int_t)(now - 7200), "nbf", (json_int_t)(now - 7200),
					       "exp", (json_int_t)(now - 3600)));
	char *unknown = secret_token(claims("00000000-0000-4000-8000-000000000000", "cdtt",
					    "cdtt-api", 0, 300));
	char *forged = forge(JWT_ALG_HS256, "another-secret-0123456789abcdef-0123", 36,
			     claims(w.viewer_tq_id, "cdtt", "cdtt-api", 0, 300));
	world_add_user(&w, "introspected.one", "viewer", "TQ", NULL);
	char *ended = world_login(&w, "introspected.one", WORLD_PASSWORD);
	db_exec_ok(w.url, "UPDATE users SET status = 'disabled' WHERE username = 'introspected.one'");
	db_exec_ok(w.url, "UPDATE users SET status = 'active' WHERE username = 'introspected.one'");
	const char *inactive[] = {"not-a-token", expired, unknown, forged, ended};
	for (size_t i = 0; i < sizeof inactive / sizeof inactive[0]; i++) {
		int active = 1;
		for (int tries = 0; tries < 100 && active; tries++) { /* NOTIFY reaches the cache */
			ck_assert_int_eq(introspect("resource.server", secret, inactive[i], out,
						    sizeof out),
					 200);
			active = strcmp(out, "{\"active\":false}") != 0;
			if (active)
				usleep(20000);
		}
		ck_assert_msg(!active, "token %zu: %s", i, out);
	}
	free(expired);
	free(unknown);
	free(forged);
	free(ended);

	/* only an authenticated client asks: a wrong secret or none is 401 invalid_client */
	ck_assert_int_eq(introspect("resource.server", "wrong-secret", w.viewer_tq, out, sizeof out),
			 401);
	ck_assert_str_eq(json_field(out, "error"), "invalid_client");
	ck_assert_int_eq(introspect("no.such.client", secret, w.viewer_tq, out, sizeof out), 401);
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	struct http_response r;
	snprintf(form, sizeof form, "token=%s", system_token);
	http_request(&r, "POST", w.server.port, "/api/v1/auth/introspect", h, form, strlen(form));
	ck_assert_int_eq(r.status, 401);
	char *www = http_header_value(&r, "WWW-Authenticate");
	ck_assert_ptr_nonnull(www);
	free(www);
	http_response_free(&r);
	/* no token, or JSON instead of a form */
	ck_assert_int_eq(introspect("resource.server", secret, "", out, sizeof out), 400);
	const char *json[] = {"Content-Type: application/json", NULL};
	http_request(&r, "POST", w.server.port, "/api/v1/auth/introspect", json, "{}", 2);
	assert_problem(&r, 415);
	http_response_free(&r);
	free(system_token);
	forget_failures();
}
END_TEST

START_TEST(test_openid_client_gets_a_token_with_basic_authentication)
{
	static const char *const packages[] = {"openid-client", NULL};
	if (!interop_available("openid-client", packages))
		return;
	char secret[64];
	introspecting_client("province.interop", secret);
	char url[64], id[64], secret_var[96];
	snprintf(url, sizeof url, "CDTT_URL=http://127.0.0.1:%d", w.server.port);
	snprintf(id, sizeof id, "CDTT_CLIENT_ID=province.interop");
	snprintf(secret_var, sizeof secret_var, "CDTT_CLIENT_SECRET=%s", secret);
	const char *env[] = {url, id, secret_var, NULL};
	char *out;
	int rc = interop_run("openid_client_credentials.mjs", env, &out);
	ck_assert_msg(rc == 0, "openid-client: %s", out);
	printf("%s", out); /* says what it checked */
	fflush(stdout);
	free(out);
	forget_failures();
}
END_TEST

Suite *auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("tokens");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_missing_authorization_is_401_with_bearer_challenge);
	tcase_add_test(tc, test_garbage_and_truncated_tokens_are_401);
	tcase_add_test(tc, test_valid_token_reaches_the_endpoint);
	tcase_add_test(tc, test_wrong_signature_is_401);
	tcase_add_test(tc, test_expired_token_is_401_beyond_60_seconds_leeway);
	tcase_add_test(tc, test_an_accepted_token_still_expires);
	tcase_add_test(tc, test_token_not_yet_valid_is_401);
	tcase_add_test(tc, test_wrong_issuer_or_audience_is_401);
	tcase_add_test(tc, test_missing_or_malformed_claims_are_401);
	tcase_add_test(tc, test_alg_none_is_401);
	tcase_add_test(tc, test_disabled_user_token_stops_working_at_once);
	tcase_add_test(tc, test_an_account_changed_by_another_hand_stops_within_a_moment);
	tcase_add_test(tc, test_enabling_an_account_again_does_not_revive_its_old_tokens);
	tcase_add_test(tc, test_enabling_a_client_again_does_not_revive_its_old_tokens);
	tcase_add_test(tc, test_password_grant_in_a_form_answers_a_bearer_token_not_to_be_stored);
	tcase_add_test(tc, test_password_grant_takes_a_json_body);
	tcase_add_test(tc, test_password_grant_is_audited);
	tcase_add_test(tc, test_password_grant_audit_holds_no_password);
	tcase_add_test(tc, test_wrong_password_and_unknown_user_get_the_same_answer);
	tcase_add_test(tc, test_failed_logins_make_the_account_wait_longer_each_time);
	tcase_add_test(tc, test_forty_concurrent_wrong_passwords_get_five_checks);
	tcase_add_test(tc, test_a_stranger_cannot_keep_the_owner_out);
	tcase_add_test(tc, test_a_shared_office_address_is_not_locked_out);
	tcase_add_test(tc, test_hostile_usernames_are_refused_without_harm);
	tcase_add_test(tc, test_token_endpoint_bad_requests);
	tcase_add_test(tc, test_a_new_client_is_answered_its_secret_once);
	tcase_add_test(tc, test_a_clients_secret_is_not_shown_again);
	tcase_add_test(tc, test_client_credentials_grant_gives_the_clients_scopes);
	tcase_add_test(tc, test_client_credentials_grant_refuses_a_scope_the_client_lacks);
	tcase_add_test(tc, test_client_credentials_grant_with_a_wrong_secret_is_401);
	tcase_add_test(tc, test_a_systems_token_is_the_client_on_me);
	tcase_add_test(tc, test_a_system_cannot_manage_accounts);
	tcase_add_test(tc, test_a_deleted_clients_token_is_rejected);
	tcase_add_test(tc, test_client_credentials_with_basic_authentication);
	tcase_add_test(tc, test_jwks_is_empty_for_hs256);
	tcase_add_test(tc, test_metadata_is_published_at_both_well_known_paths);
	tcase_add_test(tc, test_introspection_tells_active_from_inactive_tokens);
	tcase_add_test(tc, test_openid_client_gets_a_token_with_basic_authentication);
	suite_add_tcase(s, tc);
	return s;
}
