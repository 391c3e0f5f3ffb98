/*
 * The runner holds a session-level advisory lock from the first read of schema_migrations to
 * the last insert, so a second process waits, then finds everything applied and does nothing.
 * Each file runs with its record insert inside one transaction: a failing file leaves neither
 * its changes nor its record behind.
 *
 * An applied file never changes, with one exception: a released file amended only so that it
 * also applies on a newer PostgreSQL (15.20 refuses some ALTER TABLEs that 15.18 applied) names
 * the checksum of each content it replaces in its leading comments, one line each:
 *   -- replaces: sha256:<64 hex digits>
 * A database that recorded one of those checksums ran an equivalent file: it is accepted. Its
 * record keeps the checksum of what it ran, so that the previous release, which still has that
 * file, starts on it too (a rolling update, a rollback). Any other difference stops start-up.
 *
 * Functions, views and triggers live in db/functions/, one file per resource plus shared ones,
 * written to be applied again (CREATE OR REPLACE). After the migrations, under the same lock,
 * all of them are applied in name order in one transaction whenever a file's checksum differs
 * from the one recorded in schema_functions, a file was added or removed, or a migration ran.
 */
#include "migrate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "pool.h"

/* 'cdtt' in ASCII: the advisory lock key every cdtt process uses for migrations. */
#define MIGRATION_LOCK_KEY "1667527796"

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

long migrate_version_of(const char *name)
{
	long v = 0;
	const char *p = name;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	return (p == name || *p != '_') ? -1 : v;
}

long migrate_latest_version(const struct embedded_file *files, size_t count)
{
	long latest = 0;
	for (size_t i = 0; i < count; i++) {
		long v = migrate_version_of(files[i].name);
		if (v > latest)
			latest = v;
	}
	return latest;
}

static void sha256_hex(const unsigned char *data, size_t len, char out[65])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, data, len);
	sodium_bin2hex(out, 65, digest, sizeof digest);
}

int migrate_replaces(const unsigned char *data, size_t len, const char *recorded)
{
	static const char tag[] = "-- replaces: sha256:";
	const size_t taglen = sizeof tag - 1, hexlen = 64;
	if (strlen(recorded) != hexlen)
		return 0;
	const char *p = (const char *)data, *end = p + len;
	/* Only the leading comment lines: a declaration further down would be easy to miss. */
	while (p < end && end - p >= 2 && p[0] == '-' && p[1] == '-') {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = eol ? eol : end;
		size_t n = (size_t)(line_end - p);
		if (n >= taglen + hexlen && !memcmp(p, tag, taglen) &&
		    !memcmp(p + taglen, recorded, hexlen) &&
		    (n == taglen + hexlen || p[taglen + hexlen] == ' ' ||
		     p[taglen + hexlen] == '\r'))
			return 1;
		p = eol ? eol + 1 : end;
	}
	return 0;
}

/* Runs one statement without parameters; on failure copies PostgreSQL's message into err. */
static int run(PGconn *pg, const char *sql, char *err, size_t errlen, const char *context)
{
	PGresult *res = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(res);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", PQerrorMessage(pg));
		msg[strcspn(msg, "\n")] = '\0';
		fail(err, errlen, "%s: %s", context, msg);
	}
	PQclear(res);
	return ok ? 0 : -1;
}

static int apply_one(PGconn *pg, const struct embedded_file *f, long version, const char *sum,
		     char *err, size_t errlen)
{
	char context[160];
	snprintf(context, sizeof context, "migration %s failed", f->name);
	if (run(pg, "BEGIN", err, errlen, context))
		return -1;
	if (run(pg, (const char *)f->data, err, errlen, context))
		goto rollback;
	char vbuf[24];
	snprintf(vbuf, sizeof vbuf, "%ld", version);
	const char *params[3] = {vbuf, f->name, sum};
	PGresult *res = PQexecParams(pg,
				     "INSERT INTO schema_migrations (version, name, checksum) "
				     "VALUES ($1, $2, $3)",
				     3, NULL, params, NULL, NULL, 0);
	int inserted = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!inserted) {
		fail(err, errlen, "%s: cannot record it: %s", context, PQerrorMessage(pg));
		goto rollback;
	}
	return run(pg, "COMMIT", err, errlen, context);
rollback:
	PQclear(PQexec(pg, "ROLLBACK"));
	return -1;
}

/* Finds version in the applied result; returns its row or -1. */
static int applied_row(PGresult *applied, long version)
{
	for (int r = 0; r < PQntuples(applied); r++)
		if (atol(PQgetvalue(applied, r, 0)) == version)
			return r;
	return -1;
}

/* Applies the migrations the database lacks; the caller holds the lock. */
static int apply_migrations(PGconn *pg, const struct embedded_file *files, size_t count,
			    char *err, size_t errlen)
{
	int applied_now = 0;
	PGresult *applied = NULL;
	if (run(pg,
		"CREATE TABLE IF NOT EXISTS schema_migrations ("
		" version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
		" applied_at timestamptz NOT NULL DEFAULT now())",
		err, errlen, "cannot create schema_migrations"))
		goto fail;
	applied = PQexec(pg, "SELECT version, name, checksum FROM schema_migrations");
	if (PQresultStatus(applied) != PGRES_TUPLES_OK) {
		fail(err, errlen, "cannot read schema_migrations: %s", PQerrorMessage(pg));
		goto fail;
	}
	for (size_t i = 0; i < count; i++) {
		const struct embedded_file *f = &files[i];
		long version = migrate_version_of(f->name);
		if (version <= 0) {
			fail(err, errlen, "migration %s: the name must start with a number and _",
			     f->name);
			goto fail;
		}
		char sum[65];
		sha256_hex(f->data, f->len, sum);
		int row = applied_row(applied, version);
		if (row >= 0) {
			const char *recorded = PQgetvalue(applied, row, 2);
			if (strcmp(recorded, sum) != 0 &&
			    !migrate_replaces(f->data, f->len, recorded)) {
				fail(err, errlen,
				     "migration %s was changed after it was applied (recorded checksum "
				     "%.12s..., file %.12s...): restore it and add a new migration instead",
				     f->name, PQgetvalue(applied, row, 2), sum);
				goto fail;
			}
			continue;
		}
		if (apply_one(pg, f, version, sum, err, errlen))
			goto fail;
		applied_now++;
	}
	PQclear(applied);
	return applied_now;
fail:
	PQclear(applied);
	return -1;
}

