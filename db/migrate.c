/*
 * The runner holds a session-level advisory lock from the first read of schema_migrations to
 * the last insert, so a second process waits, then finds everything applied and does nothing.
 * Each file runs with its record insert inside one transaction: a failing file leaves neither
 * its changes nor its record behind.
 *
 * An applied file never changes, with one exception: a released file amended to an equivalent
 * content (so that it also applies on a newer PostgreSQL: 15.20 refuses some ALTER TABLEs that
 * 15.18 applied; or because the functions and triggers it made are now in db/functions/) names
 * the checksum of each content it replaces in its leading comments, one line each:
 *   -- replaces: sha256:<64 hex digits>
 * A database that recorded one of those checksums ran an equivalent file: it is accepted. Its
 * record keeps the checksum of what it ran, so that the previous release, which still has that
 * file, starts on it too (a rolling update, a rollback). Any other difference stops start-up.
 * tests/pg-versions/amended-history.sh checks that a database migrated with the released files,
 * then with these, has the schema of a fresh one.
 *
 * Functions, views and triggers live in db/functions/, one file per resource plus shared ones,
 * written to be applied again (CREATE OR REPLACE, `AS $$ ... $$` bodies). After the migrations,
 * under the same lock, all of them are applied in name order in one transaction whenever a
 * file's checksum differs from the one recorded in schema_functions, a file was added or
 * removed, or a migration ran. Migrations hold tables, indexes and data changes: on a fresh
 * database every migration runs before any function file, so a migration step cannot use what
 * db/functions/ defines (one that needs a function, as an index expression does, makes it
 * itself: search_fold in 0001).
 *
 * Data kept from functions' output (member_documents holds member_json()) is rebuilt in that
 * same transaction when what builds it changed. A function file names, among its leading
 * comment lines, the function without arguments that rebuilds it:
 *   -- rebuild: member_documents_rebuild()
 * schema_rebuilds records a checksum of that function's definition and of every function it
 * calls, directly or not (read from the bodies); the runner calls it when the checksum differs
 * from the recorded one, or none is recorded. A change elsewhere rebuilds nothing.
 */
#include "migrate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "../api/text.h"
#include "pool.h"

/* 'cdtt' in ASCII: the advisory lock key every cdtt process uses for migrations. */
#define MIGRATION_LOCK_KEY "1667527796"

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

/*
 * The next of data's leading comment lines (those before its first line that is not a comment)
 * that starts with tag, from *pos on: sets *value and *vlen to the rest of the line (without a
 * final '\r') and moves *pos past it. Returns 0 when there is none. Only the leading lines: a
 * declaration further down would be easy to miss.
 */
static int next_declaration(const unsigned char *data, size_t len, const char *tag, size_t *pos,
			    const char **value, size_t *vlen)
{
	const size_t taglen = strlen(tag);
	const char *p = (const char *)data + *pos, *end = (const char *)data + len;
	while (p < end && end - p >= 2 && p[0] == '-' && p[1] == '-') {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = eol ? eol : end;
		const char *next = eol ? eol + 1 : end;
		if (line_end > p && line_end[-1] == '\r')
			line_end--;
		if ((size_t)(line_end - p) >= taglen && !memcmp(p, tag, taglen)) {
			*value = p + taglen;
			*vlen = (size_t)(line_end - *value);
			*pos = (size_t)(next - (const char *)data);
			return 1;
		}
		p = next;
	}
	*pos = len;
	return 0;
}

int migrate_replaces(const unsigned char *data, size_t len, const char *recorded)
{
	const size_t hexlen = 64;
	if (strlen(recorded) != hexlen)
		return 0;
	size_t pos = 0, n;
	const char *hex;
	while (next_declaration(data, len, "-- replaces: sha256:", &pos, &hex, &n))
		if (n >= hexlen && !memcmp(hex, recorded, hexlen) && (n == hexlen || hex[hexlen] == ' '))
			return 1;
	return 0;
}

/* Runs one statement without parameters; on failure copies PostgreSQL's message into err. */
static int run(PGconn *pg, const char *sql, char *err, size_t errlen, const char *context)
{
	PGresult *res = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(res);
	/* a file of comments only is empty to PostgreSQL: a migration with nothing left to do */
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
	if (!ok) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", PQerrorMessage(pg));
		msg[strcspn(msg, "\n")] = '\0';
		text_fail(err, errlen, "%s: %s", context, msg);
	}
	PQclear(res);
	return ok ? 0 : -1;
}

