/*
 * create-user --username NAME --role ROLE [--unit CODE] [--team ID]
 *     password from CDTT_PASSWORD, or the first line of standard input; at least 12 characters.
 *     An admin needs no unit (its scope is everything), so the first account can be made on an
 *     empty database.
 * create-client --client-id ID --scopes "a b" --unit CODE [--name NAME]
 *     prints the generated secret once.
 * Both write an audit event with the actor "system". Exit codes: cli.h.
 */
#define _GNU_SOURCE
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <libpq-fe.h>

#include "../db/pool.h"
#include "auth/account_new.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "config.h"
#include "resources/clients.h"
#include "validate.h"

/* Finds --name VALUE; NULL when absent. */
static const char *option(int argc, char **argv, const char *name)
{
	for (int i = 2; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

/* Every argument after the subcommand must be a known option with a value. */
static int options_known(int argc, char **argv, const char *const *known)
{
	for (int i = 2; i < argc; i += 2) {
		int found = 0;
		for (const char *const *k = known; *k; k++)
			found |= !strcmp(argv[i], *k);
		if (!found || i + 1 >= argc) {
			fprintf(stderr, "cdtt: unknown or incomplete option %s\n", argv[i]);
			return 0;
		}
	}
	return 1;
}

int cli_config_error(const char *err)
{
	fprintf(stderr, "cdtt: %s\n", err);
	/* A newcomer after `make run` has a database but not its URL in this shell. */
	if (!getenv("CDTT_DATABASE_URL"))
		fprintf(stderr, "cdtt: for the database of `make run`, run in the project folder: "
				"eval \"$(make -s env)\"\n");
	return CLI_USAGE;
}

PGconn *cli_connect(const char *database_url)
{
	char *conninfo = db_conninfo_with_defaults(database_url);
	PGconn *pg = conninfo ? PQconnectdb(conninfo) : NULL;
	free(conninfo);
	if (!pg || PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "cdtt: cannot connect to the database: %s",
			pg ? PQerrorMessage(pg) : "out of memory\n");
		PQfinish(pg);
		return NULL;
	}
	return pg;
}

/* The connection, or NULL with *rc the exit code: CLI_USAGE (configuration) or CLI_FAILED. */
static PGconn *connect_db(int *rc)
{
	struct config cfg;
	char err[256];
	if (config_load(&cfg, CONFIG_DATABASE, NULL, err, sizeof err) != 0) {
		*rc = cli_config_error(err);
		config_free(&cfg);
		return NULL;
	}
	PGconn *pg = cli_connect(cfg.database_url);
	config_free(&cfg);
	if (!pg)
		*rc = CLI_FAILED;
	return pg;
}

static int read_password(char *out, size_t cap)
{
	const char *env = getenv("CDTT_PASSWORD");
	if (env) {
		snprintf(out, cap, "%s", env);
		return strlen(env) < cap ? 0 : -1;
	}
	if (!fgets(out, (int)cap, stdin))
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

static int run(PGconn *pg, const char *sql, int n, const char *const *params, PGresult **out)
{
	PGresult *res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "cdtt: %s", PQerrorMessage(pg));
		PQclear(res);
		return -1;
	}
	*out = res;
	return 0;
}

/* An error of account_new_check in the words of the command line: "--unit is required ...". */
static void print_account_error(const json_t *error)
{
	static const char *const options[][2] = {
		{"/username", "--username"}, {"/role", "--role"},	     {"/unit_code", "--unit"},
		{"/team_id", "--team"},	     {"/password", "the password"},
	};
	const char *field = json_string_value(json_object_get(error, "field"));
	const char *name = field ? field + 1 : "";
	for (size_t i = 0; field && i < sizeof options / sizeof options[0]; i++)
		if (!strcmp(field, options[i][0]))
			name = options[i][1];
	fprintf(stderr, "cdtt: %s %s\n", name, json_string_value(json_object_get(error, "message")));
}

