/*
 * CSV imports, shared between the units and the members import (imports_units.c,
 * imports_members.c) and the common request flow (imports.c):
 *
 *   415 unless text/csv (UTF-8) → 403 without registry write → 422 for a bad ?dry_run →
 *   parse (400 malformed, with the row) → header (422: unknown, duplicated or missing
 *   columns) → BEGIN → kind->check: validate every row in C, stage the rows in a temporary
 *   table with COPY, run the set-wise checks in SQL → errors, unseen conflicts or dry run:
 *   ROLLBACK, kind->refused, answer → kind->write: one INSERT … SELECT per table and one
 *   audit event → COMMIT → 201. (kind->guard, when set, may answer 429 before the parse.)
 *   (With an Idempotency-Key, BEGIN … COMMIT is a savepoint of the key's transaction.)
 *
 * All rows valid or nothing written. Errors name the data row (1-based, the header is row 0),
 * the column, a code and a message; every error is collected, the first IMPORT_ERRORS_SHOWN
 * (by row) are listed.
 */
#ifndef CDTT_RESOURCES_IMPORTS_H
#define CDTT_RESOURCES_IMPORTS_H
#include <stddef.h>

#include "../http/csv_parse.h"
#include "../http/http.h"
#include "audit_actor.h"

#define IMPORT_MAX_COLUMNS 16
#define IMPORT_ERRORS_SHOWN 1000
#define IMPORT_MESSAGE_MAX 128

struct import_column {
	const char *name;
	int required; /* the header must name it */
};

struct import_error {
	size_t row, seq; /* seq: order of discovery, to keep sorting stable */
	int order;       /* within a row: the column's place in the kind's list */
	const char *field; /* a column name (borrowed: static or in the CSV), NULL: the row */
	char code[24];
	char message[IMPORT_MESSAGE_MAX];
};

struct import;

struct import_kind {
	const char *what;         /* "units", "members": for messages */
	const struct import_column *columns;
	size_t n_columns;
	/* Validates, stages and checks every row, adding errors. -1 after answering (5xx). */
	int (*check)(struct import *im);
	/* Writes the staged rows and the audit event; sets created. -1 after answering. */
	int (*write)(struct import *im);
	/* Optional, before the file is read: -1 after answering (429), 0 to go on. */
	int (*guard)(struct import *im);
	/* Optional, once a transaction that wrote nothing has ended and before the answer (what
	 * must outlive the rollback, e.g. counting unseen conflicts): -1 after answering. */
	int (*refused)(struct import *im);
};

struct import {
	struct req_ctx *ctx;
	struct _u_response *resp;
	const struct import_kind *kind;
	struct csv_table csv;             /* the header, then the current row only
					    (import_each_row): rows are never held all at once */
	const char *body;
	size_t body_len, released;        /* bytes of body given back to the system */
	int column[IMPORT_MAX_COLUMNS]; /* the CSV column of each kind column, -1 when absent */
	size_t rows;                    /* data rows */
	int dry_run;
	struct import_error *errors;
	size_t n_errors, cap_errors;
	long created, memberships_created;
	/* Conflicts with records the caller may not see (outside their scope): no row names them;
	 * a dry run says nothing of them, and the import is refused as a whole (409). The kind
	 * may keep their ids (a JSON array, malloc'd; freed with the import). */
	long unseen_conflicts;
	char *unseen_ids;
};

/*
 * The value of a kind column in a data row (1-based), trimmed of surrounding spaces and tabs;
 * NULL when the column is absent or the value empty. A cell that an export guarded against
 * spreadsheets ("'=1+1") is the value exported, untrimmed (csv_unguard). Borrowed from the
 * parsed CSV.
 */
const char *import_value(struct import *im, size_t row, int column);

/*
 * Checked values: each returns the value when it is valid (or NULL when it is empty and not
 * required), and NULL after recording an error otherwise. Text is one line of clean UTF-8 of
 * at most max characters; a code is a unit code (1-32 of [A-Za-z0-9._-]); an enum one of
 * values (NULL-terminated).
 */
const char *import_text(struct import *im, size_t row, int column, size_t max, int required);
const char *import_code(struct import *im, size_t row, int column, int required);
const char *import_enum(struct import *im, size_t row, int column, const char *const *values,
			int required);

/* The length of s's longest prefix of at most max bytes ending on a character boundary. */
int import_utf8_prefix(const char *s, size_t max);

/* Records an error; column -1 for the whole row. The message is printf-formatted. */
void import_error(struct import *im, size_t row, int column, const char *code, const char *fmt,
		  ...) __attribute__((format(printf, 5, 6)));

/*
 * Calls fn for each data row of the file (1-based, in order), with
 * import_value reading that row; the file's text is read again from the body as it goes, and
 * what was read is given back to the system, so memory stays flat whatever the file's size.
 */
void import_each_row(struct import *im, void (*fn)(struct import *im, size_t row, void *cls),
		     void *cls);

/* Runs a parameterless command on the request's connection; -1 after answering 503/500. */
int import_command(struct import *im, const char *sql);

/*
 * Runs a check statement whose rows have the columns row_no, field, code and message, and
 * records each as an error. -1 after answering.
 */
int import_sql_errors(struct import *im, struct db_stmt *stmt, const char *const *params);

/* COPY FROM STDIN in PostgreSQL's text format, streamed in chunks as rows are added. */
struct import_copy {
	struct import *im;
	PGconn *pg;
	char *buf;
	size_t len, cap;
	int failed, first_in_row;
};

/* Starts `COPY table (columns) FROM STDIN`. -1 after answering. */
int import_copy_begin(struct import_copy *cp, struct import *im, const char *copy_sql);
/* Appends a text field (NULL: \N), a field already safe as is, or ends the row. */
void import_copy_text(struct import_copy *cp, const char *value);
void import_copy_raw(struct import_copy *cp, const char *value);
void import_copy_end_row(struct import_copy *cp);
/* Sends the rest and ends the COPY. -1 after answering. */
int import_copy_finish(struct import_copy *cp);

/*
 * SQL fragment: the CTE `audit` of a kind's write statement, one event for the whole file.
 * Every write statement takes $1-$4 the audit actor and $5 the number of rows.
 */
#define IMPORT_AUDIT_EVENT(action, entity_type)                                             \
	" audit AS (INSERT INTO audit_events (actor_type, actor_id, actor_name, request_id," \
	"   action, entity_type, after)"                                                     \
	"   VALUES (" AUDIT_ACTOR_SQL(1, 2, 3, 4) ", '" action "', '" entity_type "',"        \
	"   jsonb_build_object('rows', $5::int)))"

/*
 * Runs a kind's write statement with its parameters $1-$5 (see IMPORT_AUDIT_EVENT) and, when
 * extra is not NULL, $6 = extra. Returns its one row of counts (the caller PQclear()s it), or
 * NULL after answering: 409 for a conflict met meanwhile, 500, 503.
 */
PGresult *import_write_rows(struct import *im, struct db_stmt *stmt, const char *extra);

extern const struct import_kind import_units_kind;
extern const struct import_kind import_members_kind;

#endif
