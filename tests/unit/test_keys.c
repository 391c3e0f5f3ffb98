/*
 * JWT keys: each kind really signs and verifies with libjwt 1.10.2, the kid is the RFC 7638
 * thumbprint, the JWKS publishes the right numbers, and every key we must not use is refused
 * with one line. The keys are generated in C once per run (RSA generation is slow under
 * valgrind) and written as PEM files into a mkdtemp folder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "../../api/auth/keys.h"

#define SECRET_32 "0123456789abcdef0123456789abcdef"

/* RFC 7638 §3.1: the example RSA public key and its thumbprint. */
#define RFC7638_N                                                                          \
	"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc" \
	"_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGj" \
	"QR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-" \
	"bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
#define RFC7638_E "AQAB"
#define RFC7638_THUMBPRINT "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

/* The generated keys the tests compare against, and the folder holding their PEM files. */
static char dir[] = "/tmp/cdtt-test-keys-XXXXXX";
static EVP_PKEY *rsa_key, *ec_key;

static const char *const pem_files[] = {
	"rsa.pem",           "rsa.pub.pem",        "rsa-other.pub.pem", "ec.pem",
	"ec.pub.pem",        "ec-compressed.pub.pem", "ec-sec1.pem",   "ec-p384.pem",
	"ec-p384.pub.pem",   "ed25519.pem",        "rsa-1024.pem",      "rsa-encrypted.pem",
	"empty.pem",         "garbage.pem",        "rfc7638.pub.pem",   "ec-leading-zero.pem",
};

/* The path of a file in the fixture folder; a static buffer, valid until the next call. */
static const char *path_of(const char *name)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

enum pem_form { PEM_PKCS8, PEM_SPKI, PEM_SEC1_WITH_PARAMETERS, PEM_PKCS8_ENCRYPTED };

/* Writes pkey into the fixture folder in the given form; aborts the run when that fails. */
static void pem_file_write(const char *name, EVP_PKEY *pkey, enum pem_form form)
{
	FILE *f = fopen(path_of(name), "w");
	int ok = f != NULL;
	if (ok && form == PEM_PKCS8)
		ok = PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL);
	else if (ok && form == PEM_SPKI)
		ok = PEM_write_PUBKEY(f, pkey);
	else if (ok && form == PEM_PKCS8_ENCRYPTED)
		ok = PEM_write_PrivateKey(f, pkey, EVP_aes_256_cbc(), (unsigned char *)"passphrase",
					  10, NULL, NULL);
	else if (ok) {
		/* What `openssl ecparam -name prime256v1 -genkey` writes: an "EC PARAMETERS" block,
		 * then the key in SEC1 form ("EC PRIVATE KEY"). */
		OSSL_ENCODER_CTX *params = OSSL_ENCODER_CTX_new_for_pkey(
			pkey, EVP_PKEY_KEY_PARAMETERS, "PEM", "type-specific", NULL);
		OSSL_ENCODER_CTX *keypair = OSSL_ENCODER_CTX_new_for_pkey(
			pkey, EVP_PKEY_KEYPAIR, "PEM", "type-specific", NULL);
		ok = params && keypair && OSSL_ENCODER_to_fp(params, f) &&
		     OSSL_ENCODER_to_fp(keypair, f);
		OSSL_ENCODER_CTX_free(params);
		OSSL_ENCODER_CTX_free(keypair);
	}
	if (f && fclose(f) != 0)
		ok = 0;
	if (!ok) {
		fprintf(stderr, "test_keys: cannot write %s\n", path_of(name));
		abort();
	}
}

static void text_file_write(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "test_keys: cannot write %s\n", path_of(name));
		abort();
	}
}

