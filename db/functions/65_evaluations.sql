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
        THEN field_problem('/period', 'invalid_format', CASE period_kind
            WHEN 'year' THEN 'the rubric is yearly: a year, e.g. 2025'
            ELSE 'the rubric is quarterly: a year and quarter, e.g. 2025-Q3' END)
        WHEN substr(period, 1, 4)::int < 2020
        THEN field_problem('/period', 'out_of_range', 'must be 2020 or later')
        WHEN (period_bounds(period)).period_from > report_today()
        THEN field_problem('/period', 'in_future', 'has not begun yet')
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

-- When an evaluation is finalized or superseded, the latest_evaluation of its member's stored
-- documents (40_members.sql) is built again, and every process empties its kept team and
-- member representations (the notice of 30_teams.sql).
CREATE OR REPLACE FUNCTION evaluations_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM written w WHERE w.status = 'finalized') THEN
        PERFORM member_documents_rebuild(ARRAY(SELECT w.member_id FROM written w
                                                WHERE w.status = 'finalized'
                                                  AND w.member_id IS NOT NULL));
        PERFORM pg_notify('cdtt_teams', '');
    END IF;
    RETURN NULL;
END $$;

SELECT written_rows_triggers('evaluations', 'evaluations_refresh', 'evaluations_refresh');

-- ---------------------------------------------------------------------------------------------
-- Writes (api/resources/evaluations.c)
--
-- Each write answers one row: outcome ('ok', 'not_found', 'stale', 'conflict', 'invalid'),
-- problems ([{field, code, message}] when invalid), detail (what a conflict is about), and
-- when ok the representation (json), version and id. The C side checks the form of every
-- field first; these check what needs the database: the subject in the caller's scope, the
-- rubric, the period against the rubric, the scores against its criteria, the evaluation a
-- correction supersedes, and the rule of one current evaluation per subject, period and body.

-- The current version of rubric `code` when it is active.
CREATE OR REPLACE FUNCTION rubric_current(p_code text) RETURNS SETOF rubrics
    LANGUAGE sql STABLE
    AS $$
    SELECT r.* FROM rubrics r WHERE r.code = p_code AND r.status = 'active'
       AND r.version = (SELECT max(x.version) FROM rubrics x WHERE x.code = p_code)
$$;

-- The evidence of subject p_subject (of p_type) for period_from..period_to on criteria.
CREATE OR REPLACE FUNCTION evaluation_evidence_of(p_type text, p_subject uuid, p_from date,
    p_to date, p_criteria jsonb)
    RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT evaluation_evidence(k.kpis, p_criteria, p_from, p_to)
      FROM evaluation_kpis(p_type, ARRAY[p_subject], p_from, p_to) k
$$;

CREATE OR REPLACE FUNCTION evaluation_create(p_doc jsonb, p_scope ltree, p_personal boolean,
    p_actor audit_actor)
RETURNS write_outcome LANGUAGE plpgsql AS $$
DECLARE
    v_type text := p_doc->>'subject_type';
    v_subject uuid := (p_doc->>'subject_id')::uuid;
    v_period text := p_doc->>'period';
    v_body text := p_doc->>'evaluator_body';
    v_scores jsonb := coalesce(p_doc->'scores', '{}');
    v_status text := coalesce(p_doc->>'status', 'draft');
    v_supersedes uuid := (p_doc->>'supersedes')::uuid;
    v_actual_type text;
    r rubrics;
    b record;
    old evaluations;
    v_problems jsonb;
    e evaluations;
