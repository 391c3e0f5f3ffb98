/*
 * GET /api/v1/members: members whose unit lies under the caller's scope (and under ?unit),
 * filtered by team, affiliation, language, digital_skill, status and q (the name, ignoring
 * case and diacritics), in keyset pages ordered by id; with Accept: text/csv, every matching
 * member as CSV, streamed.
 *
 * No single plan reads a page fast for both a village and a province at 500,000 members, so a
 * first, cheap statement picks one of four (each of a fixed shape, so the generic plan
 * PostgreSQL keeps for a prepared statement cannot drift into a slow one):
 *   team    a team's active memberships, then their members: a team has a handful.
 *   units   up to UNITS_ONE_BY_ONE units under the root: the first page of each unit, read
 *           and filtered from the index members_unit_list alone, then the top of those
 *           (LATERAL + LIMIT, as STACK-NOTES advises). Its cost grows with units × page size.
 *   walk    more units: walk the id index from the cursor and keep members whose unit lies
 *           under the root; such a large part of the tree fills a page after a few rows.
 *   search  more units and a q with three letters in a row: a short walk first (common names
 *           fill a page at once), then the trigram index for the rest (a walk would read the
 *           whole province looking for a rare name).
 * q is a plain substring test of the folded name wherever rows are read anyway (strpos: the
 * same meaning as LIKE search_pattern(q), and no index can tempt the planner); only `search`
 * asks the trigram index, with LIKE. EXPLAIN ANALYZE on 500,000 members (1 province, 10
 * districts, 200 communes, 2,000 villages), warm cache, a page of 50, first page and page 11,
 * custom or generic plans alike: commune 2 ms, district 9-13 ms, province 1 ms; with q
 * "nguyen van" 1 ms, 27 ms, 34 ms. The slowest case found: a filter that no member of the
 * province matches (every index entry of the province read once), 0.3 s. The same village
 * read by a join on the subtree test walked 91,000 ids: 219 ms, against 1.2 ms here.
 */
#include <stdio.h>
#include <string.h>

#include "../http/csv_export.h"
#include "../http/paging.h"
#include "../http/problem.h"
#include "../validate.h"
#include "../text.h"
#include "members_list.h"
#include "members_validate.h"
#include "resource.h"

/*
 * Up to this many units under the root, `units` reads at most units × page size entries of
 * one index (tens of milliseconds even at 250 members a village). Above, the subtree holds a
 * large share of the members and a walk of the id index fills a page sooner: at national
 * density (350,000 members in 100,000 villages) 1,000 villages hold 1 % of them, a walk of
 * about 5,000 rows.
 */
#define UNITS_ONE_BY_ONE "1000"

/*
 * Parameters of every page statement, in this order (team last: only `team` reads it, and a
 * statement must use every parameter it declares):
 * $1 scope path, $2 unit code, $3 after (id), $4 status, $5 digital_skill, $6 affiliation,
 * $7 language, $8 q, $9 personal data, $10 CSV line rather than JSON, $11 limit, $12 team.
 */
#define PAGE_PARAMS 12
#define PAGE_AFTER 2
#define PAGE_LIMIT 10

/* The root of the listed subtree: ?unit when given (NULL when unknown), else the scope. */
#define ROOT "(SELECT CASE WHEN $2::text IS NULL THEN $1::ltree" \
	     " ELSE (SELECT path FROM units WHERE code = $2) END)"
#define UNDER_ROOT(u) "within(" u ".path, $1::ltree) AND within(" u ".path, " ROOT ")"
#define AFTER(m) m ".id > coalesce($3::uuid, '00000000-0000-0000-0000-000000000000')"
#define MATCHES(m)                                                                    \
	"($4::text IS NULL OR " m ".status = $4)"                                     \
	" AND ($5::text IS NULL OR " m ".digital_skill = $5)"                         \
	" AND ($6::text IS NULL OR " m ".affiliations @> ARRAY[$6::text])"            \
	" AND ($7::text IS NULL OR " m ".languages @> ARRAY[$7::text])"               \
	" AND ($8::text IS NULL OR strpos(" m ".full_name_folded, (SELECT search_fold($8))) > 0)"
