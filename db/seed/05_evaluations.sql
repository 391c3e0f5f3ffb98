-- Demo data, step 5 of 5: evaluations of members and teams, from the year of activities.
--
-- As a province would have them by the seeding date:
--   * the yearly evaluation of every member for the year Y that holds most of the activity
--     window (the year of the day six months before the seeding date), on the current
--     member-yearly rubric, finalized: by the party cell for party members and civil servants
--     (the province's proposal), by the commune committee for everyone else;
--   * the quarterly evaluation of every team by its commune committee, on the current
--     team-quarterly rubric, for every quarter that lies whole inside the activity window,
--     finalized;
--   * about twenty teams' own drafts for the quarter in progress, some fully scored (with total
--     and rating), some not yet (no total, no rating);
--   * one correction per province: a member's yearly evaluation finalized, then superseded by a
--     finalized one that gives the reason.
-- Scores follow the evidence: a criterion with a KPI gets the score the evidence suggests
-- (evaluation_kpis over all the province's subjects at once, one call per period, then
-- suggested_score as evaluation_evidence applies it); the others a number drawn per subject and
-- criterion, nudged by how the KPIs went, so that the communes that hardly work
-- (04_activities.sql) rate lower. total_score, rating and evidence come from evaluation_total,
-- evaluation_rating and evaluation_evidence, as the API computes them; the evidence is frozen at
-- the time of finalizing. This step adds about 3.5 s to seed-demo on two shared cores (the
-- KPIs about 1.2 s, the evidence about 1 s).

-- The current version of each starting rubric.
CREATE TEMP TABLE seed_rubric ON COMMIT DROP AS
SELECT DISTINCT ON (code) code, version, subject_type, criteria, thresholds
  FROM rubrics WHERE code IN ('member-yearly', 'team-quarterly')
 ORDER BY code, version DESC;

-- The periods: the members' year, the teams' whole quarters in the window, the quarter in
-- progress (drafts).
CREATE TEMP TABLE seed_period ON COMMIT DROP AS
SELECT 'year' AS kind, p.period, b.period_from, b.period_to
  FROM seed_settings s,
       LATERAL (SELECT extract(year FROM s.today - interval '6 months')::int::text AS period) p,
       LATERAL period_bounds(p.period) b
UNION ALL
SELECT 'quarter', p.period, b.period_from, b.period_to
  FROM seed_settings s,
       LATERAL generate_series(date_trunc('quarter', s.today - 364), s.today,
                               interval '3 months') q(start),
       LATERAL (SELECT to_char(q.start, 'YYYY-"Q"Q') AS period) p,
       LATERAL period_bounds(p.period) b
 WHERE b.period_from >= s.today - 364 AND b.period_to < s.today
UNION ALL
SELECT 'current', p.period, b.period_from, b.period_to
  FROM seed_settings s,
       LATERAL (SELECT to_char(s.today, 'YYYY-"Q"Q') AS period) p,
       LATERAL period_bounds(p.period) b;

-- A time on the morning of `day` in Vietnam, some minutes in (by key), never after now.
CREATE FUNCTION pg_temp.seed_morning(day date, key text) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT least(now(), (day + time '08:00' + floor(pg_temp.seed_rand('minute/' || key) * 180)
                         * interval '1 minute') AT TIME ZONE 'Asia/Ho_Chi_Minh')
$$;

-- Who is evaluated, by whom, for which period, on which rubric; key: the seed of its numbers.
CREATE TEMP TABLE seed_subject ON COMMIT DROP AS
WITH drafts AS (
    -- twenty teams a province fill in their own form for the quarter in progress
    SELECT t.*, row_number() OVER (PARTITION BY t.province
                                   ORDER BY pg_temp.seed_rand('draft/' || t.code)) AS place
      FROM seed_team t
), subjects AS (
    SELECT m.id AS subject, 'member' AS subject_type, t.province, t.commune_code,
           CASE WHEN m.affiliations && '{party_member,civil_servant}' THEN 'party_cell'
                ELSE 'commune_committee' END AS body,
           p.kind, p.period, p.period_from, p.period_to, 'finalized' AS status
      FROM seed_member m JOIN seed_team t ON t.id = m.team_id
      JOIN seed_period p ON p.kind = 'year'
    UNION ALL
    SELECT t.id, 'team', t.province, t.commune_code, 'commune_committee', p.kind, p.period,
           p.period_from, p.period_to, 'finalized'
      FROM seed_team t JOIN seed_period p ON p.kind = 'quarter'
     WHERE t.established_on <= p.period_to
    UNION ALL
    SELECT d.id, 'team', d.province, d.commune_code, 'team_self', p.kind, p.period,
           p.period_from, p.period_to, 'draft'
      FROM drafts d JOIN seed_period p ON p.kind = 'current'
     WHERE d.place <= 20
)
SELECT s.*, r.code AS rubric, r.version, r.criteria, r.thresholds,
       s.subject || '/' || s.period || '/' || s.body AS key
  FROM subjects s
  JOIN seed_rubric r ON r.code = CASE s.subject_type WHEN 'member' THEN 'member-yearly'
                                                     ELSE 'team-quarterly' END;