/* The RFC 7638 example key, built from its n and e; the caller frees it with EVP_PKEY_free. */
static EVP_PKEY *rfc7638_key_build(void)
{
	unsigned char n_bin[512], e_bin[8];
	size_t n_len = 0, e_len = 0;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *n = NULL, *e = NULL;
	if (sodium_base642bin(n_bin, sizeof n_bin, RFC7638_N, strlen(RFC7638_N), NULL, &n_len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
	    sodium_base642bin(e_bin, sizeof e_bin, RFC7638_E, strlen(RFC7638_E), NULL, &e_len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		goto out;
	n = BN_bin2bn(n_bin, (int)n_len, NULL);
	e = BN_bin2bn(e_bin, (int)e_len, NULL);
	if (!bld || !ctx || !n || !e || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) || EVP_PKEY_fromdata_init(ctx) != 1)
		goto out;
	EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
out:
	BN_free(n);
	BN_free(e);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/*
 * A P-256 key whose X or Y starts with a zero byte (1 key in 128), which a minimal-length
 * encoding would publish as 31 bytes. The caller frees it with EVP_PKEY_free; NULL if none.
 */
static EVP_PKEY *ec_key_with_a_leading_zero_coordinate(void)
{
	for (int tries = 0; tries < 10000; tries++) {
		unsigned char point[65];
		size_t len = 0;
		EVP_PKEY *pkey = EVP_EC_gen("P-256");
		if (pkey &&
		    EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point,
						    sizeof point, &len) == 1 &&
		    len == 65 && (point[1] == 0 || point[33] == 0))
			return pkey;
		EVP_PKEY_free(pkey);
	}
	return NULL;
}

/* Runs once per suite, in the parent process: every forked test sees the same files. */
static void keys_setup(void)
{
	if (sodium_init() < 0 || !mkdtemp(dir)) {
		fprintf(stderr, "test_keys: cannot set up\n");
		abort();
	}
	EVP_PKEY *rsa_other = EVP_RSA_gen(2048), *p384 = EVP_EC_gen("P-384");
	EVP_PKEY *ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), *rsa_1024 = EVP_RSA_gen(1024);
	EVP_PKEY *rfc7638 = rfc7638_key_build();
	EVP_PKEY *leading_zero = ec_key_with_a_leading_zero_coordinate();
	rsa_key = EVP_RSA_gen(2048);
	ec_key = EVP_EC_gen("P-256");
	if (!rsa_key || !ec_key || !rsa_other || !p384 || !ed25519 || !rsa_1024 || !rfc7638 ||
	    !leading_zero) {
		fprintf(stderr, "test_keys: cannot generate the keys\n");
		abort();
	}
	pem_file_write("rsa.pem", rsa_key, PEM_PKCS8);
	pem_file_write("rsa.pub.pem", rsa_key, PEM_SPKI);
	pem_file_write("rsa-other.pub.pem", rsa_other, PEM_SPKI);
	pem_file_write("ec.pem", ec_key, PEM_PKCS8);
	pem_file_write("ec.pub.pem", ec_key, PEM_SPKI);
	pem_file_write("ec-sec1.pem", ec_key, PEM_SEC1_WITH_PARAMETERS);
	pem_file_write("ec-p384.pem", p384, PEM_PKCS8);
	pem_file_write("ec-p384.pub.pem", p384, PEM_SPKI);
	pem_file_write("ed25519.pem", ed25519, PEM_PKCS8);
	pem_file_write("rsa-1024.pem", rsa_1024, PEM_PKCS8);
	pem_file_write("rsa-encrypted.pem", rsa_key, PEM_PKCS8_ENCRYPTED);
	pem_file_write("rfc7638.pub.pem", rfc7638, PEM_SPKI);
	pem_file_write("ec-leading-zero.pem", leading_zero, PEM_PKCS8);
	/* An external issuer may publish its EC key with the point compressed (0x02/0x03 || X). */
	EVP_PKEY_set_utf8_string_param(ec_key, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
				       "compressed");
	pem_file_write("ec-compressed.pub.pem", ec_key, PEM_SPKI);
	EVP_PKEY_set_utf8_string_param(ec_key, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
				       "uncompressed");
	text_file_write("empty.pem", "");
	text_file_write("garbage.pem", "-----BEGIN PRIVATE KEY-----\nnot base64 at all\n"
				       "-----END PRIVATE KEY-----\n");
	EVP_PKEY_free(rsa_other);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(ed25519);
	EVP_PKEY_free(rsa_1024);
	EVP_PKEY_free(rfc7638);
	EVP_PKEY_free(leading_zero);
}

static void keys_teardown(void)
{
	for (size_t i = 0; i < sizeof pem_files / sizeof pem_files[0]; i++)
		unlink(path_of(pem_files[i]));
	rmdir(dir);
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(ec_key);
}

/* A token with one grant, signed by k; the caller frees it with free(). */
static char *token_sign(const struct jwt_key *k)
{
	jwt_t *jwt = NULL;
	char *token = NULL;
	ck_assert_int_eq(jwt_new(&jwt), 0);
	ck_assert_int_eq(jwt_add_grant(jwt, "sub", "user-42"), 0);
	ck_assert_int_eq(jwt_set_alg(jwt, k->alg, k->sign_key, (int)k->sign_len), 0);
	token = jwt_encode_str(jwt);
	jwt_free(jwt);
	ck_assert_ptr_nonnull(token);
	return token;
}

/* Decodes token with k's verification key and checks the algorithm and the grant. */
static void assert_token_verifies(const char *token, const struct jwt_key *k)
{
	jwt_t *out = NULL;
	ck_assert_int_eq(jwt_decode(&out, token, k->verify_key, (int)k->verify_len), 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(jwt_get_alg(out), k->alg);
	ck_assert_str_eq(jwt_get_grant(out, "sub"), "user-42");
	jwt_free(out);
}

static int key_is_empty(const struct jwt_key *k)
{
	return !k->sign_key && !k->verify_key && !k->jwks_json && !k->kid[0] && !k->sign_len &&
	       !k->verify_len;
}

static void assert_refused(int private_key, const char *file, const char *want)
{
	struct jwt_key k;
	char err[256] = "";
	const char *path = file[0] == '/' ? file : path_of(file);
	int rc = private_key ? jwt_key_from_private_pem_file(&k, path, err, sizeof err)
			     : jwt_key_from_public_pem_file(&k, path, err, sizeof err);
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, want), "%s: error \"%s\" does not contain \"%s\"", file, err,
		      want);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert(key_is_empty(&k));
	jwt_key_free(&k);
}

