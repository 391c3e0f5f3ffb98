#define _GNU_SOURCE
#include "csv_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../server.h"
#include "negotiate.h"
#include "problem.h"

struct stream {
	struct db_pool *pool;
	struct db_stmt *stmt;
	int nparams, after_index, limit_index;
	char *params[CSV_EXPORT_MAX_PARAMS];
	char *buf;      /* the current page as CSV text */
	size_t len, pos;
	int done;       /* no page after the current one */
};

int csv_export_requested(const struct _u_request *req)
{
	/* the pipeline has refused what negotiation cannot serve (negotiate()) */
	return negotiate_media(req, 1) == MEDIA_CSV;
}

int csv_formula_start(const char *s)
{
	static const char *const full_width[] = {"\xef\xbc\x9d", "\xef\xbc\x8b", "\xef\xbc\x8d",
						 "\xef\xbc\xa0", NULL}; /* ＝ ＋ － ＠ */
	if (*s == '\t' || *s == '\r' || *s == '\n')
		return 1;
	s += strspn(s, " \t\r\n");
	if (*s && strchr("=+-@", *s))
		return 1;
	for (const char *const *f = full_width; *f; f++)
		if (!strncmp(s, *f, 3))
			return 1;
	return 0;
}

const char *csv_unguard(const char *cell)
{
	return cell[0] == '\'' && csv_formula_start(cell + strspn(cell, "'")) ? cell + 1 : cell;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;
	for (int i = 0; i < s->nparams; i++)
		free(s->params[i]);
	free(s->buf);
	free(s);
}

/* Appends one page of rows to s->buf; returns 0, or -1 when the database failed. */
static int fetch_page(struct stream *s, struct db_conn *conn)
{
	enum db_status st;
	PGresult *res = db_exec(conn, s->stmt, (const char *const *)s->params, &st);
	if (st != DB_OK) {
		PQclear(res);
		return -1;
	}
	int rows = PQntuples(res);
	size_t need = s->len;
	for (int i = 0; i < rows; i++)
		need += (size_t)PQgetlength(res, i, 0) + 2;
	char *grown = realloc(s->buf, need + 1);
	if (!grown) {
		PQclear(res);
		return -1;
	}
	s->buf = grown;
	for (int i = 0; i < rows; i++) {
		size_t n = (size_t)PQgetlength(res, i, 0);
		memcpy(s->buf + s->len, PQgetvalue(res, i, 0), n);
		memcpy(s->buf + s->len + n, "\r\n", 2);
		s->len += n + 2;
	}
	if (rows > 0) {
		free(s->params[s->after_index]);
		/* without it the next page would start again from the first row */
		s->params[s->after_index] = strdup(PQgetvalue(res, rows - 1, 1));
		if (!s->params[s->after_index]) {
			PQclear(res);
			return -1;
		}
	}
	s->done = rows < CSV_EXPORT_PAGE;
	PQclear(res);
	return 0;
}

static ssize_t stream_next(void *cls, uint64_t offset, char *out, size_t max)
{
	(void)offset;
	struct stream *s = cls;
	if (s->pos == s->len) {
		if (s->done)
			return U_STREAM_END;
		s->pos = s->len = 0;
		enum db_status st;
		struct db_conn *conn = db_acquire(s->pool, &st);
		if (!conn)
			return U_STREAM_ERROR;
		int rc = fetch_page(s, conn);
		db_release(s->pool, conn);
		if (rc != 0)
			return U_STREAM_ERROR;
		if (s->len == 0)
			return U_STREAM_END;
	}
	size_t n = s->len - s->pos < max ? s->len - s->pos : max;
	memcpy(out, s->buf + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

void csv_export_respond(struct _u_response *resp, struct req_ctx *ctx,
			const struct csv_export *ex)
{
	struct stream *s = calloc(1, sizeof *s);
	if (!s) {
		problem(resp, ctx, 500, NULL);
		return;
	}
	s->stmt = ex->page_stmt;
	s->nparams = ex->nparams;
	s->after_index = ex->after_index;
	s->limit_index = ex->limit_index;
	char limit[16];
	snprintf(limit, sizeof limit, "%d", CSV_EXPORT_PAGE);
	int copied = 1; /* a parameter lost to memory would widen the export, not fail it */
	for (int i = 0; i < ex->nparams; i++) {
		const char *v = i == ex->limit_index ? limit : ex->params[i];
		s->params[i] = v ? strdup(v) : NULL;
		copied = copied && (!v || s->params[i]);
	}
	/* The first page now, on the request's connection: errors still get a proper answer. */
	size_t header_len = strlen(ex->header);
	s->buf = copied ? malloc(header_len + 3) : NULL;
	if (!s->buf) {
		stream_free(s);
		problem(resp, ctx, 500, NULL);
		return;
	}
	memcpy(s->buf, ex->header, header_len);
	memcpy(s->buf + header_len, "\r\n", 2);
	s->len = header_len + 2;
	struct db_conn *conn = request_db(ctx, resp);
	if (!conn) {
		stream_free(s);
		return;
	}
	s->pool = ctx->on_replica ? ctx->srv->replica : ctx->srv->pool; /* where it began */
	if (fetch_page(s, conn) != 0) {
		stream_free(s);
		problem(resp, ctx, 500, NULL);
		return;
	}
	ulfius_set_stream_response(resp, 200, stream_next, stream_free, U_STREAM_SIZE_UNKNOWN,
				   64 * 1024, s);
	http_header(resp, "Content-Type", "text/csv; charset=utf-8");
	char disposition[128];
	snprintf(disposition, sizeof disposition, "attachment; filename=\"%s\"", ex->filename);
	http_header(resp, "Content-Disposition", disposition);
}
