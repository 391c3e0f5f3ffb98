/*
 * A strict RFC 4180 parser for CSV uploads (imports): the whole body in, a table of
 * NUL-terminated fields out, or the first place where the text is not CSV.
 *
 * Accepted: UTF-8 with or without a byte-order mark; fields separated by commas; records ended
 * by CRLF or LF, the last one with or without a line end; quoted fields with "" for a quote
 * and with commas, CR and LF inside. Refused, with the record and line where it happened: an
 * empty body, invalid UTF-8 (overlong forms, surrogates, past U+10FFFF), a NUL byte, a bare CR
 * outside quotes, a quote inside an unquoted field, text after a closing quote, a quote never
 * closed, and a record whose field count differs from the header's. A blank line is a record
 * with one empty field, so it is refused too unless the file has a single column: strict.
 */
#ifndef CDTT_HTTP_CSV_PARSE_H
#define CDTT_HTTP_CSV_PARSE_H
#include <stddef.h>

enum csv_status {
	CSV_OK = 0,
	CSV_EMPTY,            /* no byte (after the byte-order mark) */
	CSV_BAD_ENCODING,     /* invalid UTF-8 or a NUL byte */
	CSV_BARE_CR,          /* a CR outside quotes not followed by LF */
	CSV_STRAY_QUOTE,      /* a quote inside an unquoted field, or text after a closing quote */
	CSV_UNCLOSED_QUOTE,   /* the body ends inside a quoted field */
	CSV_FIELD_COUNT,      /* a record with more or fewer fields than the header */
	CSV_TOO_MANY_COLUMNS, /* the header has more fields than the caller allows */
	CSV_NO_MEMORY,
	CSV_STOPPED,          /* csv_each: the callback asked to stop */
};

/*
 * The parsed file. Record 0 is the header; record r's field c is fields[r * columns + c].
 * The fields point into one block the table owns; callers may modify them in place (trim)
 * but not grow them. csv_free() releases everything.
 */
struct csv_table {
	size_t records; /* the header included */
	size_t columns;
	char **fields;
	char *text;
};

/* Where parsing stopped: record number (0 = header) and physical line (from 1). */
struct csv_error {
	enum csv_status status;
	size_t record;
	size_t line;
	const char *message; /* a static English sentence, without the position */
};

/*
 * Parses len bytes of data. max_columns bounds the header (0: no bound). Returns CSV_OK and
 * fills *out, or another status with *err filled and *out empty.
 */
enum csv_status csv_parse(const char *data, size_t len, size_t max_columns,
			  struct csv_table *out, struct csv_error *err);

/*
 * The same parser, one record at a time, so that memory does not grow with the file: fn gets
 * each record as a table of one record (record 0 of it), its number in the file (0 = header)
 * and how many input bytes are consumed so far; it returns 0 to go on. The table is valid
 * during the call only. fn may be NULL (check and count only). Returns CSV_OK with *records
 * (the header included), CSV_STOPPED when fn returned non-zero, or the first error.
 */
typedef int (*csv_record_fn)(void *cls, const struct csv_table *record, size_t number,
			     size_t consumed);
enum csv_status csv_each(const char *data, size_t len, size_t max_columns, csv_record_fn fn,
			 void *cls, size_t *records, struct csv_error *err);

void csv_free(struct csv_table *table);

/* Field c of record r (r 0 = header); NULL when out of range. Borrowed from the table. */
char *csv_field(const struct csv_table *table, size_t record, size_t column);

#endif
