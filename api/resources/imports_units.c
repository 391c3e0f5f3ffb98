/*
 * The units import: CSV columns code, name, level (required) and parent_code.
 *
 * Rules, per row: a valid code not already in the registry nor earlier in the file; a name of
 * 1-200 characters; a level (province, district, commune, village); a parent that is either
 * another row of the file (before or after this one) or an active unit in the caller's scope,
 * of a higher level than the row's. Only an admin creates units without a parent. A parent
 * chain inside the file that loops is an error on every row of the loop and below it. Error
 * codes are those of POST /units (units.c): not_found, parent_level, parent_retired, cycle.
 *
 * Rows are read one at a time (the file is never held whole), checked in C for what a row
 * alone can tell and staged with COPY; the rules that need several rows run in SQL over the
 * staged rows: codes twice in the file, each row's parent in the file (the first row with
 * that code) and its level, and the tree: a recursive CTE walks down from the rows whose
 * parent is not in the file, so the rows it never reaches are those whose chain of parents
 * loops. Each row's depth (its ancestors in the file) orders the one INSERT … SELECT, so
 * parents always come first whatever their order in the file, and the path trigger finds
 * each parent already inserted.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http/problem.h"
#include "imports.h"
#include "resource.h"

enum { UNIT_CODE, UNIT_NAME, UNIT_LEVEL, UNIT_PARENT };

static const struct import_column unit_columns[] = {
	[UNIT_CODE] = {"code", 1},
	[UNIT_NAME] = {"name", 1},
	[UNIT_LEVEL] = {"level", 1},
	[UNIT_PARENT] = {"parent_code", 0},
};

static const char *const level_values[] = {"province", "district", "commune", "village", NULL};

static struct db_stmt existing_codes = DB_STMT("imports_units_existing", 0,
	"SELECT s.row_no, 'code' AS field, 'duplicate' AS code,"
	" 'a unit with this code already exists' AS message"
	" FROM import_units s JOIN units u ON u.code = s.code ORDER BY s.row_no");

/* Parents outside the file: in scope, active, of a higher level. */
static struct db_stmt outside_parents = DB_STMT("imports_units_parents", 1,
	"SELECT s.row_no, 'parent_code' AS field,"
	" CASE WHEN p.code IS NULL THEN 'not_found' WHEN p.status <> 'active'"
	"  THEN 'parent_retired' ELSE 'parent_level' END AS code,"
	" CASE WHEN p.code IS NULL THEN 'no such unit in your scope'"
	"  WHEN p.status <> 'active' THEN 'is retired: use its successor'"
	"  ELSE 'must be a unit of a higher level' END AS message"
	" FROM import_units s LEFT JOIN units p ON p.code = s.parent_code"
	"  AND within(p.path, $1::ltree)"
	" WHERE s.parent_code IS NOT NULL"
	" AND s.parent_row IS NULL AND s.code IS DISTINCT FROM s.parent_code"
	" AND (p.code IS NULL OR p.status <> 'active'"
	"  OR unit_level_rank(p.level) >= unit_level_rank(s.level))"
	" ORDER BY s.row_no");

/* Twice in the file: the later rows name the first. */
static struct db_stmt duplicate_codes = DB_STMT("imports_units_duplicates", 0,
	"SELECT row_no, 'code' AS field, 'duplicate' AS code,"
	" 'the same code as row ' || first AS message"
	" FROM import_units WHERE first <> row_no ORDER BY 1");

/* Parents inside the file: another unit, of a higher level. */
static struct db_stmt file_parents = DB_STMT("imports_units_file_parents", 0,
	"SELECT row_no, 'parent_code' AS field,"
	" CASE WHEN code = parent_code THEN 'invalid_value' ELSE 'parent_level' END AS code,"
	" CASE WHEN code = parent_code THEN 'must be another unit'"
	"  ELSE 'must be a unit of a higher level (row ' || parent_row || ')' END AS message"
	" FROM import_units WHERE code = parent_code OR parent_rank >= rank ORDER BY 1");

/*
 * The rows reached from those whose parent is not in the file (outside it, or none), with
 * their depth. A file without errors is at most four levels deep (each parent of a higher
 * level), so the walk stops below that: rows it leaves out either loop or sit under a parent
 * of the wrong level, which is an error already, and are told apart below.
 */
#define UNITS_TREE                                                                          \
	"WITH RECURSIVE tree AS (SELECT row_no, 0 AS depth FROM import_units"                 \
	"  WHERE parent_row IS NULL AND code IS DISTINCT FROM parent_code"                    \
	" UNION ALL SELECT c.row_no, t.depth + 1 FROM tree t"                                 \
	"  JOIN import_units c ON c.parent_row = t.row_no WHERE t.depth < 4)"