/* JSON from member_documents (migration 0012): the representation kept beside each member,
 * read by a scalar subquery where the statement walks members (m), so that the walks keep the
 * plans they were tuned for; a page of ids (`top`) joins it instead. */
#define DOCUMENT(id)                                                                       \
	"(SELECT CASE WHEN $9::boolean THEN d.personal ELSE d.masked END"                  \
	" FROM member_documents d WHERE d.member_id = " id ")"
#define OUTPUT "CASE WHEN $10::boolean THEN member_csv(m, $9::boolean)" \
	       " ELSE " DOCUMENT("m.id") " END, m.id::text"
/* The same from a page of ids (`top`, joined to member_documents as `d` by TOP_DOCUMENTS):
 * a JSON page never reads the members' rows. */
#define OUTPUT_OF_TOP                                                                      \
	"CASE WHEN $10::boolean THEN (SELECT member_csv(m, $9::boolean) FROM members m"    \
	" WHERE m.id = top.id) ELSE CASE WHEN $9::boolean THEN d.personal ELSE d.masked END"\
	" END, top.id::text"
#define TOP_DOCUMENTS " JOIN member_documents d ON d.member_id = top.id ORDER BY top.id"

static struct db_stmt choose_plan = DB_READ("members_list_plan", 6,
	"SELECT CASE WHEN $4::uuid IS NOT NULL THEN 'team'"
	" WHEN (SELECT count(*) FROM (SELECT 1 FROM units u WHERE " UNDER_ROOT("u")
	"   LIMIT $5::int + 1) s) <= $5::int THEN 'units'"
	" WHEN NOT $6::boolean THEN 'walk'"
	" WHEN search_fold($3::text) ~ '[[:alnum:]]{3}' THEN 'sift_by_name'"
	" ELSE 'sift_by_unit' END AS plan");

static struct db_stmt page_by_team = DB_READ("members_list_team", 12,
	"SELECT " OUTPUT " FROM memberships ms JOIN members m ON m.id = ms.member_id"
	" JOIN units u ON u.code = m.unit_code"
	" WHERE ms.team_id = $12::uuid AND ms.left_on IS NULL AND " AFTER("m")
	" AND " MATCHES("m") " AND " UNDER_ROOT("u") " ORDER BY m.id LIMIT $11::int");

/* The first page of each unit, from members_unit_list alone; then the first of those. */
#define FIRST_OF_EACH_UNIT(after)                                                          \
	"SELECT x.id FROM units u CROSS JOIN LATERAL"                                      \
	" (SELECT mm.id FROM members mm WHERE mm.unit_code = u.code AND mm.id > " after    \
	"  AND " MATCHES("mm") " ORDER BY mm.id LIMIT $11::int) x WHERE " UNDER_ROOT("u")

static struct db_stmt page_by_units = DB_READ("members_list_units", 11,
	"SELECT " OUTPUT_OF_TOP " FROM (" FIRST_OF_EACH_UNIT("coalesce($3::uuid, '00000000-0000-0000-0000-000000000000')")
	"   ORDER BY x.id LIMIT $11::int) top"
	TOP_DOCUMENTS);

/*
 * Unfiltered lists only (the parameter tests are constant, so they gate the plan without
 * changing its estimates): any row may match, so walking the id index is right. The unit test
 * is a scalar subquery, so it filters the walk row by row and never becomes a join.
 */
static struct db_stmt page_by_walk = DB_READ("members_list_walk", 11,
	"SELECT " OUTPUT " FROM members m WHERE " AFTER("m")
	" AND (SELECT " UNDER_ROOT("u") " FROM units u WHERE u.code = m.unit_code)"
	" AND $4::text IS NULL AND $5::text IS NULL AND $6::text IS NULL"
	" AND $7::text IS NULL AND $8::text IS NULL ORDER BY m.id LIMIT $11::int");

