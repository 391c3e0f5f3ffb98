/*
 * /api/v1/imports/units and /api/v1/imports/members: CSV uploads, all rows or nothing.
 *
 * This file holds the request flow both imports share (content type, rights, ?dry_run,
 * parsing, the header, the transaction, the answers), the error list and checked values.
 * Staging and the set-wise checks are in imports_stage.c; what a units or members row must be
 * lives in imports_units.c and imports_members.c; see imports.h for the whole flow.
 *
 * Why COPY into a temporary table: 50,000 rows must import in seconds, so rows are validated
 * in C, streamed to PostgreSQL in one COPY, checked against the database set-wise (one query
 * per rule, not one per row) and written with one INSERT … SELECT per table. The temporary
 * table is ON COMMIT DROP and every path ends the transaction, so the pooled connection goes
 * back clean.
 */
#define _GNU_SOURCE
#include "imports.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../http/body.h"
#include "../http/csv_export.h"
#include "../http/problem.h"
#include "../route.h"
#include "../validate.h"
#include "../text.h"
#include "resource.h"

/* ---- values and errors -------------------------------------------------------------- */

const char *import_value(struct import *im, size_t row, int column)
{
	if (column < 0 || (size_t)column >= im->kind->n_columns || im->column[column] < 0)
		return NULL;
	(void)row; /* the current row (import_each_row) */
	char *v = csv_field(&im->csv, 0, (size_t)im->column[column]);
	if (!v)
		return NULL;
	/* A cell our exports guarded against spreadsheets ('=…, ' -3): the value exactly as it
	 * was exported, so that an export imports as it is. */
	const char *exported = csv_unguard(v);
	if (exported != v)
		return exported;
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		v[--n] = '\0'; /* in place: the table is ours, and trimming twice changes nothing */
	return n ? v : NULL;
}

int import_utf8_prefix(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return (int)n;
	const char *p = s, *end = s + n;
	uint32_t cp;
	while (p < end) {
		const char *next = p;
		if (utf8_next(&next, end, &cp) < 0)
			next = p + 1; /* our own messages are UTF-8; a stray byte is cut as one */
		if ((size_t)(next - s) > max)
			break;
		p = next;
	}
	return (int)(p - s);
}

static void add_error(struct import *im, size_t row, int order, const char *field,
		      const char *code, const char *message)
{
	if (im->n_errors == im->cap_errors) {
		size_t cap = im->cap_errors ? im->cap_errors * 2 : 64;
		struct import_error *grown = realloc(im->errors, cap * sizeof *grown);
		if (!grown)
			return; /* the count stays short; the import still fails on what was kept */
		im->errors = grown;
		im->cap_errors = cap;
	}
	struct import_error *e = &im->errors[im->n_errors];
	e->row = row;
	e->order = order;
	e->seq = im->n_errors++;
	e->field = field;
	snprintf(e->code, sizeof e->code, "%s", code);
	/* Messages are built from our own words, codes and at most one quoted value: cut on a
	 * character boundary so the JSON stays valid UTF-8. */
	snprintf(e->message, sizeof e->message, "%.*s", import_utf8_prefix(message, sizeof e->message - 1),
		 message);
}

void import_error(struct import *im, size_t row, int column, const char *code, const char *fmt, ...)
{
	char message[IMPORT_MESSAGE_MAX * 2];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	add_error(im, row, column >= 0 ? column : (int)im->kind->n_columns,
		  column >= 0 ? im->kind->columns[column].name : NULL, code, message);
}

static const char *absent(struct import *im, size_t row, int column, int required)
{
	if (required)
		import_error(im, row, column, "required", "is required");
	return NULL;
}

const char *import_text(struct import *im, size_t row, int column, size_t max, int required)
{
	const char *v = import_value(im, row, column);
	if (!v)
		return absent(im, row, column, required);
	if (!text_is_clean(v, 0)) {
		import_error(im, row, column, "invalid_characters",
			     "must be one line without control characters");
		return NULL;
	}
	if (text_length(v) > max) {
		import_error(im, row, column, "too_long", "is longer than %zu characters", max);
		return NULL;
	}
	return v;
}

const char *import_code(struct import *im, size_t row, int column, int required)
{
	const char *v = import_value(im, row, column);
	if (!v)
		return absent(im, row, column, required);
	size_t n = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
	if (v[n] != '\0' || n > 32) {
		import_error(im, row, column, "invalid_format",
			     "must be 1-32 letters, digits, '.', '_' or '-'");
		return NULL;
	}
	return v;
}

