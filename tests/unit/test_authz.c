/*
 * Who may do what (api/auth/authz.c), stated as the matrix of SPEC §5 so that a change to the
 * rules fails the case naming the role or scope and the action:
 *   admin        everything: users, clients, catalogues (services, rubrics), the audit trail;
 *   officer      reads and writes inside their scope: registry, activities, reports, personal
 *                data, and the viewer and team_leader accounts there; not clients, catalogues
 *                or the audit trail;
 *   team_leader  reads (their team: the scope is SQL's), records its activities, and sees
 *                its members' contact details and its reports;
 *   viewer       reads inside their scope, personal data masked;
 *   systems      only what their OAuth scopes name; never accounts, catalogues or the audit.
 * Which rows each sees (the scope unit; none without one) is decided in SQL, not here.
 */
#include <stdio.h>
#include <string.h>
#include <check.h>

#include "../../api/auth/authz.h"

static const char *const action_names[] = {
	[ACT_READ_REGISTRY] = "read_registry",
	[ACT_WRITE_REGISTRY] = "write_registry",
	[ACT_RECORD_ACTIVITY] = "record_activity",
	[ACT_READ_REPORTS] = "read_reports",
	[ACT_SEE_PERSONAL_DATA] = "see_personal_data",
	[ACT_MANAGE_USERS] = "manage_users",
	[ACT_MANAGE_CLIENTS] = "manage_clients",
	[ACT_MANAGE_CATALOGUE] = "manage_catalogue",
	[ACT_READ_AUDIT] = "read_audit",
	[ACT_READ_EVALUATIONS] = "read_evaluations",
	[ACT_WRITE_EVALUATIONS] = "write_evaluations",
	[ACT_READ_FUNDING] = "read_funding",
	[ACT_WRITE_FUNDING] = "write_funding",
};
#define N_ACTIONS (int)(sizeof action_names / sizeof action_names[0])
/* a new action must get a column here */
_Static_assert(sizeof action_names / sizeof action_names[0] == ACT_WRITE_FUNDING + 1,
	       "every action has a column in the matrix");

/* Columns in action_names' order: 1 allowed, 0 refused (403). */
struct row {
	const char *who; /* a role name, or a scope string for a system */
	int allowed[ACT_WRITE_FUNDING + 1];
};

/*                                 read  write  act  reports  pii  users  clients  catalogue  audit  eval  eval   fund  fund
 *                                                                                                   read  write  read  write */
static const struct row roles[] = {
	{"admin",                    {1,    1,     1,   1,       1,   1,     1,       1,         1,     1,    1,  1,    1}},
	{"officer",                  {1,    1,     1,   1,       1,   1,     0,       0,         0,     1,    1,  1,    1}},
	{"team_leader",              {1,    0,     1,   1,       1,   0,     0,       0,         0,     1,    0,  1,    0}},
	{"viewer",                   {1,    0,     0,   1,       0,   0,     0,       0,         0,     1,    0,  1,    0}},
};

static const struct row systems[] = {
	{"",                         {0,    0,     0,   0,       0,   0,     0,       0,         0,     0,    0,  0,    0}},
	{"registry:read",            {1,    0,     0,   0,       0,   0,     0,       0,         0,     0,    0,  0,    0}},
	{"registry:write",           {1,    1,     0,   0,       0,   0,     0,       0,         0,     0,    0,  0,    0}},
	{"activities:write",         {0,    0,     1,   0,       0,   0,     0,       0,         0,     0,    0,  0,    0}},
	{"reports:read",             {0,    0,     0,   1,       0,   0,     0,       0,         0,     0,    0,  0,    0}},
	{"members:pii",              {0,    0,     0,   0,       1,   0,     0,       0,         0,     0,    0,  0,    0}},
	{"evaluations:read",         {0,    0,     0,   0,       0,   0,     0,       0,         0,     1,    0,  0,    0}},
	{"evaluations:write",        {0,    0,     0,   0,       0,   0,     0,       0,         0,     1,    1,  0,    0}},
	{"funding:read",             {0,    0,     0,   0,       0,   0,     0,       0,         0,     0,    0,  1,    0}},
	{"funding:write",            {0,    0,     0,   0,       0,   0,     0,       0,         0,     0,    0,  1,    1}},
	{"registry:read members:pii", {1,   0,     0,   0,       1,   0,     0,       0,         0,     0,    0,  0,    0}},
	{"registry:read registry:write activities:write reports:read members:pii",
				     {1,    1,     1,   1,       1,   0,     0,       0,         0,     0,    0,  0,    0}},
};

static struct principal user(const char *role_text)
{
	struct principal p;
	memset(&p, 0, sizeof p);
	p.kind = PRINCIPAL_USER;
	p.role = role_from_name(role_text);
	ck_assert_msg(p.role != ROLE_NONE, "no role %s", role_text);
	snprintf(p.scope_path, sizeof p.scope_path, "vn.hg");
	return p;
}

static struct principal client(const char *scopes_text)
{
	struct principal p;
	memset(&p, 0, sizeof p);
	p.kind = PRINCIPAL_CLIENT;
	ck_assert_msg(scopes_parse(scopes_text, &p.scopes) == 0, "scopes %s", scopes_text);
	snprintf(p.scope_path, sizeof p.scope_path, "vn.hg");
	return p;
}

static void check_row(const struct principal *p, const struct row *r, const char *kind)
{
	for (int a = 0; a < N_ACTIONS; a++)
		ck_assert_msg(authz_allows(p, (enum action)a) == r->allowed[a],
			      "%s \"%s\" %s %s", kind, r->who,
			      r->allowed[a] ? "should be allowed to" : "must not",
			      action_names[a]);
}

