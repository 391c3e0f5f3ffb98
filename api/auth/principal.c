#include "principal.h"

#include <string.h>

/* In enum role's order, from ROLE_ADMIN. */
const char *const role_values[] = {"admin", "officer", "team_leader", "viewer", NULL};
/* In enum oauth_scope's order. */
const char *const scope_values[] = {"registry:read", "registry:write", "activities:write",
				    "reports:read", "members:pii", "evaluations:read",
				    "evaluations:write", "funding:read", "funding:write", NULL};
#define SCOPE_COUNT (sizeof scope_values / sizeof scope_values[0] - 1)

const char *scope_name(size_t i)
{
	return i < SCOPE_COUNT ? scope_values[i] : NULL;
}

enum role role_from_name(const char *name)
{
	for (int i = 0; role_values[i]; i++)
		if (name && !strcmp(name, role_values[i]))
			return (enum role)(i + 1);
	return ROLE_NONE;
}

const char *role_name(enum role role)
{
	return role == ROLE_NONE ? "" : role_values[role - 1];
}

int scopes_parse(const char *text, unsigned *out)
{
	*out = 0;
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (!n)
			break;
		int found = 0;
		for (size_t i = 0; i < SCOPE_COUNT; i++)
			if (strlen(scope_values[i]) == n && !strncmp(p, scope_values[i], n)) {
				*out |= 1u << i;
				found = 1;
			}
		if (!found)
			return -1;
		p += n;
	}
	return 0;
}
