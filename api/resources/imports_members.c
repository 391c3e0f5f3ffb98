/*
 * The members import: CSV columns full_name and unit_code (required), gender, birth_year,
 * phone, email, ethnicity, languages and affiliations (lists separated by ';'),
 * digital_skill, status (active, the default, or inactive), id (a UUID the member keeps, so
 * that a file exported by another registry comes in with its identifiers; absent or empty, a
 * new one), and team_role, which also adds the person to the active team of unit_code
 * (joined today, Vietnam's date). A members export has exactly these columns but team_role.
 *
 * The rules are those of a single member write, and phone, email and "this year" come from
 * the same functions (members_validate.h), so that a number is stored in one form whichever
 * way it arrives and the phone uniqueness holds across both: full_name 1-200 characters;
 * gender female, male or other; birth_year from 1920 to 14 years before this year (in
 * Vietnam); a Vietnamese phone, normalised to 0 + 9 digits for mobiles (03, 05, 07, 08, 09) or
 * 0 + 10 digits for landlines (02); an email address (domain lowercased); ethnicity up to 64
 * characters; up to 20 distinct known ISO 639-3 languages; distinct affiliations from the
 * schema's list; digital_skill basic, intermediate or advanced. Plus, for a whole file: no
 * phone or id twice (in the file or in the registry), units active, in the caller's scope and
 * a village or commune; a team_role needs an active team there, and a team gets one leader.
 * A phone or id already used by a member outside the caller's scope is named by no row (not
 * even in a dry run): the file is refused as a whole, and the account's count of such
 * duplicates grows (unseen_duplicates.h), past which its members imports answer 429.
 *
 * Rows are read one at a time (the file is never held whole), checked in C for everything a
 * row alone can tell, staged with COPY, and checked within the file and against the registry
 * with one query per rule; then one statement inserts the members,
 * their memberships and the audit event.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http/problem.h"
#include "imports.h"
#include "../dates.h"
#include "../text.h"
#include "members_validate.h"
#include "resource.h"
#include "unseen_duplicates.h"

enum {
	M_FULL_NAME, M_GENDER, M_BIRTH_YEAR, M_PHONE, M_EMAIL, M_ETHNICITY, M_LANGUAGES,
	M_AFFILIATIONS, M_DIGITAL_SKILL, M_UNIT_CODE, M_TEAM_ROLE, M_STATUS, M_ID, M_COLUMNS
};

static const struct import_column member_columns[] = {
	[M_FULL_NAME] = {"full_name", 1},   [M_GENDER] = {"gender", 0},
	[M_BIRTH_YEAR] = {"birth_year", 0}, [M_PHONE] = {"phone", 0},
	[M_EMAIL] = {"email", 0},	    [M_ETHNICITY] = {"ethnicity", 0},
	[M_LANGUAGES] = {"languages", 0},   [M_AFFILIATIONS] = {"affiliations", 0},
	[M_DIGITAL_SKILL] = {"digital_skill", 0}, [M_UNIT_CODE] = {"unit_code", 1},
	[M_TEAM_ROLE] = {"team_role", 0},   [M_STATUS] = {"status", 0},
	[M_ID] = {"id", 0},
};

/* The enumerated columns take the values of the members' JSON fields (members_validate.h).
 * A list of distinct known affiliations is never longer than the schema's list: the bound
 * only keeps the item array finite. */
#define AFFILIATIONS_MAX 32

#define LIST_MAX 512 /* a list of up to 255 characters: longer than any valid one */

/* Units: exist, active, in scope, a village or commune. */
static struct db_stmt check_units = DB_STMT("imports_members_units", 1,
	"SELECT s.row_no, 'unit_code' AS field,"
	" CASE WHEN u.code IS NULL THEN 'not_found' ELSE 'invalid_value' END AS code,"
	" CASE WHEN u.code IS NULL THEN 'no such active unit in your scope'"
	"  ELSE 'a member''s unit must be a village or a commune' END AS message"
	" FROM import_members s LEFT JOIN units u ON u.code = s.unit_code"
	"  AND u.status = 'active' AND within(u.path, $1::ltree)"
	" WHERE s.unit_code IS NOT NULL"
	" AND (u.code IS NULL OR u.level NOT IN ('village', 'commune')) ORDER BY s.row_no");

