/*
 * JWT keys, read once at start-up. PEM files are decoded with OpenSSL 3 and then re-encoded
 * (private keys as unencrypted PKCS#8, public keys as SubjectPublicKeyInfo), so libjwt 1.10.2,
 * which calls PEM_read_bio_PrivateKey / PEM_read_bio_PUBKEY on exactly these bytes, always sees
 * one well-formed block whatever layout the operator's file had (SEC1 with an "EC PARAMETERS"
 * block, PKCS#1, text around the block...).
 *
 * Only what the verifier accepts is accepted here: RSA of 2048 bits or more (RS256) and EC on
 * P-256 (ES256). Encrypted PEMs are refused rather than prompted for: OpenSSL's default would
 * read a passphrase from the terminal, which a service must never do.
 *
 * The kid is the RFC 7638 thumbprint, so the same key always gets the same kid, on every
 * replica and after every restart, and an external issuer's kid can be checked the same way.
 */
#include "keys.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "../text.h"

#define MIN_SECRET_BYTES 32
#define MIN_RSA_BITS 2048
#define EC_COORD_BYTES 32        /* P-256 */
#define MAX_KEY_FILE_BYTES 65536 /* a 16384-bit RSA private key PEM is about 13 KB */
#define BASE64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING /* JOSE: no padding (RFC 7515 §2) */

/* Copies n bytes into a new NUL-terminated buffer; the caller frees it. NULL when out of memory. */
static unsigned char *bytes_dup(const void *p, size_t n)
{
	unsigned char *copy = malloc(n + 1);
	if (!copy)
		return NULL;
	memcpy(copy, p, n);
	copy[n] = '\0';
	return copy;
}

/* Zeroes then frees a buffer of n bytes that held key material; NULL is fine. */
static void secret_free(unsigned char *p, size_t n)
{
	if (!p)
		return;
	sodium_memzero(p, n);
	free(p);
}

/*
 * Reads the whole file at path into *out (NUL-terminated, *len bytes without the NUL). The
 * caller zeroes and frees *out with secret_free(*out, *len + 1): it may hold a private key.
 */
static int key_file_read(const char *path, unsigned char **out, size_t *len, char *err,
			 size_t errlen)
{
	unsigned char *buf = NULL;
	size_t n = 0;
	int rc = -1;
	FILE *f = fopen(path, "rb");
	if (!f) {
		char reason[128];
		if (strerror_r(errno, reason, sizeof reason) != 0)
			snprintf(reason, sizeof reason, "error %d", errno);
		text_fail(err, errlen, "cannot open the key file: %s", reason);
		goto out;
	}
	/* One byte more than the limit, to tell "too large" from "exactly at the limit". */
	buf = malloc(MAX_KEY_FILE_BYTES + 2);
	if (!buf) {
		text_fail(err, errlen, "out of memory");
		goto out;
	}
	n = fread(buf, 1, MAX_KEY_FILE_BYTES + 1, f);
	if (ferror(f)) {
		text_fail(err, errlen, "cannot read the key file");
		goto out;
	}
	if (n == 0) {
		text_fail(err, errlen, "the key file is empty");
		goto out;
	}
	if (n > MAX_KEY_FILE_BYTES) {
		text_fail(err, errlen, "the key file is larger than %d bytes: not a PEM key",
		          MAX_KEY_FILE_BYTES);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	secret_free(buf, MAX_KEY_FILE_BYTES + 2);
	if (f)
		fclose(f);
	return rc;
}

/* A passphrase callback that notes it was asked and refuses, instead of prompting a terminal. */
static int passphrase_refuse(char *buf, int size, int rwflag, void *asked)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(int *)asked = 1;
	return -1;
}

/*
 * What the PEM text holds: the private key (when want_private) or the public key, or NULL with
 * *asked_passphrase set when the block is encrypted. The caller frees the key with EVP_PKEY_free.
 */
static EVP_PKEY *pem_decode(const unsigned char *pem, size_t len, int want_private,
			    int *asked_passphrase)
{
	EVP_PKEY *pkey = NULL;
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	*asked_passphrase = 0;
	if (!bio)
		return NULL;
	if (want_private)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, passphrase_refuse, asked_passphrase);
	else
		pkey = PEM_read_bio_PUBKEY(bio, NULL, passphrase_refuse, asked_passphrase);
	BIO_free(bio);
	ERR_clear_error(); /* a failed decode leaves errors queued for whoever looks next */
	return pkey;
}

/*
 * Checks the key is one we sign or verify with and sets *alg: RSA >= 2048 bits -> RS256,
 * EC P-256 -> ES256. Returns 0, or -1 with one line in err.
 */