/*
 * Runs a file's SQL, then `record` with its parameters (the statement that records the file),
 * inside the caller's transaction. Returns 0, or -1 with err (context first).
 */
static int run_recorded(PGconn *pg, const struct embedded_file *f, const char *record,
			int nparams, const char *const *params, const char *context, char *err,
			size_t errlen)
{
	if (run(pg, (const char *)f->data, err, errlen, context))
		return -1;
	PGresult *res = PQexecParams(pg, record, nparams, NULL, params, NULL, NULL, 0);
	int recorded = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	return recorded ? 0 : text_fail(err, errlen, "%s: cannot record it: %s", context,
				        PQerrorMessage(pg));
}

static int apply_one(PGconn *pg, const struct embedded_file *f, long version, const char *sum,
		     char *err, size_t errlen)
{
	char context[160];
	snprintf(context, sizeof context, "migration %s failed", f->name);
	if (run(pg, "BEGIN", err, errlen, context))
		return -1;
	char vbuf[24];
	snprintf(vbuf, sizeof vbuf, "%ld", version);
	const char *params[3] = {vbuf, f->name, sum};
	if (run_recorded(pg, f,
			 "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
			 3, params, context, err, errlen))
		goto rollback;
	return run(pg, "COMMIT", err, errlen, context);
rollback:
	PQclear(PQexec(pg, "ROLLBACK"));
	return -1;
}

