/*
 * A new account of a person, made one way whoever makes it: POST /api/v1/users,
 * `cdtt create-user` and `cdtt seed-demo` check it with account_new_check(), hash its password
 * with account_new_hash() and run ACCOUNT_CREATE_SQL, the SQL function user_create()
 * (db/functions/70_accounts.sql), which checks the unit and team against the creator's scope,
 * inserts and writes the audit event; account_new_outcome() reads what it came to.
 */
#ifndef CDTT_AUTH_ACCOUNT_NEW_H
#define CDTT_AUTH_ACCOUNT_NEW_H
#include <jansson.h>
#include <libpq-fe.h>

#include "../validate.h"
#include "password.h"

/* The fields of an account of a person, for its creation and its updates. */
extern const struct field account_fields[];
/* The status of an account, of a person or of a system (users and clients alike). */
extern const char *const account_status_values[];

struct account_new {
	/* borrowed from the body given to account_new_check */
	const char *username, *password, *role, *unit, *team, *status;
	char hash[PASSWORD_HASH_MAX]; /* set by account_new_hash */
};

/*
 * Checks body (username, password, role, unit_code, team_id, status) for a new account: the
 * username lowercased in place (usernames are case-insensitive), then the field table; when it
 * passes, the password's strength and the agreement of role, unit and team. Returns 0 with
 * *out filled, or the number of errors appended to *errors (the field table's alone when it
 * failed, as one round of corrections).
 */
int account_new_check(json_t *body, json_t **errors, struct account_new *out);

/* Role, unit and team must agree: admins have no unit, others one; only leaders a team.
 * Appends an error per disagreement to *errors; returns how many. */
int account_role_unit_team_check(const char *role, const char *unit, const char *team,
				 json_t **errors);

/* Hashes a->password into a->hash. 0, or -1 (out of memory). */
int account_new_hash(struct account_new *a);

/* user_create's call; its parameters are those account_new_params fills. */
#define ACCOUNT_CREATE_SQL                                                                   \
	"SELECT unit_found, team_found, taken, id, json, version FROM user_create($1, $2, $3,"   \
	" $4, $5::uuid, $6, $7::ltree, $8, $9::uuid, $10, $11)"
#define ACCOUNT_CREATE_PARAMS 11

/*
 * Fills params[ACCOUNT_CREATE_PARAMS] (borrowed pointers): a's values, the creator's scope
 * ("" for everything) and the audit actor's type, id, name and request id (NULL when none).
 */
void account_new_params(const struct account_new *a, const char *scope,
			const char *const actor[4], const char **params);

enum account_outcome {
	ACCOUNT_CREATED,
	ACCOUNT_UNIT_NOT_FOUND, /* no such unit within the creator's scope */
	ACCOUNT_TEAM_NOT_FOUND, /* no such team under the account's unit */
	ACCOUNT_TAKEN,          /* the username is in use */
};

/* What a successful ACCOUNT_CREATE_SQL result came to. When created, its columns id, json and
 * version hold the new account. */
enum account_outcome account_new_outcome(const PGresult *res);

#endif
