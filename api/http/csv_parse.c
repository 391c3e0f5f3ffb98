/*
 * One pass over the bytes, copying each field's unescaped text into a block as long as the
 * input plus one byte: a field's text is never longer than its input span, and the separator
 * after it (comma, line end, closing quote) pays for its NUL; only the last field of a file
 * without a final line end needs the extra byte. So the parser allocates the block once and
 * grows only the array of field pointers.
 *
 * csv_each() runs the same parser over records one at a time: the block holds one record's
 * text and grows to the longest record, so memory does not follow the file's size.
 *
 * Positions in errors: `record` counts records (0 = header, so it is the 1-based data row
 * number imports report); `line` counts LF bytes, quoted ones included, so it is the line an
 * editor shows.
 */
#include "csv_parse.h"

#include <stdlib.h>
#include <string.h>

#include "../text.h"

struct parser {
	const unsigned char *p, *end;
	char *out;          /* write cursor in table->text */
	struct csv_table *t;
	size_t cap;         /* room in t->fields */
	size_t n_fields;    /* fields stored, all records */
	size_t in_record;   /* fields of the current record */
	size_t record, line, record_line;
	size_t max_columns;
	struct csv_error *err;
	/* csv_each: one record at a time */
	int each;
	char *text_end;     /* end of the block */
	size_t *offsets;    /* the current record's fields, as offsets into the block */
	csv_record_fn fn;
	void *cls;
	const unsigned char *begin;
};

static enum csv_status fail(struct parser *ps, enum csv_status status, size_t line,
			    const char *message)
{
	ps->err->status = status;
	ps->err->record = ps->record;
	ps->err->line = line;
	ps->err->message = message;
	return status;
}

/* Room for n more output bytes: csv_parse's block is always large enough; csv_each's grows. */
static int room(struct parser *ps, size_t n)
{
	if (!ps->each || ps->out + n <= ps->text_end)
		return 0;
	size_t used = (size_t)(ps->out - ps->t->text), cap = (size_t)(ps->text_end - ps->t->text);
	while (cap < used + n)
		cap *= 2;
	char *grown = realloc(ps->t->text, cap);
	if (!grown) {
		fail(ps, CSV_NO_MEMORY, ps->line, "is too large to hold in memory");
		return -1;
	}
	ps->t->text = grown;
	ps->out = grown + used;
	ps->text_end = grown + cap;
	return 0;
}

/* Copies one character (ASCII or a whole UTF-8 sequence) to the output; -1 when invalid. */
static int copy_char(struct parser *ps)
{
	if (room(ps, 4) != 0)
		return -1;
	if (*ps->p == 0) {
		fail(ps, CSV_BAD_ENCODING, ps->line, "contains a NUL byte");
		return -1;
	}
	const char *next = (const char *)ps->p;
	uint32_t cp;
	int n = utf8_next(&next, (const char *)ps->end, &cp);
	if (n < 0) {
		fail(ps, CSV_BAD_ENCODING, ps->line, "is not valid UTF-8");
		return -1;
	}
	if (cp == '\n')
		ps->line++;
	memcpy(ps->out, ps->p, (size_t)n);
	ps->out += n;
	ps->p += n;
	return 0;
}

static enum csv_status store_field(struct parser *ps, size_t start)
{
	if (room(ps, 1) != 0)
		return ps->err->status;
	*ps->out++ = '\0';
	if (ps->record == 0 && ps->max_columns && ps->in_record >= ps->max_columns)
		return fail(ps, CSV_TOO_MANY_COLUMNS, ps->record_line, "the header has too many columns");
	if (ps->record > 0 && ps->in_record >= ps->t->columns)
		return fail(ps, CSV_FIELD_COUNT, ps->record_line,
			    "has more fields than the header");
	if (ps->n_fields == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 256;
		char **grown = realloc(ps->t->fields, cap * sizeof *grown);
		if (!grown)
			return fail(ps, CSV_NO_MEMORY, ps->line, "is too large to hold in memory");
		ps->t->fields = grown;
		if (ps->each) {
			size_t *offsets = realloc(ps->offsets, cap * sizeof *offsets);
			if (!offsets)
				return fail(ps, CSV_NO_MEMORY, ps->line, "is too large to hold in memory");
			ps->offsets = offsets;
		}
		ps->cap = cap;
	}
	if (ps->each)
		ps->offsets[ps->n_fields] = start;
	ps->t->fields[ps->n_fields++] = ps->t->text + start;
	ps->in_record++;
	return CSV_OK;
}

/* A quoted field, from its opening quote to just after its closing one. */
static enum csv_status quoted_field(struct parser *ps)
{
	size_t opened_on = ps->line;
	ps->p++;
	for (;;) {
		if (ps->p == ps->end)
			return fail(ps, CSV_UNCLOSED_QUOTE, opened_on,
				    "has a quoted field that is never closed");
		if (*ps->p == '"') {
			if (ps->p + 1 < ps->end && ps->p[1] == '"') {
				if (room(ps, 1) != 0)
					return ps->err->status;
				*ps->out++ = '"';
				ps->p += 2;
				continue;
			}
			ps->p++;
			return CSV_OK;
		}
		if (copy_char(ps) != 0)
			return ps->err->status;
	}
}

