-- Demo data, step 4 of 5: the service catalogue and a year of activities.
--
-- The 12 months up to the seeding date, never before a team existed, unevenly: most teams
-- record a few activities a month (fewer around Tết, more in the spring and autumn
-- campaigns), a few teams hardly any, and in each province five communes have almost
-- nothing and eleven more lag well behind, so that reports have something to show.
-- VNeID (level-2 electronic identity) is the main work, as the report says.

INSERT INTO services (code, name_vi, name_en, category)
SELECT code, name_vi, name_en, category FROM seed_service
 WHERE EXISTS (SELECT 1 FROM seed_province)
 ORDER BY code
ON CONFLICT (code) DO NOTHING;

-- The catalogue as a cumulative distribution: [lo, hi) of [0, 1) per service.
CREATE TEMP TABLE seed_service_cdf ON COMMIT DROP AS
SELECT code, note, (upto - weight)::float8 / total AS lo, upto::float8 / total AS hi
  FROM (SELECT code, note, weight, sum(weight) OVER (ORDER BY code) AS upto,
               sum(weight) OVER () AS total
          FROM seed_service) s;

-- How busy each commune is: in each province, five communes (never a ward or town, nor the
-- two the report names) have almost nothing, eleven more about a third of the usual.
CREATE TEMP TABLE seed_commune_pace ON COMMIT DROP AS
WITH candidates AS (
    SELECT p.code AS province, p.code || '-' || c.district || '-' || c.abbr AS code,
           c.kind = 'commune' AND c.name NOT IN ('Tân Quang', 'Yên Định') AS may_lag
      FROM seed_province p CROSS JOIN seed_commune c
), ranked AS (
    SELECT candidates.*,
           row_number() OVER (PARTITION BY province, may_lag
                              ORDER BY pg_temp.seed_rand('pace/' || code)) AS place
      FROM candidates
)
SELECT code, CASE WHEN NOT may_lag THEN 1.0 WHEN place <= 5 THEN 0.01 WHEN place <= 16 THEN 0.35
                  ELSE 1.0 END AS pace
  FROM ranked;

-- Each team's members in order, with the day they joined and whether they speak the
-- village's language.
CREATE TEMP TABLE seed_crew ON COMMIT DROP AS
SELECT team_id, array_agg(id ORDER BY k) AS ids, array_agg(joined_on ORDER BY k) AS joined,
       array_agg(speaks_village_language ORDER BY k) AS speaks
  FROM seed_member GROUP BY team_id;

CREATE UNIQUE INDEX ON seed_crew (team_id);

-- How many activities each team records in each month of the year (a number drawn around its
-- rate, so that the spread stays uneven).
CREATE TEMP TABLE seed_team_month ON COMMIT DROP AS
WITH paced AS MATERIALIZED (
    SELECT t.id, t.code, t.established_on,
           (SELECT nullif(e.langs[1], '') FROM seed_ethnicity e WHERE e.name = t.ethnicity) AS language,
           d.activity * cp.pace
           * CASE WHEN pg_temp.seed_rand('idle/' || t.code) < 0.07 THEN 0.15 ELSE 1 END
           * (1.0 + 3.0 * pg_temp.seed_rand('rate/' || t.code)) AS rate
      FROM seed_team t
      JOIN seed_district d ON d.abbr = t.district
      JOIN seed_commune_pace cp ON cp.code = t.province || '-' || t.district || '-' || split_part(t.code, '-', 3)
), windows AS MATERIALIZED (
    -- the calendar months, cut to the year up to today and to the team's life; fewer
    -- activities around Tết, more in the spring and autumn campaigns
    SELECT paced.*, month_start,
           greatest(month_start, today - 364, established_on) AS lo,
           least((month_start + interval '1 month')::date - 1, today) AS hi,
           extract(day FROM (month_start + interval '1 month') - month_start)::int AS days,
           ('{0.75,0.6,1.1,1.2,1.2,1.0,0.9,0.9,1.0,1.1,1.2,1.1}'::float8[])
               [extract(month FROM month_start)::int] AS season
      FROM paced, seed_settings,
           LATERAL (SELECT (date_trunc('month', today) - m * interval '1 month')::date AS month_start
                      FROM generate_series(0, 12) AS m) months
)
SELECT id, code, language, lo, hi,
       floor(rate * season * (hi - lo + 1) / days
             + pg_temp.seed_rand('count/' || code || '/' || month_start))::int AS n,
       code || '/' || month_start AS key
  FROM windows WHERE hi >= lo;

-- The activities. The numbers drawn are materialised once (a CTE inlined would recompute a
-- digest wherever a number derived from it is used).
INSERT INTO activities (id, team_id, unit_code, date, kind, service_codes, households_reached,
                        people_reached, member_ids, languages, notes)
