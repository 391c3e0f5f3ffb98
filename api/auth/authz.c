#include "authz.h"

static int client_allows(unsigned scopes, enum action action)
{
	switch (action) {
	case ACT_READ_REGISTRY:
		return (scopes & (SCOPE_REGISTRY_READ | SCOPE_REGISTRY_WRITE)) != 0;
	case ACT_WRITE_REGISTRY:
		return (scopes & SCOPE_REGISTRY_WRITE) != 0;
	case ACT_RECORD_ACTIVITY:
		return (scopes & SCOPE_ACTIVITIES_WRITE) != 0;
	case ACT_READ_REPORTS:
		return (scopes & SCOPE_REPORTS_READ) != 0;
	case ACT_SEE_PERSONAL_DATA:
		return (scopes & SCOPE_MEMBERS_PII) != 0;
	case ACT_READ_EVALUATIONS:
		return (scopes & (SCOPE_EVALUATIONS_READ | SCOPE_EVALUATIONS_WRITE)) != 0;
	case ACT_WRITE_EVALUATIONS:
		return (scopes & SCOPE_EVALUATIONS_WRITE) != 0;
	case ACT_READ_FUNDING:
		return (scopes & (SCOPE_FUNDING_READ | SCOPE_FUNDING_WRITE)) != 0;
	case ACT_WRITE_FUNDING:
		return (scopes & SCOPE_FUNDING_WRITE) != 0;
	default:
		return 0; /* systems never manage accounts, catalogues or read the audit trail */
	}
}

static int user_allows(enum role role, enum action action)
{
	switch (role) {
	case ROLE_ADMIN:
		return 1;
	case ROLE_OFFICER:
		return action != ACT_MANAGE_CLIENTS && action != ACT_MANAGE_CATALOGUE &&
		       action != ACT_READ_AUDIT;
	case ROLE_TEAM_LEADER:
		return action == ACT_READ_REGISTRY || action == ACT_RECORD_ACTIVITY ||
		       action == ACT_SEE_PERSONAL_DATA || action == ACT_READ_REPORTS ||
		       action == ACT_READ_EVALUATIONS || action == ACT_READ_FUNDING;
	case ROLE_VIEWER:
		return action == ACT_READ_REGISTRY || action == ACT_READ_REPORTS ||
		       action == ACT_READ_EVALUATIONS || action == ACT_READ_FUNDING;
	default:
		return 0;
	}
}

int authz_allows(const struct principal *p, enum action action)
{
	switch (p->kind) {
	case PRINCIPAL_USER:
		return user_allows(p->role, action);
	case PRINCIPAL_CLIENT:
		return client_allows(p->scopes, action);
	default:
		return 0;
	}
}

int authz_may_manage_role(const struct principal *p, enum role role)
{
	if (p->kind != PRINCIPAL_USER)
		return 0;
	if (p->role == ROLE_ADMIN)
		return role != ROLE_NONE;
	if (p->role == ROLE_OFFICER)
		return role == ROLE_VIEWER || role == ROLE_TEAM_LEADER;
	return 0;
}
