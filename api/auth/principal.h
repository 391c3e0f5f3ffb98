/*
 * The principal: who is calling, with what rights, over which part of the administrative tree.
 * Built once per request from the bearer token and the account's current row, so a disabled
 * account or a changed role takes effect on the next request.
 */
#ifndef CDTT_AUTH_PRINCIPAL_H
#define CDTT_AUTH_PRINCIPAL_H
#include <stddef.h>

enum principal_kind { PRINCIPAL_NONE = 0, PRINCIPAL_USER, PRINCIPAL_CLIENT };
enum role { ROLE_NONE = 0, ROLE_ADMIN, ROLE_OFFICER, ROLE_TEAM_LEADER, ROLE_VIEWER };
enum oauth_scope {
	SCOPE_REGISTRY_READ = 1 << 0,
	SCOPE_REGISTRY_WRITE = 1 << 1,
	SCOPE_ACTIVITIES_WRITE = 1 << 2,
	SCOPE_REPORTS_READ = 1 << 3,
	SCOPE_MEMBERS_PII = 1 << 4,
	SCOPE_EVALUATIONS_READ = 1 << 5,
	SCOPE_EVALUATIONS_WRITE = 1 << 6,
	SCOPE_FUNDING_READ = 1 << 7,
	SCOPE_FUNDING_WRITE = 1 << 8,
};

/*
 * scope_path is what every scoped query receives: the ltree path of the scope unit, "" (the
 * empty path, ancestor of every path) for an admin, or "none" (matches no unit) for an account
 * without a scope unit: fail closed.
 */
struct principal {
	enum principal_kind kind;
	char id[37];          /* users.id or clients.id */
	char name[65];        /* username or client_id: for the audit trail, never for logs */
	enum role role;       /* users */
	unsigned scopes;      /* clients: enum oauth_scope bits */
	char unit_code[33];   /* "" when none */
	char scope_path[256];
	char team_id[37];     /* team leaders: their team */
};

/* The roles' names, NULL-terminated: the one list the field tables and role_from_name use. */
extern const char *const role_values[];
/* The OAuth scopes' names, NULL-terminated, in enum oauth_scope's order: the one list. */
extern const char *const scope_values[];

enum role role_from_name(const char *name);
const char *role_name(enum role role);
/* The i-th OAuth scope's name (from 0, in enum oauth_scope's order); NULL past the last. */
const char *scope_name(size_t i);
/* Parses "registry:read members:pii"; -1 when a word is not a known scope. */
int scopes_parse(const char *text, unsigned *out);

#endif
