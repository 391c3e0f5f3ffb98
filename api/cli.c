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
	char *conninfo = db_conninfo_with_defaults(cfg.database_url);
	config_free(&cfg);
	PGconn *pg = conninfo ? PQconnectdb(conninfo) : NULL;
	free(conninfo);
	if (!pg || PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "cdtt: cannot connect to the database: %s",
			pg ? PQerrorMessage(pg) : "out of memory\n");
		PQfinish(pg);
		*rc = CLI_FAILED;
		return NULL;
	}
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

int cli_create_user(int argc, char **argv)
{
	static const char *const known[] = {"--username", "--role", "--unit", "--team", NULL};
	const char *username = option(argc, argv, "--username"), *role = option(argc, argv, "--role");
	const char *unit = option(argc, argv, "--unit"), *team = option(argc, argv, "--team");
	if (!options_known(argc, argv, known) || !username || !role) {
		fprintf(stderr, "usage: cdtt create-user --username NAME --role "
				"admin|officer|team_leader|viewer [--unit CODE] [--team ID]\n");
		return 2;
	}
	char name[65];
	snprintf(name, sizeof name, "%s", username);
	for (char *c = name; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	json_t *body = json_pack("{s:s, s:s}", "username", name, "role", role), *errors = NULL;
	if (unit)
		json_object_set_new(body, "unit_code", json_string(unit));
	if (team)
		json_object_set_new(body, "team_id", json_string(team));
	static const char *const roles[] = {"admin", "officer", "team_leader", "viewer", NULL};
	static const struct field fields[] = {
		{"username", FIELD_NAME, FIELD_REQUIRED, 0, 0, NULL},
		{"role", FIELD_ENUM, FIELD_REQUIRED, 0, 0, roles},
		{"unit_code", FIELD_CODE, 0, 0, 0, NULL},
		{"team_id", FIELD_UUID, 0, 0, 0, NULL},
		{0},
	};
	int bad = validate_body(body, fields, VALIDATE_CREATE, &errors);
	if (bad || strlen(username) > 64) {
		size_t i;
		json_t *e;
		json_array_foreach(errors, i, e)
		{
			fprintf(stderr, "cdtt: %s %s\n", json_string_value(json_object_get(e, "field")) + 1,
				json_string_value(json_object_get(e, "message")));
		}
		json_decref(errors);
		json_decref(body);
		return 2;
	}
	json_decref(body);
	if (strcmp(role, "admin") && !unit) {
		fprintf(stderr, "cdtt: --unit is required for role %s\n", role);
		return 2;
	}
	if (team && strcmp(role, "team_leader")) {
		fprintf(stderr, "cdtt: --team is only for role team_leader\n");
		return 2;
	}
	char password[PASSWORD_MAX_LENGTH + 2];
	if (read_password(password, sizeof password) != 0) {
		fprintf(stderr, "cdtt: give the password in CDTT_PASSWORD or on standard input\n");
		return 2;
	}
	const char *weak = password_weakness(password);
	if (weak) {
		fprintf(stderr, "cdtt: the password %s\n", weak);
		return 2;
	}
	char hash[PASSWORD_HASH_MAX];
	int hashed = password_hash(password, hash);
	sodium_memzero(password, sizeof password);
	if (hashed != 0)
		return CLI_FAILED;
	int rc = CLI_FAILED;
	PGconn *pg = connect_db(&rc);
	if (!pg)
		return rc;
	const char *params[5] = {name, hash, role, unit, team};
	PGresult *res;
	if (run(pg,
		"WITH unit AS (SELECT code FROM units WHERE code = $4),"
		/* the team must exist and lie under the account's unit */
		" team_ok AS (SELECT $5::uuid IS NULL OR EXISTS (SELECT 1 FROM teams t"
		"  JOIN units tu ON tu.code = t.unit_code JOIN units au ON au.code = $4"
		"  WHERE t.id = $5::uuid AND tu.path <@ au.path) AS ok),"
		" ins AS (INSERT INTO users (username, password_hash, role, unit_code, team_id)"
		"  SELECT $1, $2, $3, $4, $5::uuid WHERE ($4::text IS NULL OR EXISTS (SELECT 1 FROM unit))"
		"  AND (SELECT ok FROM team_ok)"
		"  ON CONFLICT (username) DO NOTHING RETURNING *),"
		" audit AS (INSERT INTO audit_events (actor_type, action, entity_type, entity_id, after)"
		"  SELECT 'system', 'user.create', 'user', id::text, to_jsonb(ins) - 'password_hash'"
		"  FROM ins)"
		" SELECT $4::text IS NULL OR EXISTS (SELECT 1 FROM unit), (SELECT id FROM ins),"
		" (SELECT ok FROM team_ok)",
		5, params, &res) == 0) {
		if (strcmp(PQgetvalue(res, 0, 0), "t")) {
			fprintf(stderr, "cdtt: no unit has the code %s\n", unit);
			rc = CLI_USAGE;
		} else if (strcmp(PQgetvalue(res, 0, 2), "t")) {
			fprintf(stderr, "cdtt: no team %s under unit %s\n", team, unit);
			rc = CLI_USAGE;
		} else if (PQgetisnull(res, 0, 1)) {
			fprintf(stderr, "cdtt: the username %s is taken\n", name);
			rc = CLI_EXISTS;
		} else {
			printf("created user %s (%s) with id %s\n", name, role, PQgetvalue(res, 0, 1));
			rc = CLI_OK;
		}
		PQclear(res);
	}
	PQfinish(pg);
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
				"reports:read members:pii\n");
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
	if (run(pg,
		"WITH unit AS (SELECT code FROM units WHERE code = $5),"
		" ins AS (INSERT INTO clients (client_id, name, secret_hash, scopes, unit_code)"
		"  SELECT $1, $2, $3, ARRAY(SELECT DISTINCT unnest(string_to_array(trim($4), ' '))"
		"   EXCEPT SELECT ''), $5 WHERE EXISTS (SELECT 1 FROM unit)"
		"  ON CONFLICT (client_id) DO NOTHING RETURNING *),"
		" audit AS (INSERT INTO audit_events (actor_type, action, entity_type, entity_id, after)"
		"  SELECT 'system', 'client.create', 'client', id::text, to_jsonb(ins) - 'secret_hash'"
		"  FROM ins)"
		" SELECT EXISTS (SELECT 1 FROM unit), (SELECT id FROM ins)",
		5, params, &res) == 0) {
		if (strcmp(PQgetvalue(res, 0, 0), "t")) {
			fprintf(stderr, "cdtt: no unit has the code %s\n", unit);
			rc = CLI_USAGE;
		} else if (PQgetisnull(res, 0, 1)) {
			fprintf(stderr, "cdtt: the client id %s is taken\n", id);
			rc = CLI_EXISTS;
		} else {
			printf("created client %s with id %s\nclient_secret: %s\n"
			       "(shown once: store it now)\n",
			       id, PQgetvalue(res, 0, 1), secret);
			rc = CLI_OK;
		}
		PQclear(res);
	}
	sodium_memzero(secret, sizeof secret);
	PQfinish(pg);
	return rc;
}