/* The big-endian bytes of the BIGNUM parameter param of pkey, left-padded to width. */
static void bn_param_bytes(EVP_PKEY *pkey, const char *param, unsigned char *out, int width)
{
	BIGNUM *bn = NULL;
	ck_assert_int_eq(EVP_PKEY_get_bn_param(pkey, param, &bn), 1);
	ck_assert_int_eq(BN_bn2binpad(bn, out, width), width);
	BN_free(bn);
}

/* Decodes the base64url string member name of jwk into out; returns the length. */
static size_t jwk_member_decode(json_t *jwk, const char *name, unsigned char *out, size_t size)
{
	const char *b64 = json_string_value(json_object_get(jwk, name));
	size_t len = 0;
	ck_assert_msg(b64 != NULL, "JWK member %s missing", name);
	ck_assert_msg(!strchr(b64, '='), "JWK member %s is padded", name);
	ck_assert_int_eq(sodium_base642bin(out, size, b64, strlen(b64), NULL, &len, NULL,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING),
			 0);
	return len;
}

/* The only JWK of k's JWKS, after checking the members every signing key has; decref the set. */
static json_t *jwks_single_key(const struct jwt_key *k, json_t **jwks, const char *kty,
			       const char *alg)
{
	ck_assert_ptr_nonnull(k->jwks_json);
	*jwks = json_loads(k->jwks_json, 0, NULL);
	ck_assert_ptr_nonnull(*jwks);
	json_t *keys = json_object_get(*jwks, "keys");
	ck_assert_int_eq(json_array_size(keys), 1);
	json_t *jwk = json_array_get(keys, 0);
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "kty")), kty);
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "use")), "sig");
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "alg")), alg);
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "kid")), k->kid);
	ck_assert_ptr_null(json_object_get(jwk, "d")); /* no private member is published */
	return jwk;
}

