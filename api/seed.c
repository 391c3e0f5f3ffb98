/*
 * seed-demo [--scale N]
 *
 * The data are made by PostgreSQL, set-wise, by the SQL files of db/seed/ (built into the
 * binary as seed_embedded): C only sets the scale, runs them in order and reports. Every
 * "random" choice there is an md5 of stable codes, so the same scale gives the same rows on
 * every run. All of it is one transaction under an advisory lock: a failure leaves nothing
 * behind, two runs at once queue, and a province whose code exists is skipped, so running it
 * again adds nothing and a larger scale adds only the missing provinces.
 *
 * Then the admin account: created when absent, with a random password printed once
 * ("admin password: ..."); left as it is when present.
 */
#define _GNU_SOURCE
#include "seed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <libpq-fe.h>

#include "../db/migrate.h"
#include "../db/pool.h"
#include "auth/account_new.h"
#include "cli.h"
#include "config.h"
#include "embedded.h"

#define SEED_SCALE_MAX 100
#define ADMIN_PASSWORD_LENGTH 20

static int usage(void)
{
	fprintf(stderr, "usage: cdtt seed-demo [--scale N]   (N provinces, 1-%d; default 1)\n",
		SEED_SCALE_MAX);
	return 2;
}

/* 1..SEED_SCALE_MAX from the command line, or -1. */
static int parse_scale(int argc, char **argv)
{
	if (argc == 2)
		return 1;
	if (argc != 4 || strcmp(argv[2], "--scale"))
		return -1;
	char *end;
	errno = 0;
	long n = strtol(argv[3], &end, 10);
	if (errno || end == argv[3] || *end || n < 1 || n > SEED_SCALE_MAX)
		return -1;
	return (int)n;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* "table does not exist, skipping" and the like */
}

/* Runs one statement (or script, without params); 0 on success, else -1 and a message. */
static int exec_ok(PGconn *pg, const char *what, const char *sql, int n, const char *const *params)
{
	PGresult *res = n ? PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0) : PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(res);
	PQclear(res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return 0;
	fprintf(stderr, "cdtt: seed-demo: %s failed: %s", what, PQerrorMessage(pg));
	return -1;
}

/*
 * The data, in one transaction. Prints what was added (or that nothing was). Returns 0 or -1.
 */
static int seed_data(PGconn *pg, int scale)
{
	char scale_text[16];
	snprintf(scale_text, sizeof scale_text, "%d", scale);
	const char *params[1] = {scale_text};
	PGresult *res;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (exec_ok(pg, "BEGIN", "BEGIN", 0, NULL) != 0)
		return -1;
	/* Sorting a year of activities for 100 provinces wants more than the default 4 MB. */
	if (exec_ok(pg, "locking", "SELECT pg_advisory_xact_lock(hashtext('cdtt seed-demo')),"
				   " set_config('work_mem', '256MB', true),"
				   " set_config('cdtt.seed_scale', $1, true)",
		    1, params) != 0)
		goto fail;
	for (size_t i = 0; i < seed_embedded_count; i++)
		if (exec_ok(pg, seed_embedded[i].name, (const char *)seed_embedded[i].data, 0, NULL) != 0)
			goto fail;
	res = PQexec(pg, "SELECT count(*) AS added,"
			 " string_agg(province, ', ' ORDER BY province) AS provinces,"
			 " sum(units) AS units, sum(teams) AS teams, sum(members) AS members,"
			 " sum(activities) AS activities, sum(evaluations) AS evaluations FROM seed_summary");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "cdtt: seed-demo: summary failed: %s", PQerrorMessage(pg));
		PQclear(res);
		goto fail;
	}
	int added = atoi(db_value(res, 0, "added"));
	char line[512];
	if (added)
		snprintf(line, sizeof line,
			 "demo data added: %d province%s (%s): %s units, %s teams, %s members, "
			 "%s activities, %s evaluations",
			 added, added > 1 ? "s" : "", db_value(res, 0, "provinces"),
			 db_value(res, 0, "units"), db_value(res, 0, "teams"), db_value(res, 0, "members"),
			 db_value(res, 0, "activities"), db_value(res, 0, "evaluations"));
	else
		snprintf(line, sizeof line, "demo data already present (%d province%s); nothing added",
			 scale, scale > 1 ? "s" : "");
	PQclear(res);
	if (exec_ok(pg, "COMMIT", "COMMIT", 0, NULL) != 0)
		return -1;
	/* fresh statistics, or the first queries plan for empty tables; and the visibility map,
	 * or the reports' index-only scans read the table for every row until autovacuum runs */
	if (added && exec_ok(pg, "VACUUM", "VACUUM (ANALYZE)", 0, NULL) != 0)
		return -1;
	printf("%s in %.1f s\n", line, seconds_since(&start));
	return 0;
