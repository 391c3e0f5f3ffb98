/*
 * The SQLSTATEs the service tells apart: the one place where their five-character codes are
 * written (tests/sqlstate-literals.sh fails on a code literal anywhere else in api/ or db/).
 * A name says what PostgreSQL (or one of our own functions) means by the failure, so a reader
 * of a handler sees which contract between C and SQL it relies on.
 */
#ifndef CDTT_DB_SQLSTATE_H
#define CDTT_DB_SQLSTATE_H

/* Class 22, data exception: a value the statement could not convert, e.g. 2025-02-30. */
#define SQLSTATE_DATETIME_FIELD_OVERFLOW "22008"

/* Class 23, integrity constraint violation. */
#define SQLSTATE_FOREIGN_KEY_VIOLATION "23503"
#define SQLSTATE_UNIQUE_VIOLATION "23505"
/* C validates every value before writing, so only a C/SQL mismatch (a bug) reaches a CHECK,
 * apart from the races a handler names by constraint. */
#define SQLSTATE_CHECK_VIOLATION "23514"

/* Class 55, object not in prerequisite state: lock_timeout expired. */
#define SQLSTATE_LOCK_NOT_AVAILABLE "55P03"

/* Class 57, operator intervention: statement_timeout expired (or a cancel request). */
#define SQLSTATE_QUERY_CANCELED "57014"

/* Class P0, PL/pgSQL: RAISE EXCEPTION without ERRCODE, how the migrations' functions and
 * triggers refuse a write (their HINT names the rule). */
#define SQLSTATE_RAISE_EXCEPTION "P0001"

#endif
