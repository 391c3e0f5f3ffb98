#include "account_new.h"

#include <string.h>

#include "../http/problem.h"
#include "principal.h"

const char *const account_status_values[] = {"active", "disabled", NULL};

const struct field account_fields[] = {
	{"username", FIELD_NAME, FIELD_REQUIRED | FIELD_CREATE_ONLY, 0, 0, NULL},
	{"password", FIELD_STRING, FIELD_REQUIRED, 1, PASSWORD_MAX_LENGTH, NULL},
	{"role", FIELD_ENUM, FIELD_REQUIRED, 0, 0, role_values},
	{"unit_code", FIELD_CODE, FIELD_NULLABLE, 0, 0, NULL},
	{"team_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL},
	{"status", FIELD_ENUM, 0, 0, 0, account_status_values},
	READ_ONLY("id", "last_login_at", STAMPS),
};

/* Usernames are case-insensitive: stored and compared lowercased. */
static void lowercase_username(json_t *body)
{
	json_t *v = json_object_get(body, "username");
	if (!json_is_string(v) || json_string_length(v) > 256)
		return;
	char name[257];
	size_t n = json_string_length(v);
	memcpy(name, json_string_value(v), n + 1); /* fits: at most 256 bytes and the NUL */
	for (char *c = name; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	json_object_set_new(body, "username", json_string(name));
}

int account_role_unit_team_check(const char *role, const char *unit, const char *team,
				 json_t **errors)
{
	int n = 0;
	if (strcmp(role, "admin") && !unit) {
		problem_add_error(errors, "/unit_code", "required", "is required for this role");
		n++;
	}
	if (strcmp(role, "team_leader") && team) {
		problem_add_error(errors, "/team_id", "not_allowed", "only a team_leader has a team");
		n++;
	}
	return n;
}

static const char *string_of(const json_t *body, const char *name)
{
	return json_string_value(json_object_get(body, name));
}

int account_new_check(json_t *body, json_t **errors, struct account_new *out)
{
	memset(out, 0, sizeof *out);
	lowercase_username(body);
	int n = validate_body(body, account_fields, VALIDATE_CREATE, errors);
	if (n)
		return n;
	out->username = string_of(body, "username");
	out->password = string_of(body, "password");
	out->role = string_of(body, "role");
	out->unit = string_of(body, "unit_code");
	out->team = string_of(body, "team_id");
	out->status = string_of(body, "status");
	const char *weak = password_weakness(out->password);
	if (weak) {
		problem_add_error(errors, "/password", "too_weak", weak);
		n++;
	}
	return n + account_role_unit_team_check(out->role, out->unit, out->team, errors);
}

int account_new_hash(struct account_new *a)
{
	return password_hash(a->password, a->hash);
}

void account_new_params(const struct account_new *a, const char *scope,
			const char *const actor[4], const char **params)
{
	const char *values[ACCOUNT_CREATE_PARAMS] = {a->username, a->hash, a->role, a->unit,
						     a->team,	  a->status, scope, actor[0],
						     actor[1],	  actor[2],  actor[3]};
	memcpy(params, values, sizeof values);
}

enum account_outcome account_new_outcome(const PGresult *res)
{
	if (!db_true(res, 0, "unit_found"))
		return ACCOUNT_UNIT_NOT_FOUND;
	if (!db_true(res, 0, "team_found"))
		return ACCOUNT_TEAM_NOT_FOUND;
	return db_true(res, 0, "taken") ? ACCOUNT_TAKEN : ACCOUNT_CREATED;
}