START_TEST(test_secret_of_32_bytes_makes_an_hs256_key_with_an_empty_jwks)
{
	struct jwt_key k;
	char err[256];
	ck_assert_int_eq(jwt_key_from_secret(&k, SECRET_32, err, sizeof err), 0);
	ck_assert_int_eq(k.alg, JWT_ALG_HS256);
	ck_assert_uint_eq(k.sign_len, 32);
	ck_assert_uint_eq(k.verify_len, 32);
	ck_assert_mem_eq(k.sign_key, SECRET_32, 32);
	ck_assert_mem_eq(k.verify_key, SECRET_32, 32);
	ck_assert_str_eq(k.kid, "");
	ck_assert_str_eq(k.jwks_json, "{\"keys\":[]}");
	jwt_key_free(&k);
	ck_assert(key_is_empty(&k));
}
END_TEST

START_TEST(test_secret_of_31_bytes_is_refused)
{
	struct jwt_key k;
	char err[256] = "";
	const char *secret_31 = "0123456789abcdef0123456789abcde";
	ck_assert_int_eq(jwt_key_from_secret(&k, secret_31, err, sizeof err), -1);
	ck_assert_str_eq(err, "the secret must be at least 32 bytes");
	ck_assert(key_is_empty(&k));
	ck_assert_int_eq(jwt_key_from_secret(&k, NULL, err, sizeof err), -1);
}
END_TEST

START_TEST(test_hs256_token_signed_with_the_key_verifies)
{
	struct jwt_key k;
	char err[256];
	ck_assert_int_eq(jwt_key_from_secret(&k, SECRET_32, err, sizeof err), 0);
	char *token = token_sign(&k);
	assert_token_verifies(token, &k);
	free(token);
	jwt_key_free(&k);
}
END_TEST

START_TEST(test_rsa_2048_private_key_makes_an_rs256_key)
{
	struct jwt_key k;
	char err[256] = "";
	ck_assert_msg(jwt_key_from_private_pem_file(&k, path_of("rsa.pem"), err, sizeof err) == 0,
		      "%s", err);
	ck_assert_int_eq(k.alg, JWT_ALG_RS256);
	ck_assert_str_eq((char *)k.sign_key + k.sign_len, "");
	ck_assert_uint_eq(strlen((char *)k.sign_key), k.sign_len);
	ck_assert_ptr_nonnull(strstr((char *)k.sign_key, "-----BEGIN PRIVATE KEY-----\n"));
	ck_assert_uint_eq(strlen((char *)k.verify_key), k.verify_len);
	ck_assert_ptr_eq(strstr((char *)k.verify_key, "-----BEGIN PUBLIC KEY-----\n"),
			 (char *)k.verify_key);
	ck_assert_uint_eq(strlen(k.kid), 43); /* 32 bytes of SHA-256, base64url, no padding */
	ck_assert_uint_eq(strspn(k.kid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					"0123456789-_"),
			  43);
	jwt_key_free(&k);
}
END_TEST

START_TEST(test_rs256_token_signed_with_the_key_verifies)
{
	struct jwt_key k;
	char err[256] = "";
	ck_assert_msg(jwt_key_from_private_pem_file(&k, path_of("rsa.pem"), err, sizeof err) == 0,
		      "%s", err);
	char *token = token_sign(&k);
	assert_token_verifies(token, &k);
	free(token);
	jwt_key_free(&k);
}
END_TEST

START_TEST(test_rs256_token_does_not_verify_with_another_public_key)
{
	struct jwt_key k, other;
	char err[256] = "";
	jwt_t *out = NULL;
	ck_assert_int_eq(jwt_key_from_private_pem_file(&k, path_of("rsa.pem"), err, sizeof err), 0);
	ck_assert_msg(jwt_key_from_public_pem_file(&other, path_of("rsa-other.pub.pem"), err,
						   sizeof err) == 0,
		      "%s", err);
	char *token = token_sign(&k);
	ck_assert_int_ne(jwt_decode(&out, token, other.verify_key, (int)other.verify_len), 0);
	ck_assert_ptr_null(out);
	ck_assert_str_ne(k.kid, other.kid);
	free(token);
	jwt_key_free(&k);
	jwt_key_free(&other);
}
END_TEST

