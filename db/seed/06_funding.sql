-- Demo data, step 6: funding. Budgets for the districts, and the communes' proposals to them.
--
-- For this fiscal year and the last, each district has an allocation, and each commune asks it
-- for money up to three times a year: member allowances and mobile data for its teams, phones
-- and tablets, now and then training, travel to remote villages or printed guides. District
-- officers decide, and the district pays in tranches. Districts differ a great deal: each has
-- a "generosity" from 0 to 1 (a ladder, so that they spread), which sets how many proposals it
-- approves, how much of what was asked, and how quickly it pays. Last year's proposals are
-- all settled; this year's are in every state, drafts included.
--
-- The seed has no officer accounts: the moves are made by users with no account here (NULL
-- actor_id), named as the commune and district officers they stand for. Every proposal's
-- history ends in its status; its version counts its moves. Amounts keep the CHECKs of
-- db/migrations/0020_funding.sql: lines quantity × unit cost, the requested total their sum,
-- approved ≤ requested, paid ≤ approved (equal when disbursed), and each district's approvals
-- within its allocation, which is set from them afterwards.

-- This fiscal year and the window its events may fall in (never after now).
CREATE TEMP TABLE seed_fund_year ON COMMIT DROP AS
SELECT fy, fy = extract(year FROM today)::int AS current,
       (make_date(fy - 1, 12, 1) + time '08:30') AT TIME ZONE 'Asia/Ho_Chi_Minh' AS opens,
       least((make_date(fy, 12, 31) + time '17:00') AT TIME ZONE 'Asia/Ho_Chi_Minh',
             now() - interval '2 hours') AS closes
  FROM seed_settings, LATERAL (VALUES (extract(year FROM today)::int - 1),
                                      (extract(year FROM today)::int)) y(fy);

-- How each district treats proposals, from 0 (approves few, cuts them, pays late) to 1.
CREATE TEMP TABLE seed_fund_district ON COMMIT DROP AS
SELECT abbr, (row_number() OVER (ORDER BY pg_temp.seed_rand('funding/' || abbr)) - 1)::float8
             / greatest(count(*) OVER () - 1, 1) AS g
  FROM seed_district;

-- An officer's name, from a key and the family names to draw from.
CREATE FUNCTION pg_temp.seed_official(key text, surnames text[]) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE STRICT AS $$
    SELECT pg_temp.seed_pick(surnames, pg_temp.seed_rand('surname/' || key))
           || ' ' || pg_temp.seed_pick(CASE WHEN female THEN '{Thị,Thị,Thu,Thanh,Ngọc,Hồng}'::text[]
                                            ELSE '{Văn,Văn,Đức,Minh,Quang,Xuân}'::text[] END,
                                       pg_temp.seed_rand('middle/' || key))
           || ' ' || pg_temp.seed_pick(g.names, pg_temp.seed_rand('given/' || key))
      FROM (SELECT pg_temp.seed_rand('gender/' || key) < 0.4 AS female) s
      JOIN seed_given g ON g.tradition = 'sino'
                       AND g.gender = CASE WHEN s.female THEN 'female' ELSE 'male' END
$$;

-- The moves of a proposal (steps, in order) from its creation: their times, each some days
-- or weeks after the one before, in office hours, the first payment not before 5 January of
-- the fiscal year; squeezed into [created, closes] when they would run past it.
CREATE FUNCTION pg_temp.seed_timeline(key text, steps text[], created timestamptz, fy int,
                                      closes timestamptz)
RETURNS timestamptz[] LANGUAGE plpgsql STABLE AS $$
DECLARE
    first date := (created AT TIME ZONE 'Asia/Ho_Chi_Minh')::date;
    last date := (closes AT TIME ZONE 'Asia/Ho_Chi_Minh')::date;
    day date := first;
    days date[] := '{}';
    times timestamptz[] := '{}';
    t timestamptz := created;
    r float8;
    paid boolean := false;
    n int := coalesce(cardinality(steps), 0);
