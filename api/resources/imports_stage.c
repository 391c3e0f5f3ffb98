/*
 * Imports' side of the database: staging the rows of a file in a temporary table with COPY
 * FROM STDIN (PostgreSQL's text format, streamed in 64 KiB chunks), the set-wise checks that
 * turn query rows into row errors and the answer to a write that met a conflict.
 *
 * COPY needs the request's own PGconn (db_conn_pg): the staged rows live in a temporary
 * table of that session, dropped at the end of the transaction imports.c opens and always
 * ends.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http/problem.h"
#include "imports.h"
#include "resource.h"

static void database_failed(struct import *im, PGconn *pg)
{
	if (!pg || PQstatus(pg) == CONNECTION_BAD)
		problem_unavailable(im->resp, im->ctx, 0);
	else
		internal_error(im->resp, im->ctx);
}

int import_command(struct import *im, const char *sql)
{
	struct db_conn *conn = request_db(im->ctx, im->resp);
	if (!conn)
		return -1;
	enum db_status st = db_command(conn, sql);
	if (st == DB_OK)
		return 0;
	database_failed(im, db_conn_pg(conn));
	return -1;
}

int import_sql_errors(struct import *im, struct db_stmt *stmt, const char *const *params)
{
	enum db_status st;
	PGresult *res = request_query(im->ctx, im->resp, stmt, params, &st);
	if (!res)
		return -1;
	if (st != DB_OK) {
		PQclear(res);
		internal_error(im->resp, im->ctx);
		return -1;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		const char *row = db_value(res, i, "row_no"), *field = db_value(res, i, "field");
		const char *code = db_value(res, i, "code"), *message = db_value(res, i, "message");
		int column = -1;
		for (size_t c = 0; field && c < im->kind->n_columns; c++)
			if (!strcmp(im->kind->columns[c].name, field))
				column = (int)c;
		import_error(im, row ? strtoul(row, NULL, 10) : 0, column, code ? code : "", "%s",
			     message ? message : "");
	}
	PQclear(res);
	return 0;
}

PGresult *import_write_rows(struct import *im, struct db_stmt *stmt, const char *extra)
{
	const char *params[6];
	char rows[24];
	audit_actor_params(im->ctx, params);
	snprintf(rows, sizeof rows, "%zu", im->rows);
	params[4] = rows;
	params[5] = extra;
	enum db_status st;
	PGresult *res = request_query(im->ctx, im->resp, stmt, params, &st);
	if (!res || st == DB_OK)
		return res;
	const char *state = db_sqlstate(res);
	if (!strcmp(state, SQLSTATE_UNIQUE_VIOLATION) || !strcmp(state, SQLSTATE_FOREIGN_KEY_VIOLATION) || !strcmp(state, SQLSTATE_RAISE_EXCEPTION))
		problem(im->resp, im->ctx, 409,
			"The registry changed while the file was being imported (a code, phone or "
			"team leader was taken meanwhile); nothing was imported. Check the file again.");
	else
		write_failed_unexpectedly(im->resp, im->ctx, res);
	PQclear(res);
	return NULL;
}

/* ---- COPY staging ------------------------------------------------------------------- */

#define COPY_CHUNK 65536

int import_copy_begin(struct import_copy *cp, struct import *im, const char *copy_sql)
{
	memset(cp, 0, sizeof *cp);
	cp->im = im;
	cp->first_in_row = 1;
	struct db_conn *conn = request_db(im->ctx, im->resp);
	if (!conn)
		return -1;
	cp->pg = db_conn_pg(conn);
	PGresult *res = PQexec(cp->pg, copy_sql);
	int started = PQresultStatus(res) == PGRES_COPY_IN;
	PQclear(res);
	if (!started) {
		database_failed(im, cp->pg);
		return -1;
	}
	cp->cap = COPY_CHUNK * 2;
	cp->buf = malloc(cp->cap);
	cp->failed = !cp->buf;
	return 0;
}

static void copy_flush(struct import_copy *cp)
{
	if (!cp->failed && cp->len && PQputCopyData(cp->pg, cp->buf, (int)cp->len) != 1)
		cp->failed = 1;
	cp->len = 0;
}

/* Room for n more bytes; 0 when there is. */
static int copy_reserve(struct import_copy *cp, size_t n)
{
	if (cp->failed)
		return -1;
	if (cp->len + n > COPY_CHUNK)
		copy_flush(cp);
	if (n > cp->cap) {
		char *grown = realloc(cp->buf, n);
		if (!grown) {
			cp->failed = 1;
			return -1;
		}
		cp->buf = grown;
		cp->cap = n;
	}
	return cp->failed ? -1 : 0;
}

static void copy_separator(struct import_copy *cp)
{
	if (!cp->first_in_row)
		cp->buf[cp->len++] = '\t';
	cp->first_in_row = 0;
}

void import_copy_text(struct import_copy *cp, const char *value)
{
	if (!value) {
		import_copy_raw(cp, "\\N");
		return;
	}
	if (copy_reserve(cp, 2 * strlen(value) + 1) != 0)
		return;
	copy_separator(cp);
	for (const char *p = value; *p; p++) {
		const char *escaped = *p == '\\' ? "\\\\" : *p == '\t' ? "\\t" : *p == '\n' ? "\\n"
				      : *p == '\r' ? "\\r" : NULL;
		if (escaped) {
			memcpy(cp->buf + cp->len, escaped, 2);
			cp->len += 2;
		} else {
			cp->buf[cp->len++] = *p;
		}
	}
}

void import_copy_raw(struct import_copy *cp, const char *value)
{
	size_t n = strlen(value);
	if (copy_reserve(cp, n + 1) != 0)
		return;
	copy_separator(cp);
	memcpy(cp->buf + cp->len, value, n);
	cp->len += n;
}

void import_copy_end_row(struct import_copy *cp)
{
	if (copy_reserve(cp, 1) == 0)
		cp->buf[cp->len++] = '\n';
	cp->first_in_row = 1;
}

int import_copy_finish(struct import_copy *cp)
{
	copy_flush(cp);
	free(cp->buf);
	cp->buf = NULL;
	int ok = PQputCopyEnd(cp->pg, cp->failed ? "the import stopped" : NULL) == 1 && !cp->failed;
	PGresult *res;
	while ((res = PQgetResult(cp->pg))) {
		ok = ok && PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
	}
	if (!ok)
		database_failed(cp->im, cp->pg);
	return ok ? 0 : -1;
}
