/*
 * cdtt: the community digital technology teams registry API.
 * Subcommands: serve, migrate, routes, version (more join as the features that need them land).
 * Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration.
 */
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "../db/migrate.h"
#include "config.h"
#include "http/log.h"
#include "server.h"

#ifndef CDTT_VERSION
#define CDTT_VERSION "0.0.0-dev"
#endif

static int usage(void)
{
	fprintf(stderr, "usage: cdtt serve | migrate | routes | version\n"
			"configuration comes from CDTT_* environment variables (see README.md)\n");
	return 2;
}

static int load_config(struct config *cfg, unsigned needs)
{
	char err[256];
	if (config_load(cfg, needs, NULL, err, sizeof err) != 0) {
		fprintf(stderr, "cdtt: %s\n", err);
		config_free(cfg);
		return -1;
	}
	log_set_level(cfg->log_level);
	return 0;
}

static int cmd_migrate(void)
{
	struct config cfg;
	if (load_config(&cfg, CONFIG_DATABASE) != 0)
		return 2;
	char err[512];
	int applied = migrate_database(cfg.database_url, err, sizeof err);
	config_free(&cfg);
	if (applied < 0) {
		fprintf(stderr, "cdtt: %s\n", err);
		return 1;
	}
	printf("migrations applied: %d\n", applied);
	return 0;
}

static int cmd_serve(void)
{
	struct config cfg;
	if (load_config(&cfg, CONFIG_DATABASE | CONFIG_SERVE) != 0)
		return 2;
	int rc = server_run(&cfg);
	config_free(&cfg);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return usage();
	if (sodium_init() < 0) {
		fprintf(stderr, "cdtt: libsodium cannot initialise\n");
		return 1;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "version")) {
		printf("cdtt %s\n", CDTT_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "routes")) {
		server_print_routes();
		return 0;
	}
	if (!strcmp(cmd, "migrate"))
		return cmd_migrate();
	if (!strcmp(cmd, "serve"))
		return cmd_serve();
	return usage();
}