BEGIN
    SELECT s.subject_type INTO v_actual_type
      FROM visible_subjects(p_scope, NULL) s WHERE s.subject_id = v_subject;
    IF v_actual_type IS NULL THEN
        RETURN outcome('not_found', p_detail => v_type);
    ELSIF v_actual_type <> v_type THEN
        RETURN outcome('invalid',
            p_problems => field_problem('/subject_id', 'wrong_type',
                                        'is a ' || v_actual_type || ', not a ' || v_type));
    END IF;
    SELECT * INTO r FROM rubric_current(p_doc->>'rubric_code');
    IF r.code IS NULL THEN
        v_problems := field_problem('/rubric_code', 'unknown', 'no active rubric has this code');
    ELSIF r.subject_type <> v_type THEN
        v_problems := field_problem('/rubric_code', 'wrong_subject_type',
            'the rubric evaluates ' || r.subject_type || 's, not ' || v_type || 's');
    ELSE
        v_problems := coalesce(period_problems(v_period, r.period_kind), '[]')
            || coalesce(evaluation_score_problems(v_scores, r.criteria,
                                                  v_status = 'finalized'), '[]');
    END IF;
    IF v_supersedes IS NOT NULL AND jsonb_array_length(v_problems) = 0 THEN
        SELECT * INTO old FROM evaluations o WHERE o.id = v_supersedes FOR UPDATE;
        IF old.id IS NULL OR old.subject_id <> v_subject OR old.period <> v_period
           OR old.evaluator_body <> v_body THEN
            v_problems := field_problem('/supersedes', 'not_found',
                'must name an evaluation of the same subject, period and evaluator body');
        ELSIF old.status <> 'finalized' THEN
            v_problems := field_problem('/supersedes', 'not_finalized',
                                        'a draft is changed, not superseded');
        ELSIF old.superseded_by IS NOT NULL THEN
            RETURN outcome('conflict',
                p_detail => 'The evaluation ' || old.id || ' is already superseded by '
                            || old.superseded_by || '; a further correction supersedes that one.');
        END IF;
    END IF;
    IF jsonb_array_length(v_problems) > 0 THEN
        RETURN outcome('invalid', p_problems => v_problems);
    END IF;
    -- One evaluation in progress or current per subject, period and body; a correction
    -- names the current one (and may be the only other).
    SELECT o.id, o.status INTO b FROM evaluations o
     WHERE o.subject_id = v_subject AND o.period = v_period AND o.evaluator_body = v_body
       AND o.superseded_by IS NULL AND o.id IS DISTINCT FROM v_supersedes
     ORDER BY o.status = 'finalized' DESC LIMIT 1;
    IF b.id IS NOT NULL THEN
        RETURN outcome('conflict',
            p_detail => CASE WHEN b.status = 'finalized'
                 THEN 'The subject already has a finalized evaluation for this period by this '
                      || 'evaluator body (' || b.id || '); a correction names it in supersedes.'
                 ELSE 'The subject already has a draft evaluation for this period by this '
                      || 'evaluator body (' || b.id || '); change that one.' END);
    END IF;
    BEGIN
        INSERT INTO evaluations AS n (subject_type, member_id, team_id, period, period_from,
               period_to, evaluator_body, rubric_code, rubric_version, scores, total_score,
               rating, comments, evidence, status, supersedes, reason)
        SELECT v_type, CASE v_type WHEN 'member' THEN v_subject END,
               CASE v_type WHEN 'team' THEN v_subject END, v_period, p.period_from,
               p.period_to, v_body, r.code, r.version, v_scores,
               evaluation_total(v_scores, r.criteria),
               evaluation_rating(evaluation_total(v_scores, r.criteria), r.thresholds),
               p_doc->>'comments',
               evaluation_evidence_of(v_type, v_subject, p.period_from, p.period_to,
                                      r.criteria),
               'draft', v_supersedes, p_doc->>'reason'
          FROM period_bounds(v_period) p
        RETURNING n.* INTO e;
        IF v_status = 'finalized' THEN
            IF v_supersedes IS NOT NULL THEN
                UPDATE evaluations o SET superseded_by = e.id, updated_at = now(),
                       version = o.version + 1
                 WHERE o.id = v_supersedes;
                PERFORM audit_record(p_actor, 'evaluation.supersede', 'evaluation',
                                     v_supersedes::text, to_jsonb(old),
                                     to_jsonb(old) || jsonb_build_object('superseded_by', e.id));
            END IF;
            UPDATE evaluations n SET status = 'finalized', finalized_at = now()
             WHERE n.id = e.id RETURNING n.* INTO e;
        END IF;
    EXCEPTION WHEN unique_violation THEN
        RETURN outcome('conflict',
            p_detail => 'Another evaluation of the subject for this period by this evaluator '
                        || 'body was written meanwhile; read them again.');
    END;
    PERFORM audit_record(p_actor, 'evaluation.create', 'evaluation', e.id::text, NULL,
                         to_jsonb(e));
    RETURN outcome('ok', p_json => evaluation_json(e, p_personal)::text,
        p_version => e.version, p_id => e.id::text);
END
$$;