static struct db_stmt check_languages = DB_STMT("imports_members_languages", 0,
	"SELECT s.row_no, 'languages' AS field, 'invalid_value' AS code,"
	" l || ' is not a known language code' AS message"
	" FROM import_members s CROSS JOIN LATERAL unnest(s.languages) AS l"
	" WHERE NOT EXISTS (SELECT 1 FROM languages g WHERE g.code = l) ORDER BY s.row_no");

/* Phones and ids already in the registry: the staged rows' matches as (row, field, member). */
#define DUPLICATES                                                                          \
	"SELECT s.row_no, 'phone' AS field, m.id, m.unit_code FROM import_members s"          \
	" JOIN members m ON m.phone = s.phone"                                                 \
	" UNION ALL SELECT s.row_no, 'id', m.id, m.unit_code FROM import_members s"           \
	" JOIN members m ON m.id = s.id WHERE s.given_id"

/* Twice in the file: a phone, an id, or a leader for one unit's team; the later rows name
 * the first. (Checked here rather than in C, so that no row is kept in memory for another.) */
static struct db_stmt check_in_file = DB_STMT("imports_members_in_file", 0,
	"SELECT row_no, 'phone' AS field, 'duplicate' AS code,"
	" 'the same phone number as row ' || first AS message"
	" FROM (SELECT row_no, min(row_no) OVER (PARTITION BY phone) AS first"
	"  FROM import_members WHERE phone IS NOT NULL) d WHERE row_no <> first"
	" UNION ALL SELECT row_no, 'id', 'duplicate', 'the same id as row ' || first"
	" FROM (SELECT row_no, min(row_no) OVER (PARTITION BY given) AS first"
	"  FROM import_members WHERE given IS NOT NULL) d WHERE row_no <> first"
	" UNION ALL SELECT row_no, 'team_role', 'duplicate',"
	" 'row ' || first || ' already makes a leader of this unit''s team'"
	" FROM (SELECT row_no, min(row_no) OVER (PARTITION BY unit_code) AS first"
	"  FROM import_members WHERE team_role = 'leader' AND unit_code IS NOT NULL) d"
	" WHERE row_no <> first ORDER BY 1, 2");

/* Those of members in the caller's scope, named by row. */
static struct db_stmt check_phones = DB_STMT("imports_members_phones", 1,
	"SELECT d.row_no, d.field, 'duplicate' AS code, 'a member with this ' || d.field"
	" || CASE d.field WHEN 'phone' THEN ' number' ELSE '' END || ' already exists' AS message"
	" FROM (" DUPLICATES ") d JOIN units n ON n.code = d.unit_code"
	" WHERE within(n.path, $1::ltree) ORDER BY 1, 2");

/* Those outside it: only counted, with the members' ids for the audit event. */
static struct db_stmt unseen_duplicates = DB_STMT("imports_members_unseen", 1,
	"SELECT count(*) AS conflicts, coalesce(json_agg(DISTINCT d.id)::text, '[]') AS ids"
	" FROM (" DUPLICATES ") d JOIN units n ON n.code = d.unit_code"
	" WHERE NOT within(n.path, $1::ltree)");

/* team_role: an active team in the (valid) unit, and no second active leader. */
static struct db_stmt check_teams = DB_STMT("imports_members_teams", 1,
	"SELECT s.row_no, 'team_role' AS field,"
	" CASE WHEN t.id IS NULL THEN 'not_found' ELSE 'conflict' END AS code,"
	" CASE WHEN t.id IS NULL THEN 'the unit has no active team'"
	"  ELSE 'the team already has an active leader' END AS message"
	" FROM import_members s JOIN units u ON u.code = s.unit_code AND u.status = 'active'"
	"  AND within(u.path, $1::ltree) AND u.level IN ('village', 'commune')"
	" LEFT JOIN teams t ON t.unit_code = s.unit_code AND t.status = 'active'"
	" WHERE s.team_role IS NOT NULL AND (t.id IS NULL OR (s.team_role = 'leader'"
	"  AND EXISTS (SELECT 1 FROM memberships ms WHERE ms.team_id = t.id"
	"   AND ms.role = 'leader' AND ms.left_on IS NULL)))"
	" ORDER BY s.row_no");