const char *import_enum(struct import *im, size_t row, int column, const char *const *values,
			int required)
{
	const char *v = import_value(im, row, column);
	if (!v)
		return absent(im, row, column, required);
	char list[IMPORT_MESSAGE_MAX] = "";
	for (const char *const *x = values; *x; x++) {
		if (!strcmp(*x, v))
			return v;
		size_t len = strlen(list);
		snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", *x);
	}
	import_error(im, row, column, "invalid_value", "must be one of: %s", list);
	return NULL;
}

static int by_row(const void *a, const void *b)
{
	const struct import_error *x = a, *y = b;
	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts the errors; returns the first IMPORT_ERRORS_SHOWN as a new JSON array (the caller
 * owns it). */
static json_t *errors_json(struct import *im)
{
	if (im->n_errors) /* qsort's base must not be NULL, even for no element */
		qsort(im->errors, im->n_errors, sizeof *im->errors, by_row);
	json_t *list = json_array();
	for (size_t i = 0; i < im->n_errors && i < IMPORT_ERRORS_SHOWN; i++) {
		const struct import_error *e = &im->errors[i];
		json_t *item = json_pack("{s:I, s:s?, s:s, s:s}", "row", (json_int_t)e->row, "field",
					 e->field, "code", e->code, "message", e->message);
		if (item)
			json_array_append_new(list, item);
	}
	return list;
}

/* How many rows have errors; the errors must be sorted (errors_json does it). */
static size_t rows_with_errors(const struct import *im)
{
	size_t n = 0;
	for (size_t i = 0; i < im->n_errors; i++)
		n += i == 0 || im->errors[i].row != im->errors[i - 1].row;
	return n;
}

/* ---- the request -------------------------------------------------------------------- */

/* text/csv, and UTF-8 when a charset is named: 0, or -1 after answering 415. */
static int csv_content_type(const struct _u_request *req, struct _u_response *resp,
			    const struct req_ctx *ctx)
{
	const char *ct = http_request_header(req, "Content-Type");
	int ok = media_type_is(ct, "text/csv");
	for (const char *p = ok ? strchr(ct, ';') : NULL; p; p = strchr(p, ';')) {
		p++;
		p += strspn(p, " \t");
		if (strncasecmp(p, "charset=", 8))
			continue;
		p += 8 + (p[8] == '"');
		ok = !strncasecmp(p, "utf-8", 5) && strchr("\"; \t", p[5]);
	}
	if (ok)
		return 0;
	problem(resp, ctx, 415, "Send the file as text/csv, encoded in UTF-8.");
	return -1;
}

static int parse_dry_run(const struct _u_request *req, struct _u_response *resp,
			 const struct req_ctx *ctx, int *dry_run)
{
	/* u_map_get, not query_param: an empty ?dry_run= is refused, not taken for absent */
	const char *v;
	json_t *errors = NULL;
	query_check_boolean(&errors, "dry_run", u_map_get(req->map_url, "dry_run"), &v);
	*dry_run = v && !strcmp(v, "true");
	return query_checked(resp, ctx, errors);
}

/* 400 for a body that is not CSV, 422 for a header with too many columns. */
static void csv_refused(struct import *im, const struct csv_error *err)
{
	char message[IMPORT_MESSAGE_MAX * 2], detail[IMPORT_MESSAGE_MAX * 3];
	if (err->status == CSV_EMPTY)
		snprintf(message, sizeof message, "The body %s.", err->message);
	else if (err->record == 0)
		snprintf(message, sizeof message, "The header row (line %zu) %s.", err->line,
			 err->message);
	else
		snprintf(message, sizeof message, "Row %zu (line %zu) %s.", err->record, err->line,
			 err->message);
	static const char *const codes[] = {
		[CSV_EMPTY] = "empty",		     [CSV_BAD_ENCODING] = "invalid_encoding",
		[CSV_BARE_CR] = "malformed",	     [CSV_STRAY_QUOTE] = "malformed",
		[CSV_UNCLOSED_QUOTE] = "malformed",  [CSV_FIELD_COUNT] = "field_count",
		[CSV_TOO_MANY_COLUMNS] = "too_many_columns",
	};
	if (err->status == CSV_NO_MEMORY) {
		internal_error(im->resp, im->ctx);
		return;
	}
	add_error(im, err->record, 0, NULL, codes[err->status], message);
	int header = err->status == CSV_TOO_MANY_COLUMNS;
	snprintf(detail, sizeof detail, "%s: %s Nothing was imported.",
		 header ? "The header row is invalid" : "The file is not valid CSV", message);
	problem_with_errors(im->resp, im->ctx, header ? 422 : 400, detail, errors_json(im));
}

/* Maps the header's names to the kind's columns; 0, or -1 after answering 422. */
static int read_header(struct import *im)
{
	const struct import_kind *kind = im->kind;
	for (size_t c = 0; c < kind->n_columns; c++)
		im->column[c] = -1;
	for (size_t i = 0; i < im->csv.columns; i++) {
		char *name = csv_field(&im->csv, 0, i);
		name += strspn(name, " \t");
		size_t n = strlen(name);
		while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
			name[--n] = '\0';
		size_t c = 0;
		while (c < kind->n_columns && strcmp(kind->columns[c].name, name))
			c++;
		if (c == kind->n_columns) {
			char message[IMPORT_MESSAGE_MAX];
			snprintf(message, sizeof message, "'%.*s' is not a column of the %s CSV",
				 import_utf8_prefix(name, 40), name, kind->what);
			add_error(im, 0, 0, text_is_clean(name, 0) && n <= 64 ? name : NULL,
				  "unknown_column", message);
		} else if (im->column[c] >= 0) {
			add_error(im, 0, 0, kind->columns[c].name, "duplicate_column",
				  "the header names this column twice");
		} else {
			im->column[c] = (int)i;
		}
	}
	for (size_t c = 0; c < kind->n_columns; c++)
		if (kind->columns[c].required && im->column[c] < 0)
			add_error(im, 0, 0, kind->columns[c].name, "required",
				  "the header must name this column");
	if (im->n_errors == 0)
		return 0;
	problem_with_errors(im->resp, im->ctx, 422, "The header row is invalid; nothing was imported.",
			    errors_json(im));
	return -1;
}

static void respond_checked(struct import *im)
{
	if (!im->dry_run && im->n_errors == 0 && im->unseen_conflicts) {
		problem(im->resp, im->ctx, 409,
			"The file conflicts with the registry outside your scope (a phone number or "
			"an id already in use there), which cannot be shown to you; nothing was "
			"imported.");
		return;
	}
	json_t *errors = errors_json(im);
	if (im->dry_run) {
		json_t *doc = json_pack("{s:b, s:I, s:b, s:o, s:I, s:b}", "dry_run", 1, "rows",
					(json_int_t)im->rows, "valid", im->n_errors == 0, "errors",
					errors, "error_count", (json_int_t)im->n_errors,
					"errors_truncated", im->n_errors > IMPORT_ERRORS_SHOWN);
		http_json(im->resp, 200, doc);
		json_decref(doc);
		return;
	}
	char detail[200];
	size_t bad = rows_with_errors(im);
	int n = snprintf(detail, sizeof detail,
			 "%zu of %zu rows %s errors (%zu in all); nothing was imported.", bad,
			 im->rows, bad == 1 ? "has" : "have", im->n_errors);
	if (im->n_errors > IMPORT_ERRORS_SHOWN)
		snprintf(detail + n, sizeof detail - (size_t)n, " The first %d errors are listed.",
			 IMPORT_ERRORS_SHOWN);
	problem_with_errors(im->resp, im->ctx, 422, detail, errors);
}

static void respond_created(struct import *im)
{
	json_t *doc = json_pack("{s:I, s:I}", "rows", (json_int_t)im->rows, "created",
				(json_int_t)im->created);
	if (im->kind == &import_members_kind)
		json_object_set_new(doc, "memberships", json_integer(im->memberships_created));
	http_json(im->resp, 201, doc);
	json_decref(doc);
}

/*
 * BEGIN, check, then write and COMMIT, or ROLLBACK (errors, unseen conflicts, dry run). With
 * an Idempotency-Key the request already runs in a transaction: these are then a savepoint,
 * its rollback and its release, and the rows are committed with the stored answer
 * (request_begin).
 */
static void run_in_transaction(struct import *im)
{
	if (request_begin(im->ctx, im->resp) != 0)
		return;
	int answered = im->kind->check(im) != 0;
	if (!answered && !im->n_errors && !im->unseen_conflicts && !im->dry_run) {
		if (im->kind->write(im) == 0) {
			if (request_commit(im->ctx, im->resp) == 0)
				respond_created(im);
			return;
		}
		answered = 1;
	}
	request_rollback(im->ctx); /* a broken connection is replaced on next checkout */
	if (!answered && (!im->kind->refused || im->kind->refused(im) == 0))
		respond_checked(im);
}

/*
 * The body is read from start to end once or twice; what is behind the reader is given back
 * (MADV_PAGEOUT: for an upload mapped from its temporary file the pages are dropped and
 * would be read again from the file; for memory it changes nothing), every 4 MiB.
 */
static void release_read(struct import *im, size_t consumed)
{
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0 || consumed < im->released + 4 * 1024 * 1024)
		return;
	uintptr_t from = ((uintptr_t)im->body + im->released + (uintptr_t)page - 1) &
			 ~((uintptr_t)page - 1);
	uintptr_t to = ((uintptr_t)im->body + consumed) & ~((uintptr_t)page - 1);
	if (to > from)
		madvise((void *)from, to - from, MADV_PAGEOUT);
	im->released = consumed;
}

