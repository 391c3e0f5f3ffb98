/*
 * Reports: /api/v1/reports/coverage, /activity and /lagging, aggregates over a unit's subtree
 * for officers, viewers, team leaders (their own unit) and systems with reports:read; and
 * /evaluations, for those who may read evaluations (systems: evaluations:read), and
 * /funding, for those who may read funding (systems: funding:read or funding:write).
 *
 * PostgreSQL computes each report in one statement over indexed data (the report_* functions
 * of db/functions/60_reports.sql, which also explain the rows, the total and how merged units
 * count) and returns the body as is, JSON or, for Accept: text/csv, CSV with the same
 * columns. Here: the query parameters, checked before anything reaches SQL.
 *
 *   unit      the unit whose subtree is reported. Absent: the caller's scope unit; for an
 *             administrator (whose scope is everything) the whole tree, one row per top-level
 *             unit and "unit": null. A unit outside the caller's scope answers 404.
 *   from, to  YYYY-MM-DD, inclusive (activity, lagging). Absent: the 12 months ending today
 *             in Vietnam (to = today, from = a year before to, plus a day); one given, the
 *             other follows from it. from after to, or a range longer than
 *             REPORT_MAX_YEARS years, is 422.
 *   group_by  child (default), month or service (activity).
 *   limit     1-200, default 50 (lagging).
 *   period    (evaluations, required) a year, 2025, or a quarter, 2025-Q3: malformed, before
 *             2020 or not begun yet is 422 (period_problems(), db/functions/65_evaluations.sql).
 *   subject_type    member (default) or team (evaluations).
 *   evaluator_body  only the evaluations of that body (evaluations; absent: any).
 *   fiscal_year  2020-2100, required (funding).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http/csv_export.h"
#include "../http/paging.h"
#include "../http/problem.h"
#include "../route.h"
#include "../dates.h"
#include "evaluations.h"
#include "members_validate.h"
#include "resource.h"

#define REPORT_MAX_YEARS 5

static struct db_stmt coverage_stmt = DB_READ("reports_coverage", 4,
	"SELECT report_coverage($1, $2::ltree, $3, $4::text[]) AS body");

static struct db_stmt activity_stmt = DB_READ("reports_activity", 6,
	"SELECT report_activity($1, $2::ltree, $3, $4::date, $5::date, $6) AS body");

static struct db_stmt lagging_stmt = DB_READ("reports_lagging", 6,
	"SELECT report_lagging($1, $2::ltree, $3, $4::date, $5::date, $6::int) AS body");

/* problems: what is wrong with a well-formed period (the query's errors, as JSON), or NULL and
 * the body (db/functions/66_evaluation_reports.sql). */
static struct db_stmt evaluations_stmt = DB_READ("reports_evaluations", 6,
	"SELECT p.problems::text AS problems,"
	" CASE WHEN p.problems IS NULL"
	" THEN report_evaluations($1, $2::ltree, $3, $4, $5, $6) END AS body"
	" FROM (SELECT (SELECT jsonb_agg(e || jsonb_build_object('field', 'period'))"
	"  FROM jsonb_array_elements(period_problems($5,"
	"   CASE WHEN length($5) = 4 THEN 'year' ELSE 'quarter' END)) e) AS problems) p");
static struct db_stmt funding_stmt = DB_READ("reports_funding", 5,
	"SELECT report_funding($1, $2::ltree, $3::uuid, $4, $5::int) AS body");

/* What every report takes: the unit, the format, and for some the period. */
struct report_query {
	const char *unit; /* NULL: the whole tree (administrators) */
	const char *format; /* "json" or "csv" */
	char from[11], to[11];
};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long days_from_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * The date `days` after 1970-01-01, as YYYY-MM-DD into out[11] (civil_from_days); after
 * 9999-12-31, "9999-99-99", which still compares after every date we accept.
 */
static void civil_from_days(long days, char out[11])
{
	days += 719468;
	long era = (days >= 0 ? days : days - 146096) / 146097;
	long doe = days - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp + (mp < 10 ? 3 : -9);
	long y = yoe + era * 400 + (m <= 2);
	char text[64];
	if (y > 9999)
		snprintf(text, sizeof text, "9999-99-99");
	else
		snprintf(text, sizeof text, "%04ld-%02ld-%02ld", y, m, d);
	snprintf(out, 11, "%.10s", text);
}

/* The parts of a date member_date_is_valid() accepted. */
static void date_parts(const char *s, long *y, long *m, long *d)
{
	*y = strtol(s, NULL, 10);
	*m = strtol(s + 5, NULL, 10);
	*d = strtol(s + 8, NULL, 10);
}

/* The day `years` years after (before, when negative) date, plus `days`; a 29 February
 * that does not exist in the target year is taken as the 28th. */
static void date_shift(const char *date, long years, long days, char out[11])
{
	long y, m, d;
	date_parts(date, &y, &m, &d);
	y += years;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		d = 28;
	civil_from_days(days_from_civil(y, m, d) + days, out);
}