static struct db_stmt insert_members = DB_STMT("imports_members_insert", 6,
	"WITH ins AS (INSERT INTO members (id, unit_code, full_name, gender, birth_year,"
	"   phone, email, ethnicity, languages, affiliations, digital_skill, status)"
	"   SELECT id, unit_code, full_name, gender, birth_year, phone, email, ethnicity,"
	"   coalesce(languages, '{}'), coalesce(affiliations, '{}'), digital_skill,"
	"   coalesce(status, 'active')"
	"   FROM import_members ORDER BY row_no RETURNING 1),"
	
	" ms AS (INSERT INTO memberships (team_id, member_id, team_level, role, joined_on)"
	"   SELECT t.id, s.id, u.level, s.team_role, $6::date FROM import_members s"
	"   JOIN units u ON u.code = s.unit_code"
	"   JOIN teams t ON t.unit_code = s.unit_code AND t.status = 'active'"
	"   WHERE s.team_role IS NOT NULL ORDER BY s.row_no RETURNING 1),"
	IMPORT_AUDIT_EVENT("members.import", "member")
	" SELECT (SELECT count(*) FROM ins) AS members,"
	" (SELECT count(*) FROM ms) AS memberships");

static const char *birth_year(struct import *im, size_t r, int max_year)
{
	const char *v = import_value(im, r, M_BIRTH_YEAR);
	if (!v)
		return NULL;
	if (strlen(v) != 4 || strspn(v, "0123456789") != 4) {
		import_error(im, r, M_BIRTH_YEAR, "invalid_format", "must be a year, e.g. 1985");
		return NULL;
	}
	int year = atoi(v);
	if (year < MEMBER_MIN_BIRTH_YEAR || year > max_year) {
		import_error(im, r, M_BIRTH_YEAR, "out_of_range", "must be between %d and %d",
			     MEMBER_MIN_BIRTH_YEAR, max_year);
		return NULL;
	}
	return v;
}

/* The address with its domain lowercased, as members.c stores it. */
static const char *email(struct import *im, size_t r, char out[MEMBER_EMAIL_MAX + 1])
{
	const char *v = import_value(im, r, M_EMAIL);
	if (!v)
		return NULL;
	if (strlen(v) > MEMBER_EMAIL_MAX)
		import_error(im, r, M_EMAIL, "too_long", "is longer than %d characters",
			     MEMBER_EMAIL_MAX);
	else if (member_email_normalise(v, out) != 0)
		import_error(im, r, M_EMAIL, "invalid_format", "must be an email address");
	else
		return out;
	return NULL;
}

static int is_language_code(const char *s)
{
	return strlen(s) == 3 && strspn(s, "abcdefghijklmnopqrstuvwxyz") == 3;
}

static int is_affiliation(const char *s)
{
	for (const char *const *a = member_affiliation_values; *a; a++)
		if (!strcmp(*a, s))
			return 1;
	return 0;
}

/* What makes an item of a ';'-separated list acceptable (as in the members' JSON arrays). */
struct list_rule {
	int (*item_ok)(const char *);
	const char *bad_code, *bad_message;
	size_t max_items;
	const char *items;
};

static const struct list_rule language_rule = {
	is_language_code, "invalid_format", "is not an ISO 639-3 code (three lowercase letters)",
	MEMBER_LANGUAGES_MAX, "languages"};
static const struct list_rule affiliation_rule = {
	is_affiliation, "invalid_value", "is not a known affiliation",
	AFFILIATIONS_MAX, "affiliations"};

/*
 * A ';'-separated list as a PostgreSQL array literal in out ("{}" when empty), items trimmed,
 * each acceptable and listed once. Items are plain words, so the literal needs no quoting.
 * Returns out, or NULL after recording an error.
 */