-- Applies p_patch (scores merged by criterion, a null score removing it; comments; reason of a
-- correction; status 'finalized') to draft p_id when it still has version p_version. Evidence is
-- recomputed. Finalizing a correction marks the evaluation it supersedes.
CREATE OR REPLACE FUNCTION evaluation_update(p_id uuid, p_version integer, p_patch jsonb,
    p_scope ltree, p_personal boolean, p_actor audit_actor)
RETURNS write_outcome LANGUAGE plpgsql AS $$
DECLARE
    cur evaluations;
    old evaluations;
    e evaluations;
    r rubrics;
    v_scores jsonb;
    v_status text;
    v_problems jsonb := '[]';
BEGIN
    SELECT x.* INTO cur FROM evaluations x
     WHERE x.id = p_id AND EXISTS (SELECT 1 FROM visible_subjects(p_scope, NULL) s
                                    WHERE s.subject_id = x.subject_id)
       FOR UPDATE OF x;
    IF cur.id IS NULL THEN
        RETURN outcome('not_found');
    ELSIF cur.status = 'finalized' THEN
        RETURN outcome('conflict',
            p_detail => 'A finalized evaluation cannot change; a correction is a new '
                        || 'evaluation that names it in supersedes, with a reason.');
    ELSIF cur.version <> p_version THEN
        RETURN outcome('stale', p_version => cur.version);
    END IF;
    SELECT * INTO r FROM rubrics x WHERE x.code = cur.rubric_code AND x.version = cur.rubric_version;
    v_scores := CASE WHEN p_patch ? 'scores'
                     THEN jsonb_strip_nulls(cur.scores || (p_patch->'scores'))
                     ELSE cur.scores END;
    v_status := coalesce(p_patch->>'status', cur.status);
    IF p_patch ? 'reason' AND cur.supersedes IS NULL THEN
        v_problems := field_problem('/reason', 'not_allowed',
                                    'only a correction (with supersedes) has a reason');
    ELSIF p_patch ? 'reason' AND p_patch->>'reason' IS NULL THEN
        v_problems := field_problem('/reason', 'required', 'a correction keeps its reason');
    END IF;
    v_problems := v_problems || coalesce(evaluation_score_problems(v_scores, r.criteria,
                                                                   v_status = 'finalized'), '[]');
    IF jsonb_array_length(v_problems) > 0 THEN
        RETURN outcome('invalid', p_problems => v_problems);
    END IF;
    BEGIN
        IF v_status = 'finalized' AND cur.supersedes IS NOT NULL THEN
            SELECT * INTO old FROM evaluations o WHERE o.id = cur.supersedes FOR UPDATE;
            IF old.superseded_by IS NOT NULL THEN
                RETURN outcome('conflict',
                    p_detail => 'The evaluation this corrects (' || old.id
                                || ') is already superseded by ' || old.superseded_by || '.');
            END IF;
            UPDATE evaluations o SET superseded_by = cur.id, updated_at = now(),
                   version = o.version + 1
             WHERE o.id = old.id;
            PERFORM audit_record(p_actor, 'evaluation.supersede', 'evaluation', old.id::text,
                                 to_jsonb(old),
                                 to_jsonb(old) || jsonb_build_object('superseded_by', cur.id));
        END IF;
        UPDATE evaluations x SET scores = v_scores,
               total_score = evaluation_total(v_scores, r.criteria),
               rating = evaluation_rating(evaluation_total(v_scores, r.criteria), r.thresholds),
               comments = CASE WHEN p_patch ? 'comments' THEN p_patch->>'comments'
                               ELSE x.comments END,
               reason = coalesce(p_patch->>'reason', x.reason),
               evidence = evaluation_evidence_of(x.subject_type, x.subject_id, x.period_from,
                                                 x.period_to, r.criteria),
               status = v_status,
               finalized_at = CASE WHEN v_status = 'finalized' THEN now() END,
               updated_at = now(), version = x.version + 1
         WHERE x.id = cur.id
        RETURNING x.* INTO e;
    EXCEPTION WHEN unique_violation THEN
        RETURN outcome('conflict',
            p_detail => 'The subject already has a finalized evaluation for this period by '
                        || 'this evaluator body; a correction names it in supersedes.');
    END;
    PERFORM audit_record(p_actor, CASE WHEN v_status = 'finalized' THEN 'evaluation.finalize'
                                       ELSE 'evaluation.update' END,
                         'evaluation', e.id::text, to_jsonb(cur), to_jsonb(e));
    RETURN outcome('ok', p_json => evaluation_json(e, p_personal)::text,
        p_version => e.version, p_id => e.id::text);
