/* config_load: defaults, and one clear line naming the variable for every bad value. */
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "../../api/config.h"

/* A fake environment: NAME=value pairs. */
static const char *const *fake_env;

static const char *fake_getenv(const char *name)
{
	size_t n = strlen(name);
	for (const char *const *e = fake_env; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

#define URL "CDTT_DATABASE_URL=postgresql://cdtt@db/cdtt"
#define SECRET "CDTT_JWT_SECRET=0123456789abcdef0123456789abcdef"

static int load(const char *const *env, unsigned needs, struct config *cfg, char *err)
{
	fake_env = env;
	return config_load(cfg, needs, fake_getenv, err, 256);
}

static void assert_refused(const char *const *env, const char *want)
{
	struct config cfg;
	char err[256] = "";
	ck_assert_int_eq(load(env, CONFIG_DATABASE | CONFIG_SERVE, &cfg, err), -1);
	ck_assert_msg(strstr(err, want), "error \"%s\" does not contain \"%s\"", err, want);
	ck_assert_ptr_null(strchr(err, '\n'));
	config_free(&cfg);
}

START_TEST(test_defaults_when_only_required_values_are_set)
{
	const char *env[] = {URL, SECRET, NULL};
	struct config cfg;
	char err[256];
	ck_assert_int_eq(load(env, CONFIG_DATABASE | CONFIG_SERVE, &cfg, err), 0);
	ck_assert_str_eq(cfg.listen_host, "127.0.0.1");
	ck_assert_int_eq(cfg.listen_port, 8080);
	ck_assert_int_eq(cfg.token_ttl, 3600);
	ck_assert_uint_eq(cfg.max_body_bytes, 1048576);
	ck_assert_int_eq(cfg.db_pool_size, cfg.threads);
	ck_assert_int_eq(cfg.n_cors_origins, 0);
	ck_assert_int_eq(cfg.log_level, LOG_INFO);
	ck_assert_ptr_null(cfg.replica_url);
	ck_assert_str_eq(cfg.metrics_host, ""); /* /metrics on the API's port */
	config_free(&cfg);
}
END_TEST

START_TEST(test_every_value_is_read)
{
	const char *env[] = {URL,
			     SECRET,
			     "CDTT_LISTEN=0.0.0.0:9000",
			     "CDTT_TOKEN_TTL=600",
			     "CDTT_THREADS=8",
			     "CDTT_DB_POOL_SIZE=4",
			     "CDTT_CORS_ORIGINS=https://a.gov.vn, http://localhost:5173",
			     "CDTT_MAX_BODY_BYTES=2048",
			     "CDTT_MAX_IMPORT_BYTES=4096",
			     "CDTT_LOG_LEVEL=debug",
			     "CDTT_DATABASE_REPLICA_URL=postgres://ro@replica/cdtt",
			     "CDTT_METRICS_LISTEN=10.0.0.5:9090",
			     NULL};
	struct config cfg;
	char err[256];
	ck_assert_int_eq(load(env, CONFIG_DATABASE | CONFIG_SERVE, &cfg, err), 0);
	ck_assert_str_eq(cfg.listen_host, "0.0.0.0");
	ck_assert_int_eq(cfg.listen_port, 9000);
	ck_assert_str_eq(cfg.metrics_host, "10.0.0.5");
	ck_assert_int_eq(cfg.metrics_port, 9090);
	ck_assert_int_eq(cfg.token_ttl, 600);
	ck_assert_int_eq(cfg.threads, 8);
	ck_assert_int_eq(cfg.db_pool_size, 4);
	ck_assert_int_eq(cfg.n_cors_origins, 2);
	ck_assert_str_eq(cfg.cors_origins[1], "http://localhost:5173");
	ck_assert_uint_eq(cfg.max_body_bytes, 2048);
	ck_assert_uint_eq(cfg.max_import_bytes, 4096);
	ck_assert_int_eq(cfg.log_level, LOG_DEBUG);
	ck_assert_str_eq(cfg.replica_url, "postgres://ro@replica/cdtt");
	config_free(&cfg);
}
END_TEST

START_TEST(test_intake_limits_and_trusted_proxies)
{
	const char *defaults[] = {URL, SECRET, NULL};
	struct config cfg;
	char err[256];
	ck_assert_int_eq(load(defaults, CONFIG_DATABASE | CONFIG_SERVE, &cfg, err), 0);
	ck_assert_int_eq(cfg.trusted_proxies.n, 0);
	ck_assert_int_eq(cfg.max_connections, 1024);
	ck_assert_int_eq(cfg.max_connections_per_address, 64);
	ck_assert_int_eq(cfg.header_timeout, 10);
	ck_assert_int_eq(cfg.body_timeout, 120);
	config_free(&cfg);
	const char *set[] = {URL, SECRET, "CDTT_TRUSTED_PROXIES=10.0.0.0/8, fd00::/8",
			     "CDTT_MAX_CONNECTIONS=5000", "CDTT_MAX_CONNECTIONS_PER_ADDRESS=8",
			     "CDTT_HEADER_TIMEOUT=5", "CDTT_BODY_TIMEOUT=300", NULL};
	ck_assert_int_eq(load(set, CONFIG_DATABASE | CONFIG_SERVE, &cfg, err), 0);
	ck_assert_int_eq(cfg.trusted_proxies.n, 2);
	ck_assert(proxy_trusts(&cfg.trusted_proxies, "fd12::1"));
	ck_assert_int_eq(cfg.max_connections, 5000);
	ck_assert_int_eq(cfg.max_connections_per_address, 8);
	ck_assert_int_eq(cfg.header_timeout, 5);
	ck_assert_int_eq(cfg.body_timeout, 300);
	config_free(&cfg);
	static const char *const bad[][2] = {
		{"CDTT_TRUSTED_PROXIES=10.0.0.0/33", "CDTT_TRUSTED_PROXIES must be"},
		{"CDTT_TRUSTED_PROXIES=proxy.internal", "CDTT_TRUSTED_PROXIES"},
		{"CDTT_MAX_CONNECTIONS=0", "CDTT_MAX_CONNECTIONS must be"},
		{"CDTT_MAX_CONNECTIONS_PER_ADDRESS=x", "CDTT_MAX_CONNECTIONS_PER_ADDRESS"},
		{"CDTT_HEADER_TIMEOUT=0", "CDTT_HEADER_TIMEOUT"},
		{"CDTT_BODY_TIMEOUT=1.5", "CDTT_BODY_TIMEOUT"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *env[] = {URL, SECRET, bad[i][0], NULL};
		assert_refused(env, bad[i][1]);
	}
}
END_TEST

START_TEST(test_migrate_needs_only_the_database_url)
{
	const char *env[] = {URL, "CDTT_LISTEN=garbage", NULL};
	struct config cfg;
	char err[256];
	ck_assert_int_eq(load(env, CONFIG_DATABASE, &cfg, err), 0);
	config_free(&cfg);
}
END_TEST

START_TEST(test_bad_values_are_refused_naming_the_variable)
{
	struct {
		const char *var, *want;
	} cases[] = {
		{"CDTT_LISTEN=8080", "CDTT_LISTEN must be host:port"},
		{"CDTT_LISTEN=example.com:80", "CDTT_LISTEN"},
		{"CDTT_LISTEN=127.0.0.1:0", "CDTT_LISTEN"},
		{"CDTT_LISTEN=127.0.0.1:80x", "CDTT_LISTEN"},
		{"CDTT_METRICS_LISTEN=9090", "CDTT_METRICS_LISTEN must be host:port"},
		{"CDTT_METRICS_LISTEN=metrics.local:9090", "CDTT_METRICS_LISTEN"},
		{"CDTT_METRICS_LISTEN=127.0.0.1:8080", "CDTT_METRICS_LISTEN must be another address"},
		{"CDTT_METRICS_LISTEN=0.0.0.0:8080", "CDTT_METRICS_LISTEN"},
		{"CDTT_TOKEN_TTL=30", "CDTT_TOKEN_TTL must be a whole number from 60 to 86400"},
		{"CDTT_TOKEN_TTL=-5", "CDTT_TOKEN_TTL"},
		{"CDTT_THREADS=0", "CDTT_THREADS"},
		{"CDTT_THREADS=4.5", "CDTT_THREADS"},
		{"CDTT_MAX_BODY_BYTES=99999999999999999999", "CDTT_MAX_BODY_BYTES"},
		{"CDTT_MAX_BODY_BYTES=10", "CDTT_MAX_BODY_BYTES"},
		{"CDTT_MAX_IMPORT_BYTES=lots", "CDTT_MAX_IMPORT_BYTES"},
		{"CDTT_STATEMENT_TIMEOUT_MS=-1", "CDTT_STATEMENT_TIMEOUT_MS"},
		{"CDTT_CORS_ORIGINS=https://a.gov.vn/path", "CDTT_CORS_ORIGINS"},
		{"CDTT_CORS_ORIGINS=*,https://a.gov.vn", "CDTT_CORS_ORIGINS"},
		{"CDTT_LOG_LEVEL=INFO", "CDTT_LOG_LEVEL"},
		{"CDTT_DATABASE_REPLICA_URL=replica:5432", "CDTT_DATABASE_REPLICA_URL"},
		{"CDTT_DB_WAIT_MS=0", "CDTT_DB_WAIT_MS"},
		{"CDTT_SHUTDOWN_GRACE=1000", "CDTT_SHUTDOWN_GRACE"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *env[] = {URL, SECRET, cases[i].var, NULL};
		assert_refused(env, cases[i].want);
	}
}
END_TEST

START_TEST(test_signing_key_rules)
{
	const char *none[] = {URL, NULL};
	assert_refused(none, "CDTT_JWT_SECRET (at least 32 bytes) or CDTT_JWT_KEY_FILE must be set");
	const char *short_secret[] = {URL, "CDTT_JWT_SECRET=0123456789abcdef0123456789abcde", NULL};
	assert_refused(short_secret, "CDTT_JWT_SECRET must be at least 32 bytes");
	const char *both[] = {URL, SECRET, "CDTT_JWT_KEY_FILE=/etc/hostname", NULL};
	assert_refused(both, "set only one");
	const char *missing_file[] = {URL, "CDTT_JWT_KEY_FILE=/nonexistent.pem", NULL};
	assert_refused(missing_file, "CDTT_JWT_KEY_FILE must name a readable");
}
END_TEST

START_TEST(test_database_url_rules)
{
	const char *missing[] = {SECRET, NULL};
	assert_refused(missing, "CDTT_DATABASE_URL must be set");
	const char *empty[] = {"CDTT_DATABASE_URL=", SECRET, NULL};
	assert_refused(empty, "CDTT_DATABASE_URL must be set");
	const char *keyword[] = {"CDTT_DATABASE_URL=dbname=cdtt", SECRET, NULL};
	assert_refused(keyword, "CDTT_DATABASE_URL must be a PostgreSQL URI");
}
END_TEST

START_TEST(test_pool_cannot_exceed_threads)
{
	const char *env[] = {URL, SECRET, "CDTT_THREADS=2", "CDTT_DB_POOL_SIZE=3", NULL};
	assert_refused(env, "CDTT_DB_POOL_SIZE must not exceed CDTT_THREADS");
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");
	tcase_add_test(tc, test_defaults_when_only_required_values_are_set);
	tcase_add_test(tc, test_every_value_is_read);
	tcase_add_test(tc, test_intake_limits_and_trusted_proxies);
	tcase_add_test(tc, test_migrate_needs_only_the_database_url);
	tcase_add_test(tc, test_bad_values_are_refused_naming_the_variable);
	tcase_add_test(tc, test_signing_key_rules);
	tcase_add_test(tc, test_database_url_rules);
	tcase_add_test(tc, test_pool_cannot_exceed_threads);
	suite_add_tcase(s, tc);
	return s;
}