static int count_row(void *cls, const struct csv_table *record, size_t number, size_t consumed)
{
	(void)record, (void)number;
	release_read(cls, consumed);
	return 0;
}

struct each_row {
	struct import *im;
	void (*fn)(struct import *im, size_t row, void *cls);
	void *cls;
};

static int data_row(void *cls, const struct csv_table *record, size_t number, size_t consumed)
{
	struct each_row *e = cls;
	if (number > 0) {
		e->im->csv = *record;
		e->fn(e->im, number, e->cls);
		memset(&e->im->csv, 0, sizeof e->im->csv);
	}
	release_read(e->im, consumed);
	return 0;
}

void import_each_row(struct import *im, void (*fn)(struct import *im, size_t row, void *cls),
		     void *cls)
{
	struct each_row e = {im, fn, cls};
	struct csv_error err;
	size_t records;
	im->released = 0;
	/* the file was parsed whole before: it cannot fail now */
	csv_each(im->body, im->body_len, IMPORT_MAX_COLUMNS * 4, data_row, &e, &records, &err);
}

struct header_read {
	struct import *im;
	int rc;
};

/* The header only, mapped by read_header while the parser holds it; then the parser stops. */
static int header_row(void *cls, const struct csv_table *record, size_t number, size_t consumed)
{
	(void)number, (void)consumed;
	struct header_read *h = cls;
	h->im->csv = *record;
	h->rc = read_header(h->im);
	memset(&h->im->csv, 0, sizeof h->im->csv);
	return 1;
}