END
$$;

-- Deletes draft p_id (the columns respond_deleted() reads); a finalized one is in use.
CREATE OR REPLACE FUNCTION evaluation_delete(p_id uuid, p_version integer, p_scope ltree,
    p_actor audit_actor)
RETURNS TABLE (found boolean, version integer, in_use boolean, deleted bigint)
    LANGUAGE sql AS $$
    SELECT g.* FROM (SELECT) AS one
      LEFT JOIN evaluations x ON x.id = p_id AND EXISTS (
          SELECT 1 FROM visible_subjects(p_scope, NULL) s WHERE s.subject_id = x.subject_id),
      LATERAL delete_guarded('evaluations', 'id', p_id, p_version, x.id IS NOT NULL, x.version,
                             x.status = 'finalized', 'evaluation.delete', p_actor) g
$$;

-- Drafts for every active subject of the rubric's type under unit p_unit that has no current
-- evaluation for p_period by p_body yet, each with its evidence (computed for all at once) and
-- an audit event. Prefills of the same period and body run one after the other, so that two at
-- once cannot both create a draft for the same subject.
CREATE OR REPLACE FUNCTION evaluations_prefill(p_unit text, p_period text, p_rubric text,
    p_body text, p_scope ltree, p_actor audit_actor)
RETURNS TABLE (outcome text, problems jsonb, subject_type text, created bigint,
               skipped bigint)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    v_path ltree;
    r rubrics;
    v_problems jsonb;
    v_from date;
    v_to date;
    v_ids uuid[];
    v_all bigint;
    v_created bigint;
BEGIN
    SELECT u.path INTO v_path FROM visible_units(p_scope) u WHERE u.code = p_unit;
    IF v_path IS NULL THEN
        RETURN QUERY SELECT 'not_found', NULL::jsonb, NULL::text, NULL::bigint, NULL::bigint;
        RETURN;
    END IF;
    SELECT * INTO r FROM rubric_current(p_rubric);
    v_problems := CASE WHEN r.code IS NULL
                       THEN field_problem('/rubric_code', 'unknown', 'no active rubric has this code')
                       ELSE period_problems(p_period, r.period_kind) END;
    IF v_problems IS NOT NULL THEN
        RETURN QUERY SELECT 'invalid', v_problems, NULL::text, NULL::bigint, NULL::bigint;
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('evaluations.prefill/' || p_period || '/' || p_body));
    SELECT p.period_from, p.period_to INTO v_from, v_to FROM period_bounds(p_period) p;
    -- (NOT IN: one hashed set of the subjects evaluated, not one probe per subject.)
    SELECT count(*), array_agg(s.subject_id) FILTER (WHERE s.subject_id NOT IN (
               SELECT o.subject_id FROM evaluations o
                WHERE o.period = p_period AND o.evaluator_body = p_body
                  AND o.superseded_by IS NULL))
      INTO v_all, v_ids
      FROM visible_subjects(p_scope, NULL) s JOIN units u ON u.code = s.unit_code
     WHERE s.subject_type = r.subject_type AND s.active AND within(u.path, v_path);
    WITH ins AS (
        INSERT INTO evaluations AS n (subject_type, member_id, team_id, period, period_from,
               period_to, evaluator_body, rubric_code, rubric_version, evidence)
        SELECT r.subject_type, CASE r.subject_type WHEN 'member' THEN k.subject_id END,
               CASE r.subject_type WHEN 'team' THEN k.subject_id END, p_period, v_from, v_to,
               p_body, r.code, r.version, evaluation_evidence(k.kpis, r.criteria, v_from, v_to)
          FROM evaluation_kpis(r.subject_type, coalesce(v_ids, '{}'), v_from, v_to) k
        RETURNING n.*),
    audit AS (
        INSERT INTO audit_events (actor_type, actor_id, actor_name, request_id, action,
                                  entity_type, entity_id, before, after)
        SELECT (p_actor).type, (p_actor).id, (p_actor).name, (p_actor).request_id,
               'evaluation.prefill', 'evaluation', ins.id::text, NULL, to_jsonb(ins)
          FROM ins
        RETURNING 1)
    SELECT count(*) INTO v_created FROM audit;
    RETURN QUERY SELECT 'ok', NULL::jsonb, r.subject_type, v_created, v_all - v_created;
END
$$;