static int key_algorithm(EVP_PKEY *pkey, jwt_alg_t *alg, char *err, size_t errlen)
{
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		int bits = EVP_PKEY_get_bits(pkey);
		if (bits < MIN_RSA_BITS)
			return text_fail(err, errlen,
				         "RSA keys must have at least %d bits (RS256); this one has %d",
				         MIN_RSA_BITS, bits);
		*alg = JWT_ALG_RS256;
		return 0;
	}
	if (EVP_PKEY_is_a(pkey, "EC")) {
		char group[64];
		size_t group_len = 0;
		if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
						   sizeof group, &group_len) != 1 ||
		    (strcmp(group, "prime256v1") && strcmp(group, "P-256"))) {
			ERR_clear_error();
			return text_fail(err, errlen, "EC keys must be on curve P-256 (ES256)");
		}
		*alg = JWT_ALG_ES256;
		return 0;
	}
	const char *type = EVP_PKEY_get0_type_name(pkey);
	return text_fail(err, errlen,
		         "%s keys are not supported: use RSA of at least %d bits (RS256) or EC on P-256 "
		         "(ES256)",
		         type ? type : "these", MIN_RSA_BITS);
}

/* base64url without padding of n bytes; the caller frees the string (NULL when out of memory). */
static char *base64url(const unsigned char *bin, size_t n)
{
	size_t size = sodium_base64_ENCODED_LEN(n, BASE64URL);
	char *b64 = malloc(size);
	if (b64)
		sodium_bin2base64(b64, size, bin, n, BASE64URL);
	return b64;
}

/*
 * The key parameter named param as a JWK base64url value: big-endian, minimal length when
 * width is 0 (RSA n, e: RFC 7518 §6.3.1), left-padded to width bytes otherwise (EC x, y:
 * §6.2.1.2). The caller frees the string; NULL on failure.
 */
static char *bn_param_base64url(EVP_PKEY *pkey, const char *param, int width)
{
	BIGNUM *bn = NULL;
	unsigned char *bin = NULL;
	char *b64 = NULL;
	if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1)
		goto out;
	int n = width ? width : BN_num_bytes(bn);
	if (n <= 0 || BN_num_bytes(bn) > n)
		goto out;
	bin = malloc((size_t)n);
	if (!bin || BN_bn2binpad(bn, bin, n) != n)
		goto out;
	b64 = base64url(bin, (size_t)n);
out:
	free(bin);
	BN_free(bn);
	ERR_clear_error();
	return b64;
}

/* The public members of a JWK, base64url: n and e for RSA, x and y for EC. */
struct jwk_public {
	char *n, *e;
	char *x, *y;
};

static void jwk_public_free(struct jwk_public *pub)
{
	free(pub->n);
	free(pub->e);
	free(pub->x);
	free(pub->y);
	memset(pub, 0, sizeof *pub);
}

/*
 * Reads the public members of an RS256 or ES256 key. EC x and y are read as numbers rather than
 * cut from the encoded point, which may be compressed (0x02/0x03 || X) in a public key file.
 * Returns 0, or -1 (the members set so far are freed by jwk_public_free).
 */
static int jwk_public_read(EVP_PKEY *pkey, jwt_alg_t alg, struct jwk_public *pub)
{
	memset(pub, 0, sizeof *pub);
	if (alg == JWT_ALG_RS256) {
		pub->n = bn_param_base64url(pkey, OSSL_PKEY_PARAM_RSA_N, 0);
		pub->e = bn_param_base64url(pkey, OSSL_PKEY_PARAM_RSA_E, 0);
		return pub->n && pub->e ? 0 : -1;
	}
	pub->x = bn_param_base64url(pkey, OSSL_PKEY_PARAM_EC_PUB_X, EC_COORD_BYTES);
	pub->y = bn_param_base64url(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, EC_COORD_BYTES);
	return pub->x && pub->y ? 0 : -1;
}

/*
 * The RFC 7638 thumbprint into kid (at least 44 bytes): SHA-256 of the required members in
 * lexicographic order, no whitespace. The values are base64url, so nothing needs escaping.
 */
static int jwk_thumbprint(jwt_alg_t alg, const struct jwk_public *pub, char *kid, size_t kidlen)
{
	static const char rsa_form[] = "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}";
	static const char ec_form[] =
		"{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}";
	const int rsa = alg == JWT_ALG_RS256;
	const char *form = rsa ? rsa_form : ec_form;
	const char *first = rsa ? pub->e : pub->x, *second = rsa ? pub->n : pub->y;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char *canonical = NULL;
	int rc = -1;
	int n = snprintf(NULL, 0, form, first, second);
	if (n < 0 || !(canonical = malloc((size_t)n + 1)))
		goto out;
	snprintf(canonical, (size_t)n + 1, form, first, second);
	crypto_hash_sha256(digest, (const unsigned char *)canonical, (unsigned long long)n);
	if (kidlen < sodium_base64_ENCODED_LEN(sizeof digest, BASE64URL))
		goto out;
	sodium_bin2base64(kid, kidlen, digest, sizeof digest, BASE64URL);
	rc = 0;
out:
	free(canonical);
	return rc;
}