/* Reads from/to into q, with their defaults (see the header comment); appends an error per
 * problem to *errors. */
static void period_parse(const struct _u_request *req, struct report_query *q, json_t **errors)
{
	const char *from = query_param(req, "from"), *to = query_param(req, "to");
	int ok = 1;
	static const char bad_date[] = "must be a real date written YYYY-MM-DD, from 1900 on";
	if (from && !member_date_is_valid(from)) {
		problem_add_error(errors, "from", "invalid_format", bad_date);
		ok = 0;
	}
	if (to && !member_date_is_valid(to)) {
		problem_add_error(errors, "to", "invalid_format", bad_date);
		ok = 0;
	}
	if (!ok)
		return;
	if (to)
		snprintf(q->to, sizeof q->to, "%s", to);
	else
		member_today(q->to);
	if (from)
		snprintf(q->from, sizeof q->from, "%s", from);
	else
		date_shift(q->to, -1, 1, q->from);
	if (strcmp(q->from, q->to) > 0) {
		problem_add_error(errors, "from", "out_of_range", "must not be after to");
		return;
	}
	char limit[11];
	date_shift(q->from, REPORT_MAX_YEARS, 0, limit);
	if (strcmp(q->to, limit) >= 0)
		problem_add_error(errors, "to", "out_of_range",
				  "the period may cover at most 5 years (to before from + 5 years)");
	else if (strcmp(q->from, "1900-01-01") < 0)
		problem_add_error(errors, "from", "out_of_range", "must be 1900-01-01 or later");
}

/*
 * Checks that the caller may do action, the unit and (with_period) from/to. Returns 0, or -1
 * after answering (403, 422). errors may already hold the caller's own parameter errors; it is
 * consumed.
 */
static int report_query_parse(const struct _u_request *req, struct _u_response *resp,
			      const struct req_ctx *ctx, enum action action, int with_period,
			      json_t *errors, struct report_query *q)
{
	memset(q, 0, sizeof *q);
	if (allowed(resp, ctx, action) != 0) {
		json_decref(errors);
		return -1;
	}
	q->unit = query_param(req, "unit");
	query_check_code(&errors, "unit", q->unit);
	if (!q->unit && ctx->principal.scope_path[0])
		q->unit = ctx->principal.unit_code; /* "" for an account without one: 404 */
	if (with_period)
		period_parse(req, q, &errors);
	q->format = csv_export_requested(req) ? "csv" : "json";
	return query_checked(resp, ctx, errors);
}

/* Answers a report statement's result (its column body): 200 JSON or CSV, 404 for no unit. */
static void report_answer(struct _u_response *resp, struct req_ctx *ctx, const PGresult *res,
			  enum db_status st, const char *name, const struct report_query *q)
{
	const char *body = st == DB_OK && PQntuples(res) == 1 ? result_value(res, "body") : NULL;
	if (st != DB_OK || PQntuples(res) != 1) {
		internal_error(resp, ctx);
	} else if (!body) {
		not_found(resp, ctx, "unit");
	} else if (strcmp(q->format, "csv")) {
		http_json_text(resp, 200, body, strlen(body));
	} else {
		ulfius_set_binary_body_response(resp, 200, body, strlen(body));
		http_header(resp, "Content-Type", "text/csv; charset=utf-8");
		char disposition[128];
		snprintf(disposition, sizeof disposition, "attachment; filename=\"%s-%s.csv\"", name,
			 q->unit ? q->unit : "all");
		http_header(resp, "Content-Disposition", disposition);
	}
}

/* Runs a report statement (its one column: body) and answers it (report_answer). */
static void report_respond(struct _u_response *resp, struct req_ctx *ctx, struct db_stmt *stmt,
			   const char *const *params, const char *name, const struct report_query *q)
{
	enum db_status st;
	PGresult *res = request_query(ctx, resp, stmt, params, &st);
	if (!res)
		return;
	report_answer(resp, ctx, res, st, name, q);
	PQclear(res);
}

/* The affiliations, as a PostgreSQL array literal: the coverage report's keys, in order. */
static void affiliations_array(char *out, size_t cap)
{
	size_t n = (size_t)snprintf(out, cap, "{");
	for (const char *const *a = member_affiliation_values; *a && n < cap; a++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", a == member_affiliation_values ? "" : ",",
				      *a);
	if (n < cap)
		snprintf(out + n, cap - n, "}");
}

static void coverage(const struct _u_request *req, struct _u_response *resp,
		     struct req_ctx *ctx)
{
	struct report_query q;
	if (report_query_parse(req, resp, ctx, ACT_READ_REPORTS, 0, NULL, &q) != 0)
		return;
	char affiliations[512];
	affiliations_array(affiliations, sizeof affiliations);
	const char *params[4] = {q.unit, ctx->principal.scope_path, q.format, affiliations};
	report_respond(resp, ctx, &coverage_stmt, params, "coverage", &q);
}

