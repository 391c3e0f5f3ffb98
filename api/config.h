/*
 * Configuration: the CDTT_* environment variables, read and validated once at start-up into
 * one struct. Nothing else in the program reads the environment.
 */
#ifndef CDTT_CONFIG_H
#define CDTT_CONFIG_H
#include <stddef.h>

#include "http/proxy.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* What a subcommand needs: config_load checks only those variables. */
enum config_needs {
	CONFIG_DATABASE = 1 << 0, /* CDTT_DATABASE_URL */
	CONFIG_SERVE = 1 << 1,    /* pool, limits, signing key (and CONFIG_LISTEN) */
	CONFIG_LISTEN = 1 << 2,   /* CDTT_LISTEN only */
};

#define CONFIG_MAX_ORIGINS 16
#define CONFIG_HOST_MAX 64
/* The defaults of CDTT_MAX_CONNECTIONS, CDTT_MAX_CONNECTIONS_PER_ADDRESS, CDTT_HEADER_TIMEOUT
 * and CDTT_BODY_TIMEOUT (seconds). */
#define CONFIG_MAX_CONNECTIONS 1024
#define CONFIG_MAX_CONNECTIONS_PER_ADDRESS 64
#define CONFIG_HEADER_TIMEOUT 10
#define CONFIG_BODY_TIMEOUT 120

struct config {
	char *database_url;
	char *replica_url;        /* NULL when unset */
	char listen_host[CONFIG_HOST_MAX]; /* IPv4 literal */
	int listen_port;
	char metrics_host[CONFIG_HOST_MAX]; /* CDTT_METRICS_LISTEN; "" when unset (/metrics on the
					     * API's port) */
	int metrics_port;
	char *jwt_secret;         /* exactly one of jwt_secret / jwt_key_file for serve */
	char *jwt_key_file;
	char *jwt_previous_key_file; /* a rotated-out key: still verifies, still published */
	char *jwt_issuer;         /* iss of the tokens we issue (CDTT_JWT_ISSUER, default "cdtt") */
	char *jwt_audience;       /* aud of the tokens we issue (CDTT_JWT_AUDIENCE, default "cdtt-api") */
	char *trusted_issuer;     /* an external identity provider: all three set, or none */
	char *trusted_issuer_key_file;
	char *trusted_audience;
	int token_ttl;            /* seconds */
	int threads;
	int db_pool_size;
	int db_wait_ms;           /* how long a request waits for a free connection before 503 */
	int shutdown_grace;       /* seconds in-flight requests get on SIGTERM */
	int statement_timeout_ms; /* longest a request's statement may run; 0: no limit */
	int account_cache_ttl;    /* seconds an authenticated account stays cached; 0: never */
	size_t max_body_bytes;
	size_t max_import_bytes;  /* the body limit of bulk uploads (CSV imports) */
	char *cors_origins[CONFIG_MAX_ORIGINS]; /* exact origins, or a single "*" */
	int n_cors_origins;
	enum log_level log_level;
	struct proxy_list trusted_proxies; /* CDTT_TRUSTED_PROXIES; empty: the peer is the client */
	int max_connections;      /* open connections in all (CDTT_MAX_CONNECTIONS) */
	int max_connections_per_address; /* per client address, trusted proxies excepted */
	int header_timeout;       /* seconds to send the whole request line and headers */
	int body_timeout;         /* seconds to send the whole body once the headers are in */
};

typedef const char *(*config_getenv_fn)(const char *name);

/*
 * Fills *cfg from the environment (getenv_fn, or getenv when NULL). On failure returns -1 and
 * writes one line naming the variable and what was expected into err. The caller frees the
 * struct's strings with config_free, also after a failure.
 */
int config_load(struct config *cfg, unsigned needs, config_getenv_fn getenv_fn, char *err,
		size_t errlen);
void config_free(struct config *cfg);

#endif