/*
 * Filtered lists of large subtrees ("sift"): a filter may keep most rows (status=active,
 * a common name) or almost none (a rare name), and a prepared statement's plan cannot know
 * which. So first the next SIFT_WINDOW members in id order are read and filtered (a constant
 * LIMIT: always a walk of the id index); only when they hold less than a page does an index
 * name the matches beyond them: the trigram index for a name, else each unit's first page
 * from members_unit_list. MATERIALIZED keeps every step the shape it is written in, and the
 * second step is gated off when the walk sufficed.
 */
#define SIFT_WINDOW "5000"
#define SIFT(beyond)                                                                            \
	"WITH win AS MATERIALIZED (SELECT m.id, m.unit_code, m.status, m.digital_skill,"         \
	"   m.affiliations, m.languages, m.full_name_folded FROM members m WHERE " AFTER("m")     \
	"   ORDER BY m.id LIMIT " SIFT_WINDOW "),"                                                \
	" walked AS MATERIALIZED (SELECT w.id FROM win w WHERE " MATCHES("w")                    \
	"   AND (SELECT " UNDER_ROOT("u") " FROM units u WHERE u.code = w.unit_code)"             \
	"   ORDER BY w.id LIMIT $11::int),"                                                       \
	" rest AS MATERIALIZED (SELECT (SELECT count(*) FROM walked) < $11::int"                 \
	"   AND (SELECT count(*) FROM win) = " SIFT_WINDOW " AS needed,"                          \
	"   (SELECT id FROM win ORDER BY id DESC LIMIT 1) AS edge),"                              \
	" found AS (SELECT id FROM walked UNION ALL (" beyond "))"                                \
	" SELECT " OUTPUT_OF_TOP " FROM (SELECT id FROM found ORDER BY id LIMIT $11::int) top"    \
	TOP_DOCUMENTS

static struct db_stmt page_by_sifting_names = DB_READ("members_list_sift_by_name", 11,
	SIFT("SELECT h.id FROM (SELECT mm.id, mm.unit_code FROM members mm"
	"  WHERE mm.full_name_folded LIKE (SELECT search_pattern($8)) AND " MATCHES("mm")
	"  AND (SELECT needed FROM rest) OFFSET 0) h"
	" WHERE h.id > (SELECT edge FROM rest)"
	" AND (SELECT " UNDER_ROOT("u") " FROM units u WHERE u.code = h.unit_code)"
	" ORDER BY h.id LIMIT $11::int"));

static struct db_stmt page_by_sifting_units = DB_READ("members_list_sift_by_unit", 11,
	SIFT(FIRST_OF_EACH_UNIT("(SELECT edge FROM rest)")
	" AND (SELECT needed FROM rest) ORDER BY x.id LIMIT $11::int"));

static const char csv_header[] = "id,unit_code,full_name,gender,birth_year,phone,email,"
				 "ethnicity,languages,affiliations,digital_skill,status";

struct filters {
	const char *unit, *team, *status, *skill, *affiliation, *language, *q;
};

const char *members_team_of_leader(const struct req_ctx *ctx)
{
	if (ctx->principal.kind != PRINCIPAL_USER || ctx->principal.role != ROLE_TEAM_LEADER)
		return NULL;
	return ctx->principal.team_id[0] ? ctx->principal.team_id
					 : "00000000-0000-0000-0000-000000000000";
}