START_TEST(test_ec_p256_private_key_makes_an_es256_key)
{
	struct jwt_key k;
	char err[256] = "";
	ck_assert_msg(jwt_key_from_private_pem_file(&k, path_of("ec.pem"), err, sizeof err) == 0,
		      "%s", err);
	ck_assert_int_eq(k.alg, JWT_ALG_ES256);
	ck_assert_ptr_nonnull(strstr((char *)k.sign_key, "-----BEGIN PRIVATE KEY-----\n"));
	ck_assert_ptr_eq(strstr((char *)k.verify_key, "-----BEGIN PUBLIC KEY-----\n"),
			 (char *)k.verify_key);
	ck_assert_uint_eq(strlen(k.kid), 43);
	jwt_key_free(&k);
}
END_TEST

START_TEST(test_es256_token_signed_with_the_key_verifies_and_has_a_jose_signature)
{
	struct jwt_key k;
	char err[256] = "";
	ck_assert_int_eq(jwt_key_from_private_pem_file(&k, path_of("ec.pem"), err, sizeof err), 0);
	char *token = token_sign(&k);
	assert_token_verifies(token, &k);
	/* JWS ES256 is R||S, 64 bytes = 86 base64url characters, not OpenSSL's DER: other
	 * verifiers of our tokens (a gateway, a client library) need that form. */
	ck_assert_uint_eq(strlen(strrchr(token, '.') + 1), 86);
	free(token);
	jwt_key_free(&k);
}
END_TEST

START_TEST(test_sec1_ec_file_with_a_parameters_block_is_read_as_the_same_key)
{
	struct jwt_key sec1, pkcs8;
	char err[256] = "";
	FILE *f = fopen(path_of("ec-sec1.pem"), "r");
	char head[64] = "";
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(head, sizeof head, f));
	fclose(f);
	ck_assert_str_eq(head, "-----BEGIN EC PARAMETERS-----\n");
	ck_assert_msg(
		jwt_key_from_private_pem_file(&sec1, path_of("ec-sec1.pem"), err, sizeof err) == 0,
		"%s", err);
	ck_assert_int_eq(jwt_key_from_private_pem_file(&pkcs8, path_of("ec.pem"), err, sizeof err),
			 0);
	ck_assert_str_eq(sec1.kid, pkcs8.kid);
	/* Re-encoded: libjwt gets one PKCS#8 block, whatever the file held. */
	ck_assert_ptr_eq(strstr((char *)sec1.sign_key, "-----BEGIN PRIVATE KEY-----\n"),
			 (char *)sec1.sign_key);
	char *token = token_sign(&sec1);
	assert_token_verifies(token, &pkcs8);
	free(token);
	jwt_key_free(&sec1);
	jwt_key_free(&pkcs8);
}
END_TEST

START_TEST(test_rsa_jwks_publishes_the_key_n_and_e_under_its_kid)
{
	struct jwt_key k;
	char err[256] = "";
	json_t *jwks;
	unsigned char want[256], got[512];
	ck_assert_int_eq(jwt_key_from_private_pem_file(&k, path_of("rsa.pem"), err, sizeof err), 0);
	json_t *jwk = jwks_single_key(&k, &jwks, "RSA", "RS256");
	ck_assert_uint_eq(json_object_size(jwk), 6);
	bn_param_bytes(rsa_key, OSSL_PKEY_PARAM_RSA_N, want, 256);
	ck_assert_uint_eq(jwk_member_decode(jwk, "n", got, sizeof got), 256);
	ck_assert_mem_eq(got, want, 256);
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "e")), "AQAB"); /* 65537, minimal */
	json_decref(jwks);
	jwt_key_free(&k);
}
END_TEST