static void activity(const struct _u_request *req, struct _u_response *resp,
		     struct req_ctx *ctx)
{
	static const char *const group_by_values[] = {"child", "month", "service", NULL};
	const char *group_by = query_param(req, "group_by");
	json_t *errors = NULL;
	query_check_enum(&errors, "group_by", group_by, group_by_values,
			 "must be child, month or service");
	struct report_query q;
	if (report_query_parse(req, resp, ctx, ACT_READ_REPORTS, 1, errors, &q) != 0)
		return;
	const char *params[6] = {q.unit, ctx->principal.scope_path, q.format, q.from, q.to,
				 group_by ? group_by : "child"};
	report_respond(resp, ctx, &activity_stmt, params, "activity", &q);
}

static void lagging(const struct _u_request *req, struct _u_response *resp,
		    struct req_ctx *ctx)
{
	const char *limit = query_param(req, "limit");
	json_t *errors = NULL;
	long n = PAGE_DEFAULT_LIMIT;
	if (limit) {
		char *end;
		n = strtol(limit, &end, 10);
		if (*end || strlen(limit) > 4 || n < 1 || n > PAGE_MAX_LIMIT)
			problem_add_error(&errors, "limit", "out_of_range",
					  "limit must be a whole number from 1 to 200.");
	}
	struct report_query q;
	if (report_query_parse(req, resp, ctx, ACT_READ_REPORTS, 1, errors, &q) != 0)
		return;
	char limit_text[8];
	snprintf(limit_text, sizeof limit_text, "%ld", n);
	const char *params[6] = {q.unit, ctx->principal.scope_path, q.format, q.from, q.to,
				 limit_text};
	report_respond(resp, ctx, &lagging_stmt, params, "lagging", &q);
}

static void evaluations(const struct _u_request *req, struct _u_response *resp,
			struct req_ctx *ctx)
{
	const char *period = query_param(req, "period");
	const char *subject_type = query_param(req, "subject_type");
	const char *body = query_param(req, "evaluator_body");
	json_t *errors = NULL;
	evaluation_query_check(&errors, period, 1, subject_type, body);
	struct report_query q;
	if (report_query_parse(req, resp, ctx, ACT_READ_EVALUATIONS, 0, errors, &q) != 0)
		return;
	const char *params[6] = {q.unit, ctx->principal.scope_path, q.format,
				 subject_type ? subject_type : "member", period, body};
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &evaluations_stmt, params, &st);
	if (!res)
		return;
	const char *problems = st == DB_OK && PQntuples(res) == 1 ? result_value(res, "problems")
								  : NULL;
	json_t *refused = problems ? json_loads(problems, 0, NULL) : NULL;
	if (problems && !json_is_array(refused)) {
		json_decref(refused);
		internal_error(resp, ctx);
	} else if (refused) {
		invalid_query(resp, ctx, refused); /* range or future: 422 before the unit's 404 */
	} else {
		report_answer(resp, ctx, res, st, "evaluations", &q);
	}
	PQclear(res);
}

/* fiscal_year: four digits, 2020-2100 (the years a proposal may have), required. */
static void fiscal_year_parse(const struct _u_request *req, char out[5], json_t **errors)
{
	const char *year = query_param(req, "fiscal_year");
	out[0] = '\0';
	if (!year) {
		problem_add_error(errors, "fiscal_year", "required",
				  "is required: the fiscal year, 2020 to 2100");
		return;
	}
	if (strlen(year) != 4 || strspn(year, "0123456789") != 4) {
		problem_add_error(errors, "fiscal_year", "invalid_format",
				  "must be a year written with four digits, 2020 to 2100");
		return;
	}
	long n = strtol(year, NULL, 10);
	if (n < 2020 || n > 2100) {
		problem_add_error(errors, "fiscal_year", "out_of_range", "must be from 2020 to 2100");
		return;
	}
	snprintf(out, 5, "%s", year);
}

static void funding(const struct _u_request *req, struct _u_response *resp,
		    struct req_ctx *ctx)
{
	json_t *errors = NULL;
	char year[5];
	fiscal_year_parse(req, year, &errors);
	struct report_query q;
	if (report_query_parse(req, resp, ctx, ACT_READ_FUNDING, 0, errors, &q) != 0)
		return;
	/* a team leader: only the proposals that name their team, as in the proposals list */
	const char *params[5] = {q.unit, ctx->principal.scope_path,
				 ctx->principal.team_id[0] ? ctx->principal.team_id : NULL,
				 q.format, year};
	report_respond(resp, ctx, &funding_stmt, params, "funding", &q);
}

const struct route reports_routes[] = {
	{"GET", "/api/v1/reports/coverage", coverage, ROUTE_REPLICA | ROUTE_CSV},
	{"GET", "/api/v1/reports/activity", activity, ROUTE_REPLICA | ROUTE_CSV},
	{"GET", "/api/v1/reports/lagging", lagging, ROUTE_REPLICA | ROUTE_CSV},
	{"GET", "/api/v1/reports/evaluations", evaluations, ROUTE_REPLICA | ROUTE_CSV},
	{"GET", "/api/v1/reports/funding", funding, ROUTE_REPLICA | ROUTE_CSV},
	{0},
};
