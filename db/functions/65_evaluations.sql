-- Evaluations of members and teams (tables: db/migrations/0019_evaluations.sql).
--
-- An evaluation scores a subject (a member or a team) for a period on one version of a rubric.
-- The server computes, from the rubric and the subject's activities in the period:
--   evidence     the subject's KPIs (evaluation_kpis) and, for each criterion with a KPI, the
--                value, the target and a suggested score;
--   total_score  sum over the criteria of weight * score / max_score: 0-100, one decimal,
--                NULL until every criterion has a score;
--   rating       the first threshold the total reaches (excellent, good, satisfactory), else
--                unsatisfactory; NULL with the total.
-- Evidence is recomputed at every write of a draft and frozen when it is finalized.

-- ---------------------------------------------------------------------------------------------
-- Periods

-- The first and last day of a period: '2025' is the year, '2025-Q3' July to September. NULL
-- for anything else.
CREATE OR REPLACE FUNCTION period_bounds(period text, OUT period_from date, OUT period_to date)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT make_date(p.y, p.m, 1),
           (make_date(p.y, p.m, 1) + make_interval(months => p.n))::date - 1
      FROM (SELECT substr(period, 1, 4)::int AS y,
                   CASE WHEN length(period) = 4 THEN 1
                        ELSE (substr(period, 7, 1)::int - 1) * 3 + 1 END AS m,
                   CASE WHEN length(period) = 4 THEN 12 ELSE 3 END AS n
             WHERE period ~ '^[0-9]{4}(-Q[1-4])?$') p
$$;