static const char *list(struct import *im, size_t r, int column, const struct list_rule *rule,
			char out[LIST_MAX])
{
	const char *v = import_value(im, r, column);
	if (!v)
		return memcpy(out, "{}", 3);
	if (strlen(v) >= LIST_MAX / 2) {
		import_error(im, r, column, "too_long", "is longer than %d characters",
			     LIST_MAX / 2 - 1);
		return NULL;
	}
	char items[LIST_MAX / 2];
	const char *listed[LIST_MAX / 4];
	size_t n = 0, len = 0;
	memcpy(items, v, strlen(v) + 1); /* fits: checked above */
	out[len++] = '{';
	for (char *item = items, *next; item; item = next) {
		next = strchr(item, ';');
		if (next)
			*next++ = '\0';
		item += strspn(item, " \t");
		size_t k = strlen(item);
		while (k > 0 && (item[k - 1] == ' ' || item[k - 1] == '\t'))
			item[--k] = '\0';
		if (k == 0) {
			import_error(im, r, column, "invalid_format", "has an empty item");
			return NULL;
		}
		if (!rule->item_ok(item)) {
			import_error(im, r, column, rule->bad_code, "'%.*s' %s",
				     import_utf8_prefix(item, 24), item, rule->bad_message);
			return NULL;
		}
		for (size_t i = 0; i < n; i++) {
			if (!strcmp(listed[i], item)) {
				import_error(im, r, column, "duplicate", "'%s' is listed twice", item);
				return NULL;
			}
		}
		if (n == rule->max_items) {
			import_error(im, r, column, "too_long", "may hold at most %zu %s",
				     rule->max_items, rule->items);
			return NULL;
		}
		listed[n++] = item;
		len += (size_t)snprintf(out + len, LIST_MAX - len, "%s%s", n > 1 ? "," : "", item);
	}
	snprintf(out + len, LIST_MAX - len, "}");
	return out;
}

static const char *phone(struct import *im, size_t r, char out[MEMBER_PHONE_SIZE])
{
	const char *v = import_value(im, r, M_PHONE);
	if (!v)
		return NULL;
	if (member_phone_normalise(v, out) != 0) {
		import_error(im, r, M_PHONE, "invalid_format",
			     "must be a Vietnamese phone number: 0 and 9 digits (mobile) or 0 and 10 "
			     "digits (landline 02)");
		return NULL;
	}
	return out;
}

struct member_state {
	struct import_copy cp;
	int max_year;
};

/* The id a row asks to keep, or NULL (after an error when it is not a UUID or repeated). */
static const char *given_id(struct import *im, size_t r, char id[37])
{
	const char *v = import_value(im, r, M_ID);
	if (!v)
		return NULL;
	if (!text_is_uuid(v)) {
		import_error(im, r, M_ID, "invalid_format", "must be a UUID");
		return NULL;
	}
	for (int i = 0; i < 36; i++)
		id[i] = v[i] >= 'A' && v[i] <= 'F' ? (char)(v[i] - 'A' + 'a') : v[i];
	id[36] = '\0';
	return id;
}

/* Checks row r in C for what the row alone can tell, and stages it. */
static void stage_row(struct import *im, size_t r, void *cls)
{
	struct member_state *ms = cls;
	struct import_copy *cp = &ms->cp;
	char number[24], languages[LIST_MAX], affiliations[LIST_MAX], address[MEMBER_EMAIL_MAX + 1];
	char phone_number[MEMBER_PHONE_SIZE], id[37];
	const char *unit = import_code(im, r, M_UNIT_CODE, 1);
	const char *role = import_enum(im, r, M_TEAM_ROLE, member_team_role_values, 0);
	snprintf(number, sizeof number, "%zu", r);
	import_copy_raw(cp, number);
	import_copy_text(cp, unit);
	import_copy_text(cp, import_text(im, r, M_FULL_NAME, 200, 1));
	import_copy_text(cp, import_enum(im, r, M_GENDER, member_gender_values, 0));
	import_copy_text(cp, birth_year(im, r, ms->max_year));
	import_copy_text(cp, phone(im, r, phone_number));
	import_copy_text(cp, email(im, r, address));
	import_copy_text(cp, import_text(im, r, M_ETHNICITY, 64, 0));
	import_copy_text(cp, list(im, r, M_LANGUAGES, &language_rule, languages));
	import_copy_text(cp, list(im, r, M_AFFILIATIONS, &affiliation_rule, affiliations));
	import_copy_text(cp, import_enum(im, r, M_DIGITAL_SKILL, member_skill_values, 0));
	import_copy_text(cp, role);
	import_copy_text(cp, import_enum(im, r, M_STATUS, member_status_values, 0));
	import_copy_text(cp, given_id(im, r, id));
	import_copy_end_row(cp);
}

