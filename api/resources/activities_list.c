/*
 * The lists of activities, newest first (date, then id, descending), keyset-paged on that
 * pair:
 *   GET /api/v1/teams/{id}/activities   one team's record (from, to, service, kind);
 *   GET /api/v1/activities              every activity whose unit lies in the caller's scope
 *                                       (unit: a subtree; team, from, to, service, kind), as
 *                                       JSON or, with Accept: text/csv, a streamed export
 *                                       of every row (unit by unit, newest first in each).
 * A team leader lists their own team only. Measured on 1.68 million activities in 68,000
 * units (seed-demo --scale 30), pages of 50: a commune officer 3-5 ms, a province officer
 * 7-25 ms, the whole country 10-30 ms, one team 2-3 ms; a rare service over a province with
 * limit=200, 150 ms (the date walk reads 200,000 rows to find 200).
 *
 * The scope list reads a page one of three ways, chosen inside the statement (the branches
 * not taken are one-time filters that cost nothing), as STACK-NOTES advises:
 *   - one team (team=, or a team leader): that team's index (team_id, date DESC);
 *   - a small subtree (at most SMALL_SUBTREE units: a commune, a village): per unit, the
 *     newest activities after the cursor from (unit_code, date), then the newest of those —
 *     walking the national date index and filtering would read the whole country for a
 *     commune officer;
 *   - a large subtree (a province, the country): the date index (date, id) backwards, keeping
 *     the activities whose unit lies in the subtree, which most do.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "../auth/authz.h"
#include "../http/csv_export.h"
#include "../http/paging.h"
#include "../http/problem.h"
#include "../dates.h"
#include "activities.h"
#include "members_validate.h"
#include "resource.h"
#include "services_validate.h"
#include "teams_shared.h"

#define SMALL_SUBTREE "300"

/*
 * The key of the lists, "YYYY-MM-DD/uuid"; the cursor is signed, so it is ours. The rows
 * before the key and not after `to` make ONE row comparison, (date, id) < bound: a backward
 * index scan starts at its bound, and with two upper bounds (a row and a date) PostgreSQL
 * starts at the row's and reads everything after `to` only to skip it. `to` is the bound
 * (to + 1 day, the nil UUID) unless the cursor is below it; without either, (infinity, nil).
 */
#define KEY "to_char(x.date, 'YYYY-MM-DD') || '/' || x.id::text"
#define KEY_DATE(k) "split_part(" k ", '/', 1)::date"
#define KEY_USED(k, to) \
	k "::text IS NOT NULL AND (" to "::date IS NULL OR " KEY_DATE(k) " < " to "::date + 1)"
#define BEFORE_KEY(k, to)                                                                   \
	"(a.date, a.id) < (CASE WHEN " KEY_USED(k, to) " THEN " KEY_DATE(k)                  \
	" ELSE coalesce(" to "::date + 1, 'infinity'::date) END,"                             \
	" CASE WHEN " KEY_USED(k, to) " THEN split_part(" k ", '/', 2)::uuid"                 \
	" ELSE '00000000-0000-0000-0000-000000000000'::uuid END)"
#define NEWEST_FIRST " ORDER BY a.date DESC, a.id DESC"

/* from, service, kind as parameters (to is in BEFORE_KEY). */
#define FILTERS(from, service, kind)                                                        \
	" AND a.date >= coalesce(" from "::date, '-infinity'::date)"                           \
	" AND (" service "::text IS NULL OR a.service_codes @> ARRAY[" service "::text])"      \
	" AND (" kind "::text IS NULL OR a.kind = " kind ")"

/* $1 team, $2 after, $3 from, $4 to, $5 service, $6 kind, $7 limit. */
static struct db_stmt list_of_team = DB_READ("activities_of_team", 7,
	"SELECT activity_json(x)::text, " KEY " FROM (SELECT a.* FROM activities a"
	" WHERE a.team_id = $1::uuid AND " BEFORE_KEY("$2", "$4") FILTERS("$3", "$5", "$6")
	NEWEST_FIRST " LIMIT $7::int) x ORDER BY x.date DESC, x.id DESC");

static struct db_stmt team_visible = DB_READ("activities_team_visible", 3,
	"SELECT 1 FROM visible_teams($2::ltree, $3::uuid) t WHERE t.id = $1::uuid");

/*
 * $1 scope, $2 after, $3 from, $4 to, $5 service, $6 kind, $7 team, $8 unit, $9 the only team
 * (leaders), $10 limit. `target` is the subtree: the scope, or the unit when it lies in it
 * (NULL otherwise: nothing matches).
 */