-- The subjects' KPIs, set-wise: one evaluation_kpis() call per period for all its subjects.
CREATE TEMP TABLE seed_kpis ON COMMIT DROP AS
SELECT p.period, k.subject_id, k.kpis
  FROM seed_period p,
       LATERAL (SELECT min(s.subject_type) AS subject_type, array_agg(DISTINCT s.subject) AS ids
                  FROM seed_subject s WHERE s.period = p.period) s,
       LATERAL evaluation_kpis(s.subject_type, s.ids, p.period_from, p.period_to) k
 WHERE s.ids IS NOT NULL;
CREATE UNIQUE INDEX ON seed_kpis (subject_id, period);

-- The criteria of the rubrics, one row each.
CREATE TEMP TABLE seed_criterion ON COMMIT DROP AS
SELECT r.code AS rubric, c->>'code' AS code, (c->>'weight')::numeric AS weight,
       (c->>'max_score')::numeric AS max_score, c->>'kpi' AS kpi, (c->>'target')::numeric AS target
  FROM seed_rubric r, jsonb_array_elements(r.criteria) c;

-- Every evaluation to insert, with its scores, set-wise over (evaluation, criterion): the score
-- the evidence suggests for a criterion with a KPI (suggested_score, as evaluation_evidence
-- computes it); for the others max_score times a number in [0.35, 1) drawn from the key and the
-- criterion, the higher the better the KPIs went (their weighted share of the maximum). Half of
-- the drafts are not fully scored yet: only the criteria with a KPI.
CREATE TEMP TABLE seed_evaluation ON COMMIT DROP AS
WITH criterion AS MATERIALIZED (
    SELECT s.key, s.status, c.code, c.weight, c.max_score,
           suggested_score((k.kpis->>c.kpi)::numeric, c.target, c.max_score) AS suggested
      FROM seed_subject s
      JOIN seed_kpis k ON k.subject_id = s.subject AND k.period = s.period
      JOIN seed_criterion c ON c.rubric = s.rubric
), share AS (
    SELECT key, sum(weight * suggested / max_score) / sum(weight) AS s
      FROM criterion WHERE suggested IS NOT NULL GROUP BY key
), scored AS (
    SELECT c.key,
           jsonb_object_agg(c.code, coalesce(c.suggested,
               round(c.max_score * (0.35 + 0.35 * pg_temp.seed_rand(c.key || '/' || c.code)
                                    + 0.3 * coalesce(h.s, 0))::numeric, 1)))
               FILTER (WHERE c.suggested IS NOT NULL OR c.status = 'finalized'
                       OR pg_temp.seed_rand('partial/' || c.key) >= 0.5) AS scores
      FROM criterion c LEFT JOIN share h ON h.key = c.key
     GROUP BY c.key
)
SELECT pg_temp.seed_uuid('evaluation/' || s.key) AS id, s.*, x.scores, t.finalized_at,
       coalesce(t.finalized_at - interval '2 days', now() - t.hours * interval '3 hours')
           AS created_at,
       coalesce(t.finalized_at, now() - t.hours * interval '1 hour') AS updated_at,
       NULL::uuid AS supersedes, NULL::uuid AS superseded_by, NULL::text AS reason
  FROM seed_subject s
  JOIN scored x ON x.key = s.key
 CROSS JOIN LATERAL (
      SELECT CASE WHEN s.status = 'finalized'
                  THEN pg_temp.seed_morning(s.period_to + 3
                           + floor(pg_temp.seed_rand('finalized/' || s.key) * 25)::int, s.key)
             END AS finalized_at,
             floor(pg_temp.seed_rand('drafted/' || s.key) * 24) AS hours) t;

