/*
 * The PostgreSQL connection pool: a fixed number of libpq connections shared by the HTTP worker
 * threads, each borrowed by one request at a time. Statements are declared once (struct
 * db_stmt) and prepared lazily on each connection, again after a reconnect. A lost connection
 * is re-established on the next checkout, so the service recovers by itself when PostgreSQL
 * comes back.
 */
#ifndef CDTT_DB_POOL_H
#define CDTT_DB_POOL_H
#include <stdatomic.h>
#include <libpq-fe.h>
#include "sqlstate.h"

enum db_status {
	DB_OK = 0,
	DB_BUSY,  /* every connection stayed in use for the whole wait: answer 503 */
	DB_DOWN,  /* PostgreSQL cannot be reached: answer 503 */
	DB_ERROR, /* the statement failed; see db_sqlstate */
};

/*
 * A statement every connection can run, declared as a static object next to the code that
 * uses it. `readonly` statements are retried once on a fresh connection when the connection
 * broke under them outside a transaction; writes are not (the caller's client retries, with an Idempotency-Key).
 */
struct db_stmt {
	const char *name;
	const char *sql;
	int nparams;
	int readonly;
	atomic_int slot; /* 0 until first used; then its index + 1 in every connection's bitmap */
};

/*
 * A statement as its name, its number of parameters and its SQL:
 *   static struct db_stmt get_unit = DB_READ("units_get", 3, "SELECT ...");
 * DB_READ declares a readonly one (retried as above), DB_STMT a write.
 */
#define DB_STMT(stmt_name, stmt_nparams, stmt_sql)                                          \
	{.name = (stmt_name), .sql = (stmt_sql), .nparams = (stmt_nparams)}
#define DB_READ(stmt_name, stmt_nparams, stmt_sql)                                          \
	{.name = (stmt_name), .sql = (stmt_sql), .nparams = (stmt_nparams), .readonly = 1}

struct db_pool;
struct db_conn;

/* Creates a pool of `size` connections (opened lazily). Returns NULL on allocation failure. */
struct db_pool *db_pool_create(const char *conninfo, int size, int wait_ms);
void db_pool_destroy(struct db_pool *pool);

/* Borrows a live connection; NULL with *status DB_BUSY or DB_DOWN when none can be had. */
struct db_conn *db_acquire(struct db_pool *pool, enum db_status *status);
void db_release(struct db_pool *pool, struct db_conn *conn);

/*
 * Runs a declared statement. Returns the result (the caller PQclear()s it) with DB_OK, or NULL
 * with DB_DOWN, or a result with DB_ERROR whose SQLSTATE db_sqlstate() tells.
 */
PGresult *db_exec(struct db_conn *conn, struct db_stmt *stmt, const char *const *params,
		  enum db_status *status);
/* Runs a parameterless command that is not a prepared statement (BEGIN, COMMIT, ...). */
enum db_status db_command(struct db_conn *conn, const char *sql);
const char *db_sqlstate(const PGresult *res);
/* The name of the constraint a failed statement violated, or "" (never NULL). */
const char *db_constraint(const PGresult *res);
/*
 * Row `row`'s value of the named column; NULL when it is SQL NULL or there is no such row. A
 * name the statement does not return is a programming error: logged, and read as NULL.
 */
const char *db_value(const PGresult *res, int row, const char *column);

/* 1 when row `row`'s named column is the boolean true. */
int db_true(const PGresult *res, int row, const char *column);

/* The libpq connection of a borrowed slot, for COPY FROM STDIN (imports); leave it idle. */
PGconn *db_conn_pg(struct db_conn *conn);

struct db_pool_stats {
	int size, in_use, waiting;
};
void db_pool_stats(struct db_pool *pool, struct db_pool_stats *out);

/* Adds connect_timeout and TCP keepalives to a libpq URI; the caller frees the result. */
char *db_conninfo_with_defaults(const char *url);

/* The same for the request pool, whose statements stop after statement_timeout_ms (0: never):
 * one runaway report cannot hold a connection for ever. */
char *db_conninfo_for_requests(const char *url, int statement_timeout_ms);

/* The same for the pool of a streaming replica (CDTT_DATABASE_REPLICA_URL): its sessions are
 * read-only whatever the server behind the URL, and show as application_name cdtt-replica. */
char *db_conninfo_for_replica(const char *url, int statement_timeout_ms);

#endif
