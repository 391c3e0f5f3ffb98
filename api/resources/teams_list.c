/*
 * GET /api/v1/teams: the teams in the caller's scope, keyset-paged by id, as JSON or (with
 * Accept: text/csv) as a streamed CSV export of every row.
 *
 * Filters: unit (the whole subtree of that unit code), status, q (the name, ignoring case and
 * Vietnamese diacritics; %, _ and \ mean themselves), has_leader=true|false. A team leader
 * lists only their own team. Query parameters are checked here (UTF-8, lengths, enums) so
 * that no bad input reaches a SQL cast.
 *
 * Two ways to read a page, chosen by the scope (STACK-NOTES, "Query plans that bite"):
 *   - in a subtree (every caller but an admin listing the whole country): per unit of the
 *     subtree, found through the GiST index on units.path, at most N teams after the cursor
 *     from teams_unit (unit_code, id), then the N smallest ids. Walking the teams' id index and
 *     filtering by scope would read the whole country for a commune officer.
 *   - everywhere (an admin without `unit`): the teams' id index in order, filters applied on
 *     the way; with a q of 3 characters or more, the trigram index on the name instead, since a
 *     selective q would otherwise read every team. Per unit would mean 100,000 probes a page.
 * Measured (EXPLAIN ANALYZE, a page of 50) on 102,000 units and teams, 408,000 members and
 * 366,000 memberships: commune officer 10 ms, province of 3,000 villages 25-50 ms, national
 * 5 ms, national with a selective q 4 ms, with q matching a third of the names 10 ms; a CSV
 * page of 1,000 rows about 100 ms. Only the page's rows are turned into JSON or CSV.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "../auth/authz.h"
#include "../http/csv_export.h"
#include "../http/paging.h"
#include "../http/problem.h"
#include "../text.h"
#include "resource.h"
#include "teams_shared.h"

#define Q_MAX_CHARS 100
#define Q_TRIGRAM_MIN_CHARS 3 /* shorter patterns have no trigram for the index to use */

/* Smaller than any team id (random UUIDs are never nil): the keyset starts here, as an
 * index condition even in a generic plan, where "$2 IS NULL OR id > $2" would not be one. */
#define NIL_UUID "00000000-0000-0000-0000-000000000000"

/*
 * Parameters of every page statement: $1 scope path, $2 after id, $3 status, $4 q,
 * $5 has_leader, $6 the only team (leaders), $7 unit code, $8 limit, $9 personal data (the
 * contact phone, usually the leader's own number, is masked without it).
 */
#define TEAM_FILTERS                                                                        \
	" AND t.id > coalesce($2::uuid, '" NIL_UUID "') AND ($3::text IS NULL OR t.status = $3)" \
	" AND ($4::text IS NULL OR search_fold(t.name) LIKE search_pattern($4))"                \
	" AND ($5::boolean IS NULL OR $5::boolean = EXISTS (SELECT 1 FROM memberships ms"       \
	"      WHERE ms.team_id = t.id AND ms.role = 'leader' AND ms.left_on IS NULL))"         \
	" AND ($6::uuid IS NULL OR t.id = $6::uuid)"

/* `select` reads the page's teams as tm, each with its unit n. */
#define PAGE_ROWS(select, ids)                                                              \
	"SELECT " select " FROM (" ids ") page JOIN teams tm ON tm.id = page.id"             \
	" JOIN units n ON n.code = tm.unit_code ORDER BY tm.id"

#define IDS_IN_SUBTREE                                                                      \
	"SELECT t.id FROM units u CROSS JOIN LATERAL (SELECT t.id FROM teams t"               \
	"  WHERE t.unit_code = u.code" TEAM_FILTERS " ORDER BY t.id LIMIT $8::int) t"          \
	" WHERE within(u.path, $1::ltree) AND within(u.path, CASE WHEN $7::text IS NULL"       \
	"  THEN $1::ltree ELSE (SELECT path FROM units WHERE code = $7) END)"                  \
	" ORDER BY t.id LIMIT $8::int"

/* Chosen only for the empty scope and no unit: the first conditions say so, failing closed. */
#define IDS_EVERYWHERE(extra)                                                               \
	"SELECT t.id FROM teams t WHERE $1::text = '' AND $7::text IS NULL" extra TEAM_FILTERS  \
	" ORDER BY t.id LIMIT $8::int"