START_TEST(test_ec_jwks_publishes_the_point_x_and_y_under_its_kid)
{
	struct jwt_key k;
	char err[256] = "";
	json_t *jwks;
	unsigned char point[65], got[64];
	size_t point_len = 0;
	ck_assert_int_eq(jwt_key_from_private_pem_file(&k, path_of("ec.pem"), err, sizeof err), 0);
	json_t *jwk = jwks_single_key(&k, &jwks, "EC", "ES256");
	ck_assert_uint_eq(json_object_size(jwk), 7);
	ck_assert_str_eq(json_string_value(json_object_get(jwk, "crv")), "P-256");
	ck_assert_int_eq(EVP_PKEY_get_octet_string_param(ec_key, OSSL_PKEY_PARAM_PUB_KEY, point,
							 sizeof point, &point_len),
			 1);
	ck_assert_uint_eq(point_len, 65);
	ck_assert_uint_eq(point[0], 0x04); /* uncompressed: 0x04 || X || Y */
	ck_assert_uint_eq(jwk_member_decode(jwk, "x", got, sizeof got), 32);
	ck_assert_mem_eq(got, point + 1, 32);
	ck_assert_uint_eq(jwk_member_decode(jwk, "y", got, sizeof got), 32);
	ck_assert_mem_eq(got, point + 33, 32);
	json_decref(jwks);
	jwt_key_free(&k);
}
END_TEST

START_TEST(test_ec_coordinate_with_a_leading_zero_byte_is_published_as_32_bytes)
{
	struct jwt_key k;
	char err[256] = "";
	json_t *jwks;
	unsigned char got[64];
	const char *path = path_of("ec-leading-zero.pem");
	ck_assert_msg(jwt_key_from_private_pem_file(&k, path, err, sizeof err) == 0, "%s", err);
	json_t *jwk = jwks_single_key(&k, &jwks, "EC", "ES256");
	ck_assert_uint_eq(jwk_member_decode(jwk, "x", got, sizeof got), 32);
	ck_assert_uint_eq(jwk_member_decode(jwk, "y", got, sizeof got), 32);
	json_decref(jwks);
	jwt_key_free(&k);
}
END_TEST

START_TEST(test_kid_is_the_rfc7638_thumbprint_of_the_rfc_example_key)
{
	struct jwt_key k;
	char err[256] = "";
	ck_assert_msg(
		jwt_key_from_public_pem_file(&k, path_of("rfc7638.pub.pem"), err, sizeof err) == 0,
		"%s", err);
	ck_assert_int_eq(k.alg, JWT_ALG_RS256);
	ck_assert_str_eq(k.kid, RFC7638_THUMBPRINT);
	jwt_key_free(&k);
}
END_TEST

START_TEST(test_public_key_file_makes_a_verify_only_key_with_the_signer_kid)
{
	static const char *const pairs[][2] = {{"rsa.pem", "rsa.pub.pem"},
					       {"ec.pem", "ec.pub.pem"}};
	for (size_t i = 0; i < 2; i++) {
		struct jwt_key signer, verifier;
		char err[256] = "";
		const char *private_file = path_of(pairs[i][0]);
		ck_assert_int_eq(
			jwt_key_from_private_pem_file(&signer, private_file, err, sizeof err), 0);
		ck_assert_msg(jwt_key_from_public_pem_file(&verifier, path_of(pairs[i][1]), err,
							   sizeof err) == 0,
			      "%s: %s", pairs[i][1], err);
		ck_assert_int_eq(verifier.alg, signer.alg);
		ck_assert_ptr_null(verifier.sign_key);
		ck_assert_uint_eq(verifier.sign_len, 0);
		ck_assert_str_eq(verifier.jwks_json, signer.jwks_json); /* the same public JWK */
		ck_assert_str_eq(verifier.kid, signer.kid);
		ck_assert_str_eq((char *)verifier.verify_key, (char *)signer.verify_key);
		char *token = token_sign(&signer);
		assert_token_verifies(token, &verifier);
		free(token);
		jwt_key_free(&signer);
		jwt_key_free(&verifier);
	}
}
END_TEST

START_TEST(test_compressed_ec_public_key_gets_the_same_kid_and_verifies)
{
	struct jwt_key signer, verifier;
	char err[256] = "";
	ck_assert_int_eq(jwt_key_from_private_pem_file(&signer, path_of("ec.pem"), err, sizeof err),
			 0);
	ck_assert_msg(jwt_key_from_public_pem_file(&verifier, path_of("ec-compressed.pub.pem"), err,
						   sizeof err) == 0,
		      "%s", err);
	ck_assert_uint_lt(verifier.verify_len, signer.verify_len); /* really the short form */
	ck_assert_str_eq(verifier.kid, signer.kid);
	char *token = token_sign(&signer);
	assert_token_verifies(token, &verifier);
	free(token);
	jwt_key_free(&signer);
	jwt_key_free(&verifier);
}
END_TEST