/* One test per row, so the failing name says whose rights changed. */
START_TEST(test_authz_role_matrix)
{
	const struct row *r = &roles[_i];
	struct principal p = user(r->who);
	check_row(&p, r, "role");
	/* the role, not the scope unit, decides the action (the scope filters rows in SQL) */
	snprintf(p.scope_path, sizeof p.scope_path, "none");
	check_row(&p, r, "role");
	/* OAuth scopes on a person's principal grant nothing beyond the role */
	p.scopes = ~0u;
	check_row(&p, r, "role");
}
END_TEST

START_TEST(test_authz_system_scope_matrix)
{
	const struct row *r = &systems[_i];
	struct principal p = client(r->who);
	check_row(&p, r, "scopes");
	/* a role on a system's principal grants nothing beyond its scopes */
	p.role = ROLE_ADMIN;
	check_row(&p, r, "scopes");
}
END_TEST

START_TEST(test_authz_every_scope_name_is_in_the_matrix)
{
	/* a scope added to the code without a row here fails */
	for (size_t i = 0; scope_name(i); i++) {
		int found = 0;
		for (size_t j = 0; j < sizeof systems / sizeof systems[0]; j++)
			found |= !strcmp(systems[j].who, scope_name(i));
		ck_assert_msg(found, "scope %s has no row", scope_name(i));
	}
	unsigned bits;
	ck_assert_int_eq(scopes_parse("registry:admin", &bits), -1);
	ck_assert_int_eq(scopes_parse("registry:read webhooks:nope", &bits), -1);
}
END_TEST

START_TEST(test_authz_every_role_name_is_in_the_matrix)
{
	for (int role = ROLE_ADMIN; role <= ROLE_VIEWER; role++) {
		int found = 0;
		for (size_t j = 0; j < sizeof roles / sizeof roles[0]; j++)
			found |= !strcmp(roles[j].who, role_name((enum role)role));
		ck_assert_msg(found, "role %s has no row", role_name((enum role)role));
	}
	ck_assert_int_eq(role_from_name("superuser"), ROLE_NONE);
	ck_assert_int_eq(role_from_name("Admin"), ROLE_NONE);
	ck_assert_int_eq(role_from_name(NULL), ROLE_NONE);
}
END_TEST

START_TEST(test_authz_nobody_and_an_account_without_a_role_may_do_nothing)
{
	struct principal p;
	memset(&p, 0, sizeof p); /* PRINCIPAL_NONE: a public route's caller */
	for (int a = 0; a < N_ACTIONS; a++)
		ck_assert_msg(!authz_allows(&p, (enum action)a), "anonymous may %s", action_names[a]);
	p.role = ROLE_ADMIN; /* a role without a user kind counts for nothing */
	p.scopes = ~0u;
	for (int a = 0; a < N_ACTIONS; a++)
		ck_assert_msg(!authz_allows(&p, (enum action)a), "anonymous may %s", action_names[a]);

	memset(&p, 0, sizeof p);
	p.kind = PRINCIPAL_USER;
	p.role = ROLE_NONE;
	for (int a = 0; a < N_ACTIONS; a++)
		ck_assert_msg(!authz_allows(&p, (enum action)a), "a user without a role may %s",
			      action_names[a]);
	for (int r = ROLE_NONE; r <= ROLE_VIEWER; r++)
		ck_assert(!authz_may_manage_role(&p, (enum role)r));
}
END_TEST

START_TEST(test_authz_who_may_manage_which_accounts)
{
	/*                 may manage: admin officer team_leader viewer */
	static const struct {
		const char *who;
		int may[4];
	} rows[] = {
		{"admin", {1, 1, 1, 1}},
		{"officer", {0, 0, 1, 1}},
		{"team_leader", {0, 0, 0, 0}},
		{"viewer", {0, 0, 0, 0}},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct principal p = user(rows[i].who);
		for (int r = ROLE_ADMIN; r <= ROLE_VIEWER; r++)
			ck_assert_msg(authz_may_manage_role(&p, (enum role)r) == rows[i].may[r - 1],
				      "%s %s manage %s accounts", rows[i].who,
				      rows[i].may[r - 1] ? "should" : "must not",
				      role_name((enum role)r));
		ck_assert_msg(!authz_may_manage_role(&p, ROLE_NONE), "%s may make a roleless account",
			      rows[i].who);
	}
	struct principal sys = client("registry:read registry:write activities:write reports:read "
				      "members:pii");
	for (int r = ROLE_NONE; r <= ROLE_VIEWER; r++)
		ck_assert_msg(!authz_may_manage_role(&sys, (enum role)r), "a system may manage %s",
			      role_name((enum role)r));
}
END_TEST

Suite *authz_suite(void)
{
	Suite *s = suite_create("authz");
	TCase *tc = tcase_create("matrix");
	tcase_add_loop_test(tc, test_authz_role_matrix, 0, (int)(sizeof roles / sizeof roles[0]));
	tcase_add_loop_test(tc, test_authz_system_scope_matrix, 0,
			    (int)(sizeof systems / sizeof systems[0]));
	tcase_add_test(tc, test_authz_every_scope_name_is_in_the_matrix);
	tcase_add_test(tc, test_authz_every_role_name_is_in_the_matrix);
	tcase_add_test(tc, test_authz_nobody_and_an_account_without_a_role_may_do_nothing);
	tcase_add_test(tc, test_authz_who_may_manage_which_accounts);
	suite_add_tcase(s, tc);
	return s;
}