fail:
	PQclear(PQexec(pg, "ROLLBACK"));
	return -1;
}

/* A password of ADMIN_PASSWORD_LENGTH characters from 56 unambiguous ones (~116 bits). */
static void admin_password_generate(char out[ADMIN_PASSWORD_LENGTH + 1])
{
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	for (int i = 0; i < ADMIN_PASSWORD_LENGTH; i++)
		out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	out[ADMIN_PASSWORD_LENGTH] = '\0';
}

/* Creates `admin` when absent and prints its password once. Returns 0 or -1. */
static int seed_admin(PGconn *pg)
{
	PGresult *res = PQexec(pg, "SELECT 1 FROM users WHERE username = 'admin'");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "cdtt: seed-demo: %s", PQerrorMessage(pg));
		PQclear(res);
		return -1;
	}
	int exists = PQntuples(res) > 0;
	PQclear(res);
	if (exists) {
		printf("admin exists; password unchanged\n");
		return 0;
	}
	char password[ADMIN_PASSWORD_LENGTH + 1];
	admin_password_generate(password);
	json_t *body = json_pack("{s:s, s:s, s:s}", "username", "admin", "role", "admin",
				 "password", password);
	json_t *errors = NULL;
	struct account_new account;
	int rc = -1;
	res = NULL;
	if (!body || account_new_check(body, &errors, &account) != 0 ||
	    account_new_hash(&account) != 0) {
		fprintf(stderr, "cdtt: seed-demo: cannot make the admin account (out of memory)\n");
		goto out;
	}
	const char *const actor[4] = {"system", NULL, "seed-demo", NULL};
	const char *params[ACCOUNT_CREATE_PARAMS];
	account_new_params(&account, "", actor, params);
	res = PQexecParams(pg, ACCOUNT_CREATE_SQL, ACCOUNT_CREATE_PARAMS, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "cdtt: seed-demo: %s", PQerrorMessage(pg));
	else if (account_new_outcome(res) != ACCOUNT_CREATED) {
		printf("admin exists; password unchanged\n"); /* made meanwhile by someone else */
		rc = 0;
	} else {
		printf("admin password: %s\n", password);
		rc = 0;
	}
out:
	PQclear(res);
	json_decref(errors);
	json_decref(body);
	sodium_memzero(password, sizeof password);
	return rc;
}

int cli_seed_demo(int argc, char **argv)
{
	int scale = parse_scale(argc, argv);
	if (scale < 0)
		return usage();
	struct config cfg;
	char err[512];
	if (config_load(&cfg, CONFIG_DATABASE, NULL, err, sizeof err) != 0) {
		config_free(&cfg);
		return cli_config_error(err);
	}
	int applied = migrate_database(cfg.database_url, err, sizeof err);
	if (applied < 0) {
		fprintf(stderr, "cdtt: %s\n", err);
		config_free(&cfg);
		return 1;
	}
	if (applied > 0)
		printf("migrations applied: %d\n", applied);
	PGconn *pg = cli_connect(cfg.database_url);
	config_free(&cfg);
	if (!pg)
		return 1;
	PQsetNoticeProcessor(pg, ignore_notice, NULL);
	int rc = seed_data(pg, scale) == 0 && seed_admin(pg) == 0 ? 0 : 1;
	fflush(stdout);
	PQfinish(pg);
	return rc;
}