#define SCOPE_FILTERS FILTERS("$3", "$5", "$6") " AND " BEFORE_KEY("$2", "$4") \
	" AND ($9::uuid IS NULL OR a.team_id = $9::uuid)"
#define ONE_TEAM "coalesce($7::uuid, $9::uuid)"
/*
 * The unit is in the subtree: an IN (hashed once per page: the subtree's unit codes) inside
 * coalesce(), not EXISTS or a join. The statement is prepared, so after a few runs
 * PostgreSQL plans it once for any parameters, estimating `within(path, $x)` at 0.1 % of the
 * rows; with a join it then starts from the subtree's units and reads every activity of
 * each (a province: 270,000 rows for a page of 50). Inside coalesce() the condition counts
 * as a neutral 50 %, so the plan walks the date index backwards and stops after a page,
 * whatever the parameters. The whole tree (an administrator) needs no check at all.
 */
#define IN_TARGET                                                                           \
	" AND coalesce((SELECT path FROM target) = ''::ltree OR a.unit_code IN (SELECT code"   \
	" FROM units WHERE within(path, (SELECT path FROM target))), false)"
#define SCOPE_PAGE(select)                                                                  \
	"WITH target AS (SELECT CASE WHEN $8::text IS NULL THEN $1::ltree"                    \
	"   ELSE (SELECT path FROM units WHERE code = $8 AND within(path, $1::ltree))"     \
	"   END AS path),"                                                                 \
	" size AS (SELECT count(*) <= " SMALL_SUBTREE " AS small FROM (SELECT 1 FROM units"    \
	"   WHERE within(path, (SELECT path FROM target)) LIMIT " SMALL_SUBTREE " + 1) s)," \
	" page AS ((SELECT a.* FROM activities a WHERE " ONE_TEAM " IS NOT NULL"               \
	"   AND a.team_id = " ONE_TEAM SCOPE_FILTERS IN_TARGET NEWEST_FIRST " LIMIT $10::int)"  \
	"  UNION ALL (SELECT x.* FROM units u CROSS JOIN LATERAL (SELECT a.* FROM activities a" \
	"   WHERE a.unit_code = u.code" SCOPE_FILTERS NEWEST_FIRST " LIMIT $10::int) x"         \
	"   WHERE " ONE_TEAM " IS NULL AND (SELECT small FROM size)"                           \
	"   AND within(u.path, (SELECT path FROM target)))"                                \
	"  UNION ALL (SELECT a.* FROM activities a WHERE " ONE_TEAM " IS NULL"                 \
	"   AND NOT (SELECT small FROM size)" SCOPE_FILTERS IN_TARGET NEWEST_FIRST             \
	"   LIMIT $10::int))"                                                                   \
	" SELECT " select " FROM page x ORDER BY x.date DESC, x.id DESC LIMIT $10::int"

/*
 * The export reads every row, so it goes unit by unit (in code order, then newest first):
 * each page continues from the unit of the last row through (unit_code, date), and the
 * whole export costs what its rows cost. Walking the date index, a province's export would
 * read the whole country's activities (20 s for 56,000 rows of 1.7 million). The key is
 * "unit/YYYY-MM-DD/uuid" (unit codes hold no '/').
 */
#define EXPORT_KEY "x.unit_code || '/' || " KEY
#define EXPORT_AFTER_UNIT "coalesce(split_part($2, '/', 1), '')"
#define EXPORT_PAGE(select)                                                                 \
	"WITH target AS (SELECT CASE WHEN $8::text IS NULL THEN $1::ltree"                    \
	"   ELSE (SELECT path FROM units WHERE code = $8 AND within(path, $1::ltree))"     \
	"   END AS path)"                                                                  \
	" SELECT " select " FROM (SELECT code FROM units"                                      \
	"   WHERE within(path, (SELECT path FROM target)) AND code >= " EXPORT_AFTER_UNIT  \
	"   ORDER BY code) u CROSS JOIN LATERAL (SELECT a.* FROM activities a"                 \
	"   WHERE a.unit_code = u.code" FILTERS("$3", "$5", "$6")                               \
	"   AND a.date <= coalesce($4::date, 'infinity'::date)"                                \
	"   AND (u.code > " EXPORT_AFTER_UNIT " OR (a.date, a.id) <"                            \
	"    (split_part($2, '/', 2)::date, split_part($2, '/', 3)::uuid))"                    \
	"   AND (" ONE_TEAM " IS NULL OR a.team_id = " ONE_TEAM ")"                            \
	"   AND ($9::uuid IS NULL OR a.team_id = $9::uuid)"                                    \
	"   ORDER BY a.date DESC, a.id DESC LIMIT $10::int) x"                                 \
	" ORDER BY u.code, x.date DESC, x.id DESC LIMIT $10::int"