#define BY_NAME " AND search_fold(t.name) LIKE search_pattern($4)"

#define JSON_ROW "team_json(tm, $9::boolean)::text, tm.id::text"
#define CSV_ROW                                                                             \
	"csv_line(tm.id::text, tm.unit_code, n.name, tm.name, tm.status,"                      \
	" to_char(tm.established_on, 'YYYY-MM-DD'),"                                           \
	" CASE WHEN $9::boolean THEN tm.contact_phone ELSE mask_phone(tm.contact_phone) END,"  \
	" (SELECT m.full_name FROM memberships ms JOIN members m ON m.id = ms.member_id"       \
	"  WHERE ms.team_id = tm.id AND ms.role = 'leader' AND ms.left_on IS NULL),"           \
	" (SELECT count(*) FROM memberships ms"                                                \
	"  WHERE ms.team_id = tm.id AND ms.left_on IS NULL)::text), tm.id::text"

#define PAGE_STMT(stmt_name, select, ids) DB_READ(stmt_name, 9, PAGE_ROWS(select, ids))

enum page_way { IN_SUBTREE, EVERYWHERE, EVERYWHERE_BY_NAME };

static struct db_stmt list_pages[] = {
	PAGE_STMT("teams_list", JSON_ROW, IDS_IN_SUBTREE),
	PAGE_STMT("teams_list_all", JSON_ROW, IDS_EVERYWHERE("")),
	PAGE_STMT("teams_list_all_by_name", JSON_ROW, IDS_EVERYWHERE(BY_NAME)),
};

static struct db_stmt export_pages[] = {
	PAGE_STMT("teams_export", CSV_ROW, IDS_IN_SUBTREE),
	PAGE_STMT("teams_export_all", CSV_ROW, IDS_EVERYWHERE("")),
	PAGE_STMT("teams_export_all_by_name", CSV_ROW, IDS_EVERYWHERE(BY_NAME)),
};

#define EXPORT_HEADER                                                                       \
	"id,unit_code,unit_name,name,status,established_on,contact_phone,leader_name,member_count"

struct team_filters {
	const char *unit, *status, *q, *has_leader;
};

/* Reads the filters; returns 0, or -1 after answering 422 with every bad one. */
static int read_filters(const struct _u_request *req, struct _u_response *resp,
			const struct req_ctx *ctx, struct team_filters *f)
{
	json_t *errors = NULL;
	f->unit = query_param(req, "unit");
	f->status = query_param(req, "status");
	f->q = query_param(req, "q");
	query_check_code(&errors, "unit", f->unit);
	query_check_enum(&errors, "status", f->status, team_status_values,
			 "must be active, suspended or dissolved");
	if (f->q && !query_text_ok(f->q, Q_MAX_CHARS))
		problem_add_error(&errors, "q", "invalid_value",
				  "must be text of at most 100 characters, without control characters");
	query_check_boolean(&errors, "has_leader", query_param(req, "has_leader"), &f->has_leader);
	return query_checked(resp, ctx, errors);
}

static enum page_way page_way(const struct req_ctx *ctx, const struct team_filters *f)
{
	if (ctx->principal.scope_path[0] || f->unit)
		return IN_SUBTREE;
	return f->q && text_length(f->q) >= Q_TRIGRAM_MIN_CHARS ? EVERYWHERE_BY_NAME : EVERYWHERE;
}

void teams_list(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	if (allowed(resp, ctx, ACT_READ_REGISTRY) != 0)
		return;
	struct page_request page;
	struct team_filters f;
	if (page_request_parse(req, resp, ctx, "teams", &page) != 0 ||
	    read_filters(req, resp, ctx, &f) != 0)
		return;
	const char *params[9] = {ctx->principal.scope_path, page.after[0] ? page.after : NULL,
				 f.status, f.q, f.has_leader, team_only_param(ctx), f.unit,
				 page.limit_text, personal_data(ctx)};
	const struct csv_export export = {.header = EXPORT_HEADER,
					  .page_stmt = &export_pages[page_way(ctx, &f)], .nparams = 9,
					  .after_index = 1, .limit_index = 7, .filename = "teams.csv"};
	respond_list(req, resp, ctx, &export, &list_pages[page_way(ctx, &f)], params, "teams",
		     page.limit);
}
