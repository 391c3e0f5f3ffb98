/*
 * cdtt: the community digital technology teams registry API.
 * Subcommands: serve, migrate, routes, version (more join as the features that need them land).
 * Exit codes (cli.h): 0 success, 1 runtime failure, 2 bad usage or configuration, 3 exists.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <sodium.h>

#include "../db/migrate.h"
#include "cli.h"
#include "config.h"
#include "http/log.h"
#include "seed.h"
#include "server.h"

#ifndef CDTT_VERSION
#define CDTT_VERSION "0.0.0-dev"
#endif

static int usage(void)
{
	fprintf(stderr, "usage: cdtt serve | migrate | create-user | create-client | seed-demo | healthcheck | routes | version\n"
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
	char err[512];
	if (config_load(&cfg, CONFIG_DATABASE, NULL, err, sizeof err) != 0) {
		config_free(&cfg);
		return cli_config_error(err);
	}
	log_set_level(cfg.log_level);
	int applied = migrate_database(cfg.database_url, err, sizeof err);
	config_free(&cfg);
	if (applied < 0) {
		fprintf(stderr, "cdtt: %s\n", err);
		return CLI_FAILED;
	}
	printf("migrations applied: %d\n", applied);
	return 0;
}

static void print_route(const char *method, const char *path, void *arg)
{
	(void)arg;
	printf("%s %s\n", method, path);
}

static int cmd_serve(void)
{
	struct config cfg;
	if (load_config(&cfg, CONFIG_DATABASE | CONFIG_SERVE) != 0)
		return 2;
	char err[300] = "";
	int rc = server_run(&cfg, err, sizeof err);
	config_free(&cfg);
	if (rc == 2)
		fprintf(stderr, "cdtt: %s\n", err);
	return rc;
}

/*
 * For container health checks (the image has no curl): GET /healthz on CDTT_LISTEN, exit 0 on
 * a 200 within 3 seconds, 1 otherwise.
 */
static int cmd_healthcheck(void)
{
	struct config cfg;
	if (load_config(&cfg, CONFIG_LISTEN) != 0)
		return 2;
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg.listen_port)};
	inet_pton(AF_INET, strcmp(cfg.listen_host, "0.0.0.0") ? cfg.listen_host : "127.0.0.1",
		  &addr.sin_addr);
	config_free(&cfg);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 1;
	struct timeval timeout = {3, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
	static const char request[] = "GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n";
	char reply[64] = {0};
	int ok = connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
		 write(fd, request, sizeof request - 1) == (ssize_t)(sizeof request - 1) &&
		 read(fd, reply, sizeof reply - 1) >= 12 &&
		 (!strncmp(reply, "HTTP/1.1 200", 12) || !strncmp(reply, "HTTP/1.0 200", 12));
	close(fd);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (sodium_init() < 0) {
		fprintf(stderr, "cdtt: libsodium cannot initialise\n");
		return 1;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "create-user"))
		return cli_create_user(argc, argv);
	if (!strcmp(cmd, "create-client"))
		return cli_create_client(argc, argv);
	if (!strcmp(cmd, "seed-demo"))
		return cli_seed_demo(argc, argv);
	if (argc != 2)
		return usage();
	if (!strcmp(cmd, "version")) {
		printf("cdtt %s\n", CDTT_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "routes")) {
		server_each_route(print_route, NULL);
		return 0;
	}
	if (!strcmp(cmd, "healthcheck"))
		return cmd_healthcheck();
	if (!strcmp(cmd, "migrate"))
		return cmd_migrate();
	if (!strcmp(cmd, "serve"))
		return cmd_serve();
	return usage();
}