BEGIN
    FOR i IN 1 .. n LOOP
        r := pg_temp.seed_rand('move/' || key || '/' || i);
        day := day + CASE steps[i] WHEN 'submit' THEN 1 + floor(6 * r)
                                   WHEN 'return' THEN 5 + floor(15 * r)
                                   WHEN 'withdraw' THEN 3 + floor(17 * r)
                                   WHEN 'disburse' THEN 10 + floor(50 * r)
                                   ELSE 7 + floor(33 * r) END::int;
        IF steps[i] = 'disburse' AND NOT paid THEN
            day := greatest(day, make_date(fy, 1, 5) + floor(10 * r)::int);
            paid := true;
        END IF;
        days := days || day;
    END LOOP;
    IF n > 0 AND days[n] > last THEN
        days := ARRAY(SELECT first + floor((d - first) * (last - first)::float8 / (days[n] - first))::int
                        FROM unnest(days) WITH ORDINALITY AS u(d, o) ORDER BY o);
    END IF;
    -- between 08:00 and 17:00 in Vietnam, each after the one before, none after closes
    FOR i IN 1 .. n LOOP
        t := greatest(least((days[i] + time '08:00') AT TIME ZONE 'Asia/Ho_Chi_Minh'
                            + interval '1 minute' * floor(540 * pg_temp.seed_rand('clock/' || key || '/' || i)),
                            closes),
                      t + interval '10 minutes');
        times := times || t;
    END LOOP;
    RETURN times;
END $$;

