/*
 * A small administrative world for access tests, in a fresh database served by a cdtt
 * subprocess: province HG with district BQ > commune TQ > village TQ-V1, and district BM >
 * commune NX > village NX-V1; an admin, officers of TQ and of NX, a viewer and a team leader
 * of TQ; and their tokens.
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

/* Inserts a user with WORLD_PASSWORD (or password) directly; returns its id (static buffer). */
const char *world_add_user(struct world *w, const char *username, const char *role,
			   const char *unit, const char *password);

/* POST /api/v1/auth/token with the password grant; returns the access token (malloc'd). */
char *world_login(const struct world *w, const char *username, const char *password);

/* A request with a bearer token; body (JSON) may be NULL; extra headers may be NULL. */
void world_call(struct http_response *r, const struct world *w, const char *method,
		const char *path, const char *token, const char *body, const char *const *extra);

/* SELECT count(*) FROM table: to assert that nothing was written. */
long world_count(const struct world *w, const char *table);

/* A JSON field of a response body as a string (static buffer), or "" when absent. */
const char *json_field(const char *body, const char *name);

#endif
