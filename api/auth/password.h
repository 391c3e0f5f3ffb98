/*
 * Passwords: Argon2id (libsodium) with OWASP's parameters (19 MiB, 2 passes), and at most
 * PASSWORD_CONCURRENCY hashes at a time so that a burst of logins cannot exhaust memory.
 * Verification of an unknown account runs against a dummy hash, so it takes as long as a real
 * one.
 */
#ifndef CDTT_AUTH_PASSWORD_H
#define CDTT_AUTH_PASSWORD_H
#include <stddef.h>

#define PASSWORD_MIN_LENGTH 12
#define PASSWORD_MAX_LENGTH 256
#define PASSWORD_HASH_MAX 128

/* Prepares the dummy hash; call once before threads start. Returns 0 or -1. */
int password_init(void);

/* Hashes into out[PASSWORD_HASH_MAX]. Returns 0 or -1 (out of memory). */
int password_hash(const char *password, char out[PASSWORD_HASH_MAX]);

/* True when password matches hash; hash NULL (unknown account) spends the same time, false. */
int password_verify(const char *password, const char *hash);

/* NULL when acceptable, else why not (a static string). */
const char *password_weakness(const char *password);

#endif