-- The proposals: up to three a commune and year, each with what it is for (kind), the teams
-- it benefits and their active members, its fate and the numbers that decide the amounts.
CREATE TEMP TABLE seed_fund_proposal ON COMMIT DROP AS
WITH communes AS MATERIALIZED (
    SELECT p.code || '-' || c.district AS district, c.district AS abbr,
           p.code || '-' || c.district || '-' || c.abbr AS code,
           CASE c.kind WHEN 'commune' THEN 'xã ' || c.name
                       ELSE lower(left(c.name, 1)) || substr(c.name, 2) END AS called,
           p.ord AS province_ord, c.dord, c.ord
      FROM seed_province p CROSS JOIN seed_commune c
), slots AS MATERIALIZED (
    SELECT communes.*, y.fy, y.current, y.opens, y.closes, d.g, k,
           communes.code || '/' || y.fy || '/' || k AS key
      FROM communes
      JOIN seed_fund_district d ON d.abbr = communes.abbr
      CROSS JOIN seed_fund_year y
      CROSS JOIN LATERAL generate_series(1, floor(3.2 * pg_temp.seed_rand(
                     'proposals/' || communes.code || '/' || y.fy))::int) AS k
), drawn AS MATERIALIZED (
    SELECT slots.*,
           CASE WHEN k = 1 AND pg_temp.seed_rand('kind/' || key) < 0.8 THEN 'allowance'
                WHEN k = 2 AND pg_temp.seed_rand('kind/' || key) < 0.7 THEN 'equipment'
                ELSE pg_temp.seed_pick('{allowance,equipment,mixed,mixed}',
                                       pg_temp.seed_rand('kind2/' || key)) END AS kind,
           pg_temp.seed_rand('fate/' || key) AS u, pg_temp.seed_rand('decision/' || key) AS v,
           pg_temp.seed_rand('paid/' || key) AS w, pg_temp.seed_rand('variant/' || key) AS x
      FROM slots
), fated AS MATERIALIZED (
    -- last year's are settled; this year's are anywhere on the way
    SELECT drawn.*,
           CASE WHEN NOT current AND u < 0.08 THEN 'withdrawn'
                WHEN current AND u < 0.12 THEN 'draft'
                WHEN current AND u < 0.17 THEN 'withdrawn'
                WHEN current AND u < 0.32 THEN 'submitted'
                WHEN current AND u < 0.42 THEN 'returned'
                WHEN v >= 0.3 + 0.65 * g THEN 'rejected'
                WHEN w < CASE WHEN current THEN 0.2 + 0.5 * g ELSE 0.45 + 0.5 * g END THEN 'disbursed'
                WHEN w < CASE WHEN current THEN 0.45 + 0.45 * g ELSE 0.95 END THEN 'partly paid'
                ELSE 'approved' END AS fate
      FROM drawn
)
SELECT pg_temp.seed_uuid('funding-proposal/' || key) AS id, key, district, abbr, code, called,
       province_ord, dord, ord, fy, current, opens, closes, g, k, kind, fate,
       CASE fate WHEN 'partly paid' THEN 'approved' ELSE fate END AS status, x,
       -- the moves: some went back once (returned, then submitted again) before their end
       CASE WHEN fate IN ('submitted', 'rejected', 'approved', 'partly paid', 'disbursed')
                 AND x < 0.2 THEN '{submit,return,submit}'::text[]
            WHEN fate IN ('submitted', 'rejected', 'approved', 'partly paid', 'disbursed')
                 THEN '{submit}'
            WHEN fate = 'returned' THEN '{submit,return}'
            WHEN fate = 'withdrawn' AND x < 0.5 THEN '{withdraw}'
            WHEN fate = 'withdrawn' THEN '{submit,return,withdraw}'
            ELSE '{}' END
       || CASE fate WHEN 'rejected' THEN '{reject}'::text[]
                    WHEN 'approved' THEN '{approve}'
                    WHEN 'partly paid' THEN '{approve}'
                        || array_fill('disburse'::text, ARRAY[1 + (pg_temp.seed_rand('tranches/' || key) < 0.3)::int])
                    WHEN 'disbursed' THEN '{approve}'
                        || array_fill('disburse'::text, ARRAY[1 + floor(3 * pg_temp.seed_rand('tranches/' || key))::int])
                    ELSE '{}' END AS steps,
       -- made in the first three months of the window (its first half when it is shorter)
       ((opens AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
        + floor(pg_temp.seed_rand('created/' || key)
                * least(90, ((closes AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
                             - (opens AT TIME ZONE 'Asia/Ho_Chi_Minh')::date) / 2))::int
        + time '07:30') AT TIME ZONE 'Asia/Ho_Chi_Minh'
           + interval '1 minute' * floor(480 * pg_temp.seed_rand('hour/' || key)) AS created
  FROM fated;
CREATE UNIQUE INDEX ON seed_fund_proposal (id);

-- The teams each proposal benefits: all the commune's, or for equipment some of its villages.
CREATE TEMP TABLE seed_fund_teams ON COMMIT DROP AS
SELECT p.id, array_agg(t.id ORDER BY t.code) AS team_ids, count(*) AS teams,
       sum(t.size) AS members
  FROM seed_fund_proposal p
  JOIN (SELECT seed_team.*, row_number() OVER (PARTITION BY commune_code ORDER BY code) AS n
          FROM seed_team) t ON t.commune_code = p.code
 WHERE p.kind <> 'equipment' OR t.n = 1
    OR pg_temp.seed_rand('benefits/' || p.key || '/' || t.code) < 0.4
 GROUP BY p.id;

-- When each proposal moved.
CREATE TEMP TABLE seed_fund_times ON COMMIT DROP AS
SELECT id, pg_temp.seed_timeline(key, steps, created, fy, closes) AS times FROM seed_fund_proposal;
CREATE UNIQUE INDEX ON seed_fund_times (id);

-- The lines: mostly member allowances, mobile data and devices.
CREATE TEMP TABLE seed_fund_line ON COMMIT DROP AS
WITH wanted AS (
    SELECT p.id, p.key, p.kind, ft.teams, ft.members, c.category, c.o,
           pg_temp.seed_rand('line/' || p.key || '/' || c.category) AS r,
           pg_temp.seed_rand('size/' || p.key || '/' || c.category) AS s
      FROM seed_fund_proposal p
      JOIN seed_fund_teams ft ON ft.id = p.id
      CROSS JOIN unnest('{member_allowance,devices,mobile_data,training,travel,materials,other}'::text[])
                 WITH ORDINALITY AS c(category, o)
), kept AS (
    SELECT wanted.*, 6 + 6 * (s < 0.6)::int AS months FROM wanted
     WHERE r < CASE kind
             WHEN 'allowance' THEN CASE category WHEN 'member_allowance' THEN 1 WHEN 'mobile_data' THEN 0.8
                                                 WHEN 'materials' THEN 0.2 ELSE 0 END
             WHEN 'equipment' THEN CASE category WHEN 'devices' THEN 1 WHEN 'training' THEN 0.35
                                                 WHEN 'materials' THEN 0.25 WHEN 'travel' THEN 0.1 ELSE 0 END
             ELSE CASE category WHEN 'member_allowance' THEN 1 WHEN 'devices' THEN 0.6
                                WHEN 'mobile_data' THEN 0.6 WHEN 'training' THEN 0.3
                                WHEN 'travel' THEN 0.25 ELSE 0.1 END END
)
SELECT id, (row_number() OVER (PARTITION BY id ORDER BY o) - 1)::int AS position, category,
       CASE category
           WHEN 'member_allowance' THEN 'Hỗ trợ thành viên Tổ công nghệ số cộng đồng ('
                                        || members || ' người × ' || months || ' tháng)'
           WHEN 'mobile_data' THEN 'Gói cước dữ liệu di động 4G cho thành viên ('
                                   || members || ' người × 12 tháng)'
           WHEN 'devices' THEN CASE WHEN s < 0.7 THEN 'Điện thoại thông minh để hướng dẫn người dân'
                                    ELSE 'Máy tính bảng dùng cho các buổi hướng dẫn tập trung' END
           WHEN 'training' THEN 'Lớp tập huấn kỹ năng số cho thành viên các tổ'
           WHEN 'travel' THEN 'Công tác phí hướng dẫn tại các thôn vùng sâu, vùng xa (lượt)'
           WHEN 'materials' THEN 'In tờ rơi, tài liệu hướng dẫn song ngữ'
           ELSE 'Nước uống, văn phòng phẩm cho các buổi hướng dẫn' END AS description,
       CASE category
           WHEN 'member_allowance' THEN members * months
           WHEN 'mobile_data' THEN members * 12
           WHEN 'devices' THEN teams + floor(2 * s)::int
           WHEN 'training' THEN 1 + (s < 0.3)::int
           WHEN 'travel' THEN 10 + floor(30 * s)::int
           WHEN 'materials' THEN 500 * (1 + floor(5 * s)::int)
           ELSE 1 END::int AS quantity,
       CASE category
           WHEN 'member_allowance' THEN (ARRAY[100000, 150000, 200000])[1 + floor(3 * r)::int]
           WHEN 'mobile_data' THEN (ARRAY[50000, 70000, 90000])[1 + floor(3 * r)::int]
           WHEN 'devices' THEN CASE WHEN s < 0.7 THEN (ARRAY[3500000, 4200000, 5500000])[1 + floor(3 * r)::int]
                                    ELSE (ARRAY[6900000, 8500000])[1 + floor(2 * r)::int] END
           WHEN 'training' THEN 8000000 + 500000 * floor(24 * r)::int
           WHEN 'travel' THEN 150000
           WHEN 'materials' THEN (ARRAY[1500, 2000, 3000])[1 + floor(3 * r)::int]
           ELSE 1000000 + 500000 * floor(4 * r)::int END::bigint AS unit_cost
  FROM kept;

-- The amounts: requested (the lines), approved (all of it, or cut to the hundred thousand),
-- paid (all, or part for a proposal partly paid), and the tranches.
CREATE TEMP TABLE seed_fund_amount ON COMMIT DROP AS
WITH asked AS (
    SELECT p.id, p.key, p.fate, p.g, sum(l.quantity * l.unit_cost)::bigint AS requested
      FROM seed_fund_proposal p JOIN seed_fund_line l ON l.id = p.id GROUP BY p.id, p.key, p.fate, p.g
), granted AS (
    SELECT asked.*,
           CASE WHEN fate NOT IN ('approved', 'partly paid', 'disbursed') THEN NULL
                WHEN pg_temp.seed_rand('whole/' || key) < 0.2 + 0.5 * g THEN requested
                ELSE least(requested, greatest(100000, floor(requested * (0.5 + 0.45 * g)
                               * (0.8 + 0.2 * pg_temp.seed_rand('cut/' || key)) / 100000) * 100000))
           END::bigint AS approved
      FROM asked
)
SELECT granted.*,
       CASE fate WHEN 'disbursed' THEN approved
                 WHEN 'partly paid' THEN least(approved - 100000, greatest(100000,
                     floor(approved * (0.3 + 0.5 * pg_temp.seed_rand('share/' || key)) / 100000) * 100000))
                 ELSE 0 END::bigint AS paid
  FROM granted;

INSERT INTO funding_proposals (id, unit_code, title, purpose, fiscal_year, team_ids, status,
                               requested_total_vnd, approved_total_vnd, disbursed_total_vnd,
                               decision_no, created_at, updated_at, version)
SELECT p.id, p.code,
       CASE p.kind
           WHEN 'allowance' THEN 'Hỗ trợ phụ cấp và cước dữ liệu cho Tổ công nghệ số cộng đồng '
                                 || p.called || ' năm ' || p.fy
           WHEN 'equipment' THEN 'Trang bị thiết bị cho Tổ công nghệ số cộng đồng các thôn '
                                 || p.called || ' năm ' || p.fy
           ELSE 'Kinh phí hoạt động Tổ công nghệ số cộng đồng ' || p.called || ' năm ' || p.fy
                || CASE WHEN p.k > 1 THEN ' (đợt ' || p.k || ')' ELSE '' END END,
       CASE p.kind
           WHEN 'allowance' THEN 'Các thành viên tổ đi từng nhà hướng dẫn người dân kích hoạt định danh '
                                 'điện tử, dùng dịch vụ công trực tuyến và thanh toán không dùng tiền '
                                 'mặt mà chưa có khoản hỗ trợ nào; đề nghị hỗ trợ phụ cấp và cước dữ '
                                 'liệu di động để duy trì hoạt động.'
           WHEN 'equipment' THEN 'Nhiều thành viên phải dùng điện thoại cá nhân đời cũ, không cài được '
                                 'VNeID và các ứng dụng cần hướng dẫn; đề nghị trang bị thiết bị dùng '
                                 'chung cho các tổ.'
           ELSE 'Duy trì hoạt động thường xuyên của các tổ: phụ cấp thành viên, thiết bị, tập huấn và '
                'đi lại đến các thôn vùng sâu, vùng xa.' END,
       p.fy, ft.team_ids, p.status, a.requested, a.approved, a.paid,
       CASE WHEN a.approved IS NOT NULL
            THEN (100 + floor(900 * pg_temp.seed_rand('decision-no/' || p.key))::int) || '/QĐ-UBND' END,
       p.created, coalesce(tl.times[cardinality(tl.times)], p.created), 1 + cardinality(p.steps)
  FROM seed_fund_proposal p
  JOIN seed_fund_teams ft ON ft.id = p.id
  JOIN seed_fund_amount a ON a.id = p.id
  JOIN seed_fund_times tl ON tl.id = p.id
 ORDER BY p.province_ord, p.dord, p.ord, p.fy, p.k;

INSERT INTO funding_line_items (proposal_id, position, category, description, quantity,
                                unit_cost_vnd, total_vnd)
SELECT id, position, category, description, quantity, unit_cost, quantity * unit_cost
  FROM seed_fund_line ORDER BY id, position;

-- Who moves proposals: in each commune an officer who submits and withdraws them (of the
-- local families), in each district two officers who decide on them and an accountant who
-- pays (often posted from the lowlands): never the same name.
CREATE TEMP TABLE seed_fund_official ON COMMIT DROP AS
SELECT who, pg_temp.seed_official(who, CASE WHEN who LIKE 'commune-%'
        THEN '{Nông,Nông,Ma,Vương,Lục,Triệu,Bàn,Hoàng,Lương,Hà,Giàng,Sùng,Vàng,Đàm,Quan}'::text[]
        ELSE '{Nguyễn,Nguyễn,Nguyễn,Trần,Trần,Lê,Phạm,Vũ,Đỗ,Đặng,Bùi,Ngô,Đinh}'::text[] END) AS name
  FROM (SELECT DISTINCT 'commune-officer/' || code AS who FROM seed_fund_proposal
        UNION
        SELECT 'district-' || job || '/' || district
          FROM (SELECT DISTINCT district FROM seed_fund_proposal) d,
               unnest('{officer/0,officer/1,accountant}'::text[]) AS job) k;
CREATE UNIQUE INDEX ON seed_fund_official (who);

-- Every move.
INSERT INTO funding_transitions (proposal_id, action, from_status, to_status, actor_type,
                                 actor_id, actor_name, comment, amount_vnd, decision_no,
                                 voucher_no, paid_on, at)
WITH moves AS (
    SELECT p.id, p.key, p.code, p.district, p.fy, p.fate, fp.decision_no, a.requested,
           a.approved, a.paid,
           s.action, s.i, cardinality(p.steps) AS n,
           count(*) FILTER (WHERE s.action = 'disburse') OVER (PARTITION BY p.id) AS tranches,
           count(*) FILTER (WHERE s.action = 'disburse') OVER (PARTITION BY p.id ORDER BY s.i) AS tranche,
           count(*) FILTER (WHERE s.action = 'submit') OVER (PARTITION BY p.id ORDER BY s.i) AS submits,
           tl.times
      FROM seed_fund_proposal p
      JOIN funding_proposals fp ON fp.id = p.id
      JOIN seed_fund_amount a ON a.id = p.id
      JOIN seed_fund_times tl ON tl.id = p.id
      CROSS JOIN LATERAL unnest(p.steps) WITH ORDINALITY AS s(action, i)
), shaped AS (
    SELECT moves.*,
           CASE action WHEN 'submit' THEN 'submitted' WHEN 'return' THEN 'returned'
                       WHEN 'withdraw' THEN 'withdrawn' WHEN 'reject' THEN 'rejected'
                       WHEN 'approve' THEN 'approved'
                       ELSE CASE WHEN fate = 'disbursed' AND i = n THEN 'disbursed' ELSE 'approved' END
           END AS to_status,
           CASE WHEN action = 'disburse' AND tranche < tranches
                    THEN floor(paid / tranches / 100000) * 100000
                WHEN action = 'disburse'
                    THEN paid - (tranches - 1) * floor(paid / tranches / 100000) * 100000 END::bigint
               AS tranche_amount,
           times[i] AS at
      FROM moves
)
SELECT id, action, coalesce(lag(to_status) OVER (PARTITION BY id ORDER BY i), 'draft'), to_status,
       'user', NULL,
       (SELECT o.name FROM seed_fund_official o
         WHERE o.who = CASE WHEN action IN ('submit', 'withdraw') THEN 'commune-officer/' || code
                            WHEN action = 'disburse' THEN 'district-accountant/' || district
                            ELSE 'district-officer/' || floor(2 * pg_temp.seed_rand('decider/' || key))
                                 || '/' || district END),
       CASE action
           WHEN 'submit' THEN CASE WHEN submits > 1 THEN 'Đã bổ sung, chỉnh sửa theo ý kiến của huyện' END
           WHEN 'return' THEN pg_temp.seed_pick(ARRAY[
               'Đề nghị bổ sung danh sách thành viên được hưởng hỗ trợ, có xác nhận của thôn',
               'Đơn giá thiết bị cao hơn mức giá tham khảo; đề nghị rà soát, lập lại dự toán',
               'Thiếu ý kiến của Ban chỉ đạo chuyển đổi số xã; đề nghị hoàn thiện hồ sơ',
               'Số tháng hỗ trợ chưa khớp với kế hoạch hoạt động của tổ; đề nghị điều chỉnh'],
               pg_temp.seed_rand('return-why/' || key || '/' || i))
           WHEN 'reject' THEN pg_temp.seed_pick(ARRAY[
               'Nội dung không nằm trong kế hoạch kinh phí chuyển đổi số của huyện năm nay',
               'Kinh phí năm của huyện đã phân bổ hết cho các xã ưu tiên',
               'Trùng nội dung với khoản đã được hỗ trợ từ chương trình mục tiêu quốc gia',
               'Định mức đề nghị vượt quy định chi hỗ trợ của tỉnh'],
               pg_temp.seed_rand('reject-why/' || key))
           WHEN 'withdraw' THEN pg_temp.seed_pick(ARRAY[
               'Xã rút đề nghị để lập lại theo hướng dẫn mới của huyện',
               'Nội dung đã được bố trí từ nguồn kinh phí khác'],
               pg_temp.seed_rand('withdraw-why/' || key))
           WHEN 'approve' THEN CASE WHEN approved = requested THEN 'Đồng ý hỗ trợ toàn bộ kinh phí đề nghị'
                                    ELSE 'Đồng ý hỗ trợ một phần, theo định mức chi của huyện' END
           ELSE 'Chi đợt ' || tranche END,
       CASE action WHEN 'approve' THEN approved WHEN 'disburse' THEN tranche_amount END,
       CASE WHEN action = 'approve' THEN decision_no END,
       CASE WHEN action = 'disburse'
            THEN 'UNC-' || fy || '-' || lpad((1 + floor(9999 * pg_temp.seed_rand('voucher/' || key || '/' || i)))::int::text, 4, '0') END,
       CASE WHEN action = 'disburse' THEN (at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date END,
       at
  FROM shaped
 ORDER BY at, id, i;

-- Each district's budget for the year: what it approved, at a share of the allocation that
-- the more generous use more fully, rounded up to ten million đồng (never under 200 million).
INSERT INTO funding_allocations (unit_code, fiscal_year, amount_vnd, created_at, updated_at)
SELECT dc.district, y.fy,
       greatest(200000000, ceil(coalesce(sum(a.approved), 0) / (0.55 + 0.4 * dc.g)
                                / 10000000) * 10000000)::bigint,
       y.opens - interval '14 days', y.opens - interval '14 days'
  FROM (SELECT p.code || '-' || d.abbr AS district, p.ord, d.ord AS dord, fd.g
          FROM seed_province p CROSS JOIN seed_district d
          JOIN seed_fund_district fd ON fd.abbr = d.abbr) dc
 CROSS JOIN seed_fund_year y
  LEFT JOIN seed_fund_proposal sp ON sp.district = dc.district AND sp.fy = y.fy
  LEFT JOIN seed_fund_amount a ON a.id = sp.id
 GROUP BY dc.district, dc.ord, dc.dord, dc.g, y.fy, y.opens
 ORDER BY dc.ord, dc.dord, y.fy;