/*
 * Serialises json compactly into a buffer from malloc (not from jansson's allocator, which
 * ulfius replaces process-wide), so the caller frees it with free(). NULL on failure.
 */
static char *json_dump_malloc(const json_t *json)
{
	size_t n = json_dumpb(json, NULL, 0, JSON_COMPACT);
	char *text = n ? malloc(n + 1) : NULL;
	if (!text)
		return NULL;
	if (json_dumpb(json, text, n, JSON_COMPACT) != n) {
		free(text);
		return NULL;
	}
	text[n] = '\0';
	return text;
}

/* {"keys":[{...}]} for an asymmetric key; the caller frees the string. NULL on failure. */
static char *jwks_build(jwt_alg_t alg, const char *kid, const struct jwk_public *pub)
{
	char *text = NULL;
	json_t *jwk;
	if (alg == JWT_ALG_RS256)
		jwk = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "RSA", "use", "sig", "alg",
				"RS256", "kid", kid, "n", pub->n, "e", pub->e);
	else
		jwk = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "EC", "use", "sig",
				"alg", "ES256", "kid", kid, "crv", "P-256", "x", pub->x, "y",
				pub->y);
	json_t *jwks = jwk ? json_pack("{s:[o]}", "keys", jwk) : NULL; /* steals jwk */
	if (jwks)
		text = json_dump_malloc(jwks);
	json_decref(jwks);
	return text;
}

/*
 * The key written as PEM into a new NUL-terminated buffer (*len without the NUL): the public
 * key as SubjectPublicKeyInfo, or the private key as unencrypted PKCS#8 through a BIO that
 * zeroes its memory. The caller frees the buffer (with secret_free for a private key).
 */
static unsigned char *pem_encode(EVP_PKEY *pkey, int private_key, size_t *len)
{
	unsigned char *copy = NULL;
	char *data;
	BIO *bio = BIO_new(private_key ? BIO_s_secmem() : BIO_s_mem());
	if (!bio)
		goto out;
	if (private_key ? PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1
			: PEM_write_bio_PUBKEY(bio, pkey) != 1)
		goto out;
	long n = BIO_get_mem_data(bio, &data);
	if (n <= 0)
		goto out;
	copy = bytes_dup(data, (size_t)n);
	if (copy)
		*len = (size_t)n;
out:
	BIO_free(bio);
	ERR_clear_error();
	return copy;
}

/*
 * Fills k from a decoded key: alg, the public PEM, the kid, the JWKS, and for a key we sign
 * with the private PEM. Returns 0, or -1 with one line in err (the caller frees k).
 */
static int key_fill(struct jwt_key *k, EVP_PKEY *pkey, int signs, char *err, size_t errlen)
{
	struct jwk_public pub;
	int rc = -1;
	memset(&pub, 0, sizeof pub);
	if (key_algorithm(pkey, &k->alg, err, errlen))
		goto out;
	if (jwk_public_read(pkey, k->alg, &pub) ||
	    jwk_thumbprint(k->alg, &pub, k->kid, sizeof k->kid)) {
		text_fail(err, errlen, "cannot read the public key parameters");
		goto out;
	}
	if (!(k->verify_key = pem_encode(pkey, 0, &k->verify_len)) ||
	    (signs && !(k->sign_key = pem_encode(pkey, 1, &k->sign_len))) ||
	    !(k->jwks_json = jwks_build(k->alg, k->kid, &pub))) {
		text_fail(err, errlen, "out of memory encoding the key");
		goto out;
	}
	rc = 0;
out:
	jwk_public_free(&pub);
	return rc;
}

int jwt_key_from_secret(struct jwt_key *k, const char *secret, char *err, size_t errlen)
{
	memset(k, 0, sizeof *k);
	size_t n = secret ? strlen(secret) : 0;
	if (n < MIN_SECRET_BYTES)
		return text_fail(err, errlen, "the secret must be at least %d bytes", MIN_SECRET_BYTES);
	k->alg = JWT_ALG_HS256;
	k->sign_key = bytes_dup(secret, n);
	k->verify_key = bytes_dup(secret, n);
	k->sign_len = k->verify_len = n;
	k->jwks_json = strdup("{\"keys\":[]}"); /* a shared secret is never published */
	if (!k->sign_key || !k->verify_key || !k->jwks_json) {
		jwt_key_free(k);
		return text_fail(err, errlen, "out of memory");
	}
	return 0;
}

