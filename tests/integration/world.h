/*
 * A small administrative world for access tests, in a fresh database served by a cdtt
 * subprocess: province HG with district BQ > commune TQ > village TQ-V1, and district BM >
 * commune NX > village NX-V1; an admin, officers of TQ and of NX, a viewer and a team leader
 * of TQ; and their tokens. With it: inserters that write rows directly with SQL (units,
 * teams, members, memberships, activities, accounts), requests as its accounts, and readers
 * of JSON answers that name the field they check.
 */
#ifndef CDTT_TEST_WORLD_H
#define CDTT_TEST_WORLD_H
#include "harness.h"

#define WORLD_PASSWORD "correct horse battery staple"

struct world {
	char url[512];
	struct proc server;
	char admin_id[37], officer_tq_id[37], officer_nx_id[37], viewer_tq_id[37], leader_tq_id[37];
	char *admin, *officer_tq, *officer_nx, *viewer_tq, *leader_tq; /* access tokens */
};

/* Builds the world; extra_env goes to `cdtt serve` (NULL-terminated, or NULL). */
void world_create(struct world *w, const char *const *extra_env);
void world_destroy(struct world *w);

/*
 * Defines the fixture of a test case whose tests share one world: static setup() builds w
 * (extra_env as for world_create), static teardown() destroys it. Register them with
 * tcase_add_unchecked_fixture(tc, setup, teardown): the world is built once, in the runner,
 * and every test's forked process inherits it.
 */
#define WORLD_FIXTURE(w, extra_env)               \
	static void setup(void)                   \
	{                                         \
		world_create(&(w), (extra_env));  \
	}                                         \
	static void teardown(void)                \
	{                                         \
		world_destroy(&(w));              \
	}

/* The first value of SQL built from a format (malloc'd), or NULL. */
char *world_sql(const struct world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs SQL built from a format; asserts success. */
void world_exec(const struct world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Inserters: rows written directly with SQL, for tests that need data the API is not under
 * test for. Ids are returned malloc'd.
 */

/* Inserts a unit (name NULL: "Unit <code>"; parent may be NULL). */
void world_add_unit(const struct world *w, const char *code, const char *name, const char *level,
		    const char *parent);

/* Inserts a team "Tổ <unit>" of status (active, suspended, dissolved) established on that day
 * (YYYY-MM-DD); its id. */
char *world_add_team(const struct world *w, const char *unit, const char *status,
		     const char *established_on);

/* Inserts a member of unit; its id. */
char *world_add_member(const struct world *w, const char *unit, const char *full_name);

/* Inserts a member of unit with languages and affiliations (PostgreSQL array literals such as
 * "{vie,hmn}") and status (active, inactive); its id. */
char *world_add_member_with(const struct world *w, const char *unit, const char *full_name,
			    const char *languages, const char *affiliations, const char *status);

/* Inserts a membership at the level of the team's unit (left_on NULL: still active). */
void world_add_membership(const struct world *w, const char *team, const char *member,
			  const char *role, const char *joined_on, const char *left_on);

/* Inserts a household visit of team at unit on date (YYYY-MM-DD) with services and member ids
 * (array literals) and the households and people it reached. */
void world_add_activity(const struct world *w, const char *team, const char *unit,
			const char *date, const char *services, int households, int people,
			const char *member_ids);

/* A team leader account of unit whose team is team (a team id), logged in: its token. */
char *world_add_team_leader(struct world *w, const char *username, const char *unit,
			    const char *team);

/* Inserts a user with WORLD_PASSWORD (or password) directly; returns its id (static buffer). */
const char *world_add_user(struct world *w, const char *username, const char *role,
			   const char *unit, const char *password);

/* POST /api/v1/auth/token with the password grant; returns the access token (malloc'd). */
char *world_login(const struct world *w, const char *username, const char *password);

/* A request with a bearer token; body (JSON) may be NULL; extra headers may be NULL. */
void world_call(struct http_response *r, const struct world *w, const char *method,
		const char *path, const char *token, const char *body, const char *const *extra);

/* As world_call, with If-Match: "<version>" (version NULL: without If-Match). */
void world_call_if_match(struct http_response *r, const struct world *w, const char *method,
			 const char *path, const char *token, const char *body,
			 const char *version);

/* GETs path with token (NULL: none) and asserts a problem answer with status. */
void world_get_refused(const struct world *w, const char *path, const char *token, long status);

/* A path built from a format (one of 8 static buffers, reused in turn). */
const char *world_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* SELECT count(*) FROM table: to assert that nothing was written. */
long world_count(const struct world *w, const char *table);

#define WORLD_COUNTED_MAX 8

/* The row counts of some tables at one moment, to assert that a refused request wrote nothing. */
struct world_counts {
	const struct world *w;
	const char *const *tables; /* NULL-terminated, at most WORLD_COUNTED_MAX */
	long rows[WORLD_COUNTED_MAX];
};

/* Counts the rows of each of tables (NULL-terminated; the list must outlive the counts). */
struct world_counts world_counts(const struct world *w, const char *const *tables);
/* Asserts that every table counted in before has as many rows now. */
void world_assert_unchanged(const struct world_counts *before);
/* The rows table (one of those counted) had in c. */
long world_counted(const struct world_counts *c, const char *table);

/*
 * A value of a JSON response body by a dotted path ("id", "leader.name", "steps.1.check": a
 * number indexes an array), as text: strings as
 * they are, anything else as compact JSON (1990, true, null, ["vie"]); "" when absent (static
 * buffer).
 */
const char *json_field(const char *body, const char *path);

/* Reads path with token until the answer has `status` and, when field is not NULL, its field
 * reads want (2 s at most): for changes that reach the server through PostgreSQL's
 * notifications. 1 when it did. */
int world_read_becomes(const struct world *w, const char *path, const char *token, long status,
		       const char *field, const char *want);

/* A system (client) client_id with scopes (a JSON array text) and scope unit, created by the
 * admin and logged in with the client credentials grant: its access token (malloc'd). */
char *world_client_token(const struct world *w, const char *client_id, const char *scopes,
			 const char *unit);

/* The values of field (strings) of a list response's items, in order, joined with sep (static
 * buffer). */
const char *list_join(const char *body, const char *field, const char *sep);

/* A body the API must refuse: a format taking one string, the error's field and code (NULL:
 * any code). */
struct refused_body {
	const char *body, *field, *code;
};

/* POSTs each body (formatted with arg) to path as token and asserts 422 naming its field with
 * its code, and that none of them changed the counted tables. */
void world_assert_bodies_refused(const struct world *w, const char *path, const char *token,
				 const char *arg, const struct refused_body *cases, size_t n,
				 const struct world_counts *before);

/* Asserts that a problem's detail, title or one of its errors' messages says text; the
 * failure shows what they say. */
void assert_problem_says(const struct http_response *r, const char *text);

/* Whether a JSON response body has a value (null included) at a dotted path, as json_field. */
int json_has(const char *body, const char *path);

/* The position in a list response's items of the first whose field (a string member) is
 * value, or -1. */
long list_index(const char *body, const char *field, const char *value);
/* Whether a list response's items hold one whose field is value. */
int list_has(const char *body, const char *field, const char *value);

/* True when the problem's errors name field (a JSON pointer or a parameter) with code (NULL: any). */
int response_has_error(const struct http_response *r, const char *field, const char *code);

#endif