WITH slots AS MATERIALIZED (
    -- ten numbers from three digests (a digest is most of the cost of a number)
    SELECT tm.id, tm.code, tm.language, tm.lo, tm.hi, k.key,
           md5('a/' || k.key) AS h1, md5('b/' || k.key) AS h2, md5('c/' || k.key) AS h3
      FROM seed_team_month tm, generate_series(1, tm.n) AS slot,
           LATERAL (SELECT tm.key || '/' || slot AS key) k
), drawn AS MATERIALIZED (
    SELECT id, code, language, key,
           lo + floor(pg_temp.seed_part(h1, 0) * (hi - lo + 1))::int AS date,
           CASE WHEN pg_temp.seed_part(h1, 1) < 0.62 THEN 'household_visit'
                WHEN pg_temp.seed_part(h1, 1) < 0.9 THEN 'group_session'
                ELSE 'campaign' END AS kind,
           pg_temp.seed_part(h1, 2) AS r_service,
           pg_temp.seed_part(h1, 3) AS r_service2,
           pg_temp.seed_part(h2, 0) AS r_service3,
           pg_temp.seed_part(h2, 1) AS r_households,
           pg_temp.seed_part(h2, 2) AS r_people,
           pg_temp.seed_part(h2, 3) AS r_crew,
           pg_temp.seed_part(h3, 0) AS r_note,
           pg_temp.seed_part(h3, 1) AS r_language,
           pg_temp.seed_part(h3, 2) AS r_pair
      FROM slots
)
SELECT pg_temp.seed_uuid('activity/' || a.key) AS id, a.id AS team_id, a.code AS unit_code,
       a.date, a.kind,
       ARRAY[s1.code] || CASE WHEN a.r_service2 < CASE a.kind WHEN 'household_visit' THEN 0.3 ELSE 0.6 END
                                   AND s2.code <> s1.code THEN ARRAY[s2.code] ELSE '{}' END AS service_codes,
       b.households AS households_reached,
       b.households + floor(a.r_people * b.households * CASE a.kind WHEN 'campaign' THEN 2.5 ELSE 1.8 END)::int
           + CASE a.kind WHEN 'group_session' THEN 5 ELSE 0 END AS people_reached,
       CASE WHEN b.crew_size >= b.eligible THEN c.ids[1:b.eligible]
            WHEN b.crew_size = 1 THEN ARRAY[c.ids[1 + b.first]]
            ELSE ARRAY[c.ids[1 + b.first], c.ids[1 + (b.first + 1) % b.eligible]] END AS member_ids,
       CASE WHEN a.language IS NOT NULL AND a.r_language < 0.8
                 AND CASE WHEN b.crew_size >= b.eligible THEN true = ANY (c.speaks[1:b.eligible])
                          WHEN b.crew_size = 1 THEN c.speaks[1 + b.first]
                          ELSE c.speaks[1 + b.first] OR c.speaks[1 + (b.first + 1) % b.eligible] END
            THEN ARRAY['vie', a.language] ELSE '{vie}' END AS languages,
       CASE WHEN a.r_note < 0.3
            THEN s1.note || CASE a.kind WHEN 'household_visit' THEN ' tại nhà dân'
                                        WHEN 'group_session' THEN ' tại nhà văn hóa'
                                        ELSE ' trong đợt cao điểm' END
       END AS notes
  FROM drawn a
  JOIN seed_crew c ON c.team_id = a.id
  CROSS JOIN LATERAL (
      SELECT CASE a.kind WHEN 'household_visit' THEN 2 + floor(a.r_households * 19)
                         WHEN 'group_session' THEN 8 + floor(a.r_households * 45)
                         ELSE 30 + floor(a.r_households * 220) END::int AS households,
             -- one or two members go house to house; a session takes two, a campaign everyone
             CASE a.kind WHEN 'household_visit' THEN 1 + (a.r_pair < 0.35)::int
                         WHEN 'group_session' THEN 2 ELSE 4 END AS crew_size,
             -- the members who had joined by then (only the fourth may have joined after the
             -- team was set up), and the first of them to go, drawn
             e.eligible, floor(a.r_crew * e.eligible)::int AS first
        FROM (SELECT cardinality(c.ids) - (c.joined[cardinality(c.ids)] > a.date)::int AS eligible) e) b
  JOIN seed_service_cdf s1 ON a.r_service >= s1.lo AND a.r_service < s1.hi
  JOIN seed_service_cdf s2 ON a.r_service3 >= s2.lo AND a.r_service3 < s2.hi
 ORDER BY a.date, a.key;

UPDATE seed_summary s SET activities = n
  FROM (SELECT t.province, count(*) AS n FROM activities a JOIN seed_team t ON t.id = a.team_id
         GROUP BY t.province) counted
 WHERE counted.province = s.province;
UPDATE seed_summary SET activities = 0 WHERE activities IS NULL;
