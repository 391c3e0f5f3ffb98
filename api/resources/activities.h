/*
 * What the activity modules share (activities.c: one activity; activities_batch.c: many at
 * once; activities_list.c: the lists and the CSV export; activities_input.c: the checks):
 *   - the checks of an activity body that need no database (activity_check), the same for a
 *     single create, a patch and every item of a batch;
 *   - the SQL that checks an activity's references (services, members on the date, languages,
 *     unit, the team's founding date) set-wise, for one candidate row or a thousand, in the
 *     same statement as the write (ACTIVITY_PROBLEMS);
 *   - service codes, whose form services.c owns.
 */
#ifndef CDTT_RESOURCES_ACTIVITIES_H
#define CDTT_RESOURCES_ACTIVITIES_H
#include <jansson.h>

#include "../http/http.h"
#include "../validate.h"

#define ACTIVITY_SERVICES_MAX 20
#define ACTIVITY_MEMBERS_MAX 50
#define ACTIVITY_REACH_MAX 10000
#define ACTIVITY_NOTES_MAX 2000
#define ACTIVITY_BATCH_MAX 1000

/* household_visit, group_session, campaign (NULL-terminated). */
extern const char *const activity_kind_values[];

/*
 * Checks an activity body (create, or patch when mode is VALIDATE_PATCH) against every rule
 * that needs no database: the field table, the arrays item by item (/service_codes/2), the
 * date (real, not after today in Vietnam) and households <= people when both are given.
 * allow_team_id accepts a team_id member (batch items). Errors go to *errors; returns how many.
 */
int activity_check(const json_t *body, enum validate_mode mode, int allow_team_id,
		   json_t **errors);

/*
 * Appends to *dest the errors of src, each field prefixed ("/items/3" + "/date"); decrefs src.
 */
void activity_errors_prefixed(json_t **dest, json_t *src, const char *prefix);

/*
 * Turns the JSON text of the problems ACTIVITY_PROBLEMS found ([{index, field, code,
 * message}]) into errors; with batch, each field is prefixed "/items/<index>". Returns how
 * many were added.
 */
int activity_problems_to_errors(const char *text, int batch, json_t **errors);

/* 1 when one of the problems in that JSON text is about field (e.g. "/team_id"). */
int activity_problems_name(const char *text, const char *field);

/*
 * SQL: the CTEs `svc` and `problems` over a CTE `cand` of candidate activities, one row each:
 *   idx int, team_id uuid (NULL: no such team in scope), team_unit text, team_path ltree,
 *   established_on date, allowed boolean (the caller may record for this team), unit_code
 *   text, date date, service_codes text[], old_services text[] (codes already on the record:
 *   a retired one may stay), member_ids uuid[], languages text[], households int, people int,
 *   and what to check: chk_date, chk_members, chk_unit, chk_langs booleans.
 * problems has (idx, field, code, message): a JSON pointer relative to the activity.
 * Services are locked FOR KEY SHARE, so a service cannot be deleted under a new record.
 */
#define ACTIVITY_PROBLEMS                                                                   \
	" svc AS (SELECT code, status FROM services WHERE code IN"                            \
	"   (SELECT unnest(service_codes) FROM cand) FOR KEY SHARE),"                          \
	" problems AS ("                                                                      \
	"  SELECT idx, '/team_id' AS field, 'not_found' AS code,"                            \
	"   'no such team in your scope' AS message FROM cand WHERE team_id IS NULL"           \
	"  UNION ALL SELECT idx, '/team_id', 'forbidden',"                                    \
	"   'a team leader records the activities of their own team only'"                     \
	"   FROM cand WHERE team_id IS NOT NULL AND NOT allowed"                               \
	"  UNION ALL SELECT idx, '/date', 'out_of_range',"                                    \
	"   'must not be before the team was established (' || established_on || ')'"         \
	"   FROM cand WHERE team_id IS NOT NULL AND chk_date AND date < established_on"        \
	"  UNION ALL SELECT c.idx, '/service_codes/' || (s.n - 1),"                           \
	"   CASE WHEN v.code IS NULL THEN 'not_found' ELSE 'retired' END,"                     \
	"   CASE WHEN v.code IS NULL THEN 'no service has the code ' || s.code"                \
	"        ELSE 'the service ' || s.code || ' is retired' END"                           \
	"   FROM cand c CROSS JOIN LATERAL unnest(c.service_codes) WITH ORDINALITY s(code, n)" \
	"   LEFT JOIN svc v ON v.code = s.code"                                               \
	"   WHERE v.code IS NULL OR (v.status = 'retired' AND NOT s.code = ANY (c.old_services))" \
	"  UNION ALL SELECT c.idx, '/member_ids/' || (m.n - 1), 'not_a_member',"               \
	"   'was not a member of this team on ' || c.date"                                     \
	"   FROM cand c CROSS JOIN LATERAL unnest(c.member_ids) WITH ORDINALITY m(id, n)"      \
	"   WHERE c.team_id IS NOT NULL AND c.chk_members AND NOT EXISTS (SELECT 1"            \
	"    FROM memberships ms WHERE ms.member_id = m.id AND ms.team_id = c.team_id"         \
	"    AND ms.joined_on <= c.date AND (ms.left_on IS NULL OR ms.left_on >= c.date))"     \
	"  UNION ALL SELECT c.idx, '/languages/' || (l.n - 1), 'not_found',"                  \
	"   'no language has the code ' || l.code"                                             \
	"   FROM cand c CROSS JOIN LATERAL unnest(c.languages) WITH ORDINALITY l(code, n)"     \
	"   WHERE c.chk_langs AND NOT EXISTS (SELECT 1 FROM languages WHERE code = l.code)"    \
	"  UNION ALL SELECT idx, '/unit_code', 'outside_team_unit',"                           \
	"   'must be the team''s unit (' || team_unit || ') or a unit under it'"               \
	"   FROM cand c WHERE team_id IS NOT NULL AND chk_unit AND NOT EXISTS (SELECT 1"       \
	"    FROM units u WHERE u.code = c.unit_code AND u.path <@ c.team_path)"               \
	"  UNION ALL SELECT idx, '/households_reached', 'out_of_range',"                       \
	"   'must not exceed people_reached (' || people || ')'"                               \
	"   FROM cand WHERE households > people)"

