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
 * The tree inside the file is resolved in C (a map from code to row, then each row's depth:
 * how many of its ancestors are in the file); the rows are then inserted in one statement
 * ordered by depth, so parents always come first whatever their order in the file, and the
 * path trigger finds each parent already inserted.
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

enum walk_state { UNSEEN = 0, ON_PATH, DONE, LOOPS };

struct unit_row {
	const char *code, *name, *level, *parent;
	size_t parent_row; /* the parent's row in the file, 0 when outside the file or none */
	long depth;        /* ancestors inside the file */
	enum walk_state state;
};

static struct db_stmt existing_codes = {
	.name = "imports_units_existing",
	.sql = "SELECT s.row_no, 'code', 'duplicate', 'a unit with this code already exists'"
	       " FROM import_units s JOIN units u ON u.code = s.code ORDER BY s.row_no",
	.nparams = 0,
};

/* Parents outside the file: in scope, active, of a higher level. */
static struct db_stmt outside_parents = {
	.name = "imports_units_parents",
	.sql = "SELECT s.row_no, 'parent_code',"
	       " CASE WHEN p.code IS NULL THEN 'not_found' WHEN p.status <> 'active'"
	       "  THEN 'parent_retired' ELSE 'parent_level' END,"
	       " CASE WHEN p.code IS NULL THEN 'no such unit in your scope'"
	       "  WHEN p.status <> 'active' THEN 'is retired: use its successor'"
	       "  ELSE 'must be a unit of a higher level' END"
	       " FROM import_units s LEFT JOIN units p ON p.code = s.parent_code AND p.path <@ $1::ltree"
	       " WHERE s.parent_code IS NOT NULL"
	       " AND NOT EXISTS (SELECT 1 FROM import_units f WHERE f.code = s.parent_code)"
	       " AND (p.code IS NULL OR p.status <> 'active'"
	       "  OR unit_level_rank(p.level) >= unit_level_rank(s.level))"
	       " ORDER BY s.row_no",
	.nparams = 1,
};

static struct db_stmt insert_units = {
	.name = "imports_units_insert",
	.sql = "WITH ins AS (INSERT INTO units (code, name, level, parent_code)"
	       "   SELECT code, name, level, parent_code FROM import_units ORDER BY depth, row_no"
	       "   RETURNING 1),"
	       IMPORT_AUDIT_EVENT("units.import", "unit")
	       " SELECT count(*) FROM ins",
	.nparams = 5,
};

static int level_rank(const char *level)
{
	for (int i = 0; level_values[i]; i++)
		if (!strcmp(level_values[i], level))
			return i + 1;
	return 0;
}

/* Formats, and codes that appear twice in the file. */
static void read_rows(struct import *im, struct unit_row *rows, struct import_map *codes)
{
	for (size_t r = 1; r <= im->rows; r++) {
		struct unit_row *u = &rows[r];
		u->code = import_code(im, r, UNIT_CODE, 1);
		u->name = import_text(im, r, UNIT_NAME, 200, 1);
		u->level = import_enum(im, r, UNIT_LEVEL, level_values, 1);
		u->parent = import_code(im, r, UNIT_PARENT, 0);
		size_t first = u->code ? import_map_first(codes, u->code, r) : r;
		if (first != r)
			import_error(im, r, UNIT_CODE, "duplicate", "the same code as row %zu", first);
	}
}

/* Parents inside the file (their level), and rows without a parent. */
static void link_parents(struct import *im, struct unit_row *rows, const struct import_map *codes)
{
	int admin = im->ctx->principal.scope_path[0] == '\0';
	for (size_t r = 1; r <= im->rows; r++) {
		struct unit_row *u = &rows[r];
		if (!u->parent) {
			if (!admin && !import_value(im, r, UNIT_PARENT))
				import_error(im, r, UNIT_PARENT, "not_found",
					     "only administrators create top-level units");
			continue;
		}
		size_t p = import_map_get(codes, u->parent);
		if (p == r || (u->code && !strcmp(u->code, u->parent))) {
			import_error(im, r, UNIT_PARENT, "invalid_value", "must be another unit");
			u->state = LOOPS;
			continue;
		}
		u->parent_row = p;
		if (p && u->level && rows[p].level && level_rank(rows[p].level) >= level_rank(u->level))
			import_error(im, r, UNIT_PARENT, "parent_level",
				     "must be a unit of a higher level (row %zu)", p);
	}
}

/*
 * Depth of every row, walking up each chain once with an explicit stack. A chain that meets
 * a row already on it loops: those rows, and the rows whose chain leads into the loop, fail.
 */
static void find_depths(struct import *im, struct unit_row *rows, size_t *stack)
{
	for (size_t start = 1; start <= im->rows; start++) {
		size_t top = 0, r = start;
		while (r && rows[r].state == UNSEEN) {
			rows[r].state = ON_PATH;
			stack[top++] = r;
			r = rows[r].parent_row;
		}
		int loops = r && rows[r].state != DONE;
		long depth = r ? rows[r].depth + 1 : 0;
		while (top > 0) {
			size_t s = stack[--top];
			if (loops) {
				rows[s].state = LOOPS;
				rows[s].depth = 0;
				import_error(im, s, UNIT_PARENT, "cycle",
					     "the chain of parents in the file loops (through row %zu)",
					     r);
			} else {
				rows[s].state = DONE;
				rows[s].depth = depth++;
			}
		}
	}
}

static int stage(struct import *im, const struct unit_row *rows)
{
	if (import_command(im, "CREATE TEMP TABLE import_units (row_no integer NOT NULL,"
			       " code text, name text, level text, parent_code text,"
			       " depth integer NOT NULL) ON COMMIT DROP") != 0)
		return -1;
	struct import_copy cp;
	if (import_copy_begin(&cp, im, "COPY import_units (row_no, code, name, level, parent_code,"
				       " depth) FROM STDIN") != 0)
		return -1;
	char number[24];
	for (size_t r = 1; r <= im->rows; r++) {
		snprintf(number, sizeof number, "%zu", r);
		import_copy_raw(&cp, number);
		import_copy_text(&cp, rows[r].code);
		import_copy_text(&cp, rows[r].name);
		import_copy_text(&cp, rows[r].level);
		import_copy_text(&cp, rows[r].parent);
		snprintf(number, sizeof number, "%ld", rows[r].depth);
		import_copy_raw(&cp, number);
		import_copy_end_row(&cp);
	}
	if (import_copy_finish(&cp) != 0)
		return -1;
	return import_command(im, "ANALYZE import_units");
}

static int units_check(struct import *im)
{
	struct unit_row *rows = calloc(im->rows + 1, sizeof *rows);
	size_t *stack = calloc(im->rows + 1, sizeof *stack);
	struct import_map codes = {0};
	int rc = -1;
	if (!rows || !stack || import_map_init(&codes, im->rows) != 0) {
		internal_error(im->resp, im->ctx);
		goto out;
	}
	read_rows(im, rows, &codes);
	link_parents(im, rows, &codes);
	find_depths(im, rows, stack);
	const char *params[1] = {im->ctx->principal.scope_path};
	if (stage(im, rows) != 0 || import_sql_errors(im, &existing_codes, NULL) != 0 ||
	    import_sql_errors(im, &outside_parents, params) != 0)
		goto out;
	rc = 0;
out:
	import_map_free(&codes);
	free(stack);
	free(rows);
	return rc;
}

static int units_write(struct import *im)
{
	PGresult *res = import_write_rows(im, &insert_units, NULL);
	if (!res)
		return -1;
	im->created = atol(PQgetvalue(res, 0, 0));
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
