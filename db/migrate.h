/*
 * Migrations: the numbered SQL files of db/migrations/, built into the binary, applied in order,
 * each once and in its own transaction, recorded in schema_migrations with a SHA-256 checksum,
 * under a PostgreSQL advisory lock so that replicas starting together are safe; then the
 * function files of db/functions/, applied again whenever one of them changed.
 */
#ifndef CDTT_DB_MIGRATE_H
#define CDTT_DB_MIGRATE_H
#include <stddef.h>
#include <libpq-fe.h>
#include "../api/embedded.h"

/*
 * Applies what `files` holds and the database lacks. Returns the number applied (>= 0), or -1
 * with one line in err: unreachable database, a failing file, or an applied file whose content
 * changed since (unless the file declares it replaces the recorded content: see migrate.c).
 */
int migrate_apply(PGconn *pg, const struct embedded_file *files, size_t count, char *err,
		  size_t errlen);

/*
 * Applies the migrations the database lacks, then, when any of them changed or a migration ran,
 * all the function files (db/functions/) in one transaction, with the rebuilds they declare
 * whose definitions changed (see migrate.c); both under the migration lock. Returns the number
 * of migrations applied, or -1 with one line in err.
 */
int migrate_all(PGconn *pg, const struct embedded_file *migrations, size_t migration_count,
		const struct embedded_file *functions, size_t function_count, char *err,
		size_t errlen);

/*
 * Connects to database_url and applies the embedded migrations (migrations_embedded) and the
 * embedded function files (functions_embedded). Returns
 * the number applied, or -1 with one line in err.
 */
int migrate_database(const char *database_url, char *err, size_t errlen);

/* The version number of the newest embedded migration (its leading digits). */
long migrate_latest_version(const struct embedded_file *files, size_t count);

/* The leading number of a migration file name ("0007_x.sql" -> 7), or -1 when it has none. */
long migrate_version_of(const char *name);

/*
 * Whether the migration file `data` declares, in its leading comment lines, that it replaces the
 * content whose SHA-256 is `recorded` (64 lowercase hex digits): `-- replaces: sha256:<hex>`.
 */
int migrate_replaces(const unsigned char *data, size_t len, const char *recorded);

/* SQL that answers the newest applied version (0 when none); used by /readyz. */
#define MIGRATE_APPLIED_VERSION_SQL \
	"SELECT coalesce(max(version), 0) AS version FROM schema_migrations"

#endif