int jwt_key_from_private_pem_file(struct jwt_key *k, const char *path, char *err, size_t errlen)
{
	unsigned char *pem = NULL;
	size_t len = 0;
	EVP_PKEY *pkey = NULL, *public_only = NULL;
	int asked_passphrase, rc = -1;
	memset(k, 0, sizeof *k);
	if (key_file_read(path, &pem, &len, err, errlen))
		goto out;
	pkey = pem_decode(pem, len, 1, &asked_passphrase);
	if (!pkey) {
		if (asked_passphrase)
			text_fail(err, errlen,
			          "the key file holds an encrypted private key: store it unencrypted, "
			          "readable only by the service");
		else if ((public_only = pem_decode(pem, len, 0, &asked_passphrase)))
			text_fail(err, errlen,
			          "the key file holds a public key: give the private key "
			          "(-----BEGIN PRIVATE KEY-----)");
		else
			text_fail(err, errlen, "the key file holds no PEM private key");
		goto out;
	}
	rc = key_fill(k, pkey, 1, err, errlen);
out:
	if (rc)
		jwt_key_free(k);
	EVP_PKEY_free(public_only);
	EVP_PKEY_free(pkey);
	if (pem)
		secret_free(pem, len + 1);
	return rc;
}

int jwt_key_from_public_pem_file(struct jwt_key *k, const char *path, char *err, size_t errlen)
{
	unsigned char *pem = NULL;
	size_t len = 0;
	EVP_PKEY *pkey = NULL, *private_key = NULL;
	int asked_passphrase, rc = -1;
	memset(k, 0, sizeof *k);
	if (key_file_read(path, &pem, &len, err, errlen))
		goto out;
	/* Private first: PEM_read_bio_PUBKEY does not take public keys out of private blocks, and
	 * a private key here is a misconfiguration to report, not to work around. */
	private_key = pem_decode(pem, len, 1, &asked_passphrase);
	if (private_key || asked_passphrase) {
		text_fail(err, errlen,
		          "the key file holds a private key: give only the public key "
		          "(-----BEGIN PUBLIC KEY-----)");
		goto out;
	}
	pkey = pem_decode(pem, len, 0, &asked_passphrase);
	if (!pkey) {
		text_fail(err, errlen,
		          "the key file holds no PEM public key (-----BEGIN PUBLIC KEY-----)");
		goto out;
	}
	rc = key_fill(k, pkey, 0, err, errlen);
out:
	if (rc)
		jwt_key_free(k);
	EVP_PKEY_free(private_key);
	EVP_PKEY_free(pkey);
	if (pem)
		secret_free(pem, len + 1);
	return rc;
}

char *jwks_merge(const char *first, const char *second)
{
	char *text = NULL;
	json_t *a = json_loads(first, 0, NULL), *b = second ? json_loads(second, 0, NULL) : NULL;
	json_t *keys = json_object_get(a, "keys");
	if (!json_is_array(keys) || (second && !json_is_array(json_object_get(b, "keys"))))
		goto out;
	if (b && json_array_extend(keys, json_object_get(b, "keys")) != 0)
		goto out;
	text = json_dump_malloc(a);
out:
	json_decref(a);
	json_decref(b);
	return text;
}

int jwt_key_from_pem_file(struct jwt_key *k, const char *path, char *err, size_t errlen)
{
	unsigned char *pem = NULL;
	size_t len = 0;
	int asked_passphrase, is_private;
	memset(k, 0, sizeof *k);
	if (key_file_read(path, &pem, &len, err, errlen))
		return -1;
	EVP_PKEY *pkey = pem_decode(pem, len, 1, &asked_passphrase);
	is_private = pkey != NULL || asked_passphrase;
	EVP_PKEY_free(pkey);
	secret_free(pem, len + 1);
	/* a private key loses its private part: only the public one is kept */
	if (!is_private)
		return jwt_key_from_public_pem_file(k, path, err, errlen);
	if (jwt_key_from_private_pem_file(k, path, err, errlen))
		return -1;
	secret_free(k->sign_key, k->sign_len + 1);
	k->sign_key = NULL;
	k->sign_len = 0;
	return 0;
}

void jwt_key_free(struct jwt_key *k)
{
	/* +1: the buffers are NUL-terminated past their lengths. */
	if (k->sign_key)
		secret_free(k->sign_key, k->sign_len + 1);
	if (k->verify_key)
		secret_free(k->verify_key, k->verify_len + 1);
	free(k->jwks_json);
	sodium_memzero(k, sizeof *k);
}
