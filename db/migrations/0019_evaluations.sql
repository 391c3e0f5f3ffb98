-- Accountability: rubrics and evaluations of members and teams.

-- Systems that read or write evaluations get scopes of their own.
ALTER TABLE clients DROP CONSTRAINT clients_scopes_check;
ALTER TABLE clients ADD CONSTRAINT clients_scopes_check
    CHECK (scopes <@ ARRAY['registry:read', 'registry:write', 'activities:write', 'reports:read',
                           'members:pii', 'evaluations:read', 'evaluations:write']::text[]);

-- A rubric: the criteria an evaluation scores, with weights and rating thresholds. A rubric
-- is known by its code; every change makes a new row with the next version, so that an
-- evaluation keeps the version it was scored on (the current rubric is the highest version).
--   criteria:   [{"code", "name_vi", "name_en", "weight", "max_score", "kpi"?, "target"?}],
--               weights are integers summing to 100;
--   thresholds: {"excellent": 90, "good": 70, "satisfactory": 50}, strictly decreasing;
--               a total below "satisfactory" is "unsatisfactory".
CREATE TABLE rubrics (
    code         text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9_.-]{1,63}$'),
    version      integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    name_vi      text NOT NULL CHECK (length(name_vi) BETWEEN 1 AND 200),
    name_en      text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
    subject_type text NOT NULL CHECK (subject_type IN ('member', 'team')),
    period_kind  text NOT NULL CHECK (period_kind IN ('year', 'quarter')),
    criteria     jsonb NOT NULL CHECK (jsonb_typeof(criteria) = 'array'
                                       AND jsonb_array_length(criteria) BETWEEN 1 AND 30),
    thresholds   jsonb NOT NULL CHECK (jsonb_typeof(thresholds) = 'object'),
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (code, version)
);

-- An evaluation of one member or one team for one period (a year, "2025", or a quarter,
-- "2025-Q3") by one evaluator body, on one version of a rubric. total_score (0-100, one
-- decimal) and rating are computed from scores and the rubric; evidence from the subject's
-- activities in the period (recomputed while a draft, frozen when finalized).
-- A correction is a new evaluation naming the one it supersedes; when it is finalized, the
-- old one gets superseded_by and stops counting for "one finalized evaluation per subject,
-- period and evaluator body".
CREATE TABLE evaluations (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_type   text NOT NULL CHECK (subject_type IN ('member', 'team')),
    member_id      uuid REFERENCES members (id),
    team_id        uuid REFERENCES teams (id),
    subject_id     uuid NOT NULL GENERATED ALWAYS AS (coalesce(member_id, team_id)) STORED,
    period         text NOT NULL CHECK (period ~ '^[0-9]{4}(-Q[1-4])?$'),
    period_from    date NOT NULL,
    period_to      date NOT NULL,
    evaluator_body text NOT NULL CHECK (evaluator_body IN ('party_cell', 'commune_committee',
                       'district_committee', 'province_department', 'team_self')),
    rubric_code    text NOT NULL,
    rubric_version integer NOT NULL,
    scores         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(scores) = 'object'),
    total_score    numeric(4, 1) CHECK (total_score BETWEEN 0 AND 100),
    rating         text CHECK (rating IN ('excellent', 'good', 'satisfactory', 'unsatisfactory')),
    comments       text CHECK (length(comments) <= 4000),
    evidence       jsonb NOT NULL DEFAULT '{}',
    status         text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'finalized')),
    supersedes     uuid UNIQUE REFERENCES evaluations (id),
    superseded_by  uuid REFERENCES evaluations (id),
    reason         text CHECK (length(reason) BETWEEN 1 AND 2000),
    finalized_at   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    version        integer NOT NULL DEFAULT 1,
    FOREIGN KEY (rubric_code, rubric_version) REFERENCES rubrics (code, version),
    CHECK ((subject_type = 'member') = (member_id IS NOT NULL)
           AND (subject_type = 'team') = (team_id IS NOT NULL)),
    CHECK (period_from <= period_to),
    CHECK ((status = 'finalized') = (finalized_at IS NOT NULL)),
    CHECK (status = 'finalized' OR rating IS NULL OR total_score IS NOT NULL),
    CHECK ((supersedes IS NULL) = (reason IS NULL)),
    CHECK (superseded_by IS NULL OR status = 'finalized')
);
-- One finalized, current evaluation per subject, period and evaluator body.
CREATE UNIQUE INDEX evaluations_one_final ON evaluations (subject_id, period, evaluator_body)
    WHERE status = 'finalized' AND superseded_by IS NULL;
CREATE INDEX evaluations_subject ON evaluations (subject_id, period_to DESC);
CREATE INDEX evaluations_period ON evaluations (period, subject_type, id);
CREATE INDEX evaluations_rubric ON evaluations (rubric_code, rubric_version);

-- A member's activities in a period (evaluation evidence).
CREATE INDEX activities_members ON activities USING gin (member_ids);

-- The starting rubrics.
INSERT INTO rubrics (code, name_vi, name_en, subject_type, period_kind, criteria, thresholds) VALUES
('member-yearly',
 'Đánh giá thành viên tổ công nghệ số cộng đồng hằng năm',
 'Yearly evaluation of a community digital technology team member',
 'member', 'year',
 '[{"code": "participation", "name_vi": "Tham gia hoạt động của tổ",
    "name_en": "Taking part in the team''s work", "weight": 25, "max_score": 10,
    "kpi": "active_days", "target": 24},
   {"code": "households", "name_vi": "Số hộ gia đình được hỗ trợ",
    "name_en": "Households helped", "weight": 25, "max_score": 10,
    "kpi": "households_reached", "target": 60},
   {"code": "services", "name_vi": "Số dịch vụ số đã hướng dẫn người dân",
    "name_en": "Digital services guided", "weight": 15, "max_score": 10,
    "kpi": "services_covered", "target": 5},
   {"code": "skills", "name_vi": "Nâng cao kỹ năng số của bản thân",
    "name_en": "Growth of own digital skills", "weight": 15, "max_score": 10},
   {"code": "conduct", "name_vi": "Tác phong, tinh thần trách nhiệm và độ tin cậy",
    "name_en": "Conduct, responsibility and reliability", "weight": 20, "max_score": 10}]',
 '{"excellent": 90, "good": 70, "satisfactory": 50}'),
('team-quarterly',
 'Đánh giá tổ công nghệ số cộng đồng hằng quý',
 'Quarterly evaluation of a community digital technology team',
 'team', 'quarter',
 '[{"code": "coverage", "name_vi": "Bao phủ các thôn, tổ dân phố trên địa bàn",
    "name_en": "Coverage of the team''s villages", "weight": 25, "max_score": 10,
    "kpi": "villages_reached", "target": 2},
   {"code": "households", "name_vi": "Số hộ gia đình được tiếp cận",
    "name_en": "Households reached", "weight": 30, "max_score": 10,
    "kpi": "households_reached", "target": 60},
   {"code": "active_members", "name_vi": "Số thành viên tham gia hoạt động",
    "name_en": "Members taking part", "weight": 25, "max_score": 10,
    "kpi": "active_members", "target": 4},
   {"code": "records", "name_vi": "Ghi chép hoạt động đầy đủ, đúng hạn",
    "name_en": "Records kept complete and on time", "weight": 20, "max_score": 10}]',
 '{"excellent": 90, "good": 70, "satisfactory": 50}');