/*
 * Rows the tree did not reach, to be walked up: parent is the row above, NULL once the chain
 * reaches a row of the tree; a row that is its own parent stands for a loop of one (and gets
 * no cycle error itself). up and first are the doubling's state (find_cycles).
 */
#define UNITS_UNREACHED                                                                     \
	"CREATE TEMP TABLE import_units_loops ON COMMIT DROP AS " UNITS_TREE                  \
	" SELECT s.row_no, s.parent_row AS parent, s.parent_row AS up, s.row_no AS first,"    \
	" false AS self FROM import_units s WHERE s.parent_row IS NOT NULL"                   \
	" AND NOT EXISTS (SELECT 1 FROM tree t WHERE t.row_no = s.row_no)"                    \
	" UNION ALL SELECT row_no, NULL, row_no, row_no, true FROM import_units"              \
	" WHERE code = parent_code"

static struct db_stmt unreached_count = DB_STMT("imports_units_unreached", 0,
	"SELECT count(*) AS unreached FROM import_units_loops");

/*
 * One doubling round: up jumps twice as far, and first (the lowest row whose chain leads to
 * this one within the distance covered) takes the lowest first of the rows that land here.
 * Rows whose chain has ended are left out. A new table each round, not an UPDATE: rewriting
 * every row in place twenty times bloats the table and slows each round more.
 */
#define UNITS_DOUBLE                                                                        \
	"CREATE TEMP TABLE import_units_next ON COMMIT DROP AS"                               \
	" SELECT x.row_no, x.parent, p.up, least(x.first, c.first) AS first, x.self"          \
	" FROM import_units_loops x LEFT JOIN import_units_loops p ON p.row_no = x.up"        \
	" LEFT JOIN (SELECT up, min(first) AS first FROM import_units_loops"                  \
	"  GROUP BY up) c ON c.up = x.row_no WHERE x.up IS NOT NULL"

/*
 * The rows whose chain still goes on after the doubling loop. Each error names a row as the
 * loop is met going up from the file's order: the rows sharing a first are those met on one
 * walk up from that row (in file order, each walk stops at a row met before); the row named
 * is where the walk stopped: the parent outside the walk, or, when the walk closes on itself,
 * the row it came back to (the one with two children on it), or the walk's first row.
 */
static struct db_stmt cycles = DB_STMT("imports_units_cycles", 0,
	"WITH c AS (SELECT row_no, parent, first FROM import_units_loops"
	"  WHERE NOT self AND up IS NOT NULL),"
	" stops AS (SELECT c.first, c.parent AS stop FROM c LEFT JOIN c p ON p.row_no = c.parent"
	"  WHERE p.row_no IS NULL OR p.first <> c.first),"
	" forks AS (SELECT p.first, p.row_no AS stop FROM c JOIN c p ON p.row_no = c.parent"
	"  AND p.first = c.first GROUP BY p.first, p.row_no HAVING count(*) > 1)"
	" SELECT c.row_no, 'parent_code' AS field, 'cycle' AS code,"
	" 'the chain of parents in the file loops (through row '"
	"  || coalesce(s.stop, f.stop, c.first) || ')' AS message"
	" FROM c LEFT JOIN stops s ON s.first = c.first LEFT JOIN forks f ON f.first = c.first"
	" ORDER BY 1");

static struct db_stmt insert_units = DB_STMT("imports_units_insert", 5,
	UNITS_TREE ","
	" ins AS (INSERT INTO units (code, name, level, parent_code)"
	"   SELECT s.code, s.name, s.level, s.parent_code FROM import_units s"
	"   JOIN tree t USING (row_no) ORDER BY t.depth, s.row_no RETURNING 1),"
	IMPORT_AUDIT_EVENT("units.import", "unit")
	" SELECT count(*) AS created FROM ins");

/* 1 for a province to 4 for a village, as unit_level_rank() in the database. */
static int level_rank(const char *level)
{
	for (int i = 0; level_values[i]; i++)
		if (!strcmp(level_values[i], level))
			return i + 1;
	return 0;
}

/* Checks row r in C for what the row alone can tell, and stages it. */
static void stage_row(struct import *im, size_t r, void *cls)
{
	struct import_copy *cp = cls;
	char number[24];
	const char *code = import_code(im, r, UNIT_CODE, 1);
	const char *name = import_text(im, r, UNIT_NAME, 200, 1);
	const char *level = import_enum(im, r, UNIT_LEVEL, level_values, 1);
	const char *parent = import_code(im, r, UNIT_PARENT, 0);
	if (!parent && im->ctx->principal.scope_path[0] != '\0' && !import_value(im, r, UNIT_PARENT))
		import_error(im, r, UNIT_PARENT, "not_found", "only administrators create top-level units");
	snprintf(number, sizeof number, "%zu", r);
	import_copy_raw(cp, number);
	import_copy_text(cp, code);
	import_copy_text(cp, name);
	import_copy_text(cp, level);
	snprintf(number, sizeof number, "%d", level ? level_rank(level) : 0);
	import_copy_raw(cp, level ? number : "\\N");
	import_copy_text(cp, parent);
	import_copy_end_row(cp);
}