-- The correction: in each province, one member of Tân Quang whose party cell first marked
-- conduct three points lower, then corrected it after the village's complaint was looked into.
-- The first evaluation stays, superseded by the corrected one, which counts from then on.
CREATE TEMP TABLE seed_correction ON COMMIT DROP AS
SELECT DISTINCT ON (e.province) e.id AS old_id,
       pg_temp.seed_uuid('evaluation/correction/' || e.key) AS new_id
  FROM seed_evaluation e JOIN units c ON c.code = e.commune_code
 WHERE e.subject_type = 'member' AND e.body = 'party_cell' AND c.name = 'Tân Quang'
   AND (e.scores->>'conduct')::numeric >= 3
 ORDER BY e.province, pg_temp.seed_rand('correction/' || e.key);

INSERT INTO seed_evaluation (id, subject, subject_type, province, commune_code, body, kind, period,
                             period_from, period_to, status, rubric, version, criteria,
                             thresholds, key, scores, finalized_at, created_at, updated_at,
                             supersedes, reason)
SELECT x.new_id, e.subject, e.subject_type, e.province, e.commune_code, e.body, e.kind, e.period,
       e.period_from, e.period_to, e.status, e.rubric, e.version, e.criteria, e.thresholds,
       e.key || '/corrected', e.scores, e.finalized_at, e.finalized_at - interval '1 day',
       e.finalized_at, x.old_id,
       'Chấm lại tiêu chí tác phong: phản ánh của thôn đã được chi bộ xác minh là không đúng.'
  FROM seed_evaluation e JOIN seed_correction x ON x.old_id = e.id;

UPDATE seed_evaluation e
   SET superseded_by = x.new_id,
       scores = e.scores || jsonb_build_object('conduct', (e.scores->>'conduct')::numeric - 3),
       finalized_at = e.finalized_at - interval '12 days',
       created_at = e.created_at - interval '12 days', updated_at = e.finalized_at
  FROM seed_correction x WHERE x.old_id = e.id;

-- One statement, so that each pair's references are checked when both rows are there. The
-- evidence is frozen when the evaluation was finalized: computed_at is that time.
INSERT INTO evaluations (id, subject_type, member_id, team_id, period, period_from, period_to,
                         evaluator_body, rubric_code, rubric_version, scores, total_score,
                         rating, evidence, status, supersedes, superseded_by, reason,
                         finalized_at, created_at, updated_at)
SELECT e.id, e.subject_type, CASE WHEN e.subject_type = 'member' THEN e.subject END,
       CASE WHEN e.subject_type = 'team' THEN e.subject END, e.period, e.period_from,
       e.period_to, e.body, e.rubric, e.version, e.scores, t.total,
       evaluation_rating(t.total, e.thresholds),
       evaluation_evidence(k.kpis, e.criteria, e.period_from, e.period_to)
       || CASE WHEN e.finalized_at IS NOT NULL
               THEN jsonb_build_object('computed_at', rfc3339(e.finalized_at)) ELSE '{}' END,
       e.status, e.supersedes, e.superseded_by, e.reason, e.finalized_at, e.created_at,
       e.updated_at
  FROM seed_evaluation e
  JOIN seed_kpis k ON k.subject_id = e.subject AND k.period = e.period,
       LATERAL (SELECT evaluation_total(e.scores, e.criteria) AS total) t
 ORDER BY e.period, e.subject_type, e.subject, e.created_at;

UPDATE seed_summary s SET evaluations = n
  FROM (SELECT province, count(*) AS n FROM seed_evaluation GROUP BY province) counted
 WHERE counted.province = s.province;
UPDATE seed_summary SET evaluations = 0 WHERE evaluations IS NULL;

INSERT INTO audit_events (actor_type, actor_name, action, entity_type, entity_id, after)
SELECT 'system', 'seed-demo', 'seed.demo', 'unit', province,
       jsonb_build_object('units', units, 'teams', teams, 'members', members,
                          'activities', activities, 'evaluations', evaluations)
  FROM seed_summary ORDER BY province;
