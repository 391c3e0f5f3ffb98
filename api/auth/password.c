#include "password.h"

#include <pthread.h>
#include <string.h>
#include <sodium.h>

#include "../text.h"

#define OPSLIMIT 2
#define MEMLIMIT (19u * 1024 * 1024)
#define PASSWORD_CONCURRENCY 2

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_free = PTHREAD_COND_INITIALIZER;
static int gate_used;

static void gate_enter(void)
{
	pthread_mutex_lock(&gate_lock);
	while (gate_used == PASSWORD_CONCURRENCY)
		pthread_cond_wait(&gate_free, &gate_lock);
	gate_used++;
	pthread_mutex_unlock(&gate_lock);
}

static void gate_leave(void)
{
	pthread_mutex_lock(&gate_lock);
	gate_used--;
	pthread_cond_signal(&gate_free);
	pthread_mutex_unlock(&gate_lock);
}

int password_init(void)
{
	unsigned char random[24];
	char text[sizeof random * 2 + 1];
	randombytes_buf(random, sizeof random);
	sodium_bin2hex(text, sizeof text, random, sizeof random);
	return password_hash(text, dummy_hash);
}

int password_hash(const char *password, char out[PASSWORD_HASH_MAX])
{
	char hash[crypto_pwhash_STRBYTES];
	gate_enter();
	int rc = crypto_pwhash_str_alg(hash, password, strlen(password), OPSLIMIT, MEMLIMIT,
				       crypto_pwhash_ALG_ARGON2ID13);
	gate_leave();
	size_t len = rc == 0 ? strlen(hash) : 0;
	if (rc != 0 || len >= PASSWORD_HASH_MAX)
		return -1;
	memcpy(out, hash, len + 1);
	return 0;
}

int password_verify(const char *password, const char *hash)
{
	const char *against = hash && *hash ? hash : dummy_hash;
	gate_enter();
	int ok = crypto_pwhash_str_verify(against, password, strlen(password)) == 0;
	gate_leave();
	return ok && against != dummy_hash;
}

const char *password_weakness(const char *password)
{
	size_t n = text_length(password); /* characters, not bytes: "mật khẩu" counts 8 */
	if (n < PASSWORD_MIN_LENGTH)
		return "must be at least 12 characters";
	if (n > PASSWORD_MAX_LENGTH)
		return "must be at most 256 characters";
	return NULL;
}