/*
 * Stages the rows, then makes the table the checks read: each row with the first row of its
 * code, and its parent in the file (the first row with that code; none for a row that names
 * itself) with that row's level rank. Written once by CREATE TABLE AS rather than updated in
 * place, which for a million rows is several times faster.
 */
static int stage(struct import *im)
{
	struct import_copy cp;
	if (import_command(im, "SET LOCAL work_mem = '32MB'") != 0 ||
	    import_command(im, "CREATE TEMP TABLE import_units_file (row_no integer NOT NULL,"
			       " code text, name text, level text, rank integer, parent_code text)"
			       " ON COMMIT DROP") != 0 ||
	    import_copy_begin(&cp, im, "COPY import_units_file (row_no, code, name, level, rank,"
				       " parent_code) FROM STDIN") != 0)
		return -1;
	import_each_row(im, stage_row, &cp);
	if (import_copy_finish(&cp) != 0 ||
	    import_command(im, "CREATE TEMP TABLE import_units ON COMMIT DROP AS"
			       " WITH firsts AS (SELECT DISTINCT ON (code) code, row_no, rank"
			       "  FROM import_units_file WHERE code IS NOT NULL ORDER BY code, row_no)"
			       " SELECT s.*, f.row_no AS first, p.row_no AS parent_row,"
			       " p.rank AS parent_rank FROM import_units_file s"
			       " LEFT JOIN firsts f ON f.code = s.code"
			       " LEFT JOIN firsts p ON p.code = s.parent_code"
			       "  AND s.code IS DISTINCT FROM s.parent_code") != 0 ||
	    import_command(im, "CREATE INDEX ON import_units (parent_row)") != 0)
		return -1;
	/* Statistics, so that the checks join the staged rows by hash, not by guesswork. */
	return import_command(im, "ANALYZE import_units");
}

/*
 * Loops: the rows the tree did not reach are walked up by doubling (each round, every row
 * jumps to the row its landing row jumps to), so a chain of any length costs log2(rows)
 * rounds over those rows only, not one walk per row; rows still going after that lead into a
 * loop. A file without errors has no such rows.
 */
static int find_cycles(struct import *im)
{
	if (import_command(im, UNITS_UNREACHED) != 0)
		return -1;
	enum db_status st;
	PGresult *res = request_query(im->ctx, im->resp, &unreached_count, NULL, &st);
	if (!res)
		return -1;
	const char *unreached = st == DB_OK ? result_value(res, "unreached") : NULL;
	long n = unreached ? atol(unreached) : -1;
	PQclear(res);
	if (n < 0) {
		internal_error(im->resp, im->ctx);
		return -1;
	}
	if (n == 0)
		return 0;
	if (import_command(im, "UPDATE import_units_loops l SET up = NULL, parent = NULL WHERE NOT"
			       " EXISTS (SELECT 1 FROM import_units_loops p WHERE p.row_no = l.up)") != 0 ||
	    import_command(im, "ANALYZE import_units_loops") != 0)
		return -1;
	for (long reach = 1; reach < n; reach *= 2)
		if (import_command(im, UNITS_DOUBLE) != 0 ||
		    import_command(im, "DROP TABLE import_units_loops") != 0 ||
		    import_command(im, "ALTER TABLE import_units_next RENAME TO import_units_loops") != 0)
			return -1;
	return import_sql_errors(im, &cycles, NULL);
}

static int units_check(struct import *im)
{
	const char *scope[1] = {im->ctx->principal.scope_path};
	if (stage(im) != 0 || import_sql_errors(im, &duplicate_codes, NULL) != 0 ||
	    import_sql_errors(im, &file_parents, NULL) != 0 || find_cycles(im) != 0 ||
	    import_sql_errors(im, &existing_codes, NULL) != 0 ||
	    import_sql_errors(im, &outside_parents, scope) != 0)
		return -1;
	return 0;
}

static int units_write(struct import *im)
{
	PGresult *res = import_write_rows(im, &insert_units, NULL);
	if (!res)
		return -1;
	const char *created = result_value(res, "created");
	im->created = created ? atol(created) : 0;
	PQclear(res);
	return 0;
}

const struct import_kind import_units_kind = {
	.what = "units",
	.columns = unit_columns,
	.n_columns = sizeof unit_columns / sizeof unit_columns[0],
	.check = units_check,
	.write = units_write,
};