static enum csv_status unquoted_field(struct parser *ps)
{
	while (ps->p < ps->end) {
		unsigned char c = *ps->p;
		if (c == ',' || c == '\n' || (c == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n'))
			return CSV_OK;
		if (c == '\r')
			return fail(ps, CSV_BARE_CR, ps->line, "has a CR that is not followed by LF");
		if (c == '"')
			return fail(ps, CSV_STRAY_QUOTE, ps->line,
				    "has a quote inside an unquoted field (quote the whole field "
				    "and double the quote)");
		if (copy_char(ps) != 0)
			return ps->err->status;
	}
	return CSV_OK;
}

/* Ends a record: the header fixes the column count, every other record must match it. */
static enum csv_status end_record(struct parser *ps)
{
	if (ps->record == 0)
		ps->t->columns = ps->in_record;
	else if (ps->in_record != ps->t->columns)
		return fail(ps, CSV_FIELD_COUNT, ps->record_line,
			    "has fewer fields than the header");
	if (ps->each) { /* hand the record over, then start the block afresh */
		for (size_t i = 0; i < ps->n_fields; i++)
			ps->t->fields[i] = ps->t->text + ps->offsets[i];
		ps->t->records = 1;
		if (ps->fn && ps->fn(ps->cls, ps->t, ps->record, (size_t)(ps->p - ps->begin)) != 0)
			return fail(ps, CSV_STOPPED, ps->record_line, "was not read to its end");
		ps->out = ps->t->text;
		ps->n_fields = 0;
	}
	ps->record++;
	ps->in_record = 0;
	ps->record_line = ps->line;
	return CSV_OK;
}

static enum csv_status parse_all(struct parser *ps)
{
	for (;;) {
		size_t start = (size_t)(ps->out - ps->t->text);
		enum csv_status st = ps->p < ps->end && *ps->p == '"' ? quoted_field(ps)
								       : unquoted_field(ps);
		if (st != CSV_OK || (st = store_field(ps, start)) != CSV_OK)
			return st;
		if (ps->p == ps->end)
			return end_record(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == '\n' || (*ps->p == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n')) {
			ps->p += *ps->p == '\r' ? 2 : 1;
			ps->line++;
			if ((st = end_record(ps)) != CSV_OK || ps->p == ps->end)
				return st; /* a final line end does not start another record */
			continue;
		}
		if (*ps->p == '\r')
			return fail(ps, CSV_BARE_CR, ps->line, "has a CR that is not followed by LF");
		return fail(ps, CSV_STRAY_QUOTE, ps->line,
			    "has text after a closing quote (quote the whole field)");
	}
}

enum csv_status csv_parse(const char *data, size_t len, size_t max_columns,
			  struct csv_table *out, struct csv_error *err)
{
	memset(out, 0, sizeof *out);
	memset(err, 0, sizeof *err);
	const unsigned char *p = (const unsigned char *)data, *end = p + len;
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		p += 3;
	struct parser ps = {.p = p, .end = end, .t = out, .record = 0, .line = 1,
			    .record_line = 1, .max_columns = max_columns, .err = err};
	if (p == end)
		return fail(&ps, CSV_EMPTY, 1, "is empty: a header row is required");
	out->text = malloc((size_t)(end - p) + 1);
	if (!out->text)
		return fail(&ps, CSV_NO_MEMORY, 1, "is too large to hold in memory");
	ps.out = out->text;
	enum csv_status st = parse_all(&ps);
	if (st != CSV_OK) {
		csv_free(out);
		return st;
	}
	out->records = ps.record;
	return CSV_OK;
}

enum csv_status csv_each(const char *data, size_t len, size_t max_columns, csv_record_fn fn,
			 void *cls, size_t *records, struct csv_error *err)
{
	struct csv_table t = {0};
	memset(err, 0, sizeof *err);
	*records = 0;
	const unsigned char *p = (const unsigned char *)data, *end = p + len;
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		p += 3;
	struct parser ps = {.p = p, .end = end, .t = &t, .line = 1, .record_line = 1,
			    .max_columns = max_columns, .err = err, .each = 1, .fn = fn, .cls = cls,
			    .begin = (const unsigned char *)data};
	if (p == end)
		return fail(&ps, CSV_EMPTY, 1, "is empty: a header row is required");
	t.text = malloc(4096);
	if (!t.text)
		return fail(&ps, CSV_NO_MEMORY, 1, "is too large to hold in memory");
	ps.out = t.text;
	ps.text_end = t.text + 4096;
	enum csv_status st = parse_all(&ps);
	if (st == CSV_OK)
		*records = ps.record;
	free(ps.offsets);
	csv_free(&t);
	return st;
}

void csv_free(struct csv_table *table)
{
	free(table->fields);
	free(table->text);
	memset(table, 0, sizeof *table);
}

char *csv_field(const struct csv_table *table, size_t record, size_t column)
{
	if (record >= table->records || column >= table->columns)
		return NULL;
	return table->fields[record * table->columns + column];
}