/*
 * libjwt's algorithm-confusion trap: jwt_decode trusts the token's "alg", so an attacker who
 * HMACs a token with our PUBLIC key PEM (which we publish) as the secret gets it through
 * jwt_decode when the verifier passes that PEM. The only defence is comparing jwt_get_alg with
 * the key's algorithm after decoding, which is what the verifier does; this test pins both the
 * trap and the value the check sees.
 */
START_TEST(test_hs256_token_keyed_with_our_public_pem_passes_decode_so_check_alg)
{
	struct jwt_key k;
	char err[256] = "";
	jwt_t *forged = NULL, *out = NULL;
	ck_assert_int_eq(jwt_key_from_private_pem_file(&k, path_of("rsa.pem"), err, sizeof err), 0);
	ck_assert_int_eq(jwt_new(&forged), 0);
	ck_assert_int_eq(jwt_add_grant(forged, "sub", "attacker"), 0);
	ck_assert_int_eq(jwt_set_alg(forged, JWT_ALG_HS256, k.verify_key, (int)k.verify_len), 0);
	char *token = jwt_encode_str(forged);
	ck_assert_ptr_nonnull(token);
	ck_assert_int_eq(jwt_decode(&out, token, k.verify_key, (int)k.verify_len), 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(jwt_get_alg(out), JWT_ALG_HS256);
	ck_assert_int_ne(jwt_get_alg(out), k.alg); /* the verifier's check rejects it here */
	jwt_free(out);
	jwt_free(forged);
	free(token);
	jwt_key_free(&k);
}
END_TEST

START_TEST(test_missing_key_file_is_refused)
{
	assert_refused(1, "/nonexistent/cdtt/key.pem", "cannot open the key file: No such file");
	assert_refused(0, "/nonexistent/cdtt/key.pem", "cannot open the key file: No such file");
}
END_TEST

START_TEST(test_empty_key_file_is_refused)
{
	assert_refused(1, "empty.pem", "the key file is empty");
	assert_refused(0, "empty.pem", "the key file is empty");
}
END_TEST

START_TEST(test_garbage_key_file_is_refused)
{
	assert_refused(1, "garbage.pem", "the key file holds no PEM private key");
	assert_refused(0, "garbage.pem", "the key file holds no PEM public key");
}
END_TEST

START_TEST(test_ec_p384_key_is_refused)
{
	assert_refused(1, "ec-p384.pem", "EC keys must be on curve P-256 (ES256)");
	assert_refused(0, "ec-p384.pub.pem", "EC keys must be on curve P-256 (ES256)");
}
END_TEST

START_TEST(test_ed25519_key_is_refused)
{
	assert_refused(1, "ed25519.pem", "ED25519 keys are not supported");
}
END_TEST

START_TEST(test_rsa_1024_key_is_refused)
{
	assert_refused(1, "rsa-1024.pem", "RSA keys must have at least 2048 bits (RS256)");
}
END_TEST

START_TEST(test_encrypted_private_key_is_refused_without_prompting)
{
	assert_refused(1, "rsa-encrypted.pem", "the key file holds an encrypted private key");
}
END_TEST

START_TEST(test_public_key_given_as_private_key_is_refused)
{
	assert_refused(1, "rsa.pub.pem", "the key file holds a public key: give the private key");
}
END_TEST

START_TEST(test_private_key_given_as_public_key_is_refused)
{
	assert_refused(0, "rsa.pem", "the key file holds a private key: give only the public key");
	assert_refused(0, "ec-sec1.pem", "the key file holds a private key");
	assert_refused(0, "rsa-encrypted.pem", "the key file holds a private key");
}
END_TEST


START_TEST(test_previous_key_from_a_private_or_public_file_only_verifies)
{
	static const char *const files[] = {"rsa.pem", "rsa.pub.pem"};
	struct jwt_key signer;
	char err[256] = "";
	ck_assert_int_eq(jwt_key_from_private_pem_file(&signer, path_of("rsa.pem"), err, sizeof err), 0);
	for (size_t i = 0; i < 2; i++) {
		struct jwt_key previous;
		ck_assert_msg(jwt_key_from_pem_file(&previous, path_of(files[i]), err, sizeof err) == 0,
			      "%s: %s", files[i], err);
		ck_assert_ptr_null(previous.sign_key); /* the private part is dropped */
		ck_assert_str_eq(previous.kid, signer.kid);
		ck_assert_str_eq(previous.jwks_json, signer.jwks_json);
		char *token = token_sign(&signer);
		assert_token_verifies(token, &previous);
		free(token);
		jwt_key_free(&previous);
	}
	jwt_key_free(&signer);
}
END_TEST

START_TEST(test_jwks_merge_lists_the_keys_of_both_documents_in_order)
{
	char *both = jwks_merge("{\"keys\":[{\"kid\":\"a\"}]}", "{\"keys\":[{\"kid\":\"b\"}]}");
	ck_assert_str_eq(both, "{\"keys\":[{\"kid\":\"a\"},{\"kid\":\"b\"}]}");
	free(both);
	char *one = jwks_merge("{\"keys\":[]}", NULL);
	ck_assert_str_eq(one, "{\"keys\":[]}");
	free(one);
	ck_assert_ptr_null(jwks_merge("{\"keys\":{}}", NULL));
}
END_TEST

Suite *keys_suite(void)
{
	Suite *s = suite_create("keys");
	TCase *tc = tcase_create("keys");
	tcase_add_unchecked_fixture(tc, keys_setup, keys_teardown);
	tcase_add_test(tc, test_secret_of_32_bytes_makes_an_hs256_key_with_an_empty_jwks);
	tcase_add_test(tc, test_secret_of_31_bytes_is_refused);
	tcase_add_test(tc, test_hs256_token_signed_with_the_key_verifies);
	tcase_add_test(tc, test_rsa_2048_private_key_makes_an_rs256_key);
	tcase_add_test(tc, test_rs256_token_signed_with_the_key_verifies);
	tcase_add_test(tc, test_rs256_token_does_not_verify_with_another_public_key);
	tcase_add_test(tc, test_ec_p256_private_key_makes_an_es256_key);
	tcase_add_test(tc, test_es256_token_signed_with_the_key_verifies_and_has_a_jose_signature);
	tcase_add_test(tc, test_sec1_ec_file_with_a_parameters_block_is_read_as_the_same_key);
	tcase_add_test(tc, test_rsa_jwks_publishes_the_key_n_and_e_under_its_kid);
	tcase_add_test(tc, test_ec_jwks_publishes_the_point_x_and_y_under_its_kid);
	tcase_add_test(tc, test_ec_coordinate_with_a_leading_zero_byte_is_published_as_32_bytes);
	tcase_add_test(tc, test_kid_is_the_rfc7638_thumbprint_of_the_rfc_example_key);
	tcase_add_test(tc, test_public_key_file_makes_a_verify_only_key_with_the_signer_kid);
	tcase_add_test(tc, test_compressed_ec_public_key_gets_the_same_kid_and_verifies);
	tcase_add_test(tc, test_hs256_token_keyed_with_our_public_pem_passes_decode_so_check_alg);
	tcase_add_test(tc, test_missing_key_file_is_refused);
	tcase_add_test(tc, test_empty_key_file_is_refused);
	tcase_add_test(tc, test_garbage_key_file_is_refused);
	tcase_add_test(tc, test_ec_p384_key_is_refused);
	tcase_add_test(tc, test_ed25519_key_is_refused);
	tcase_add_test(tc, test_rsa_1024_key_is_refused);
	tcase_add_test(tc, test_encrypted_private_key_is_refused_without_prompting);
	tcase_add_test(tc, test_public_key_given_as_private_key_is_refused);
	tcase_add_test(tc, test_private_key_given_as_public_key_is_refused);
	tcase_add_test(tc, test_previous_key_from_a_private_or_public_file_only_verifies);
	tcase_add_test(tc, test_jwks_merge_lists_the_keys_of_both_documents_in_order);
	suite_add_tcase(s, tc);
	return s;
}