/*
 * SQL: the CTEs `items` and `cand` for new activities, from a JSON array of items (each an
 * activity body with its team_id, without nulls), the caller's scope path and the only team
 * the caller may record for (NULL: any in scope). A team outside the scope leaves team_id
 * NULL. Each candidate gets its id here, once (MATERIALIZED), so that ids follow the items.
 */
#define ACTIVITY_NEW_CANDIDATES(items, scope, only)                                         \
	" items AS (SELECT (x.n - 1)::int AS idx, x.j FROM"                                   \
	"   activity_items(" items "::jsonb) x(j, n)),"                                     \
	" cand AS MATERIALIZED (SELECT i.idx, gen_random_uuid() AS id, t.id AS team_id,"      \
	"   t.unit_code AS team_unit, t.path AS team_path, t.established_on,"                 \
	"   (" only "::uuid IS NULL OR t.id = " only "::uuid) AS allowed,"                     \
	"   coalesce(i.j->>'unit_code', t.unit_code) AS unit_code, (i.j->>'date')::date AS date," \
	"   i.j->>'kind' AS kind,"                                                             \
	"   ARRAY(SELECT jsonb_array_elements_text(i.j->'service_codes')) AS service_codes,"   \
	"   '{}'::text[] AS old_services,"                                                     \
	"   ARRAY(SELECT jsonb_array_elements_text(coalesce(i.j->'member_ids', '[]')))::uuid[]" \
	"     AS member_ids,"                                                                  \
	"   ARRAY(SELECT jsonb_array_elements_text(coalesce(i.j->'languages', '[]')))"         \
	"     AS languages,"                                                                   \
	"   (i.j->>'households_reached')::int AS households,"                                  \
	"   (i.j->>'people_reached')::int AS people, i.j->>'notes' AS notes,"                  \
	"   true AS chk_date, true AS chk_members, true AS chk_unit, true AS chk_langs"        \
	"  FROM items i LEFT JOIN LATERAL (SELECT t.id, t.unit_code, t.established_on, u.path" \
	"   FROM teams t JOIN units u ON u.code = t.unit_code"                                \
	"   WHERE t.id = (i.j->>'team_id')::uuid AND u.path <@ " scope "::ltree) t ON true),"

/* SQL: the CTE `ins`, inserting every candidate when there is no problem at all. */
#define ACTIVITY_INSERT_CANDIDATES                                                          \
	" ins AS (INSERT INTO activities (id, team_id, unit_code, date, kind, service_codes,"  \
	"   households_reached, people_reached, member_ids, languages, notes)"                 \
	"   SELECT id, team_id, unit_code, date, kind, service_codes, households, people,"     \
	"   member_ids, languages, notes FROM cand WHERE NOT EXISTS (SELECT 1 FROM problems)"  \
	"   ORDER BY idx RETURNING *),"

/*
 * An item as the statements take it: a copy of body without its null members (null means
 * absent on create), with team_id set when given. New reference.
 */
json_t *activity_item(const json_t *body, const char *team_id);

/* SQL: the problems as JSON text [{index, field, code, message}], NULL when none. */
#define ACTIVITY_PROBLEMS_JSON                                                              \
	"(SELECT json_agg(json_build_object('index', idx, 'field', field, 'code', code,"      \
	" 'message', message) ORDER BY idx, field)::text FROM problems)"

/* The routes' handlers outside activities.c. */
void activities_list_of_team(const struct _u_request *req, struct _u_response *resp,
			     struct req_ctx *ctx);
void activities_list(const struct _u_request *req, struct _u_response *resp,
		     struct req_ctx *ctx);
void activities_batch(const struct _u_request *req, struct _u_response *resp,
		      struct req_ctx *ctx);

#endif