/*
 * Whether the database must have the function files applied again: a migration ran in this
 * call (it may have dropped or replaced one), or the recorded set of names and checksums differs
 * from the files. Returns 1, 0, or -1 with err.
 */
static int functions_changed(PGconn *pg, const struct embedded_file *files, size_t count,
			     char sums[][65], char *err, size_t errlen)
{
	PGresult *rec = PQexec(pg, "SELECT name, checksum FROM schema_functions ORDER BY name");
	if (PQresultStatus(rec) != PGRES_TUPLES_OK) {
		fail(err, errlen, "cannot read schema_functions: %s", PQerrorMessage(pg));
		PQclear(rec);
		return -1;
	}
	int changed = (size_t)PQntuples(rec) != count;
	for (size_t i = 0; i < count && !changed; i++) {
		int found = 0;
		for (int r = 0; r < PQntuples(rec) && !found; r++)
			found = !strcmp(PQgetvalue(rec, r, 0), files[i].name) &&
				!strcmp(PQgetvalue(rec, r, 1), sums[i]);
		changed = !found;
	}
	PQclear(rec);
	return changed;
}

/*
 * Applies every function file, in order, in one transaction, and records their checksums; only
 * when something changed (see functions_changed). The caller holds the lock. Returns 1 when
 * applied, 0 when nothing changed, -1 with err.
 */
static int apply_functions(PGconn *pg, const struct embedded_file *files, size_t count,
			   int force, char *err, size_t errlen)
{
	if (run(pg,
		"CREATE TABLE IF NOT EXISTS schema_functions ("
		" name text PRIMARY KEY, checksum text NOT NULL,"
		" applied_at timestamptz NOT NULL DEFAULT now())",
		err, errlen, "cannot create schema_functions"))
		return -1;
	char(*sums)[65] = calloc(count ? count : 1, sizeof *sums);
	if (!sums)
		return fail(err, errlen, "out of memory");
	for (size_t i = 0; i < count; i++)
		sha256_hex(files[i].data, files[i].len, sums[i]);
	int changed = force ? 1 : functions_changed(pg, files, count, sums, err, errlen);
	if (changed <= 0) {
		free(sums);
		return changed;
	}
	if (run(pg, "BEGIN", err, errlen, "cannot apply the function files"))
		goto fail;
	if (run(pg, "DELETE FROM schema_functions", err, errlen, "cannot clear schema_functions"))
		goto rollback;
	for (size_t i = 0; i < count; i++) {
		char context[160];
		snprintf(context, sizeof context, "function file %s failed", files[i].name);
		if (run(pg, (const char *)files[i].data, err, errlen, context))
			goto rollback;
		const char *params[2] = {files[i].name, sums[i]};
		PGresult *res = PQexecParams(pg,
					     "INSERT INTO schema_functions (name, checksum) "
					     "VALUES ($1, $2)",
					     2, NULL, params, NULL, NULL, 0);
		int inserted = PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
		if (!inserted) {
			fail(err, errlen, "%s: cannot record it: %s", context, PQerrorMessage(pg));
			goto rollback;
		}
	}
	if (run(pg, "COMMIT", err, errlen, "cannot apply the function files"))
		goto fail;
	free(sums);
	return 1;
rollback:
	PQclear(PQexec(pg, "ROLLBACK"));
fail:
	free(sums);
	return -1;
}

int migrate_all(PGconn *pg, const struct embedded_file *migrations, size_t migration_count,
		const struct embedded_file *functions, size_t function_count, char *err,
		size_t errlen)
{
	if (run(pg, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")", err, errlen,
		"cannot take the migration lock"))
		return -1;
	int applied = apply_migrations(pg, migrations, migration_count, err, errlen);
	if (applied >= 0 && functions &&
	    apply_functions(pg, functions, function_count, applied > 0, err, errlen) < 0)
		applied = -1;
	PQclear(PQexec(pg, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")"));
	return applied;
}

int migrate_apply(PGconn *pg, const struct embedded_file *files, size_t count, char *err,
		  size_t errlen)
{
	return migrate_all(pg, files, count, NULL, 0, err, errlen);
}

static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* "extension already exists, skipping" and the like */
}

int migrate_database(const char *database_url, char *err, size_t errlen)
{
	char *conninfo = db_conninfo_with_defaults(database_url);
	PGconn *pg = conninfo ? PQconnectdb(conninfo) : NULL;
	free(conninfo);
	int rc;
	if (!pg || PQstatus(pg) != CONNECTION_OK) {
		char msg[256];
		snprintf(msg, sizeof msg, "%s", pg ? PQerrorMessage(pg) : "out of memory");
		msg[strcspn(msg, "\n")] = '\0';
		rc = fail(err, errlen, "cannot connect to the database: %s", msg);
	} else {
		PQsetNoticeProcessor(pg, ignore_notice, NULL);
		rc = migrate_all(pg, migrations_embedded, migrations_embedded_count,
				 functions_embedded, functions_embedded_count, err, errlen);
	}
	PQfinish(pg);
	return rc;
}