#define CSV_ROW                                                                             \
	"csv_line(x.id::text, to_char(x.date, 'YYYY-MM-DD'), x.team_id::text,"                 \
	" (SELECT name FROM teams WHERE id = x.team_id), x.unit_code,"                         \
	" (SELECT name FROM units WHERE code = x.unit_code), x.kind,"                          \
	" array_to_string(x.service_codes, ';'), x.households_reached::text,"                  \
	" x.people_reached::text, array_to_string(x.member_ids, ';'),"                         \
	" array_to_string(x.languages, ';'), x.notes), " EXPORT_KEY
#define EXPORT_HEADER                                                                       \
	"id,date,team_id,team_name,unit_code,unit_name,kind,service_codes,households_reached,"  \
	"people_reached,member_ids,languages,notes"

static struct db_stmt list_in_scope = DB_READ("activities_list", 10,
	SCOPE_PAGE("activity_json(x)::text, " KEY));

static struct db_stmt export_in_scope = DB_READ("activities_export", 10,
	EXPORT_PAGE(CSV_ROW));

struct activity_filters {
	const char *from, *to, *service, *kind, *team, *unit;
};

static void check_date_param(json_t **errors, const char *name, const char *value)
{
	if (value && !(member_text_is_utf8(value) && member_date_is_valid(value)))
		problem_add_error(errors, name, "invalid_format",
				  "must be a real date written YYYY-MM-DD");
}

/* Reads the filters (team and unit only when scoped); 0, or -1 after answering 422. */
static int read_filters(const struct _u_request *req, struct _u_response *resp,
			const struct req_ctx *ctx, int scoped, struct activity_filters *f)
{
	json_t *errors = NULL;
	memset(f, 0, sizeof *f);
	f->from = query_param(req, "from");
	f->to = query_param(req, "to");
	f->service = query_param(req, "service");
	f->kind = query_param(req, "kind");
	check_date_param(&errors, "from", f->from);
	check_date_param(&errors, "to", f->to);
	if (f->from && f->to && !errors && strcmp(f->from, f->to) > 0)
		problem_add_error(&errors, "to", "out_of_range", "must not be before from");
	if (f->service && !catalogue_code_is_valid(f->service))
		problem_add_error(&errors, "service", "invalid_format", "must be a service code");
	query_check_enum(&errors, "kind", f->kind, activity_kind_values,
			 "must be household_visit, group_session or campaign");
	if (scoped) {
		f->team = query_param(req, "team");
		f->unit = query_param(req, "unit");
		query_check_uuid(&errors, "team", f->team);
		query_check_code(&errors, "unit", f->unit);
	}
	return query_checked(resp, ctx, errors);
}

void activities_list_of_team(const struct _u_request *req, struct _u_response *resp,
			     struct req_ctx *ctx)
{
	const char *team;
	struct page_request page;
	struct activity_filters f;
	if (allowed(resp, ctx, ACT_READ_REGISTRY) != 0 ||
	    !(team = path_uuid(req, resp, ctx, "id", "team")) ||
	    page_request_parse(req, resp, ctx, "team_activities", &page) != 0 ||
	    read_filters(req, resp, ctx, 0, &f) != 0)
		return;
	const char *check[3] = {team, ctx->principal.scope_path, team_only_param(ctx)};
	PGresult *visible = fetch_row(resp, ctx, &team_visible, check, "team");
	if (!visible)
		return;
	PQclear(visible);
	const char *params[7] = {team,	   page.after[0] ? page.after : NULL, f.from, f.to,
				 f.service, f.kind, page.limit_text};
	respond_page(resp, ctx, &list_of_team, params, "team_activities", page.limit);
}

void activities_list(const struct _u_request *req, struct _u_response *resp,
		     struct req_ctx *ctx)
{
	struct page_request page;
	struct activity_filters f;
	if (allowed(resp, ctx, ACT_READ_REGISTRY) != 0 ||
	    page_request_parse(req, resp, ctx, "activities", &page) != 0 ||
	    read_filters(req, resp, ctx, 1, &f) != 0)
		return;
	const char *params[10] = {ctx->principal.scope_path,
				  page.after[0] ? page.after : NULL,
				  f.from,
				  f.to,
				  f.service,
				  f.kind,
				  f.team,
				  f.unit,
				  team_only_param(ctx),
				  page.limit_text};
	static const struct csv_export export = {.header = EXPORT_HEADER,
						 .page_stmt = &export_in_scope, .nparams = 10,
						 .after_index = 1, .limit_index = 9,
						 .filename = "activities.csv"};
	respond_list(req, resp, ctx, &export, &list_in_scope, params, "activities", page.limit);
}