/* Finds version in the applied result; returns its row or -1. */
static int applied_row(PGresult *applied, long version)
{
	for (int r = 0; r < PQntuples(applied); r++)
		if (atol(db_value(applied, r, "version")) == version)
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
		text_fail(err, errlen, "cannot read schema_migrations: %s", PQerrorMessage(pg));
		goto fail;
	}
	for (size_t i = 0; i < count; i++) {
		const struct embedded_file *f = &files[i];
		long version = migrate_version_of(f->name);
		if (version <= 0) {
			text_fail(err, errlen, "migration %s: the name must start with a number and _",
			          f->name);
			goto fail;
		}
		char sum[65];
		sha256_hex(f->data, f->len, sum);
		int row = applied_row(applied, version);
		if (row >= 0) {
			const char *recorded = db_value(applied, row, "checksum");
			if (strcmp(recorded, sum) != 0 &&
			    !migrate_replaces(f->data, f->len, recorded)) {
				text_fail(err, errlen,
				          "migration %s was changed after it was applied (recorded checksum "
				          "%.12s..., file %.12s...): restore it and add a new migration instead",
				          f->name, recorded, sum);
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
		text_fail(err, errlen, "cannot read schema_functions: %s", PQerrorMessage(pg));
		PQclear(rec);
		return -1;
	}
	int changed = (size_t)PQntuples(rec) != count;
	for (size_t i = 0; i < count && !changed; i++) {
		int found = 0;
		for (int r = 0; r < PQntuples(rec) && !found; r++)
			found = !strcmp(db_value(rec, r, "name"), files[i].name) &&
				!strcmp(db_value(rec, r, "checksum"), sums[i]);
		changed = !found;
	}
	PQclear(rec);
	return changed;
}

/*
 * The checksum of a rebuild function's definition and of every function it calls, directly or
 * not, recorded for $1 when it differs from the one recorded; answers a row only then. "Calls"
 * is read from the bodies: a function of a schema other than pg_catalog whose name stands in a
 * body before "(" (more than it calls, never less: an unneeded rebuild, never a missed one).
 */
static const char REBUILD_RECORD_SQL[] =
	"WITH RECURSIVE called(oid) AS ("
	"  SELECT $1::regprocedure::oid"
	"  UNION"
	"  SELECT p.oid FROM called c JOIN pg_proc f ON f.oid = c.oid"
	"    JOIN pg_proc p ON p.prokind = 'f' AND p.proname ~ '^\\w+$'"
	"     AND p.pronamespace NOT IN ('pg_catalog'::regnamespace,"
	"                                'information_schema'::regnamespace)"
	"     AND f.prosrc ~* ('\\m' || p.proname || '\\s*\\(')"
	"), definition AS ("
	"  SELECT encode(sha256(convert_to(string_agg(pg_get_functiondef(oid), E'\\n'"
	"                ORDER BY oid::regprocedure::text), 'UTF8')), 'hex') AS checksum FROM called"
	")"
	"INSERT INTO schema_rebuilds AS r (rebuild, checksum) SELECT $1, checksum FROM definition "
	"ON CONFLICT (rebuild) DO UPDATE SET checksum = EXCLUDED.checksum, rebuilt_at = now() "
	"WHERE r.checksum <> EXCLUDED.checksum "
	"RETURNING rebuild";

/* Whether name is "identifier()", the only form a rebuild line may name. */
static int rebuild_name_ok(const char *name, size_t n)
{
	if (n < 3 || n > 65 || memcmp(name + n - 2, "()", 2) != 0 ||
	    !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
		return 0;
	for (size_t i = 1; i < n - 2; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_'))
			return 0;
	return 1;
}

/*
 * Runs the rebuilds the function files declare (`-- rebuild: name()` among a file's leading
 * comment lines) whose definitions changed since they last ran, and forgets the ones no file
 * declares any more. Inside the function files' transaction. Returns 0, or -1 with err.
 */
static int apply_rebuilds(PGconn *pg, const struct embedded_file *files, size_t count, char *err,
			  size_t errlen)
{
	char declared[2048] = "{";
	size_t used = 1;
	for (size_t i = 0; i < count; i++) {
		size_t pos = 0, n;
		const char *value;
		while (next_declaration(files[i].data, files[i].len, "-- rebuild: ", &pos, &value,
					&n)) {
			if (!rebuild_name_ok(value, n) || used + n + 2 > sizeof declared)
				return text_fail(err, errlen,
					         "function file %s: a rebuild line names one function "
					         "without arguments, as name(): %.*s",
					         files[i].name, (int)(n > 80 ? 80 : n), value);
			char name[66], call[80];
			snprintf(name, sizeof name, "%.*s", (int)n, value);
			used += (size_t)snprintf(declared + used, sizeof declared - used, "%s%s",
						 used > 1 ? "," : "", name);
			const char *params[1] = {name};
			PGresult *res = PQexecParams(pg, REBUILD_RECORD_SQL, 1, NULL, params, NULL, NULL,
						     0);
			int ok = PQresultStatus(res) == PGRES_TUPLES_OK;
			int changed = ok && PQntuples(res) > 0;
			PQclear(res);
			if (!ok)
				return text_fail(err, errlen, "function file %s: cannot read %s: %s",
					         files[i].name, name, PQerrorMessage(pg));
			snprintf(call, sizeof call, "SELECT %s", name);
			char context[160];
			snprintf(context, sizeof context, "rebuild %s (%s) failed", name, files[i].name);
			if (changed && run(pg, call, err, errlen, context))
				return -1;
		}
	}
	snprintf(declared + used, sizeof declared - used, "}");
	const char *params[1] = {declared};
	PGresult *res = PQexecParams(pg,
				     "DELETE FROM schema_rebuilds WHERE rebuild <> ALL ($1::text[])", 1,
				     NULL, params, NULL, NULL, 0);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	return ok ? 0 : text_fail(err, errlen, "cannot clear schema_rebuilds: %s", PQerrorMessage(pg));
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
		" applied_at timestamptz NOT NULL DEFAULT now());"
		"CREATE TABLE IF NOT EXISTS schema_rebuilds ("
		" rebuild text PRIMARY KEY, checksum text NOT NULL,"
		" rebuilt_at timestamptz NOT NULL DEFAULT now())",
		err, errlen, "cannot create schema_functions"))
		return -1;
	char(*sums)[65] = calloc(count ? count : 1, sizeof *sums);
	if (!sums)
		return text_fail(err, errlen, "out of memory");
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
		const char *params[2] = {files[i].name, sums[i]};
		if (run_recorded(pg, &files[i],
				 "INSERT INTO schema_functions (name, checksum) VALUES ($1, $2)", 2,
				 params, context, err, errlen))
			goto rollback;
	}
	if (apply_rebuilds(pg, files, count, err, errlen))
		goto rollback;
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
		rc = text_fail(err, errlen, "cannot connect to the database: %s", msg);
	} else {
		PQsetNoticeProcessor(pg, ignore_notice, NULL);
		rc = migrate_all(pg, migrations_embedded, migrations_embedded_count,
				 functions_embedded, functions_embedded_count, err, errlen);
	}
	PQfinish(pg);
	return rc;
}