static int stage(struct import *im, struct member_state *ms)
{
	if (import_command(im, "CREATE TEMP TABLE import_members (row_no integer NOT NULL,"
			       " unit_code text, full_name text, gender text, birth_year integer,"
			       " phone text, email text, ethnicity text, languages text[],"
			       " affiliations text[], digital_skill text, team_role text, status text,"
			       " given uuid, id uuid NOT NULL DEFAULT gen_random_uuid(),"
			       " given_id boolean GENERATED ALWAYS AS (given IS NOT NULL) STORED)"
			       " ON COMMIT DROP") != 0)
		return -1;
	if (import_copy_begin(&ms->cp, im, "COPY import_members (row_no, unit_code, full_name, gender,"
				       " birth_year, phone, email, ethnicity, languages, affiliations,"
				       " digital_skill, team_role, status, given) FROM STDIN") != 0)
		return -1;
	import_each_row(im, stage_row, ms);
	if (import_copy_finish(&ms->cp) != 0 ||
	    import_command(im, "UPDATE import_members SET id = given WHERE given IS NOT NULL") != 0)
		return -1;
	/* Statistics, so that the checks join 50,000 staged rows by hash, not by guesswork. */
	return import_command(im, "ANALYZE import_members");
}

/* Counts the duplicates outside the caller's scope into im (unseen_conflicts, unseen_ids). */
static int count_unseen(struct import *im, const char *const *scope)
{
	enum db_status st;
	PGresult *res = request_query(im->ctx, im->resp, &unseen_duplicates, scope, &st);
	if (!res)
		return -1;
	int rc = -1;
	if (st != DB_OK) {
		internal_error(im->resp, im->ctx);
		goto out;
	}
	const char *conflicts = result_value(res, "conflicts"), *ids = result_value(res, "ids");
	im->unseen_conflicts = conflicts ? atol(conflicts) : 0;
	if (im->unseen_conflicts && !(im->unseen_ids = strdup(ids ? ids : "[]"))) {
		internal_error(im->resp, im->ctx);
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* Before the file is read: -1 after answering 429 when the account's allowance of unseen
 * duplicates is used up; 0 to go on. */
static int members_guard(struct import *im)
{
	return unseen_duplicates_throttled(im->ctx, im->resp);
}

/* After the rollback: the unseen duplicates are counted and audited, whatever the answer. */
static int members_refused(struct import *im)
{
	return unseen_duplicates_record(im->ctx, im->resp, im->unseen_conflicts, NULL, "import",
					im->unseen_ids);
}

static int members_check(struct import *im)
{
	char today[11];
	struct member_state ms = {.max_year = member_today(today) - MEMBER_MIN_AGE};
	const char *scope[1] = {im->ctx->principal.scope_path};
	if (stage(im, &ms) != 0 || import_sql_errors(im, &check_in_file, NULL) != 0 ||
	    import_sql_errors(im, &check_units, scope) != 0 ||
	    import_sql_errors(im, &check_languages, NULL) != 0 ||
	    import_sql_errors(im, &check_phones, scope) != 0 || count_unseen(im, scope) != 0 ||
	    import_sql_errors(im, &check_teams, scope) != 0)
		return -1;
	return 0;
}

static int members_write(struct import *im)
{
	char today[11];
	member_today(today); /* joined today, in Vietnam */
	PGresult *res = import_write_rows(im, &insert_members, today);
	if (!res)
		return -1;
	const char *members = result_value(res, "members");
	const char *memberships = result_value(res, "memberships");
	im->created = members ? atol(members) : 0;
	im->memberships_created = memberships ? atol(memberships) : 0;
	PQclear(res);
	return 0;
}

const struct import_kind import_members_kind = {
	.what = "members",
	.columns = member_columns,
	.n_columns = M_COLUMNS,
	.check = members_check,
	.write = members_write,
	.guard = members_guard,
	.refused = members_refused,
};