/*
 * The file: checked whole as CSV and counted without being kept, then its
 * header mapped. 0 with im->rows set, or -1 after answering (400, 422).
 */
static int read_streaming(struct import *im)
{
	struct csv_error err;
	size_t records;
	if (csv_each(im->body, im->body_len, IMPORT_MAX_COLUMNS * 4, count_row, im, &records,
		     &err) != CSV_OK) {
		csv_refused(im, &err);
		return -1;
	}
	struct header_read h = {im, -1};
	size_t ignored;
	if (csv_each(im->body, im->body_len, IMPORT_MAX_COLUMNS * 4, header_row, &h, &ignored,
		     &err) != CSV_STOPPED) {
		internal_error(im->resp, im->ctx);
		return -1;
	}
	im->rows = records - 1;
	return h.rc;
}

static void import_run(const struct _u_request *req, struct _u_response *resp,
		       struct req_ctx *ctx, const struct import_kind *kind)
{
	struct import im = {.ctx = ctx, .resp = resp, .kind = kind};
	if (csv_content_type(req, resp, ctx) != 0 || allowed(resp, ctx, ACT_WRITE_REGISTRY) != 0 ||
	    parse_dry_run(req, resp, ctx, &im.dry_run) != 0 || (kind->guard && kind->guard(&im) != 0))
		return;
	im.body = req->binary_body ? req->binary_body : "";
	im.body_len = req->binary_body_length;
	if (read_streaming(&im) == 0) {
		if (im.rows == 0) {
			add_error(&im, 1, 0, NULL, "no_rows", "the file has a header but no data rows");
			problem_with_errors(resp, ctx, 422, "The file has no data rows; nothing was imported.",
					    errors_json(&im));
		} else {
			run_in_transaction(&im);
		}
	}
	csv_free(&im.csv);
	free(im.errors);
	free(im.unseen_ids);
}

static void import_units(const struct _u_request *req, struct _u_response *resp,
			 struct req_ctx *ctx)
{
	import_run(req, resp, ctx, &import_units_kind);
}

static void import_members(const struct _u_request *req, struct _u_response *resp,
			   struct req_ctx *ctx)
{
	import_run(req, resp, ctx, &import_members_kind);
}

/* Not ROUTE_JSON_BODY: the body is CSV, checked here. */
const struct route imports_routes[] = {
#define IMPORT_ROUTE (ROUTE_IDEMPOTENT | ROUTE_LARGE_BODY | ROUTE_CSV_BODY | ROUTE_CHANGES_KEPT)
	{"POST", "/api/v1/imports/units", import_units, IMPORT_ROUTE},
	{"POST", "/api/v1/imports/members", import_members, IMPORT_ROUTE},
	{0},
};
