/*
 * Every CDTT_* variable is parsed strictly: a number with trailing garbage, a port of 0, an
 * origin without a scheme or a secret too short to be safe all stop start-up with exit code 2
 * and one line naming the variable. Defaults are the ones SPEC §7 documents.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "text.h"

#define MIN_SECRET_BYTES 32

/* *field = a copy of v (NULL for NULL); -1 with err set when memory ran out. */
static int keep(char **field, const char *v, char *err, size_t errlen)
{
	*field = v ? strdup(v) : NULL;
	return v && !*field ? text_fail(err, errlen, "out of memory") : 0;
}

static const char *env_get(config_getenv_fn getenv_fn, const char *name)
{
	const char *v = getenv_fn ? getenv_fn(name) : getenv(name);
	return v && *v ? v : NULL; /* an empty variable counts as unset */
}

/* Parses a whole decimal integer in [min, max]; -1 when absent or malformed. */
static int parse_int(const char *s, long min, long max, long *out)
{
	if (!s || !*s)
		return -1;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	errno = 0;
	long v = strtol(s, NULL, 10);
	if (errno || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int int_var(config_getenv_fn g, const char *name, long def, long min, long max, long *out,
		   char *err, size_t errlen)
{
	const char *v = env_get(g, name);
	if (!v) {
		*out = def;
		return 0;
	}
	if (parse_int(v, min, max, out) != 0)
		return text_fail(err, errlen, "%s must be a whole number from %ld to %ld", name, min, max);
	return 0;
}

/* name's value v, IPv4:port, into host (CONFIG_HOST_MAX bytes) and *port_out. */
/* int_var into an int member of the configuration (every range here fits an int). */
static int int_setting(config_getenv_fn g, const char *name, long def, long min, long max,
		       int *out, char *err, size_t errlen)
{
	long v;
	if (int_var(g, name, def, min, max, &v, err, errlen))
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_address(const char *name, const char *v, char *host, int *port_out, char *err,
			 size_t errlen)
{
	const char *colon = strrchr(v, ':');
	long port;
	struct in_addr addr;
	size_t hostlen = colon ? (size_t)(colon - v) : 0;
	if (!colon || hostlen == 0 || hostlen >= CONFIG_HOST_MAX ||
	    parse_int(colon + 1, 1, 65535, &port) != 0)
		goto bad;
	memcpy(host, v, hostlen);
	host[hostlen] = '\0';
	if (!strcmp(host, "localhost"))
		snprintf(host, CONFIG_HOST_MAX, "127.0.0.1");
	if (inet_pton(AF_INET, host, &addr) != 1)
		goto bad;
	*port_out = (int)port;
	return 0;
bad:
	return text_fail(err, errlen,
		         "%s must be host:port with an IPv4 address and a port from 1 to 65535", name);
}

static int parse_listen(struct config *cfg, const char *v, char *err, size_t errlen)
{
	return parse_address("CDTT_LISTEN", v, cfg->listen_host, &cfg->listen_port, err, errlen);
}

/* CDTT_METRICS_LISTEN: /metrics on an address of its own (unset: on CDTT_LISTEN's). */
static int parse_metrics_listen(struct config *cfg, config_getenv_fn g, char *err, size_t errlen)
{
	const char *v = env_get(g, "CDTT_METRICS_LISTEN");
	if (!v)
		return 0;
	if (parse_address("CDTT_METRICS_LISTEN", v, cfg->metrics_host, &cfg->metrics_port, err,
			  errlen) != 0)
		return -1;
	int overlaps = !strcmp(cfg->metrics_host, cfg->listen_host) ||
		       !strcmp(cfg->metrics_host, "0.0.0.0") || !strcmp(cfg->listen_host, "0.0.0.0");
	if (cfg->metrics_port == cfg->listen_port && overlaps)
		return text_fail(err, errlen, "CDTT_METRICS_LISTEN must be another address than CDTT_LISTEN");
	return 0;
}

/* An origin is scheme://host[:port], no path, no trailing slash (RFC 6454 serialisation). */
static int origin_valid(const char *o)
{
	const char *rest;
	if (!strncmp(o, "http://", 7))
		rest = o + 7;
	else if (!strncmp(o, "https://", 8))
		rest = o + 8;
	else
		return 0;
	if (!*rest)
		return 0;
	for (const char *p = rest; *p; p++)
		if (!(*p == '.' || *p == '-' || *p == ':' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '[' || *p == ']'))
			return 0;
	return 1;
}

static int parse_origins(struct config *cfg, const char *v, char *err, size_t errlen)
{
	char *copy = strdup(v), *save = NULL;
	int rc = 0;
	if (!copy)
		return text_fail(err, errlen, "out of memory");
	for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (cfg->n_cors_origins == CONFIG_MAX_ORIGINS) {
			rc = text_fail(err, errlen, "CDTT_CORS_ORIGINS may list at most %d origins",
				       CONFIG_MAX_ORIGINS);
			break;
		}
		if (strcmp(tok, "*") && !origin_valid(tok)) {
			rc = text_fail(err, errlen,
				       "CDTT_CORS_ORIGINS must be a comma-separated list of origins like "
				       "https://app.example.gov.vn, or *");
			break;
		}
		if ((rc = keep(&cfg->cors_origins[cfg->n_cors_origins], tok, err, errlen)) != 0)
			break;
		cfg->n_cors_origins++;
	}
	if (rc == 0 && cfg->n_cors_origins > 1)
		for (int i = 0; i < cfg->n_cors_origins; i++)
			if (!strcmp(cfg->cors_origins[i], "*"))
				rc = text_fail(err, errlen, "CDTT_CORS_ORIGINS: * cannot be combined with origins");
	free(copy);
	return rc;
}

static int parse_log_level(struct config *cfg, const char *v, char *err, size_t errlen)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	if (!v) {
		cfg->log_level = LOG_INFO;
		return 0;
	}
	for (int i = 0; i < 4; i++)
		if (!strcmp(v, names[i])) {
			cfg->log_level = (enum log_level)i;
			return 0;
		}
	return text_fail(err, errlen, "CDTT_LOG_LEVEL must be one of debug, info, warn, error");
}

static int database_url_valid(const char *v)
{
	return !strncmp(v, "postgresql://", 13) || !strncmp(v, "postgres://", 11);
}

/* 1 when v is a plain name, or a URL an OAuth issuer may be (RFC 8414 §2): https, no query or
 * fragment; http only on a loopback host, for development. */
static int issuer_valid(const char *v)
{
	if (!*v || strlen(v) > 200 || strpbrk(v, " \t\r\n\"\\"))
		return 0;
	if (!strstr(v, "://"))
		return 1;
	if (strpbrk(v, "?#"))
		return 0;
	if (!strncmp(v, "https://", 8))
		return v[8] != '\0' && v[8] != '/';
	static const char *const loopback[] = {"http://localhost", "http://127.0.0.1", "http://[::1]"};
	for (size_t i = 0; i < sizeof loopback / sizeof loopback[0]; i++) {
		size_t n = strlen(loopback[i]);
		if (!strncmp(v, loopback[i], n) && (v[n] == '\0' || v[n] == ':' || v[n] == '/'))
			return 1;
	}
	return 0;
}

static int load_serve(struct config *cfg, config_getenv_fn g, char *err, size_t errlen)
{
	long v;
	if (parse_metrics_listen(cfg, g, err, errlen) != 0)
		return -1;
	const char *secret = env_get(g, "CDTT_JWT_SECRET");
	const char *key_file = env_get(g, "CDTT_JWT_KEY_FILE");
	if (secret && key_file)
		return text_fail(err, errlen, "CDTT_JWT_SECRET and CDTT_JWT_KEY_FILE: set only one");
	if (!secret && !key_file)
		return text_fail(err, errlen,
			         "CDTT_JWT_SECRET (at least %d bytes) or CDTT_JWT_KEY_FILE must be set",
			         MIN_SECRET_BYTES);
	if (secret && strlen(secret) < MIN_SECRET_BYTES)
		return text_fail(err, errlen, "CDTT_JWT_SECRET must be at least %d bytes", MIN_SECRET_BYTES);
	if (key_file && access(key_file, R_OK) != 0)
		return text_fail(err, errlen, "CDTT_JWT_KEY_FILE must name a readable PEM private key file");
	if (keep(&cfg->jwt_secret, secret, err, errlen) || keep(&cfg->jwt_key_file, key_file, err, errlen))
		return -1;
	const char *previous = env_get(g, "CDTT_JWT_PREVIOUS_KEY_FILE");
	if (previous && access(previous, R_OK) != 0)
		return text_fail(err, errlen,
			         "CDTT_JWT_PREVIOUS_KEY_FILE must name a readable PEM key file");
	if (keep(&cfg->jwt_previous_key_file, previous, err, errlen))
		return -1;
	const char *issuer = env_get(g, "CDTT_JWT_ISSUER");
	if (issuer && !issuer_valid(issuer))
		return text_fail(err, errlen,
			         "CDTT_JWT_ISSUER must be an https URL without query or fragment "
			         "(http only on localhost), or a name without \"://\"");
	const char *audience = env_get(g, "CDTT_JWT_AUDIENCE");
	if (keep(&cfg->jwt_issuer, issuer ? issuer : "cdtt", err, errlen) ||
	    keep(&cfg->jwt_audience, audience ? audience : "cdtt-api", err, errlen))
		return -1;

	const char *t_iss = env_get(g, "CDTT_TRUSTED_ISSUER");
	const char *t_key = env_get(g, "CDTT_TRUSTED_ISSUER_KEY_FILE");
	const char *t_aud = env_get(g, "CDTT_TRUSTED_AUDIENCE");
	if ((t_iss || t_key || t_aud) && !(t_iss && t_key && t_aud))
		return text_fail(err, errlen,
			         "CDTT_TRUSTED_ISSUER, CDTT_TRUSTED_ISSUER_KEY_FILE and "
			         "CDTT_TRUSTED_AUDIENCE must be set together");
	if (t_key && access(t_key, R_OK) != 0)
		return text_fail(err, errlen,
			         "CDTT_TRUSTED_ISSUER_KEY_FILE must name a readable PEM public key file");
	if (t_iss && !strcmp(t_iss, cfg->jwt_issuer))
		return text_fail(err, errlen, "CDTT_TRUSTED_ISSUER must differ from CDTT_JWT_ISSUER");
	if (keep(&cfg->trusted_issuer, t_iss, err, errlen) ||
	    keep(&cfg->trusted_issuer_key_file, t_key, err, errlen) ||
	    keep(&cfg->trusted_audience, t_aud, err, errlen))
		return -1;

	if (int_setting(g, "CDTT_TOKEN_TTL", 3600, 60, 86400, &cfg->token_ttl, err, errlen))
		return -1;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (int_setting(g, "CDTT_THREADS", ncpu > 0 ? 2 * ncpu : 4, 1, 256,
			&cfg->threads, err, errlen))
		return -1;
	if (int_var(g, "CDTT_DB_POOL_SIZE", cfg->threads, 1, 256, &v, err, errlen))
		return -1;
	if (v > cfg->threads)
		return text_fail(err, errlen,
			         "CDTT_DB_POOL_SIZE must not exceed CDTT_THREADS (%d): a request holds one "
			         "connection at most",
			         cfg->threads);
	cfg->db_pool_size = (int)v;
	if (int_setting(g, "CDTT_DB_WAIT_MS", 2000, 1, 60000, &cfg->db_wait_ms, err, errlen))
		return -1;
	if (int_setting(g, "CDTT_SHUTDOWN_GRACE", 10, 0, 300, &cfg->shutdown_grace, err, errlen))
		return -1;
	if (int_setting(g, "CDTT_STATEMENT_TIMEOUT_MS", 30000, 0, 3600000,
			&cfg->statement_timeout_ms, err, errlen))
		return -1;
	if (int_setting(g, "CDTT_ACCOUNT_CACHE_TTL", 30, 0, 3600,
			&cfg->account_cache_ttl, err, errlen))
		return -1;
	if (int_var(g, "CDTT_MAX_BODY_BYTES", 1048576, 1024, 1073741824, &v, err, errlen))
		return -1;
	cfg->max_body_bytes = (size_t)v;
	if (int_var(g, "CDTT_MAX_IMPORT_BYTES", 67108864, 1024, 1073741824, &v, err, errlen))
		return -1;
	cfg->max_import_bytes = (size_t)v;

	if (proxy_list_parse(env_get(g, "CDTT_TRUSTED_PROXIES"), &cfg->trusted_proxies) != 0)
		return text_fail(err, errlen,
			         "CDTT_TRUSTED_PROXIES must be a comma-separated list of at most %d IPv4 "
			         "or IPv6 addresses or CIDRs, like 10.0.0.0/8,fd00::/8",
			         PROXY_MAX_CIDRS);
	if (int_setting(g, "CDTT_MAX_CONNECTIONS", CONFIG_MAX_CONNECTIONS, 16, 65536,
			&cfg->max_connections, err, errlen))
		return -1;
	if (int_setting(g, "CDTT_MAX_CONNECTIONS_PER_ADDRESS", CONFIG_MAX_CONNECTIONS_PER_ADDRESS, 1,
			65536, &cfg->max_connections_per_address, err, errlen))
		return -1;
	if (int_setting(g, "CDTT_HEADER_TIMEOUT", CONFIG_HEADER_TIMEOUT, 1, 3600,
			&cfg->header_timeout, err, errlen))
		return -1;
	if (int_setting(g, "CDTT_BODY_TIMEOUT", CONFIG_BODY_TIMEOUT, 1, 3600,
			&cfg->body_timeout, err, errlen))
		return -1;

	const char *origins = env_get(g, "CDTT_CORS_ORIGINS");
	if (origins && parse_origins(cfg, origins, err, errlen))
		return -1;
	const char *replica = env_get(g, "CDTT_DATABASE_REPLICA_URL");
	if (replica && !database_url_valid(replica))
		return text_fail(err, errlen,
			         "CDTT_DATABASE_REPLICA_URL must be a PostgreSQL URI (postgresql://...)");
	return keep(&cfg->replica_url, replica, err, errlen);
}

int config_load(struct config *cfg, unsigned needs, config_getenv_fn g, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof *cfg);
	if (parse_log_level(cfg, env_get(g, "CDTT_LOG_LEVEL"), err, errlen))
		return -1;
	if (needs & CONFIG_DATABASE) {
		const char *url = env_get(g, "CDTT_DATABASE_URL");
		if (!url)
			return text_fail(err, errlen,
				         "CDTT_DATABASE_URL must be set to a PostgreSQL URI (postgresql://...)");
		if (!database_url_valid(url))
			return text_fail(err, errlen,
				         "CDTT_DATABASE_URL must be a PostgreSQL URI (postgresql://...)");
		if (keep(&cfg->database_url, url, err, errlen))
			return -1;
	}
	if (needs & (CONFIG_LISTEN | CONFIG_SERVE)) {
		const char *listen = env_get(g, "CDTT_LISTEN");
		if (parse_listen(cfg, listen ? listen : "127.0.0.1:8080", err, errlen))
			return -1;
	}
	if (needs & CONFIG_SERVE)
		return load_serve(cfg, g, err, errlen);
	return 0;
}

void config_free(struct config *cfg)
{
	free(cfg->database_url);
	free(cfg->replica_url);
	free(cfg->jwt_secret);
	free(cfg->jwt_key_file);
	free(cfg->jwt_previous_key_file);
	free(cfg->jwt_issuer);
	free(cfg->jwt_audience);
	free(cfg->trusted_issuer);
	free(cfg->trusted_issuer_key_file);
	free(cfg->trusted_audience);
	for (int i = 0; i < cfg->n_cors_origins; i++)
		free(cfg->cors_origins[i]);
	memset(cfg, 0, sizeof *cfg);
}