/* Reads the filters; 0, or -1 after answering 422 with every bad one. */
static int parse_filters(const struct _u_request *req, struct _u_response *resp,
			 const struct req_ctx *ctx, struct filters *f)
{
	f->unit = query_param(req, "unit");
	f->team = query_param(req, "team");
	f->status = query_param(req, "status");
	f->skill = query_param(req, "digital_skill");
	f->affiliation = query_param(req, "affiliation");
	f->language = query_param(req, "language");
	f->q = query_param(req, "q");
	json_t *errors = NULL;
	query_check_code(&errors, "unit", f->unit);
	query_check_uuid(&errors, "team", f->team);
	static const char not_allowed[] = "is not one of the allowed values";
	query_check_enum(&errors, "status", f->status, member_status_values, not_allowed);
	query_check_enum(&errors, "digital_skill", f->skill, member_skill_values, not_allowed);
	query_check_enum(&errors, "affiliation", f->affiliation, member_affiliation_values, not_allowed);
	if (f->language && (strlen(f->language) != 3 || strspn(f->language, "abcdefghijklmnopqrstuvwxyz") != 3))
		problem_add_error(&errors, "language", "invalid_format",
				  "must be an ISO 639-3 code: three lowercase letters");
	if (f->q && (!member_text_is_utf8(f->q) || !text_is_clean(f->q, 0)))
		problem_add_error(&errors, "q", "invalid_characters",
				  "must be UTF-8 text without control characters");
	else if (f->q && strlen(f->q) > 200)
		problem_add_error(&errors, "q", "too_long", "must be at most 200 bytes");
	return query_checked(resp, ctx, errors);
}

/* The page statement for these filters; NULL after answering. */
static struct db_stmt *plan_for(struct req_ctx *ctx, struct _u_response *resp,
				const struct filters *f)
{
	int filtered = f->status || f->skill || f->affiliation || f->language || f->q;
	const char *params[6] = {ctx->principal.scope_path, f->unit, f->q, f->team, UNITS_ONE_BY_ONE,
				 filtered ? "true" : "false"};
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &choose_plan, params, &st);
	if (!res)
		return NULL;
	struct db_stmt *stmt = NULL;
	const char *plan = st == DB_OK ? result_value(res, "plan") : NULL;
	if (plan) {
		stmt = !strcmp(plan, "team")	       ? &page_by_team
		       : !strcmp(plan, "units")	       ? &page_by_units
		       : !strcmp(plan, "walk")	       ? &page_by_walk
		       : !strcmp(plan, "sift_by_name") ? &page_by_sifting_names
						       : &page_by_sifting_units;
	} else {
		internal_error(resp, ctx);
	}
	PQclear(res);
	return stmt;
}

static void respond_csv(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
			const char *const params[PAGE_PARAMS])
{
	struct csv_export ex = {
		.header = csv_header,
		.page_stmt = stmt,
		.nparams = stmt->nparams,
		.after_index = PAGE_AFTER,
		.limit_index = PAGE_LIMIT,
		.filename = "members.csv",
	};
	for (int i = 0; i < stmt->nparams; i++)
		ex.params[i] = params[i];
	csv_export_respond(resp, ctx, &ex);
}

void members_list(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	if (allowed(resp, ctx, ACT_READ_REGISTRY) != 0)
		return;
	struct filters f;
	if (parse_filters(req, resp, ctx, &f) != 0)
		return;
	const char *own_team = members_team_of_leader(ctx);
	if (own_team)
		f.team = own_team; /* a team leader's list is their team, whatever they ask */
	int csv = csv_export_requested(req);
	struct page_request page = {0};
	if (!csv && page_request_parse(req, resp, ctx, "members", &page) != 0)
		return;
	struct db_stmt *stmt = plan_for(ctx, resp, &f);
	if (!stmt)
		return;
	const char *params[PAGE_PARAMS] = {
		ctx->principal.scope_path, f.unit, page.after[0] ? page.after : NULL,
		f.status, f.skill, f.affiliation, f.language, f.q, personal_data(ctx),
		csv ? "true" : "false", page.limit_text, f.team};
	if (csv) {
		respond_csv(resp, ctx, stmt, params);
		return;
	}
	respond_page(resp, ctx, stmt, params, "members", page.limit);
}
