/*
 * CSV exports of lists (Accept: text/csv): a header line, then every row of the list, read
 * page by page with the list's own keyset query and streamed, so a 500,000-row export needs
 * no more memory than one page. PostgreSQL formats each row (csv_line(), every cell through
 * csv_cell() in db/functions/00_text.sql): a cell a spreadsheet would take for a formula gets an
 * apostrophe in front (OWASP's CSV injection rule); csv_unguard() is its inverse, for imports.
 */
#ifndef CDTT_HTTP_CSV_EXPORT_H
#define CDTT_HTTP_CSV_EXPORT_H
#include "http.h"

#define CSV_EXPORT_PAGE 1000
#define CSV_EXPORT_MAX_PARAMS 16

/*
 * page_stmt returns rows (csv_line text, key text) ordered by key; its parameters are
 * params[0..nparams-1] where params[after_index] is the key to start after (NULL first) and
 * params[limit_index] the page size. The strings are copied.
 */
struct csv_export {
	const char *header; /* the column names, comma-separated, without line end */
	struct db_stmt *page_stmt;
	int nparams, after_index, limit_index;
	const char *params[CSV_EXPORT_MAX_PARAMS];
	const char *filename; /* for Content-Disposition, e.g. "members.csv" */
};

/* True when the request asks for text/csv (?format=csv, or Accept: http/negotiate.h). */
int csv_export_requested(const struct _u_request *req);

/* Answers 200 with the streamed CSV (or 500/503 before anything was sent). */
void csv_export_respond(struct _u_response *resp, struct req_ctx *ctx,
			const struct csv_export *ex);

/*
 * True when s starts the way csv_cell() guards: a tab, CR or LF, or blanks (space, tab, CR,
 * LF) then = + - @ or their full-width forms ＝ ＋ － ＠ (U+FF1D, U+FF0B, U+FF0D, U+FF20).
 */
int csv_formula_start(const char *s);

/*
 * A cell of one of our exports as the value that was exported: csv_cell() put an apostrophe
 * in front of a value that starts, after any apostrophes, like a formula (csv_formula_start);
 * this takes exactly that one away. Any other cell is returned as it is. Borrowed from cell.
 */
const char *csv_unguard(const char *cell);

#endif