int cli_create_user(int argc, char **argv)
{
	static const char *const known[] = {"--username", "--role", "--unit", "--team", NULL};
	const char *username = option(argc, argv, "--username"), *role = option(argc, argv, "--role");
	const char *unit = option(argc, argv, "--unit"), *team = option(argc, argv, "--team");
	if (!options_known(argc, argv, known) || !username || !role) {
		fprintf(stderr, "usage: cdtt create-user --username NAME --role "
				"admin|officer|team_leader|viewer [--unit CODE] [--team ID]\n");
		return CLI_USAGE;
	}
	char password[PASSWORD_MAX_LENGTH + 2];
	if (read_password(password, sizeof password) != 0) {
		fprintf(stderr, "cdtt: give the password in CDTT_PASSWORD or on standard input\n");
		return CLI_USAGE;
	}
	json_t *body = json_pack("{s:s, s:s, s:s}", "username", username, "role", role, "password",
				 password);
	sodium_memzero(password, sizeof password);
	if (!body)
		return CLI_FAILED;
	if (unit)
		json_object_set_new(body, "unit_code", json_string(unit));
	if (team)
		json_object_set_new(body, "team_id", json_string(team));
	json_t *errors = NULL;
	struct account_new account;
	int rc = CLI_FAILED;
	PGconn *pg = NULL;
	PGresult *res = NULL;
	if (account_new_check(body, &errors, &account) != 0) {
		size_t i;
		json_t *e;
		json_array_foreach(errors, i, e)
		{
			print_account_error(e);
		}
		rc = CLI_USAGE;
		goto out;
	}
	if (account_new_hash(&account) != 0 || !(pg = connect_db(&rc)))
		goto out;
	const char *const actor[4] = {"system", NULL, NULL, NULL};
	const char *params[ACCOUNT_CREATE_PARAMS];
	account_new_params(&account, "", actor, params);
	if (run(pg, ACCOUNT_CREATE_SQL, ACCOUNT_CREATE_PARAMS, params, &res) != 0)
		goto out;
	switch (account_new_outcome(res)) {
	case ACCOUNT_UNIT_NOT_FOUND:
		fprintf(stderr, "cdtt: no unit has the code %s\n", unit);
		rc = CLI_USAGE;
		break;
	case ACCOUNT_TEAM_NOT_FOUND:
		fprintf(stderr, "cdtt: no team %s under unit %s\n", team, unit);
		rc = CLI_USAGE;
		break;
	case ACCOUNT_TAKEN:
		fprintf(stderr, "cdtt: the username %s is taken\n", account.username);
		rc = CLI_EXISTS;
		break;
	case ACCOUNT_CREATED:
		printf("created user %s (%s) with id %s\n", account.username, account.role,
		       db_value(res, 0, "id"));
		rc = CLI_OK;
		break;
	}
out:
	PQclear(res);
	PQfinish(pg);
	sodium_memzero(account.hash, sizeof account.hash);
	/* the body holds the password */
	json_t *given = json_object_get(body, "password");
	if (json_is_string(given))
		sodium_memzero((char *)json_string_value(given), json_string_length(given));
	json_decref(errors);
	json_decref(body);
	return rc;
}

int cli_create_client(int argc, char **argv)
{
	static const char *const known[] = {"--client-id", "--scopes", "--unit", "--name", NULL};
	const char *id = option(argc, argv, "--client-id"), *scopes = option(argc, argv, "--scopes");
	const char *unit = option(argc, argv, "--unit"), *name = option(argc, argv, "--name");
	unsigned bits;
	if (!options_known(argc, argv, known) || !id || !scopes || !unit) {
		fprintf(stderr, "usage: cdtt create-client --client-id ID --scopes \"registry:read "
				"...\" --unit CODE [--name NAME]\n");
		return 2;
	}
	json_t *body = json_pack("{s:s, s:s}", "client_id", id, "unit_code", unit), *errors = NULL;
	static const struct field fields[] = {
		{"client_id", FIELD_NAME, FIELD_REQUIRED, 0, 0, NULL},
		{"unit_code", FIELD_CODE, FIELD_REQUIRED, 0, 0, NULL},
		{0},
	};
	int bad = validate_body(body, fields, VALIDATE_CREATE, &errors);
	json_decref(body);
	json_decref(errors);
	if (bad || scopes_parse(scopes, &bits) != 0 || !bits) {
		fprintf(stderr, "cdtt: --client-id must be 3-64 of a-z 0-9 . _ -, --unit a unit code, "
				"--scopes words from registry:read registry:write activities:write "
				"reports:read members:pii evaluations:read evaluations:write "
				"funding:read funding:write\n");
		return 2;
	}
	int rc = CLI_FAILED;
	PGconn *pg = connect_db(&rc);
	if (!pg)
		return rc;
	char secret[CLIENT_SECRET_LEN + 1], hash[65];
	client_secret_generate(secret, hash);
	const char *params[5] = {id, name, hash, scopes, unit};
	PGresult *res;
	/* the scopes as a set: each once, blanks between them dropped */
	if (run(pg,
		"SELECT unit_found, taken, id FROM client_create($1, $2, $3,"
		" ARRAY(SELECT DISTINCT unnest(string_to_array(trim($4), ' ')) EXCEPT SELECT ''), $5,"
		" NULL, 'system', NULL, NULL, NULL)",
		5, params, &res) == 0) {
		if (!db_true(res, 0, "unit_found")) {
			fprintf(stderr, "cdtt: no unit has the code %s\n", unit);
			rc = CLI_USAGE;
		} else if (db_true(res, 0, "taken")) {
			fprintf(stderr, "cdtt: the client id %s is taken\n", id);
			rc = CLI_EXISTS;
		} else {
			printf("created client %s with id %s\nclient_secret: %s\n"
			       "(shown once: store it now)\n",
			       id, db_value(res, 0, "id"), secret);
			rc = CLI_OK;
		}
		PQclear(res);
	}
	sodium_memzero(secret, sizeof secret);
	PQfinish(pg);
	return rc;
}
