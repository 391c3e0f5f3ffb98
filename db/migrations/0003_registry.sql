-- replaces: sha256:d00054b5c00a294c3b7e0947e14aab7b4d400cc1112b55dff87008c16056a6be
-- (Amended, same result: the functions and triggers it made are defined in db/functions/,
-- applied after the migrations. A database that ran a content above keeps it.)
-- The registry: the administrative tree completed, teams, members, memberships, the
-- languages members speak, and idempotency records for creates.

ALTER TABLE units ADD CONSTRAINT units_successor_not_self CHECK (successor_code IS DISTINCT FROM code);
ALTER TABLE units ADD CONSTRAINT units_retired_has_successor
    CHECK ((status = 'retired') = (successor_code IS NOT NULL));
CREATE INDEX units_name_search ON units USING gin (search_fold(name) gin_trgm_ops);
CREATE INDEX units_level ON units (level, code);

-- Languages members speak: ISO 639-3, with the languages of the northern mountain provinces.
CREATE TABLE languages (
    code    text PRIMARY KEY CHECK (code ~ '^[a-z]{3}$'),
    name_vi text NOT NULL,
    name_en text NOT NULL
);
INSERT INTO languages (code, name_vi, name_en) VALUES
    ('vie', 'Tiếng Việt', 'Vietnamese'),
    ('hmn', 'Tiếng H''Mông', 'Hmong (macrolanguage)'),
    ('blu', 'Tiếng H''Mông Đơ (Hmông Trắng)', 'Hmong Njua (White Hmong)'),
    ('hnj', 'Tiếng H''Mông Lềnh (Hmông Hoa)', 'Hmong Njua (Green Hmong)'),
    ('mww', 'Tiếng H''Mông Đào', 'Hmong Daw'),
    ('hmv', 'Tiếng H''Mông Đô', 'Hmong Do'),
    ('tay', 'Tiếng Tày', 'Tày'),
    ('nut', 'Tiếng Nùng', 'Nùng'),
    ('dao', 'Tiếng Dao', 'Dao (Mien)'),
    ('ium', 'Tiếng Dao (Iu Miền)', 'Iu Mien'),
    ('mji', 'Tiếng Dao Kim Mun', 'Kim Mun'),
    ('tyj', 'Tiếng Thái Trắng', 'Tai Dón (White Tai)'),
    ('blt', 'Tiếng Thái Đen', 'Tai Dam (Black Tai)'),
    ('tyr', 'Tiếng Thái Đỏ', 'Tai Daeng (Red Tai)'),
    ('mtq', 'Tiếng Mường', 'Muong'),
    ('giq', 'Tiếng Cờ Lao Xanh', 'Green Gelao'),
    ('gir', 'Tiếng Cờ Lao Đỏ', 'Red Gelao'),
    ('lbt', 'Tiếng Lô Lô', 'Lachi'),
    ('ysp', 'Tiếng Lô Lô', 'Southern Lolopo'),
    ('ywq', 'Tiếng Lô Lô Hoa', 'Flowery Lolo'),
    ('pen', 'Tiếng Pà Thẻn', 'Pa-Hng'),
    ('phh', 'Tiếng Phù Lá', 'Phula'),
    ('bgl', 'Tiếng Bố Y', 'Bouyei'),
    ('lpo', 'Tiếng La Chí', 'Lachi (Lipo)'),
    ('lwh', 'Tiếng Lự', 'Lü'),
    ('khb', 'Tiếng Lự', 'Lü (Tai Lue)'),
    ('kjm', 'Tiếng Kháng', 'Khang'),
    ('sgd', 'Tiếng Sán Dìu', 'San Chay (Sán Dìu)'),
    ('cmn', 'Tiếng Hoa (Quan thoại)', 'Mandarin Chinese'),
    ('yue', 'Tiếng Quảng Đông', 'Cantonese'),
    ('cjm', 'Tiếng Chăm', 'Eastern Cham'),
    ('khm', 'Tiếng Khmer', 'Khmer'),
    ('eng', 'Tiếng Anh', 'English');

CREATE TABLE teams (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unit_code      text NOT NULL REFERENCES units (code),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'dissolved')),
    established_on date NOT NULL,
    contact_phone  text CHECK (contact_phone ~ '^0[0-9]{9,10}$'),
    notes          text CHECK (length(notes) <= 2000),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    version        integer NOT NULL DEFAULT 1
);
-- One active team per unit.
CREATE UNIQUE INDEX teams_one_active_per_unit ON teams (unit_code) WHERE status = 'active';
CREATE INDEX teams_unit ON teams (unit_code, id);
CREATE INDEX teams_name_search ON teams USING gin (search_fold(name) gin_trgm_ops);
ALTER TABLE users ADD CONSTRAINT users_team FOREIGN KEY (team_id) REFERENCES teams (id);

-- Members live and serve in a unit (village or commune): that unit places them in scopes.
CREATE TABLE members (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unit_code     text NOT NULL REFERENCES units (code),
    full_name     text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    gender        text CHECK (gender IN ('female', 'male', 'other')),
    birth_year    integer CHECK (birth_year BETWEEN 1900 AND 2100),
    phone         text CHECK (phone ~ '^0[0-9]{9,10}$'),
    email         text CHECK (length(email) <= 254),
    ethnicity     text CHECK (length(ethnicity) <= 64),
    languages     text[] NOT NULL DEFAULT '{}',
    affiliations  text[] NOT NULL DEFAULT '{}' CHECK (affiliations <@ ARRAY['official',
                      'civil_servant', 'party_member', 'youth_union', 'teacher', 'police',
                      'womens_union', 'veterans_association', 'farmers_union', 'health_worker',
                      'student', 'volunteer']::text[]),
    digital_skill text CHECK (digital_skill IN ('basic', 'intermediate', 'advanced')),
    trainings     jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(trainings) = 'array'),
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       integer NOT NULL DEFAULT 1
);
-- One person, one normalised phone number.
CREATE UNIQUE INDEX members_phone ON members (phone);
CREATE INDEX members_unit ON members (unit_code, id);
CREATE INDEX members_name_search ON members USING gin (search_fold(full_name) gin_trgm_ops);
CREATE INDEX members_languages ON members USING gin (languages);
CREATE INDEX members_affiliations ON members USING gin (affiliations);

CREATE TABLE memberships (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id    uuid NOT NULL REFERENCES teams (id),
    member_id  uuid NOT NULL REFERENCES members (id),
    team_level text NOT NULL CHECK (team_level IN ('village', 'commune')),
    role       text NOT NULL CHECK (role IN ('leader', 'deputy', 'member')),
    joined_on  date NOT NULL,
    left_on    date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version    integer NOT NULL DEFAULT 1,
    CHECK (left_on IS NULL OR left_on >= joined_on)
);
-- At most one active leader per team; a person active in one village team and one commune
-- team at most; history stays (an ended membership has left_on).
CREATE UNIQUE INDEX memberships_one_leader ON memberships (team_id)
    WHERE role = 'leader' AND left_on IS NULL;
CREATE UNIQUE INDEX memberships_one_per_level ON memberships (member_id, team_level)
    WHERE left_on IS NULL;
CREATE INDEX memberships_team ON memberships (team_id, id);
CREATE INDEX memberships_member ON memberships (member_id, joined_on);

-- Creates that carried an Idempotency-Key: the same key and body within 24 hours get the
-- first response back, another body gets 422. Kept in the database, so every replica agrees.
CREATE TABLE idempotency_keys (
    principal_id uuid NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash text NOT NULL,
    status       integer,          -- NULL while the first request is being answered
    body         text,
    location     text,
    etag         text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

