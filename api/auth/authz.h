/*
 * Authorization, in one place: what a principal may do. Two questions, asked by every handler:
 *   authz_allows(p, ACTION)  the role or OAuth scopes permit the action at all (else 403);
 *   the unit scope           every query of a scoped resource takes p->scope_path and keeps
 *                            only rows whose unit path lies under it, so a resource outside
 *                            the scope is answered exactly like a missing one (404).
 */
#ifndef CDTT_AUTH_AUTHZ_H
#define CDTT_AUTH_AUTHZ_H
#include "principal.h"

enum action {
	ACT_READ_REGISTRY,    /* units, teams, members, memberships */
	ACT_WRITE_REGISTRY,
	ACT_RECORD_ACTIVITY,
	ACT_READ_REPORTS,
	ACT_SEE_PERSONAL_DATA, /* unmasked phone, email, birth year */
	ACT_MANAGE_USERS,      /* admins; officers for viewer/team_leader accounts in scope */
	ACT_MANAGE_CLIENTS,    /* admins */
	ACT_MANAGE_CATALOGUE,  /* services, rubrics */
	ACT_READ_AUDIT,        /* admins */
	ACT_READ_EVALUATIONS,  /* ratings and scores in scope (comments are personal data) */
	ACT_WRITE_EVALUATIONS, /* create, edit, finalize, prefill: admins and officers */
	ACT_READ_FUNDING,      /* proposals and allocations in scope (a leader: those naming their team) */
	ACT_WRITE_FUNDING,     /* proposals, their moves, allocations: admins and officers */
};

int authz_allows(const struct principal *p, enum action action);

/* Whether p may create or manage an account of `role` (within its scope, checked in SQL). */
int authz_may_manage_role(const struct principal *p, enum role role);

#endif