-- The period before: '2025' → '2024', '2025-Q1' → '2024-Q4'.
CREATE OR REPLACE FUNCTION period_previous(period text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN length(period) = 4 THEN (substr(period, 1, 4)::int - 1)::text
                WHEN substr(period, 7, 1) = '1'
                THEN (substr(period, 1, 4)::int - 1)::text || '-Q4'
                ELSE substr(period, 1, 6) || (substr(period, 7, 1)::int - 1)::text END
     WHERE period ~ '^[0-9]{4}(-Q[1-4])?$'
$$;

-- What is wrong with a period for a rubric of period_kind, as [{field, code, message}], or
-- NULL: the form must be the rubric's ('2025' for year, '2025-Q3' for quarter), the year 2020
-- or later (the teams began in 2021), and the period begun by today in Vietnam.
CREATE OR REPLACE FUNCTION period_problems(period text, period_kind text) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT CASE
        WHEN period !~ '^[0-9]{4}(-Q[1-9])?$' OR (period_kind = 'year' AND length(period) <> 4)
             OR (period_kind = 'quarter' AND period !~ '^[0-9]{4}-Q[1-4]$')
        THEN jsonb_build_array(jsonb_build_object('field', '/period', 'code', 'invalid_format',
            'message', CASE period_kind WHEN 'year' THEN 'the rubric is yearly: a year, e.g. 2025'
                            ELSE 'the rubric is quarterly: a year and quarter, e.g. 2025-Q3' END))
        WHEN substr(period, 1, 4)::int < 2020
        THEN jsonb_build_array(jsonb_build_object('field', '/period', 'code', 'out_of_range',
            'message', 'must be 2020 or later'))
        WHEN (period_bounds(period)).period_from > report_today()
        THEN jsonb_build_array(jsonb_build_object('field', '/period', 'code', 'in_future',
            'message', 'has not begun yet'))
    END
$$;

-- ---------------------------------------------------------------------------------------------
-- Evidence

-- The activities dated from..to of the subjects `ids`, one row per subject and activity (an
-- activity of three members named is three rows). Each branch is planned on its own, with the
-- actual array: a few members go through the GIN index on member_ids; many (a commune or
-- more) scan the period and hash the members named against the set; teams use their index.
CREATE OR REPLACE FUNCTION evaluation_activities(subject_type text, ids uuid[],
    from_date date, to_date date)
    RETURNS TABLE (subject_id uuid, activity_id uuid, date date, unit_code text,
                   service_codes text[], member_ids uuid[], households_reached int,
                   people_reached int)
    LANGUAGE plpgsql STABLE
    SET plan_cache_mode = force_custom_plan
    AS $$
#variable_conflict use_column
BEGIN
    IF evaluation_activities.subject_type = 'team' THEN
        RETURN QUERY
        SELECT a.team_id, a.id, a.date, a.unit_code, a.service_codes, a.member_ids,
               a.households_reached, a.people_reached
          FROM activities a
         WHERE a.team_id = ANY (evaluation_activities.ids)
           AND a.date BETWEEN evaluation_activities.from_date AND evaluation_activities.to_date;
    ELSIF cardinality(evaluation_activities.ids) <= 64 THEN
        RETURN QUERY
        SELECT m.id, a.id, a.date, a.unit_code, a.service_codes, a.member_ids,
               a.households_reached, a.people_reached
          FROM activities a CROSS JOIN LATERAL unnest(a.member_ids) m(id)
         WHERE a.member_ids && evaluation_activities.ids
           AND a.date BETWEEN evaluation_activities.from_date AND evaluation_activities.to_date
           AND m.id = ANY (evaluation_activities.ids);
    ELSE
        RETURN QUERY
        SELECT m.id, a.id, a.date, a.unit_code, a.service_codes, a.member_ids,
               a.households_reached, a.people_reached
          FROM activities a CROSS JOIN LATERAL unnest(a.member_ids) m(id)
          JOIN (SELECT DISTINCT w.id FROM unnest(evaluation_activities.ids) w(id)) w
            ON w.id = m.id
         WHERE a.date BETWEEN evaluation_activities.from_date AND evaluation_activities.to_date;
    END IF;
END
$$;

-- The KPIs of the subjects `ids` (all members or all teams, by subject_type) from their
-- activities dated from..to, one row for every id (zeros when it has none):
--   activities, households_reached, people_reached (sums over the activities: a member
--   counts the households of every activity they took part in), active_days (distinct dates),
--   services_covered (distinct services), for teams villages_reached (distinct units the
--   activities were made in) and active_members (distinct members named), first_activity_on,
--   last_activity_on, and by_service: [{service_code, activities, households_reached,
--   people_reached}] by service code.
-- Set-based, so that a whole commune or province is computed in one statement.
CREATE OR REPLACE FUNCTION evaluation_kpis(subject_type text, ids uuid[], from_date date,
    to_date date)
    RETURNS TABLE (subject_id uuid, kpis jsonb)
    LANGUAGE sql STABLE
    -- The planner cannot know how many activities and subjects there are; a nested loop over
    -- thousands of each is quadratic, hash joins are linear whatever the count.
    SET enable_nestloop = off
    AS $$
    WITH wanted AS (SELECT DISTINCT i.id FROM unnest(ids) i(id)),
    acts AS MATERIALIZED (
        SELECT * FROM evaluation_activities(evaluation_kpis.subject_type, ids, from_date,
            to_date)),
    totals AS (
        SELECT x.subject_id, count(*) AS activities,
               coalesce(sum(x.households_reached), 0) AS households,
               coalesce(sum(x.people_reached), 0) AS people,
               count(DISTINCT x.date) AS active_days, count(DISTINCT x.unit_code) AS villages,
               min(x.date) AS first_on, max(x.date) AS last_on
          FROM acts x GROUP BY x.subject_id),
    services AS (
        SELECT x.subject_id, s.code, count(*) AS activities,
               coalesce(sum(x.households_reached), 0) AS households,
               coalesce(sum(x.people_reached), 0) AS people
          FROM acts x CROSS JOIN LATERAL unnest(x.service_codes) s(code)
         GROUP BY x.subject_id, s.code),
    by_service AS (
        SELECT s.subject_id, count(*) AS covered,
               jsonb_agg(jsonb_build_object('service_code', s.code, 'activities', s.activities,
                   'households_reached', s.households, 'people_reached', s.people)
                   ORDER BY s.code) AS list
          FROM services s GROUP BY s.subject_id),
    members AS (
        SELECT x.subject_id, count(DISTINCT m.id) AS active
          FROM acts x CROSS JOIN LATERAL unnest(x.member_ids) m(id)
         WHERE evaluation_kpis.subject_type = 'team' GROUP BY x.subject_id)
    SELECT i.id,
           jsonb_build_object('activities', coalesce(t.activities, 0),
               'households_reached', coalesce(t.households, 0),
               'people_reached', coalesce(t.people, 0),
               'active_days', coalesce(t.active_days, 0),
               'services_covered', coalesce(b.covered, 0))
           || CASE WHEN evaluation_kpis.subject_type = 'team'
                   THEN jsonb_build_object('villages_reached', coalesce(t.villages, 0),
                            'active_members', coalesce(m.active, 0))
                   ELSE '{}' END
           || jsonb_build_object('first_activity_on', t.first_on,
                  'last_activity_on', t.last_on, 'by_service', coalesce(b.list, '[]'))
      FROM wanted i
      LEFT JOIN totals t ON t.subject_id = i.id
      LEFT JOIN by_service b ON b.subject_id = i.id
      LEFT JOIN members m ON m.subject_id = i.id
$$;

-- The score a KPI suggests for a criterion: max_score in proportion to value / target, at most
-- max_score, one decimal; NULL without a positive target. (One expression, no WHERE, so that
-- PostgreSQL inlines it: called per criterion of every evidence, a province's prefill or demo
-- seed makes tens of thousands of calls.)
CREATE OR REPLACE FUNCTION suggested_score(value numeric, target numeric, max_score numeric)
    RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN target > 0 THEN round(least(1, value / target) * max_score, 1) END $$;

-- The evidence of an evaluation: the period, when it was computed, the KPIs (kpis as
-- evaluation_kpis() made them) and, for each criterion with a KPI, {code, kpi, value, target,
-- suggested_score}.
CREATE OR REPLACE FUNCTION evaluation_evidence(kpis jsonb, criteria jsonb, from_date date,
    to_date date)
    RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT jsonb_build_object('period_from', from_date, 'period_to', to_date,
               'computed_at', rfc3339(now()),
               'kpis', kpis - ARRAY['first_activity_on', 'last_activity_on', 'by_service'],
               'first_activity_on', kpis->'first_activity_on',
               'last_activity_on', kpis->'last_activity_on',
               'by_service', kpis->'by_service',
               'criteria', coalesce((
                   SELECT jsonb_agg(jsonb_build_object('code', c->>'code', 'kpi', c->>'kpi',
                              'value', (kpis->>(c->>'kpi'))::numeric,
                              'target', (c->'target'),
                              'suggested_score', suggested_score((kpis->>(c->>'kpi'))::numeric,
                                  (c->>'target')::numeric, (c->>'max_score')::numeric))
                              ORDER BY o)
                     FROM jsonb_array_elements(criteria) WITH ORDINALITY e(c, o)
                    WHERE c ? 'kpi'), '[]'))
$$;

-- ---------------------------------------------------------------------------------------------
-- Scoring

-- The weighted total of scores ({criterion code: score}) on criteria: 0-100, one decimal;
-- NULL while a criterion has no score.
CREATE OR REPLACE FUNCTION evaluation_total(scores jsonb, criteria jsonb) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN bool_and(scores ? (c->>'code'))
                THEN round(sum((c->>'weight')::numeric * (scores->>(c->>'code'))::numeric
                               / (c->>'max_score')::numeric), 1) END
      FROM jsonb_array_elements(criteria) c
$$;

-- The rating a total earns under thresholds ({excellent, good, satisfactory}); NULL for NULL.
CREATE OR REPLACE FUNCTION evaluation_rating(total numeric, thresholds jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN total IS NULL THEN NULL
                WHEN total >= (thresholds->>'excellent')::numeric THEN 'excellent'
                WHEN total >= (thresholds->>'good')::numeric THEN 'good'
                WHEN total >= (thresholds->>'satisfactory')::numeric THEN 'satisfactory'
                ELSE 'unsatisfactory' END
$$;

-- What is wrong with scores on criteria, as [{field, code, message}], or NULL: a score for no
-- criterion of the rubric, a score that is not a number from 0 to the criterion's max_score
-- (at most one decimal), and, when complete is true (finalizing), a criterion without score.
CREATE OR REPLACE FUNCTION evaluation_score_problems(scores jsonb, criteria jsonb,
    complete boolean)
    RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT jsonb_agg(p ORDER BY p->>'field') FROM (
        SELECT jsonb_build_object('field', '/scores/' || s.key, 'code', 'unknown_criterion',
                   'message', 'the rubric has no criterion ' || s.key) AS p
          FROM jsonb_each(scores) s
         WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(criteria) c
                            WHERE c->>'code' = s.key)
        UNION ALL
        SELECT jsonb_build_object('field', '/scores/' || s.key, 'code', 'out_of_range',
                   'message', 'must be a number from 0 to ' || (c->>'max_score')
                              || ' with at most one decimal')
          FROM jsonb_each(scores) s JOIN jsonb_array_elements(criteria) c
            ON c->>'code' = s.key
         WHERE jsonb_typeof(s.value) <> 'number' OR s.value::numeric < 0
            OR s.value::numeric > (c->>'max_score')::numeric
            OR s.value::numeric <> round(s.value::numeric, 1)
        UNION ALL
        SELECT jsonb_build_object('field', '/scores/' || (c->>'code'), 'code', 'required',
                   'message', 'every criterion needs a score to finalize')
          FROM jsonb_array_elements(criteria) c
         WHERE complete AND NOT scores ? (c->>'code')) x
$$;

-- ---------------------------------------------------------------------------------------------
-- Subjects and scope

-- The members and teams the caller sees (the scope rule of 10_scope.sql), with the unit each
-- belongs to: a team leader (only_team) sees their team and the members it has or had.
CREATE OR REPLACE FUNCTION visible_subjects(scope ltree, only_team uuid)
    RETURNS TABLE (subject_type text, subject_id uuid, unit_code text, name text,
                   active boolean)
    LANGUAGE sql STABLE
    AS $$
    SELECT 'member', m.id, m.unit_code, m.full_name, m.status = 'active'
      FROM visible_members(scope) m
     WHERE only_team IS NULL OR EXISTS (SELECT 1 FROM memberships ms
                                         WHERE ms.member_id = m.id AND ms.team_id = only_team)
    UNION ALL
    SELECT 'team', t.id, t.unit_code, t.name, t.status = 'active'
      FROM visible_teams(scope, only_team) t
$$;

-- ---------------------------------------------------------------------------------------------
-- Representation

-- An evaluation as the API shows it. Comments are personal data: without personal (viewers,
-- systems without members:pii) they read as '********' when there are any.
CREATE OR REPLACE FUNCTION evaluation_json(e evaluations, personal boolean) RETURNS json
    LANGUAGE sql STABLE
    AS $$
    SELECT json_build_object('id', e.id, 'subject_type', e.subject_type,
        'subject_id', e.subject_id,
        'subject_name', CASE e.subject_type
            WHEN 'member' THEN (SELECT m.full_name FROM members m WHERE m.id = e.member_id)
            ELSE (SELECT t.name FROM teams t WHERE t.id = e.team_id) END,
        'unit_code', CASE e.subject_type
            WHEN 'member' THEN (SELECT m.unit_code FROM members m WHERE m.id = e.member_id)
            ELSE (SELECT t.unit_code FROM teams t WHERE t.id = e.team_id) END,
        'period', e.period, 'evaluator_body', e.evaluator_body,
        'rubric_code', e.rubric_code, 'rubric_version', e.rubric_version,
        'scores', e.scores, 'total_score', e.total_score, 'rating', e.rating,
        'comments', CASE WHEN personal OR e.comments IS NULL THEN e.comments
                         ELSE '********' END,
        'evidence', e.evidence, 'status', e.status, 'supersedes', e.supersedes,
        'superseded_by', e.superseded_by, 'reason', e.reason,
        'finalized_at', rfc3339(e.finalized_at), 'created_at', rfc3339(e.created_at),
        'updated_at', rfc3339(e.updated_at), 'version', e.version)
$$;

-- The short form member and team reads carry: the newest finalized, current evaluation of the
-- subject (the latest period, then the latest finalized), or NULL.
CREATE OR REPLACE FUNCTION latest_evaluation_json(subject uuid) RETURNS json
    LANGUAGE sql STABLE
    AS $$
    SELECT json_build_object('id', e.id, 'period', e.period,
               'evaluator_body', e.evaluator_body, 'rating', e.rating,
               'total_score', e.total_score)
      FROM evaluations e
     WHERE e.subject_id = subject AND e.status = 'finalized' AND e.superseded_by IS NULL
     ORDER BY e.period_to DESC, e.finalized_at DESC
     LIMIT 1
$$;
