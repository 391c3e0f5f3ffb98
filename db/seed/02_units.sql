-- Demo data, step 2 of 5: the administrative tree.
--
-- Province 1 is Hà Giang (HG); provinces 2..scale are copies of its layout ("Hà Giang 2",
-- P02, ...), for benchmarks. A province whose code already exists is left alone, so a second
-- run adds nothing and a run with a larger scale adds only the missing provinces.

CREATE TEMP TABLE seed_province ON COMMIT DROP AS
SELECT ord, code, name
  FROM (SELECT p AS ord,
               CASE WHEN p = 1 THEN 'HG' ELSE 'P' || lpad(p::text, 2, '0') END AS code,
               CASE WHEN p = 1 THEN 'Hà Giang' ELSE 'Hà Giang ' || p END AS name
          FROM seed_settings, generate_series(1, scale) AS p) s
 WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.code = s.code);

-- The villages and residential groups of one province: exactly 2,071 (the report's figure),
-- shared out over the communes by weight (integer arithmetic, so the parts add up exactly).
CREATE TEMP TABLE seed_village_layout ON COMMIT DROP AS
WITH weighted AS MATERIALIZED (
    SELECT c.*, 500 + floor(1200 * pg_temp.seed_rand('villages/' || c.district || '/' || c.abbr))::bigint
               AS weight
      FROM seed_commune c
), cumulative AS MATERIALIZED (
    SELECT weighted.*, (sum(weight) OVER (ORDER BY dord, ord))::bigint AS upto,
           (sum(weight) OVER ())::bigint AS total
      FROM weighted
), counted AS MATERIALIZED (
    SELECT cumulative.*, (upto * 2071 / total - (upto - weight) * 2071 / total)::int AS villages
      FROM cumulative
), numbered AS MATERIALIZED (
    SELECT counted.dord, counted.district, counted.abbr AS commune, counted.kind,
           counted.name AS commune_name, n, counted.villages,
           row_number() OVER (ORDER BY counted.dord, counted.ord, n) AS vord
      FROM counted, generate_series(1, counted.villages) AS n
), peopled AS MATERIALIZED (
    -- the village's main ethnic group, from its district's mix
    SELECT numbered.*, pg_temp.seed_pick_weighted(d.eth, d.eth_w,
               pg_temp.seed_rand('ethnicity/' || district || '/' || commune || '/' || n)) AS ethnicity
      FROM numbered JOIN seed_district d ON d.abbr = numbered.district
), named AS MATERIALIZED (
    SELECT peopled.*,
           CASE WHEN kind = 'ward' OR (kind = 'town' AND n <= ceil(villages * 0.6)) THEN 'Tổ dân phố'
                WHEN pg_temp.seed_rand('bản/' || district || '/' || commune || '/' || n) < 0.15 THEN 'Bản'
                ELSE 'Thôn' END AS prefix,
           pg_temp.seed_pick(s.first, pg_temp.seed_rand('first/' || district || '/' || commune || '/' || n))
           || ' ' ||
           pg_temp.seed_pick(s.second, pg_temp.seed_rand('second/' || district || '/' || commune || '/' || n))
               AS place
      FROM peopled
      JOIN seed_ethnicity e ON e.name = peopled.ethnicity
      JOIN seed_syllables s ON s.tradition = e.village_names
), titled AS MATERIALIZED (
    SELECT named.*,
           CASE WHEN prefix = 'Tổ dân phố' THEN 'Tổ dân phố ' || n
                -- the village the province's report names
                WHEN district = 'BM' AND commune_name = 'Yên Định' AND n = 1 THEN 'Thôn Nà Xá'
                ELSE prefix || ' ' || place END AS base
      FROM named
)
SELECT dord, district, commune, n, vord, ethnicity,
       base || CASE WHEN dup > 1 THEN ' ' || dup ELSE '' END AS name
  FROM (SELECT titled.*, row_number() OVER (PARTITION BY district, commune, base ORDER BY n) AS dup
          FROM titled) t;

-- Units, level by level (the path trigger reads the parent), in code order so that ids follow it.
INSERT INTO units (code, name, level)
SELECT code, name, 'province' FROM seed_province ORDER BY ord;

INSERT INTO units (code, name, level, parent_code)
SELECT p.code || '-' || d.abbr, d.name, 'district', p.code
  FROM seed_province p CROSS JOIN seed_district d
 ORDER BY p.ord, d.ord;

INSERT INTO units (code, name, level, parent_code)
SELECT p.code || '-' || c.district || '-' || c.abbr, c.name, 'commune', p.code || '-' || c.district
  FROM seed_province p CROSS JOIN seed_commune c
 ORDER BY p.ord, c.dord, c.ord;

-- Every village of every new province, with what the next steps need.
CREATE TEMP TABLE seed_village ON COMMIT DROP AS
SELECT p.ord AS province_ord, p.code AS province, v.district,
       p.code || '-' || v.district || '-' || v.commune AS commune_code,
       p.code || '-' || v.district || '-' || v.commune || '-' || lpad(v.n::text, 2, '0') AS code,
       v.name, v.vord, v.ethnicity
  FROM seed_province p CROSS JOIN seed_village_layout v;
CREATE UNIQUE INDEX ON seed_village (code);

INSERT INTO units (code, name, level, parent_code)
SELECT code, name, 'village', commune_code FROM seed_village ORDER BY province_ord, vord;

INSERT INTO seed_summary (province, units)
SELECT p.code, (SELECT count(*) FROM seed_village v WHERE v.province = p.code)
               + (SELECT count(*) FROM seed_commune) + (SELECT count(*) FROM seed_district) + 1
  FROM seed_province p;
