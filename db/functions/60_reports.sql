-- Reports (/api/v1/reports/*): aggregates over a unit's subtree, computed here in one
-- statement each, from indexed data (the indexes: 0009_reports.sql), and returned as the
-- response body (JSON or CSV).
--
-- The reports are built by a PL/pgSQL function (report_build) so that each is planned for the
-- unit asked about: a statement prepared once gets a generic plan after a few runs, planned for
-- "some subtree", and a province and a village need opposite plans (hash joins over everything,
-- or a few index probes). force_custom_plan plans every run with the unit's path known, which
-- the ltree statistics estimate well. random_page_cost = 1.1: the registry and a year of
-- activities stay in memory, and with the default (4) the planner scanned all 1.1 M activities
-- rather than probing the 56,000 of one province (1.2 s instead of 0.2 s). work_mem: the
-- national report hashes 150,000 members, which spilled to disk with the default 4 MB.
--
-- Shared rules:
--   * rows are the report unit's active children (a unit with none: one row, itself); the
--     total covers the whole subtree, so it also counts what hangs on the unit itself (a
--     commune's own team) and counts a person once;
--   * no unit (administrators only): the whole tree, one row per top-level unit, "unit": null;
--   * NULL when the unit does not exist or lies outside the scope (the caller answers 404);
--   * CSV: the same columns as the JSON rows (objects spread over one column per key, named
--     object.key), one line per row, the total last with "total" in its first column.

-- ---------------------------------------------------------------------------------------------
-- Coverage, activity, lagging villages

-- The report unit: the unit `code` inside `scope`, with its depth in the tree and whether it
-- has active children; no row when it is missing or out of scope. A NULL code with the empty
-- scope (an administrator) is the whole tree.
CREATE OR REPLACE FUNCTION report_unit(p_code text, p_scope ltree,
    OUT id bigint, OUT code text, OUT name text, OUT level text, OUT path ltree,
    OUT depth integer, OUT leaf boolean)
RETURNS SETOF record LANGUAGE sql STABLE AS $$
    SELECT u.id, u.code, u.name, u.level, u.path, nlevel(u.path),
           NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_code = u.code AND c.status = 'active')
      FROM units u WHERE u.code = p_code AND u.path <@ p_scope
    UNION ALL
    SELECT NULL, NULL, NULL, NULL, ''::ltree, 0, false
     WHERE p_code IS NULL AND p_scope = ''::ltree
$$;

-- The row of the report a unit at `path` counts in: the id (as text) of the report unit's
-- child above it, the report unit's own when it is a leaf, NULL for the report unit itself.
CREATE OR REPLACE FUNCTION report_row_key(path ltree, r_id bigint, r_depth integer, r_leaf boolean)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN r_leaf THEN r_id::text
                WHEN nlevel(path) > r_depth THEN ltree2text(subpath(path, r_depth, 1)) END
$$;

-- The units whose records count in a report of the unit at r_path, each with the key of the
-- row it counts in (report_row_key): the units of the subtree, and retired units elsewhere
-- whose last successor lies in it; a retired unit of the subtree counts where its last
-- successor is, when that is in the subtree too.
CREATE OR REPLACE FUNCTION report_counted_units(r_path ltree, r_id bigint, r_depth integer,
    r_leaf boolean)
RETURNS TABLE (code text, child text) LANGUAGE sql STABLE AS $$
WITH RECURSIVE chain AS (
    SELECT u.code, u.successor_code AS successor, 1 AS hops
      FROM units u WHERE u.successor_code IS NOT NULL
    UNION ALL
    SELECT c.code, u.successor_code, c.hops + 1 FROM chain c JOIN units u ON u.code = c.successor
     WHERE u.successor_code IS NOT NULL AND c.hops < 100
), final AS MATERIALIZED (
    -- every retired unit and the path of its last successor
    SELECT DISTINCT ON (c.code) c.code, f.path FROM chain c JOIN units f ON f.code = c.successor
     ORDER BY c.code, c.hops DESC
)
SELECT x.code, report_row_key(x.at, r_id, r_depth, r_leaf)
  FROM (SELECT u.code, CASE WHEN f.path <@ r_path THEN f.path ELSE u.path END AS at
          FROM units u LEFT JOIN final f ON f.code = u.code
         WHERE u.path <@ r_path
        UNION ALL
        SELECT f.code, f.path FROM final f JOIN units u ON u.code = f.code
         WHERE f.path <@ r_path AND NOT u.path <@ r_path) x
$$;

-- The rows of a per-child report: (key, code, name, level) of the active children, or of the
-- unit itself when it has none; retired children too when `keep` holds their key (their
-- records still count under them).
CREATE OR REPLACE FUNCTION report_children(r_id bigint, r_code text, r_name text, r_level text,
                                r_leaf boolean, keep text[])
RETURNS TABLE (key text, code text, name text, level text) LANGUAGE sql STABLE AS $$
    SELECT c.id::text, c.code, c.name, c.level FROM units c
     WHERE NOT r_leaf AND (c.parent_code = r_code OR r_code IS NULL AND c.parent_code IS NULL)
       AND (c.status = 'active' OR c.id::text = ANY (keep))
    UNION ALL
    SELECT r_id::text, r_code, r_name, r_level WHERE r_leaf
$$;

-- The lines of a report by unit: those of report_children(), then the total line (key NULL,
-- total true) with the head of the unit reported on.
CREATE OR REPLACE FUNCTION report_lines(r_id bigint, r_code text, r_name text, r_level text,
                                        r_leaf boolean, keep text[])
RETURNS TABLE (key text, code text, name text, level text, total boolean) LANGUAGE sql STABLE AS $$
    SELECT c.key, c.code, c.name, c.level, false
      FROM report_children(r_id, r_code, r_name, r_level, r_leaf, keep) c
    UNION ALL
    SELECT NULL, r_code, r_name, r_level, true
$$;

-- part as a percentage of whole, to one decimal; 0.0 of nothing.
CREATE OR REPLACE FUNCTION report_percent(p_part bigint, p_whole bigint) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN coalesce(p_whole, 0) = 0 THEN 0.0 ELSE round(100.0 * p_part / p_whole, 1) END
$$;

-- The first cells of a CSV line of a report by unit: the unit's code, name and level, or
-- 'total' and two empty cells on the total line.
CREATE OR REPLACE FUNCTION report_csv_head(code text, name text, level text, total boolean)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN total THEN ARRAY['total', NULL, NULL] ELSE ARRAY[code, name, level] END
$$;

-- The figures of a report's JSON row as CSV cells, in the order of its members: a number or a
-- string as it is (null: an empty cell), an object's members in turn; the unit (which heads
-- the line: report_csv_head) and lists are left out. One definition of a row for both formats.
CREATE OR REPLACE FUNCTION report_csv_cells(p_row json) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(c.cell ORDER BY e.n, c.m), '{}')
      FROM json_each(p_row) WITH ORDINALITY AS e(k, v, n),
           LATERAL (SELECT e.v #>> '{}' AS cell, 0::bigint AS m
                     WHERE json_typeof(e.v) NOT IN ('object', 'array')
                    UNION ALL
                    SELECT i.v #>> '{}', i.m
                      FROM json_each(CASE WHEN json_typeof(e.v) = 'object' THEN e.v ELSE '{}' END)
                           WITH ORDINALITY AS i(k, v, m)) c
     WHERE e.k <> 'unit'
$$;

-- A CSV line of a report by unit: the head cells of its unit (or of the total), then the
-- figures of its JSON row.
CREATE OR REPLACE FUNCTION report_csv_line(code text, name text, level text, total boolean,
                                           p_row json) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT csv_line(VARIADIC report_csv_head(code, name, level, total) || report_csv_cells(p_row))
$$;

CREATE OR REPLACE FUNCTION report_unit_json(code text, name text, level text) RETURNS json
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN code IS NOT NULL
                THEN json_build_object('code', code, 'name', name, 'level', level) END
$$;

-- Today in Vietnam (UTC+7, no daylight saving), for "as of" dates.
CREATE OR REPLACE FUNCTION report_today() RETURNS date LANGUAGE sql STABLE
    AS $$ SELECT (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date $$;

-- One row of the activity report: its head (NULL for the total) and figures, and the counts by
-- service (NULL when not grouping by child).
CREATE OR REPLACE FUNCTION report_activity_json(head_key text, head json, activities bigint,
                                     households bigint, people bigint, members bigint,
                                     by_service json)
RETURNS json LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE
    WHEN head_key IS NULL AND by_service IS NULL THEN
        json_build_object('activities', activities, 'households_reached', households,
                          'people_reached', people, 'active_members', members)
    WHEN head_key IS NULL THEN
        json_build_object('activities', activities, 'households_reached', households,
                          'people_reached', people, 'active_members', members,
                          'activities_by_service', by_service)
    WHEN by_service IS NULL THEN
        json_build_object(head_key, head, 'activities', activities,
                          'households_reached', households, 'people_reached', people,
                          'active_members', members)
    ELSE
        json_build_object(head_key, head, 'activities', activities,
                          'households_reached', households, 'people_reached', people,
                          'active_members', members, 'activities_by_service', by_service)
END
$$;

-- A report as CSV: its header line, the rows' lines (NULL: none) and the total's line (NULL:
-- none), each ending in CRLF.
CREATE OR REPLACE FUNCTION report_csv(header text, rows text, total text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT header || E'\r\n' || coalesce(rows || E'\r\n', '') || coalesce(total || E'\r\n', '')
$$;

-- The body of a report by unit from its lines: p_lines is the JSON array of the lines (code,
-- name, level, total and the JSON row j) in code order, the total among them. CSV: p_header,
-- then a line a unit and the total last (report_csv_line). JSON: the members of p_head, then
-- "rows" (every line but the total) and "total", laid out as json_build_object lays out an
-- object (it built p_head). Each format is a subquery of its own, so that only the one asked
-- for is computed (aggregates of a CASE would all be).
CREATE OR REPLACE FUNCTION report_body(p_format text, p_header text, p_head json, p_lines json)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_format = 'csv' THEN
        (SELECT report_csv(p_header,
                    string_agg(report_csv_line(l->>'code', l->>'name', l->>'level', false,
                                               l->'j'), E'\r\n' ORDER BY n)
                        FILTER (WHERE NOT (l->>'total')::boolean),
                    min(report_csv_line(l->>'code', l->>'name', l->>'level', true, l->'j'))
                        FILTER (WHERE (l->>'total')::boolean))
           FROM json_array_elements(p_lines) WITH ORDINALITY AS e(l, n))
    ELSE
        (SELECT left(p_head::text, -1)
                || ', "rows" : ' || coalesce(json_agg(l->'j' ORDER BY n)
                                                 FILTER (WHERE NOT (l->>'total')::boolean), '[]')
                || ', "total" : ' || coalesce(min((l->'j')::text)
                                                  FILTER (WHERE (l->>'total')::boolean), 'null')
                || '}'
           FROM json_array_elements(p_lines) WITH ORDINALITY AS e(l, n))
    END
$$;

-- The three reports, planned for the report unit: its fields are PL/pgSQL variables, so that
-- force_custom_plan plans each run with them known (above). p_report names the report
-- (coverage, activity, lagging); the other parameters are those of its entry point below.
CREATE OR REPLACE FUNCTION report_build(p_report text, p_unit text, p_scope ltree, p_format text,
                                        p_from date DEFAULT NULL, p_to date DEFAULT NULL,
                                        p_group_by text DEFAULT NULL, p_limit integer DEFAULT NULL,
                                        p_affiliations text[] DEFAULT NULL)
RETURNS text LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan SET random_page_cost = 1.1 SET work_mem = '32MB'
AS $fn$
DECLARE
    r record;
BEGIN
    SELECT * INTO r FROM report_unit(p_unit, p_scope);
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    CASE p_report
    WHEN 'coverage' THEN RETURN (
WITH sub AS MATERIALIZED (
    SELECT u.code, u.level, u.status, report_row_key(u.path, r.id, r.depth, r.leaf) AS g
      FROM units u WHERE u.path <@ r.path
), tm AS MATERIALIZED (
    SELECT s.g, t.id, s.code FROM sub s JOIN teams t ON t.unit_code = s.code AND t.status = 'active'
), vil AS (
    SELECT s.g, GROUPING(s.g) = 1 AS total, count(*) AS villages, count(tm.id) AS covered
      FROM sub s LEFT JOIN tm ON tm.code = s.code
     WHERE s.level = 'village' AND s.status = 'active'
     GROUP BY GROUPING SETS ((s.g), ())
), tms AS (
    SELECT tm.g, GROUPING(tm.g) = 1 AS total, count(*) AS teams,
           count(*) - count(ld.team_id) AS leaderless
      FROM tm LEFT JOIN memberships ld
        ON ld.team_id = tm.id AND ld.role = 'leader' AND ld.left_on IS NULL
     GROUP BY GROUPING SETS ((tm.g), ())
), person AS MATERIALIZED (
    -- each person once, with the (at most two) rows they count in
    SELECT ms.member_id, min(tm.g) AS g1, max(tm.g) AS g2
      FROM tm JOIN memberships ms ON ms.team_id = tm.id AND ms.left_on IS NULL
     GROUP BY ms.member_id
), kinds AS MATERIALIZED (
    -- how many people by rows, affiliations and language: a few hundred lines
    SELECT p.g1, p.g2, m.affiliations, NOT m.languages <@ ARRAY['vie'] AS minority, count(*) AS n
      FROM person p JOIN members m ON m.id = p.member_id AND m.status = 'active'
     GROUP BY 1, 2, 3, 4
), counted AS MATERIALIZED (
    SELECT g1 AS g, false AS total, affiliations, minority, n FROM kinds WHERE g1 IS NOT NULL
    UNION ALL
    SELECT g2, false, affiliations, minority, n FROM kinds WHERE g2 <> g1
    UNION ALL
    SELECT NULL, true, affiliations, minority, n FROM kinds
), mems AS (
    SELECT g, total, sum(n) AS members, sum(n) FILTER (WHERE minority) AS minority
      FROM counted GROUP BY g, total
), affs AS MATERIALIZED (
    SELECT g, total, a.aff, sum(n) AS n
      FROM counted, unnest(counted.affiliations) AS a(aff) GROUP BY g, total, a.aff
), figures AS (
    SELECT l.*, coalesce(vil.villages, 0) AS villages, coalesce(vil.covered, 0) AS covered,
           report_percent(vil.covered, vil.villages) AS percent,
           coalesce(tms.teams, 0) AS teams, coalesce(tms.leaderless, 0) AS leaderless,
           coalesce(mems.members, 0) AS members, coalesce(mems.minority, 0) AS minority,
           (SELECT array_agg(coalesce(affs.n, 0) ORDER BY k.i)
              FROM unnest(p_affiliations) WITH ORDINALITY AS k(aff, i)
              LEFT JOIN affs ON affs.aff = k.aff AND affs.total = l.total
                            AND affs.g IS NOT DISTINCT FROM l.key) AS by_affiliation
      FROM report_lines(r.id, r.code, r.name, r.level, r.leaf, '{}') l
      LEFT JOIN vil ON vil.total = l.total AND vil.g IS NOT DISTINCT FROM l.key
      LEFT JOIN tms ON tms.total = l.total AND tms.g IS NOT DISTINCT FROM l.key
      LEFT JOIN mems ON mems.total = l.total AND mems.g IS NOT DISTINCT FROM l.key
), shaped AS (
    SELECT f.code, f.name, f.level, f.total,
           -- the total has no "unit" (no other value here is ever null)
           json_strip_nulls(json_build_object(
               'unit', CASE WHEN NOT f.total THEN report_unit_json(f.code, f.name, f.level) END,
               'villages', f.villages, 'villages_with_active_team', f.covered,
               'coverage_percent', f.percent, 'teams', f.teams, 'active_members', f.members,
               'members_by_affiliation',
                   (SELECT json_object_agg(k.aff, k.n ORDER BY k.i)
                      FROM unnest(p_affiliations, f.by_affiliation) WITH ORDINALITY AS k(aff, n, i)),
               'members_speaking_minority_language', f.minority,
               'teams_without_leader', f.leaderless)) AS j
      FROM figures f
)
SELECT report_body(p_format,
           csv_line(VARIADIC ARRAY['unit_code', 'unit_name', 'unit_level', 'villages',
                                   'villages_with_active_team', 'coverage_percent', 'teams',
                                   'active_members']
                    || (SELECT array_agg('members_by_affiliation.' || a ORDER BY i)
                          FROM unnest(p_affiliations) WITH ORDINALITY AS k(a, i))
                    || ARRAY['members_speaking_minority_language', 'teams_without_leader']),
           json_build_object('unit', report_unit_json(r.code, r.name, r.level),
                             'period', json_build_object('as_of', report_today())),
           (SELECT json_agg(s ORDER BY s.code) FROM shaped s)));
    WHEN 'activity' THEN RETURN (
WITH src AS MATERIALIZED (
    -- the units whose activities count, with the row they count in
    SELECT * FROM report_counted_units(r.path, r.id, r.depth, r.leaf)
), act AS MATERIALIZED (
    -- one line per activity, keyed by its row; by service one line per activity and service,
    -- `first` marking the line the total counts
    SELECT CASE p_group_by WHEN 'child' THEN src.child
                           WHEN 'month' THEN to_char(a.date, 'YYYY-MM') ELSE k.code END AS key,
           k.i = 1 AS first, a.households_reached AS hh, a.people_reached AS pp, a.member_ids,
           a.service_codes
      FROM src JOIN activities a ON a.unit_code = src.code AND a.date BETWEEN p_from AND p_to
     CROSS JOIN LATERAL unnest(CASE WHEN p_group_by = 'service' AND a.service_codes <> '{}'
                                    THEN a.service_codes ELSE ARRAY[NULL] END)
           WITH ORDINALITY AS k(code, i)
), sums AS MATERIALIZED (
    SELECT key, GROUPING(key) = 1 AS total,
           CASE WHEN GROUPING(key) = 1 THEN count(*) FILTER (WHERE first) ELSE count(*) END AS n,
           coalesce(CASE WHEN GROUPING(key) = 1 THEN sum(hh) FILTER (WHERE first)
                         ELSE sum(hh) END, 0) AS hh,
           coalesce(CASE WHEN GROUPING(key) = 1 THEN sum(pp) FILTER (WHERE first)
                         ELSE sum(pp) END, 0) AS pp
      FROM act GROUP BY GROUPING SETS ((key), ())
), crew AS MATERIALIZED (
    SELECT key, total, count(*) AS n
      FROM (SELECT act.key, GROUPING(act.key) = 1 AS total
              FROM act, unnest(act.member_ids) AS m
             GROUP BY GROUPING SETS ((act.key, m), (m))) d
     GROUP BY key, total
), by_service AS MATERIALIZED (
    SELECT act.key, GROUPING(act.key) = 1 AS total, s, count(*) AS n
      FROM act, unnest(act.service_codes) AS s
     WHERE p_group_by = 'child' GROUP BY GROUPING SETS ((act.key, s), (s))
), svc AS MATERIALIZED (
    SELECT array_agg(code ORDER BY code) AS codes
      FROM (SELECT code FROM services UNION SELECT s FROM by_service) c
), lines AS (
    -- key, order, and the head: unit code, name, level | month | service code, names
    SELECT c.key, c.code AS ord, c.code AS h1, c.name AS h2, c.level AS h3
      FROM report_children(r.id, r.code, r.name, r.level, r.leaf,
                           ARRAY(SELECT key FROM sums WHERE NOT total AND key IS NOT NULL)) c
     WHERE p_group_by = 'child'
    UNION ALL
    SELECT to_char(m, 'YYYY-MM'), to_char(m, 'YYYY-MM'), to_char(m, 'YYYY-MM'), NULL, NULL
      FROM generate_series(date_trunc('month', p_from::timestamp), p_to::timestamp,
                           interval '1 month') AS m
     WHERE p_group_by = 'month'
    UNION ALL
    SELECT k.code, k.code, k.code, s.name_vi, s.name_en
      FROM (SELECT code FROM services UNION SELECT key FROM sums WHERE NOT total AND key IS NOT NULL) k
      LEFT JOIN services s ON s.code = k.code
     WHERE p_group_by = 'service'
), figures AS (
    SELECT l.*, false AS total FROM lines l
    UNION ALL
    SELECT NULL, NULL, NULL, NULL, NULL, true
), counted AS (
    SELECT f.*, coalesce(s.n, 0) AS n, coalesce(s.hh, 0) AS hh, coalesce(s.pp, 0) AS pp,
           coalesce(c.n, 0) AS members,
           CASE WHEN p_group_by = 'child' THEN
               (SELECT array_agg(coalesce(b.n, 0) ORDER BY k.i)
                  FROM svc, unnest(svc.codes) WITH ORDINALITY AS k(code, i)
                  LEFT JOIN by_service b ON b.s = k.code AND b.total = f.total
                                        AND b.key IS NOT DISTINCT FROM f.key)
           END AS by_service
      FROM figures f
      LEFT JOIN sums s ON s.total = f.total AND s.key IS NOT DISTINCT FROM f.key
      LEFT JOIN crew c ON c.total = f.total AND c.key IS NOT DISTINCT FROM f.key
), shaped AS (
    SELECT c.ord, c.total,
           CASE WHEN p_format = 'csv' THEN
               csv_line(VARIADIC
                   CASE WHEN c.total THEN ARRAY['total'] || array_fill(NULL::text,
                                              ARRAY[CASE WHEN p_group_by = 'month' THEN 0 ELSE 2 END])
                        WHEN p_group_by = 'month' THEN ARRAY[c.h1]
                        ELSE ARRAY[c.h1, c.h2, c.h3] END
                   || ARRAY[c.n::text, c.hh::text, c.pp::text, c.members::text]
                   || coalesce(c.by_service::text[], '{}'))
           END AS line,
           CASE WHEN p_format <> 'csv' THEN
               report_activity_json(
                   CASE WHEN c.total THEN NULL WHEN p_group_by = 'child' THEN 'unit'
                        ELSE p_group_by END,
                   CASE p_group_by
                       WHEN 'child' THEN json_build_object('code', c.h1, 'name', c.h2, 'level', c.h3)
                       WHEN 'month' THEN to_json(c.h1)
                       ELSE json_build_object('code', c.h1, 'name_vi', c.h2, 'name_en', c.h3) END,
                   c.n, c.hh, c.pp, c.members,
                   (SELECT json_object_agg(k.code, k.n ORDER BY k.i)
                      FROM svc, unnest(svc.codes, c.by_service) WITH ORDINALITY AS k(code, n, i)
                     WHERE c.by_service IS NOT NULL))
           END AS j
      FROM counted c
)
SELECT CASE WHEN p_format = 'csv' THEN
           report_csv(csv_line(VARIADIC
               CASE p_group_by WHEN 'child' THEN ARRAY['unit_code', 'unit_name', 'unit_level']
                               WHEN 'month' THEN ARRAY['month']
                               ELSE ARRAY['service_code', 'service_name_vi', 'service_name_en'] END
               || ARRAY['activities', 'households_reached', 'people_reached', 'active_members']
               || CASE WHEN p_group_by = 'child'
                       THEN (SELECT coalesce(array_agg('activities_by_service.' || code ORDER BY i), '{}')
                               FROM svc, unnest(svc.codes) WITH ORDINALITY AS k(code, i))
                       ELSE '{}' END),
               (SELECT string_agg(line, E'\r\n' ORDER BY ord) FROM shaped WHERE NOT total),
               (SELECT line FROM shaped WHERE total))
       ELSE
           json_build_object('unit', report_unit_json(r.code, r.name, r.level),
               'period', json_build_object('from', p_from, 'to', p_to),
               'group_by', p_group_by,
               'rows', coalesce((SELECT json_agg(j ORDER BY ord) FROM shaped WHERE NOT total), '[]'),
               'total', (SELECT j FROM shaped WHERE total))::text
       END);
    WHEN 'lagging' THEN RETURN (
WITH vt AS MATERIALIZED (
    SELECT v.code, v.name, v.parent_code, t.id AS team_id
      FROM units v JOIN teams t ON t.unit_code = v.code AND t.status = 'active'
     WHERE v.path <@ r.path AND v.level = 'village' AND v.status = 'active'
), crew AS (
    SELECT ms.team_id, count(*) AS n
      FROM vt JOIN memberships ms ON ms.team_id = vt.team_id AND ms.left_on IS NULL
      JOIN members m ON m.id = ms.member_id AND m.status = 'active'
     GROUP BY ms.team_id
), work AS (
    SELECT a.team_id, count(*) AS n, coalesce(sum(a.households_reached), 0) AS hh
      FROM vt JOIN activities a ON a.team_id = vt.team_id AND a.date BETWEEN p_from AND p_to
     GROUP BY a.team_id
), ranked AS MATERIALIZED (
    SELECT vt.*, coalesce(crew.n, 0) AS members, coalesce(work.n, 0) AS activities,
           coalesce(work.hh, 0) AS hh, coalesce(work.hh, 0)::numeric / crew.n AS per_member,
           row_number() OVER (ORDER BY coalesce(work.n, 0),
                              coalesce(work.hh, 0)::numeric / crew.n NULLS FIRST, vt.code) AS place
      FROM vt LEFT JOIN crew ON crew.team_id = vt.team_id
      LEFT JOIN work ON work.team_id = vt.team_id
     ORDER BY place LIMIT p_limit
), shaped AS (
    SELECT k.place,
           CASE WHEN p_format = 'csv' THEN
               csv_line(k.code, k.name, c.code, c.name, k.team_id::text, k.members::text,
                        k.activities::text, k.hh::text, round(k.per_member, 1)::text)
           ELSE
               json_build_object('unit', json_build_object('code', k.code, 'name', k.name),
                   'commune', json_build_object('code', c.code, 'name', c.name),
                   'team_id', k.team_id, 'active_members', k.members,
                   'activities', k.activities, 'households_reached', k.hh,
                   'households_per_member', round(k.per_member, 1))::text
           END AS item
      FROM ranked k LEFT JOIN units c ON c.code = k.parent_code
)
SELECT CASE WHEN p_format = 'csv' THEN
           report_csv('unit_code,unit_name,commune_code,commune_name,team_id,active_members,'
                      'activities,households_reached,households_per_member',
                      (SELECT string_agg(item, E'\r\n' ORDER BY place) FROM shaped), NULL)
       ELSE
           json_build_object('unit', report_unit_json(r.code, r.name, r.level),
               'period', json_build_object('from', p_from, 'to', p_to),
               'limit', p_limit,
               'rows', coalesce((SELECT json_agg(item::json ORDER BY place) FROM shaped), '[]'))::text
       END);
    END CASE;
END $fn$;

-- ---------------------------------------------------------------------------------------------
-- Entry points (api/resources/reports.c), each inlined into the calling statement

-- Coverage, as of now: villages (active units of level village), those with an active team,
-- active teams, teams without an active leader, and the active members of active teams by
-- affiliation (the keys of p_affiliations, in order) and minority language (any but vie).
-- A person is active in one village team and one commune team at most: each is counted once
-- in a row and once in the total.
CREATE OR REPLACE FUNCTION report_coverage(p_unit text, p_scope ltree, p_format text, p_affiliations text[])
RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT report_build('coverage', p_unit, p_scope, p_format,
                              p_affiliations => p_affiliations) $$;

-- Activity from p_from to p_to (inclusive), grouped by child unit, month (every month of the
-- period, YYYY-MM) or service (every service of the catalogue, and any other code recorded):
-- activities, households and people reached, distinct members named; by child also the
-- activities of each service. An activity counts under the unit it was recorded under, or,
-- when that unit was retired since, under the last successor when it lies in the subtree
-- (else under the retired unit, which then keeps a row): merged villages' history follows
-- them, once. By service, an activity with two services counts in both rows, once in the
-- total.
CREATE OR REPLACE FUNCTION report_activity(p_unit text, p_scope ltree, p_format text, p_from date,
                                p_to date, p_group_by text)
RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT report_build('activity', p_unit, p_scope, p_format, p_from, p_to, p_group_by) $$;

-- The villages an officer should look at first: every active village under the unit with an
-- active team, by that team's work from p_from to p_to (activities it recorded, households
-- they reached) against its active members; the fewest activities first, then the fewest
-- households per member (no member at all before any), at most p_limit. Counted by team, so
-- a team keeps its record when its village is merged into another.
CREATE OR REPLACE FUNCTION report_lagging(p_unit text, p_scope ltree, p_format text, p_from date,
                               p_to date, p_limit integer)
RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT report_build('lagging', p_unit, p_scope, p_format, p_from, p_to, NULL, p_limit) $$;

-- ---------------------------------------------------------------------------------------------
-- Funding

-- One row of the funding report: its unit (NULL for the total, which has no "unit") and its
-- figures (see report_funding below).
CREATE OR REPLACE FUNCTION report_funding_json(head json, by_status json, requested bigint,
                                    approved bigint, disbursed bigint, allocation bigint,
                                    remaining bigint, by_category json, allowance_paid bigint,
                                    members bigint, per_member bigint)
RETURNS json LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE WHEN head IS NULL THEN
    json_build_object('proposals', by_status, 'requested_vnd', requested,
        'approved_vnd', approved, 'disbursed_vnd', disbursed, 'allocation_vnd', allocation,
        'remaining_vnd', remaining, 'approved_line_items_vnd', by_category,
        'member_allowance_disbursed_vnd', allowance_paid, 'active_members', members,
        'allowance_per_active_member_vnd', per_member)
ELSE
    json_build_object('unit', head, 'proposals', by_status, 'requested_vnd', requested,
        'approved_vnd', approved, 'disbursed_vnd', disbursed, 'allocation_vnd', allocation,
        'remaining_vnd', remaining, 'approved_line_items_vnd', by_category,
        'member_allowance_disbursed_vnd', allowance_paid, 'active_members', members,
        'allowance_per_active_member_vnd', per_member)
END
$$;

-- The funding report, planned for the report unit as report_build plans the others (the same
-- settings, for the same reasons); a function of its own because it takes a fiscal year and,
-- for a team leader, the team whose proposals alone count (p_only_team, as visible_proposals).
CREATE OR REPLACE FUNCTION report_funding_build(p_unit text, p_scope ltree, p_only_team uuid,
                                                p_format text, p_year integer)
RETURNS text LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan SET random_page_cost = 1.1 SET work_mem = '32MB'
AS $fn$
DECLARE
    r record;
    -- the categories of funding_line_items' CHECK, in its order
    categories CONSTANT text[] := '{member_allowance,devices,mobile_data,training,travel,materials,other}';
BEGIN
    SELECT * INTO r FROM report_unit(p_unit, p_scope);
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN (
WITH src AS MATERIALIZED (
    -- the units whose proposals count, with the row they count in (as in the activity report)
    SELECT * FROM report_counted_units(r.path, r.id, r.depth, r.leaf)
), prop AS MATERIALIZED (
    -- the year's proposals, keyed by their row, with the share of what was paid that goes to
    -- their member allowance lines: the disbursed money is spread over a proposal's categories
    -- in proportion to their lines' totals, rounded down to the đồng
    SELECT src.child AS key, p.id, p.status, p.requested_total_vnd AS requested,
           p.approved_total_vnd AS approved, p.disbursed_total_vnd AS paid,
           CASE WHEN p.disbursed_total_vnd > 0 THEN
               (SELECT floor(p.disbursed_total_vnd::numeric * coalesce(sum(l.total_vnd), 0)
                             / p.requested_total_vnd)
                  FROM funding_line_items l
                 WHERE l.proposal_id = p.id AND l.category = 'member_allowance')
           ELSE 0 END::bigint AS allowance_paid
      FROM src JOIN funding_proposals p ON p.unit_code = src.code AND p.fiscal_year = p_year
     WHERE p_only_team IS NULL OR p_only_team = ANY (p.team_ids)
), sums AS MATERIALIZED (
    SELECT key, GROUPING(key) = 1 AS total,
           count(*) FILTER (WHERE status = 'draft') AS draft,
           count(*) FILTER (WHERE status = 'submitted') AS submitted,
           count(*) FILTER (WHERE status = 'returned') AS returned,
           count(*) FILTER (WHERE status = 'approved') AS approved_n,
           count(*) FILTER (WHERE status = 'rejected') AS rejected,
           count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn,
           count(*) FILTER (WHERE status = 'disbursed') AS disbursed_n,
           -- what was asked for: every proposal submitted and not taken back
           (sum(requested) FILTER (WHERE status NOT IN ('draft', 'withdrawn')))::bigint
               AS requested,
           (sum(approved) FILTER (WHERE status IN ('approved', 'disbursed')))::bigint AS approved,
           sum(paid)::bigint AS paid, sum(allowance_paid)::bigint AS allowance_paid
      FROM prop GROUP BY GROUPING SETS ((key), ())
), cats AS MATERIALIZED (
    -- the lines of the proposals granted (approved or disbursed), at their requested totals
    SELECT prop.key, GROUPING(prop.key) = 1 AS total, l.category, sum(l.total_vnd)::bigint AS n
      FROM prop JOIN funding_line_items l ON l.proposal_id = prop.id
     WHERE prop.status IN ('approved', 'disbursed')
     GROUP BY GROUPING SETS ((prop.key, l.category), (l.category))
), person AS MATERIALIZED (
    -- active people with an active membership in an active team of the subtree, each once,
    -- with the (at most two) rows they count in; teams are at active units, whose key in src
    -- is their own (a retired unit's teams moved to its successor)
    SELECT ms.member_id, min(src.child) AS g1, max(src.child) AS g2
      FROM src
      JOIN teams t ON t.unit_code = src.code AND t.status = 'active'
      JOIN memberships ms ON ms.team_id = t.id AND ms.left_on IS NULL
      JOIN members m ON m.id = ms.member_id AND m.status = 'active'
     GROUP BY ms.member_id
), heads AS (
    SELECT g AS key, false AS total, count(*) AS n
      FROM (SELECT g1 AS g FROM person WHERE g1 IS NOT NULL
            UNION ALL
            SELECT g2 FROM person WHERE g2 <> g1) x
     GROUP BY g
    UNION ALL
    SELECT NULL, true, count(*) FROM person
), lines AS (
    SELECT * FROM report_lines(r.id, r.code, r.name, r.level, r.leaf,
                               ARRAY(SELECT key FROM sums WHERE NOT total AND key IS NOT NULL))
), figures AS (
    SELECT l.*, coalesce(s.draft, 0) AS draft, coalesce(s.submitted, 0) AS submitted,
           coalesce(s.returned, 0) AS returned, coalesce(s.approved_n, 0) AS approved_n,
           coalesce(s.rejected, 0) AS rejected, coalesce(s.withdrawn, 0) AS withdrawn,
           coalesce(s.disbursed_n, 0) AS disbursed_n, coalesce(s.requested, 0) AS requested,
           coalesce(s.approved, 0) AS approved, coalesce(s.paid, 0) AS paid,
           coalesce(s.allowance_paid, 0) AS allowance_paid, a.amount_vnd AS allocation,
           CASE WHEN a.id IS NOT NULL
                THEN a.amount_vnd - funding_approved_under(a.unit_code, p_year) END AS remaining,
           coalesce(h.n, 0) AS members,
           (SELECT array_agg(coalesce(c.n, 0) ORDER BY k.i)
              FROM unnest(categories) WITH ORDINALITY AS k(category, i)
              LEFT JOIN cats c ON c.category = k.category AND c.total = l.total
                              AND c.key IS NOT DISTINCT FROM l.key) AS by_category
      FROM lines l
      LEFT JOIN sums s ON s.total = l.total AND s.key IS NOT DISTINCT FROM l.key
      LEFT JOIN heads h ON h.total = l.total AND h.key IS NOT DISTINCT FROM l.key
      LEFT JOIN funding_allocations a ON a.unit_code = l.code AND a.fiscal_year = p_year
), shaped AS (
    SELECT f.code, f.name, f.level, f.total,
           report_funding_json(
               CASE WHEN NOT f.total THEN report_unit_json(f.code, f.name, f.level) END,
               json_build_object('draft', f.draft, 'submitted', f.submitted,
                   'returned', f.returned, 'approved', f.approved_n,
                   'rejected', f.rejected, 'withdrawn', f.withdrawn,
                   'disbursed', f.disbursed_n),
               f.requested, f.approved, f.paid, f.allocation, f.remaining,
               (SELECT json_object_agg(k.category, k.n ORDER BY k.i)
                  FROM unnest(categories, f.by_category) WITH ORDINALITY AS k(category, n, i)),
               f.allowance_paid, f.members, f.allowance_paid / nullif(f.members, 0)) AS j
      FROM figures f
)
SELECT report_body(p_format,
           csv_line(VARIADIC ARRAY['unit_code', 'unit_name', 'unit_level',
                                   'proposals.draft', 'proposals.submitted', 'proposals.returned',
                                   'proposals.approved', 'proposals.rejected',
                                   'proposals.withdrawn', 'proposals.disbursed', 'requested_vnd',
                                   'approved_vnd', 'disbursed_vnd', 'allocation_vnd',
                                   'remaining_vnd']
                    || (SELECT array_agg('approved_line_items_vnd.' || c ORDER BY i)
                          FROM unnest(categories) WITH ORDINALITY AS k(c, i))
                    || ARRAY['member_allowance_disbursed_vnd', 'active_members',
                             'allowance_per_active_member_vnd']),
           json_build_object('unit', report_unit_json(r.code, r.name, r.level),
                             'period', json_build_object('fiscal_year', p_year)),
           (SELECT json_agg(s ORDER BY s.code) FROM shaped s)));
END $fn$;

-- Funding in fiscal year p_year, per child unit and in total (entry point:
-- api/resources/reports.c). Proposals count under the unit they were made for, or, when that
-- unit was retired since, under its last successor (as activities do); a team leader's
-- report counts only the proposals that name their team (p_only_team).
--   proposals        how many are in each status;
--   requested_vnd    the requested totals of the proposals submitted and not taken back:
--                    submitted, returned, approved, rejected, disbursed (not drafts, not
--                    withdrawn ones);
--   approved_vnd     the approved totals of the approved and disbursed ones;
--   disbursed_vnd    what was paid (the tranches, approved ones partly paid included);
--   allocation_vnd   the row unit's own allocation for the year (NULL: none; the total: the
--                    report unit's), and remaining_vnd what it has left as the approvals
--                    count it (funding_approved_under: every proposal at or under the unit);
--   approved_line_items_vnd  per category, the line totals (as requested) of the approved
--                    and disbursed proposals;
--   member_allowance_disbursed_vnd  what was paid, spread over each proposal's categories in
--                    proportion to their lines, for member allowances (rounded down per
--                    proposal);
--   active_members   active people with an active membership in an active team there (once
--                    a row, once in the total), and allowance_per_active_member_vnd the
--                    member allowance paid for each, rounded down (NULL without members).
CREATE OR REPLACE FUNCTION report_funding(p_unit text, p_scope ltree, p_only_team uuid,
                                          p_format text, p_year integer)
RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT report_funding_build(p_unit, p_scope, p_only_team, p_format, p_year) $$;
