-- The registry: the administrative tree completed, teams, members, memberships, the
-- languages members speak, and idempotency records for creates.

-- Levels, from the top. A unit's parent must be of a higher level (lower rank).
CREATE FUNCTION unit_level_rank(level text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN CASE level WHEN 'province' THEN 1 WHEN 'district' THEN 2 WHEN 'commune' THEN 3
                  WHEN 'village' THEN 4 END;

ALTER TABLE units ADD CONSTRAINT units_successor_not_self CHECK (successor_code IS DISTINCT FROM code);
ALTER TABLE units ADD CONSTRAINT units_retired_has_successor
    CHECK ((status = 'retired') = (successor_code IS NOT NULL));
CREATE INDEX units_name_search ON units USING gin (search_fold(name) gin_trgm_ops);
CREATE INDEX units_level ON units (level, code);

-- Parent rules, checked by PostgreSQL whoever writes: the parent exists, is active, is of a
-- higher level, and is not the unit itself or below it (no cycles). Moving a unit moves its
-- whole subtree's paths.
CREATE OR REPLACE FUNCTION units_set_path() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent units%ROWTYPE;
BEGIN
    IF NEW.parent_code IS NULL THEN
        NEW.path := NEW.id::text::ltree;
    ELSE
        SELECT * INTO parent FROM units WHERE code = NEW.parent_code;
        IF TG_OP = 'UPDATE' AND parent.path <@ OLD.path THEN
            RAISE EXCEPTION 'a unit cannot move under itself' USING ERRCODE = 'P0001',
                  HINT = 'cycle';
        END IF;
        IF unit_level_rank(parent.level) >= unit_level_rank(NEW.level) THEN
            RAISE EXCEPTION 'the parent must be of a higher level' USING ERRCODE = 'P0001',
                  HINT = 'parent_level';
        END IF;
        IF parent.status <> 'active' AND (TG_OP = 'INSERT' OR NEW.parent_code IS DISTINCT FROM OLD.parent_code) THEN
            RAISE EXCEPTION 'the parent is retired' USING ERRCODE = 'P0001', HINT = 'parent_retired';
        END IF;
        NEW.path := parent.path || NEW.id::text;
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER units_path ON units;
CREATE TRIGGER units_path BEFORE INSERT OR UPDATE OF parent_code, level ON units
    FOR EACH ROW EXECUTE FUNCTION units_set_path();

CREATE FUNCTION units_move_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.path IS DISTINCT FROM OLD.path THEN
        UPDATE units SET path = NEW.path || subpath(path, nlevel(OLD.path))
         WHERE path <@ OLD.path AND code <> NEW.code;
    END IF;
    RETURN NULL;
END $$;
-- (UPDATE OF parent_code: the descendants' own path updates do not fire it again.)
CREATE TRIGGER units_subtree AFTER UPDATE OF parent_code, level ON units
    FOR EACH ROW EXECUTE FUNCTION units_move_subtree();

-- Escapes LIKE's metacharacters so that a search for "50%" or "a_b" means what it says.
CREATE FUNCTION like_escape(input text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN replace(replace(replace(input, '\', '\\'), '%', '\%'), '_', '\_');

-- "Contains q, ignoring case and diacritics", backed by the trigram indexes on search_fold.
CREATE FUNCTION search_pattern(q text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN '%' || like_escape(search_fold(q)) || '%';

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

-- Representations.
CREATE FUNCTION unit_json(u units) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE
RETURN json_build_object('code', u.code, 'name', u.name, 'level', u.level,
    'parent_code', u.parent_code, 'status', u.status, 'successor_code', u.successor_code,
    'created_at', rfc3339(u.created_at), 'updated_at', rfc3339(u.updated_at),
    'version', u.version);

CREATE FUNCTION team_json(t teams) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE
RETURN json_build_object('id', t.id, 'unit_code', t.unit_code,
    'unit', (SELECT json_build_object('code', u.code, 'name', u.name, 'level', u.level)
             FROM units u WHERE u.code = t.unit_code),
    'name', t.name, 'status', t.status, 'established_on', t.established_on,
    'contact_phone', t.contact_phone, 'notes', t.notes,
    'leader', (SELECT json_build_object('id', m.id, 'name', m.full_name)
               FROM memberships ms JOIN members m ON m.id = ms.member_id
               WHERE ms.team_id = t.id AND ms.role = 'leader' AND ms.left_on IS NULL),
    'member_count', (SELECT count(*) FROM memberships ms
                     WHERE ms.team_id = t.id AND ms.left_on IS NULL),
    'created_at', rfc3339(t.created_at), 'updated_at', rfc3339(t.updated_at),
    'version', t.version);

-- A member as a caller sees them: phone, email and birth year masked without the right.
CREATE FUNCTION member_json(m members, personal_data boolean) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE
RETURN json_build_object('id', m.id, 'unit_code', m.unit_code, 'full_name', m.full_name,
    'gender', m.gender,
    'birth_year', CASE WHEN personal_data THEN m.birth_year END,
    'phone', CASE WHEN personal_data THEN m.phone ELSE mask_phone(m.phone) END,
    'email', CASE WHEN personal_data THEN m.email ELSE mask_email(m.email) END,
    'ethnicity', m.ethnicity, 'languages', to_json(m.languages),
    'affiliations', to_json(m.affiliations), 'digital_skill', m.digital_skill,
    'trainings', m.trainings, 'status', m.status,
    'created_at', rfc3339(m.created_at), 'updated_at', rfc3339(m.updated_at),
    'version', m.version);

CREATE FUNCTION membership_json(ms memberships) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE
RETURN json_build_object('id', ms.id, 'team_id', ms.team_id, 'member_id', ms.member_id,
    'member_name', (SELECT full_name FROM members WHERE id = ms.member_id),
    'role', ms.role, 'joined_on', ms.joined_on, 'left_on', ms.left_on,
    'active', ms.left_on IS NULL,
    'created_at', rfc3339(ms.created_at), 'updated_at', rfc3339(ms.updated_at),
    'version', ms.version);

-- One CSV line (RFC 4180) from its fields: quoted when needed, NULL as an empty field. Exports
-- are formatted by PostgreSQL, row by row, and streamed.
CREATE FUNCTION csv_line(VARIADIC fields text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT string_agg(CASE WHEN f IS NULL THEN ''
                               WHEN f ~ '[",\r\n]' OR f ~ '^[=+@-]' OR f <> btrim(f)
                               THEN '"' || replace(f, '"', '""') || '"'
                               ELSE f END, ',' ORDER BY n)
        FROM unnest(fields) WITH ORDINALITY AS t(f, n));
