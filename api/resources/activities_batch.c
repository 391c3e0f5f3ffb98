/*
 * POST /api/v1/activities:batch — up to 1,000 activities of any teams in the caller's scope,
 * all or nothing: {"items": [{"team_id": ..., <activity fields>}, ...]} answers 201
 * {"created": N, "ids": [...]} (ids in the order of the items), or 422 with every error, each
 * naming its item (/items/3/date).
 *
 * Three passes, so that a thousand items cost about what one does: every item is checked in
 * C (activity_check, as a single create); then one statement, activities_create() as for a
 * single create, checks the references of all items (activity_problems() per item: index
 * lookups, no query per item from C) and inserts them all, with ONE audit event
 * (activities.batch, after {count, ids}), only when nothing failed. A team leader may name
 * their own team only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/authz.h"
#include "../http/problem.h"
#include "activities.h"
#include "audit_actor.h"
#include "resource.h"
#include "teams_shared.h"

/* activities_create() of db/functions/55_activities.sql, as a batch: $1 items, $2 scope, $3 the
 * only team (leaders), $4-$7 the audit actor. */
static struct db_stmt create_batch = DB_STMT("activities_batch", 7,
	"SELECT * FROM activities_create($1, $2, $3, true, $4, $5, $6, $7)");

/*
 * Checks the body and every item without the database. Returns the items as the statement
 * takes them (a new reference), or NULL after answering 422 with every error.
 */
static json_t *checked_items(struct _u_response *resp, const struct req_ctx *ctx)
{
	json_t *errors = NULL, *out = NULL;
	int no_memory = 0;
	const json_t *items = json_object_get(ctx->body, "items");
	const char *key;
	const json_t *v;
	json_object_foreach(ctx->body, key, v) if (strcmp(key, "items"))
	{
		char pointer[80];
		member_pointer(pointer, sizeof pointer, "/", key);
		problem_add_error(&errors, pointer, "unknown_field", "is not a field of a batch");
	}
	if (!items) {
		problem_add_error(&errors, "/items", "required", "is required");
	} else if (!json_is_array(items)) {
		problem_add_error(&errors, "/items", "invalid_type", "must be an array of activities");
	} else if (json_array_size(items) < 1 || json_array_size(items) > ACTIVITY_BATCH_MAX) {
		problem_add_error(&errors, "/items",
				  json_array_size(items) < 1 ? "too_short" : "too_long",
				  "must hold 1 to 1000 activities");
	} else {
		size_t i;
		const json_t *item;
		out = json_array();
		json_array_foreach(items, i, item)
		{
			char prefix[32];
			snprintf(prefix, sizeof prefix, "/items/%zu", i);
			json_t *item_errors = NULL;
			if (!json_is_object(item))
				problem_add_error(&errors, prefix, "invalid_type",
						  "must be an activity object");
			else if (activity_check(item, VALIDATE_CREATE, 1, &item_errors))
				problem_add_errors_prefixed(&errors, item_errors, prefix);
			else if (json_array_append_new(out, activity_item(item, NULL)) != 0)
				no_memory = 1;
		}
	}
	if (!errors && out && !no_memory)
		return out;
	json_decref(out);
	if (errors)
		invalid_body(resp, ctx, errors);
	else
		internal_error(resp, ctx); /* no memory for the items */
	return NULL;
}

void activities_batch(const struct _u_request *req, struct _u_response *resp,
		      struct req_ctx *ctx)
{
	(void)req;
	if (allowed(resp, ctx, ACT_RECORD_ACTIVITY) != 0)
		return;
	json_t *items = checked_items(resp, ctx);
	if (!items)
		return;
	char *text = json_dumps(items, JSON_COMPACT);
	json_decref(items);
	if (!text) {
		internal_error(resp, ctx);
		return;
	}
	const char *params[7] = {text, ctx->principal.scope_path, team_only_param(ctx)};
	enum db_status st;
	PGresult *res = run_write(resp, ctx, &create_batch, params, 3, &st);
	free(text);
	if (!res)
		return;
	json_t *errors = NULL;
	const char *problems, *created;
	if (st != DB_OK) {
		const char *state = db_sqlstate(res);
		if (!strcmp(state, SQLSTATE_FOREIGN_KEY_VIOLATION))
			problem(resp, ctx, 409,
				"A team or a unit changed meanwhile; read them again and retry.");
		else
			write_failed_unexpectedly(resp, ctx, res);
	} else if ((problems = result_value(res, "problems"))) {
		activity_problems_to_errors(problems, 1, &errors);
		invalid_body(resp, ctx, errors);
	} else if (!(created = result_value(res, "json"))) {
		internal_error(resp, ctx);
	} else {
		http_json_text(resp, 201, created, strlen(created));
	}
	PQclear(res);
}
