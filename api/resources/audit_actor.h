/*
 * The four parameters every audited write passes to its statement, in this order:
 * actor_type, actor_id, actor_name, request_id. The write's SQL function (db/functions/) records
 * them in audit_events in the same statement, so the same transaction, as the change.
 */
#ifndef CDTT_RESOURCES_AUDIT_ACTOR_H
#define CDTT_RESOURCES_AUDIT_ACTOR_H
#include "../http/http.h"

/* SQL fragment: the audit columns' values, given the positions of the actor parameters. */
#define AUDIT_ACTOR_SQL(a, b, c, d) "$" #a ", $" #b "::uuid, $" #c ", $" #d
/* The same as one audit_actor value (db/migrations/0018), what newer write functions take. */
#define AUDIT_ACTOR_ROW(a, b, c, d) \
	"ROW($" #a ", $" #b "::uuid, $" #c ", $" #d ")::audit_actor"

static inline void audit_actor_params(const struct req_ctx *ctx, const char **out)
{
	out[0] = ctx->principal.kind == PRINCIPAL_CLIENT ? "client" : "user";
	out[1] = ctx->principal.id;
	out[2] = ctx->principal.name;
	out[3] = ctx->request_id;
}

#endif
