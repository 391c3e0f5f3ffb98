/*
 * The keys of JWT access tokens: ours, which sign (an HS256 secret, or an RSA / EC P-256 private
 * key read from a PEM file), and a trusted external identity provider's, which only verify. The
 * key material is kept in the exact form libjwt 1.10.2 takes it, with the RFC 7638 kid and the
 * JWKS document that /.well-known/jwks.json publishes for asymmetric keys.
 */
#ifndef CDTT_AUTH_KEYS_H
#define CDTT_AUTH_KEYS_H
#include <stddef.h>

#include <jwt.h>

/* A key that signs (ours) or only verifies (a trusted external identity provider's). */
struct jwt_key {
	jwt_alg_t alg;             /* JWT_ALG_HS256, JWT_ALG_RS256 or JWT_ALG_ES256 */
	unsigned char *sign_key;   /* HS256: the secret; RS/ES: the private key PEM; NULL for
				      verify-only keys */
	size_t sign_len;
	unsigned char *verify_key; /* HS256: the secret; RS/ES: the PUBLIC key PEM
				      (SubjectPublicKeyInfo) */
	size_t verify_len;
	char kid[48];              /* RFC 7638 JWK SHA-256 thumbprint, base64url without padding;
				      "" for HS256 */
	char *jwks_json;           /* {"keys":[{kty,use:"sig",alg,kid,n,e | crv,x,y}]};
				      {"keys":[]} for HS256; malloc'd */
};

/*
 * Every constructor fills *k and returns 0, or returns -1 with one line in err (generic: the
 * caller prefixes the name of the variable it read) and leaves *k empty. On success the caller
 * owns the members and releases them with jwt_key_free. sign_key and verify_key are also
 * NUL-terminated (the NUL is not counted in the lengths).
 */

/* HS256 from a secret of at least 32 bytes. Returns 0, or -1 with one line in err. */
int jwt_key_from_secret(struct jwt_key *k, const char *secret, char *err, size_t errlen);

/*
 * From a PEM private key file: RSA (>= 2048 bits) -> RS256, EC P-256 -> ES256; anything else
 * refused (EC on other curves, Ed25519, DSA, encrypted PEMs, RSA < 2048, a public key). Derives
 * the public PEM, the kid and the JWKS. sign_key is the key re-encoded as unencrypted PKCS#8.
 */
int jwt_key_from_private_pem_file(struct jwt_key *k, const char *path, char *err, size_t errlen);

/*
 * From a PEM PUBLIC key file (SubjectPublicKeyInfo, "-----BEGIN PUBLIC KEY-----"): RSA -> RS256,
 * EC P-256 -> ES256; for a trusted external issuer: verify_key only (re-encoded as
 * SubjectPublicKeyInfo), sign_key NULL, kid and JWKS computed. A private key is refused:
 * it would work, but a private key has no business on a machine that only verifies.
 */
int jwt_key_from_public_pem_file(struct jwt_key *k, const char *path, char *err, size_t errlen);

/*
 * A key that only verifies, from a PEM file holding either a private key (whose private part
 * is then dropped: the key we signed with before a rotation) or a public key.
 */
int jwt_key_from_pem_file(struct jwt_key *k, const char *path, char *err, size_t errlen);

/* The keys of two JWKS documents in one ({"keys":[...first, ...second]}); second may be NULL.
 * The caller frees the result; NULL on failure. */
char *jwks_merge(const char *first, const char *second);

/* Frees the members, zeroes secrets (sodium_memzero) and leaves *k empty. Safe on an empty key. */
void jwt_key_free(struct jwt_key *k);

#endif
