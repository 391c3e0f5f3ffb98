-- The evaluations report (/api/v1/reports/evaluations): for a unit's subtree and one period, how
-- many of its members (or teams) were evaluated and how they rated. The shared rules of the
-- reports are those of 60_reports.sql (rows are the unit's active children, the total covers the
-- whole subtree, NULL when the unit is missing or out of scope, CSV with the same columns and
-- the total last); the periods are those of 65_evaluations.sql.
--
-- The subjects of a row are the active members (or active teams) of the units under it, where
-- they are now. A subject's rating for a period is that of its current finalized evaluation of
-- the period (not superseded; drafts never count), by p_body when given; without p_body, a
-- subject evaluated by several bodies counts once, with the one finalized last. Per row:
--   active_subjects           the subjects;
--   evaluated                 those with a rating for the period, evaluated_percent of them
--                             (one decimal, 0.0 without subjects);
--   ratings                   how many at each level;
--   average_total_score       the average total of the evaluated (one decimal, null: none);
--   unsatisfactory_repeat     rated unsatisfactory for the period and the one before
--                             (period_previous), under the same p_body;
--   members_without_activity  subjects named in no activity dated within the period (a member
--                             in none of their teams' activities, a team with none recorded).
-- The JSON total lists the repeat subjects too (unsatisfactory_repeat_subjects: at most 200,
-- by name).
--
-- Planned for the report unit as report_build() is (force_custom_plan, random_page_cost; see
-- 60_reports.sql), with the period's bounds as variables; read from the indexes of
-- 0021_evaluation_report_indexes.sql.

-- One row of the report as JSON: its unit (NULL for the total, which has none) and figures,
-- and for the total the subjects rated unsatisfactory twice in a row (NULL for a row).
CREATE OR REPLACE FUNCTION report_evaluations_json(unit json, subjects bigint, evaluated bigint,
    percent numeric, excellent bigint, good bigint, satisfactory bigint, unsatisfactory bigint,
    average numeric, repeat bigint, idle bigint, repeat_subjects json)
RETURNS json LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE WHEN unit IS NOT NULL THEN
    json_build_object('unit', unit, 'active_subjects', subjects, 'evaluated', evaluated,
        'evaluated_percent', percent,
        'ratings', json_build_object('excellent', excellent, 'good', good,
                                     'satisfactory', satisfactory,
                                     'unsatisfactory', unsatisfactory),
        'average_total_score', average, 'unsatisfactory_repeat', repeat,
        'members_without_activity', idle)
ELSE
    json_build_object('active_subjects', subjects, 'evaluated', evaluated,
        'evaluated_percent', percent,
        'ratings', json_build_object('excellent', excellent, 'good', good,
                                     'satisfactory', satisfactory,
                                     'unsatisfactory', unsatisfactory),
        'average_total_score', average, 'unsatisfactory_repeat', repeat,
        'members_without_activity', idle, 'unsatisfactory_repeat_subjects', repeat_subjects)
END
$$;

CREATE OR REPLACE FUNCTION report_evaluations(p_unit text, p_scope ltree, p_format text,
                                              p_subject_type text, p_period text, p_body text)
RETURNS text LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan SET random_page_cost = 1.1 SET work_mem = '32MB'
AS $fn$
DECLARE
    r record;
    p_from date;
    p_to date;
    p_previous text := period_previous(p_period);
BEGIN
    SELECT * INTO r FROM report_unit(p_unit, p_scope);
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT b.period_from, b.period_to INTO p_from, p_to FROM period_bounds(p_period) b;
    RETURN (
WITH sub AS MATERIALIZED (
    SELECT u.code, report_row_key(u.path, r.id, r.depth, r.leaf) AS g
      FROM units u WHERE within(u.path, r.path)
), subject AS MATERIALIZED (
    -- the active subjects and the row they count in (members from the index alone)
    SELECT m.id, s.g
      FROM sub s JOIN members m ON m.unit_code = s.code AND m.status = 'active'
     WHERE p_subject_type = 'member'
    UNION ALL
    SELECT t.id, s.g
      FROM sub s JOIN teams t ON t.unit_code = s.code AND t.status = 'active'
     WHERE p_subject_type = 'team'
), rated AS MATERIALIZED (
    -- each subject's rating for the period and the one before: its current finalized
    -- evaluation (of p_body), the one finalized last when there are several (sorted by the
    -- period's last day: a date compares faster than text in a non-C collation; all of it from
    -- the index evaluations_current)
    SELECT DISTINCT ON (e.subject_id, e.period_to) e.subject_id, e.period, e.rating,
           e.total_score
      FROM subject s JOIN evaluations e ON e.subject_id = s.id
     WHERE e.period IN (p_period, p_previous) AND e.subject_type = p_subject_type
       AND e.status = 'finalized' AND e.superseded_by IS NULL
       AND (p_body IS NULL OR e.evaluator_body = p_body)
     ORDER BY e.subject_id, e.period_to, e.finalized_at DESC, e.evaluator_body
), worked AS MATERIALIZED (
    -- the subjects with an activity in the period: a member is named only in activities of
    -- teams they belong to on that day, so their teams' activities hold all of theirs (read
    -- from the index activities_team_members; unnest in the select list: a set-returning
    -- function scan per activity costs twice)
    SELECT n.id FROM (
        SELECT unnest(a.member_ids) AS id
          FROM (SELECT DISTINCT ms.team_id FROM subject s
                  JOIN memberships ms ON ms.member_id = s.id
                 WHERE p_subject_type = 'member') tm
          JOIN activities a ON a.team_id = tm.team_id AND a.date BETWEEN p_from AND p_to) n
     GROUP BY n.id
    UNION ALL
    SELECT DISTINCT a.team_id
      FROM subject s JOIN activities a ON a.team_id = s.id AND a.date BETWEEN p_from AND p_to
     WHERE p_subject_type = 'team'
), judged AS MATERIALIZED (
    SELECT s.id, s.g, cur.rating, cur.total_score,
           coalesce(cur.rating = 'unsatisfactory' AND prev.rating = 'unsatisfactory', false)
               AS repeat,
           w.id IS NULL AS idle
      FROM subject s
      LEFT JOIN rated cur ON cur.subject_id = s.id AND cur.period = p_period
      LEFT JOIN rated prev ON prev.subject_id = s.id AND prev.period = p_previous
      LEFT JOIN worked w ON w.id = s.id
), sums AS (
    SELECT g, GROUPING(g) = 1 AS total, count(*) AS subjects, count(rating) AS evaluated,
           count(*) FILTER (WHERE rating = 'excellent') AS excellent,
           count(*) FILTER (WHERE rating = 'good') AS good,
           count(*) FILTER (WHERE rating = 'satisfactory') AS satisfactory,
           count(*) FILTER (WHERE rating = 'unsatisfactory') AS unsatisfactory,
           round(avg(total_score), 1) AS average,
           count(*) FILTER (WHERE repeat) AS repeat, count(*) FILTER (WHERE idle) AS idle
      FROM judged GROUP BY GROUPING SETS ((g), ())
), figures AS (
    SELECT l.*, coalesce(s.subjects, 0) AS subjects, coalesce(s.evaluated, 0) AS evaluated,
           report_percent(s.evaluated, s.subjects) AS percent,
           coalesce(s.excellent, 0) AS excellent, coalesce(s.good, 0) AS good,
           coalesce(s.satisfactory, 0) AS satisfactory,
           coalesce(s.unsatisfactory, 0) AS unsatisfactory, s.average,
           coalesce(s.repeat, 0) AS repeat, coalesce(s.idle, 0) AS idle
      FROM report_lines(r.id, r.code, r.name, r.level, r.leaf, '{}') l
      LEFT JOIN sums s ON s.total = l.total AND s.g IS NOT DISTINCT FROM l.key
), shaped AS (
    SELECT f.code, f.name, f.level, f.total,
           report_evaluations_json(
               CASE WHEN NOT f.total THEN report_unit_json(f.code, f.name, f.level) END,
               f.subjects, f.evaluated, f.percent, f.excellent, f.good, f.satisfactory,
               f.unsatisfactory, f.average, f.repeat, f.idle,
               CASE WHEN f.total THEN coalesce(
                   (SELECT json_agg(json_build_object('subject_id', x.id, 'name', x.name,
                                        'unit_code', x.unit_code) ORDER BY x.name, x.id)
                      FROM (SELECT n.id, n.name, n.unit_code
                              FROM judged j
                              JOIN (SELECT m.id, m.full_name AS name, m.unit_code FROM members m
                                     WHERE p_subject_type = 'member'
                                    UNION ALL
                                    SELECT t.id, t.name, t.unit_code FROM teams t
                                     WHERE p_subject_type = 'team') n ON n.id = j.id
                             WHERE j.repeat ORDER BY n.name, n.id LIMIT 200) x), '[]') END)
           AS j
      FROM figures f
)
SELECT report_body(p_format,
           'unit_code,unit_name,unit_level,active_subjects,evaluated,'
                      'evaluated_percent,ratings.excellent,ratings.good,ratings.satisfactory,'
                      'ratings.unsatisfactory,average_total_score,unsatisfactory_repeat,'
                      'members_without_activity',
           json_build_object('unit', report_unit_json(r.code, r.name, r.level),
               'period', json_build_object('period', p_period, 'from', p_from, 'to', p_to,
                                           'previous', p_previous),
               'subject_type', p_subject_type, 'evaluator_body', p_body),
           (SELECT json_agg(s ORDER BY s.code) FROM shaped s)));
END $fn$;
