-- Demo data, step 3 of 5: a team in every village, 3-4 members each, their memberships.
--
-- As the report describes them: officials lead (village heads, party cell secretaries),
-- youth-union members and teachers do most of the work, a few police officers, civil servants,
-- women's-union members and volunteers; most speak the village's own language.

-- One team per village, set up in 2022-2024 (most in 2022, when the programme started).
CREATE TEMP TABLE seed_team ON COMMIT DROP AS
SELECT v.*, pg_temp.seed_uuid('team/' || v.code) AS id,
       make_date(CASE WHEN r1 < 0.65 THEN 2022 WHEN r1 < 0.9 THEN 2023 ELSE 2024 END, 1, 1)
           + floor(r2 * 365)::int AS established_on,
       3 + (r3 < 0.55)::int AS size
  FROM (SELECT seed_village.*, pg_temp.seed_rand('established/' || code) AS r1,
               pg_temp.seed_rand('established-day/' || code) AS r2,
               pg_temp.seed_rand('size/' || code) AS r3
          FROM seed_village) v;
CREATE UNIQUE INDEX ON seed_team (id);

-- Members, decided step by step: what they do, then who they are. (Each step is MATERIALIZED:
-- inlined, a drawn value would be drawn again wherever a later step uses it.)
CREATE TEMP TABLE seed_member ON COMMIT DROP AS
WITH slots AS MATERIALIZED (
    SELECT t.id AS team_id, t.code AS village, t.district, t.ethnicity AS village_ethnicity,
           t.established_on, t.province_ord, t.vord, k,
           t.code || '/' || k AS key
      FROM seed_team t, generate_series(0, t.size - 1) AS k
), roles AS MATERIALIZED (
    SELECT slots.*,
           CASE k WHEN 0 THEN 'official'
                  WHEN 1 THEN pg_temp.seed_pick_weighted(
                      '{youth_union,official,teacher,womens_union,police}', '{55,15,15,10,5}',
                      pg_temp.seed_rand('work/' || key))
                  WHEN 2 THEN pg_temp.seed_pick_weighted(
                      '{teacher,youth_union,civil_servant,police,womens_union,health_worker,volunteer}',
                      '{35,30,10,9,8,5,3}', pg_temp.seed_rand('work/' || key))
                  ELSE pg_temp.seed_pick_weighted(
                      '{youth_union,teacher,volunteer,womens_union,civil_servant,police,farmers_union,'
                      'veterans_association,student}', '{30,20,14,10,8,7,5,3,3}',
                      pg_temp.seed_rand('work/' || key)) END AS work,
           pg_temp.seed_rand('gender/' || key) AS r_gender,
           pg_temp.seed_rand('born/' || key) AS r_born,
           pg_temp.seed_rand('party/' || key) AS r_party,
           pg_temp.seed_rand('ethnicity/' || key) AS r_eth,
           pg_temp.seed_rand('skill/' || key) AS r_skill
      FROM slots
), persons AS MATERIALIZED (
    SELECT roles.*,
           CASE WHEN work = 'womens_union' THEN 'female'
                WHEN work = 'police' THEN CASE WHEN r_gender < 0.85 THEN 'male' ELSE 'female' END
                WHEN work = 'official' THEN CASE WHEN r_gender < 0.72 THEN 'male' ELSE 'female' END
                WHEN work = 'teacher' THEN CASE WHEN r_gender < 0.35 THEN 'male' ELSE 'female' END
                WHEN work = 'veterans_association' THEN CASE WHEN r_gender < 0.9 THEN 'male' ELSE 'female' END
                ELSE CASE WHEN r_gender < 0.5 THEN 'male' ELSE 'female' END END AS gender,
           CASE work WHEN 'official' THEN 1966 + floor(r_born * 25)
                     WHEN 'youth_union' THEN 1996 + floor(r_born * 12)
                     WHEN 'teacher' THEN 1975 + floor(r_born * 25)
                     WHEN 'police' THEN 1980 + floor(r_born * 22)
                     WHEN 'civil_servant' THEN 1972 + floor(r_born * 26)
                     WHEN 'womens_union' THEN 1970 + floor(r_born * 26)
                     WHEN 'health_worker' THEN 1975 + floor(r_born * 24)
                     WHEN 'volunteer' THEN 1985 + floor(r_born * 20)
                     WHEN 'farmers_union' THEN 1962 + floor(r_born * 29)
                     WHEN 'veterans_association' THEN 1955 + floor(r_born * 18)
                     ELSE 2004 + floor(r_born * 4) END::int AS birth_year,
           -- teachers, police and civil servants are often Kinh posted from elsewhere
           CASE WHEN work IN ('teacher', 'police', 'civil_servant', 'health_worker') AND r_eth < 0.35
                    THEN 'Kinh'
                WHEN r_eth < 0.8 THEN village_ethnicity
                ELSE pg_temp.seed_pick_weighted(d.eth, d.eth_w, pg_temp.seed_rand('ethnicity2/' || key))
           END AS ethnicity
      FROM roles JOIN seed_district d ON d.abbr = roles.district
), named AS MATERIALIZED (
    SELECT persons.*,
           pg_temp.seed_pick(e.surnames, pg_temp.seed_rand('surname/' || key)) AS surname,
           pg_temp.seed_pick(CASE persons.gender WHEN 'male' THEN e.middle_male ELSE e.middle_female END,
                             pg_temp.seed_rand('middle/' || key)) AS middle,
           g.names AS given_names,
           1 + floor(pg_temp.seed_rand('given/' || key) * cardinality(g.names))::int AS given,
           nullif(pg_temp.seed_pick_weighted(e.langs, e.langs_w, pg_temp.seed_rand('language/' || key)), '')
               AS own_language,
           (SELECT nullif(pg_temp.seed_pick_weighted(ve.langs, ve.langs_w, 0), '')
              FROM seed_ethnicity ve WHERE ve.name = persons.village_ethnicity) AS village_language
      FROM persons
      JOIN seed_ethnicity e ON e.name = persons.ethnicity
      JOIN seed_given g ON g.tradition = e.given AND g.gender = persons.gender
), skilled AS MATERIALIZED (
    SELECT named.*,
           -- "Chảo Tiến Tiến" is no name: the next given name then
           surname || ' ' || middle || ' ' ||
           CASE WHEN given_names[given] = middle THEN given_names[given % cardinality(given_names) + 1]
                ELSE given_names[given] END AS full_name,
           CASE WHEN work IN ('youth_union', 'student', 'teacher', 'police')
                    THEN CASE WHEN r_skill < 0.15 THEN 'basic' WHEN r_skill < 0.7 THEN 'intermediate'
                              ELSE 'advanced' END
                WHEN work = 'official'
                    THEN CASE WHEN r_skill < 0.4 THEN 'basic' WHEN r_skill < 0.9 THEN 'intermediate'
                              ELSE 'advanced' END
                ELSE CASE WHEN r_skill < 0.45 THEN 'basic' WHEN r_skill < 0.9 THEN 'intermediate'
                          ELSE 'advanced' END END AS digital_skill
      FROM named
)
SELECT pg_temp.seed_uuid('member/' || key) AS id, team_id, village, k, established_on,
       full_name, gender, birth_year, ethnicity, digital_skill,
       -- Vietnamese, the member's own language, the village's when a Kinh member learnt it,
       -- English for some of the young and skilled
       ARRAY['vie'] || CASE WHEN own_language IS NOT NULL THEN ARRAY[own_language]
                            WHEN village_language IS NOT NULL
                                 AND pg_temp.seed_rand('learnt/' || key) < 0.2 THEN ARRAY[village_language]
                            ELSE '{}' END
                    || CASE WHEN digital_skill = 'advanced' AND birth_year >= 1990
                                 AND pg_temp.seed_rand('english/' || key) < 0.3 THEN '{eng}'::text[]
                            ELSE '{}' END AS languages,
       coalesce(own_language = village_language, false) OR
           (own_language IS NULL AND village_language IS NOT NULL
            AND pg_temp.seed_rand('learnt/' || key) < 0.2) AS speaks_village_language,
       ARRAY[work]
       || CASE WHEN r_party < CASE work WHEN 'official' THEN 0.6 WHEN 'veterans_association' THEN 0.8
                                        WHEN 'police' THEN 0.6 WHEN 'civil_servant' THEN 0.5
                                        WHEN 'teacher' THEN 0.3 WHEN 'student' THEN 0
                                        ELSE 0.08 END
               THEN '{party_member}'::text[] ELSE '{}' END
       || CASE WHEN work IN ('teacher', 'police', 'civil_servant', 'health_worker') AND birth_year >= 1996
                    AND pg_temp.seed_rand('youth/' || key) < 0.5 THEN '{youth_union}'::text[]
               ELSE '{}' END AS affiliations,
       -- unique over every province: an injective map of the member's number onto 7 digits
       -- behind a mobile prefix (Viettel's the most common in the mountains)
       pg_temp.seed_pick('{032,033,034,035,036,037,038,039,086,096,097,098,032,035,038,039,086,097,'
                         '098,081,082,083,084,085,088,091,094,070,076,077,078,079,089,090,093,'
                         '056,058,059}', pg_temp.seed_rand('prefix/' || key))
       || lpad(((((((province_ord - 1) * 2071 + vord - 1) * 4 + k) * 7340033::bigint + 1234567)
                % 10000000))::text, 7, '0') AS phone,
       CASE WHEN k = 3 THEN least(established_on + floor(pg_temp.seed_rand('joined/' || key) * 900)::int,
                                  (SELECT today FROM seed_settings) - 1)
            ELSE established_on END AS joined_on,
       CASE WHEN k = 0 THEN 'leader'
            WHEN k = 1 AND pg_temp.seed_rand('deputy/' || key) < 0.7 THEN 'deputy'
            ELSE 'member' END AS role,
       work
  FROM skilled;
CREATE UNIQUE INDEX ON seed_member (team_id, k);

-- A phone already held by someone outside the demo stays theirs: the demo member goes without.
UPDATE seed_member s SET phone = NULL WHERE EXISTS (SELECT 1 FROM members m WHERE m.phone = s.phone);

INSERT INTO teams (id, unit_code, name, status, established_on, contact_phone)
SELECT t.id, t.code,
       'Tổ công nghệ số cộng đồng ' || lower(left(t.name, 1)) || substr(t.name, 2),
       'active', t.established_on, m.phone
  FROM seed_team t LEFT JOIN seed_member m ON m.team_id = t.id AND m.k = 0
 ORDER BY t.province_ord, t.vord;

-- Most have been trained: the province's course for the teams, and the police's VNeID course.
INSERT INTO members (id, unit_code, full_name, gender, birth_year, phone, ethnicity, languages,
                     affiliations, digital_skill, trainings, status)
SELECT m.id, m.village, m.full_name, m.gender, m.birth_year, m.phone, m.ethnicity, m.languages,
       m.affiliations, m.digital_skill,
       (CASE WHEN pg_temp.seed_rand('course/' || m.id) < 0.6
             THEN jsonb_build_array(jsonb_build_object(
                 'course', 'Tập huấn kỹ năng số cho Tổ công nghệ số cộng đồng',
                 'provider', 'Sở Thông tin và Truyền thông tỉnh Hà Giang',
                 'completed_on', least(m.joined_on + 20 + floor(pg_temp.seed_rand('course-day/' || m.id) * 200)::int,
                                      today)))
             ELSE '[]' END)
       || (CASE WHEN pg_temp.seed_rand('vneid-course/' || m.id) < 0.35
                THEN jsonb_build_array(jsonb_build_object(
                    'course', 'Hướng dẫn kích hoạt tài khoản định danh điện tử VNeID',
                    'provider', 'Công an tỉnh Hà Giang',
                    'completed_on', least(m.joined_on + 30 + floor(pg_temp.seed_rand('vneid-day/' || m.id) * 300)::int,
                                         today)))
                ELSE '[]' END),
       'active'
  FROM seed_member m JOIN seed_team t ON t.id = m.team_id, seed_settings
 ORDER BY t.province_ord, t.vord, m.k;

INSERT INTO memberships (id, team_id, member_id, team_level, role, joined_on)
SELECT pg_temp.seed_uuid('membership/' || m.id), m.team_id, m.id, 'village', m.role, m.joined_on
  FROM seed_member m JOIN seed_team t ON t.id = m.team_id
 ORDER BY t.province_ord, t.vord, m.k;

UPDATE seed_summary s SET teams = counted.teams, members = counted.members
  FROM (SELECT t.province, count(DISTINCT t.id) AS teams, count(*) AS members
          FROM seed_team t JOIN seed_member m ON m.team_id = t.id GROUP BY t.province) counted
 WHERE counted.province = s.province;
