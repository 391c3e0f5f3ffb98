-- replaces: sha256:09a015738dadfed9865b99522f485af6cde0cc5d0133f862c17410c92df8256b
-- (Amended, same result: the functions and triggers it made are defined in db/functions/,
-- applied after the migrations. A database that ran a content above keeps it.)
-- Identity and access: the administrative units scopes hang on (completed by the registry),
-- accounts of people and of systems, login throttling, and the audit trail.

-- Units form a tree. `path` is the ltree of surrogate ids from the root ("1.17.240"), set by
-- the trigger units_path (db/functions/20_units.sql): codes may hold '.' and '-', which ltree
-- labels cannot. "Everything under X" is `path <@ X.path`, answered by the GiST index.
CREATE TABLE units (
    id          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    code        text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9._-]{1,32}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    level       text NOT NULL CHECK (level IN ('province', 'district', 'commune', 'village')),
    parent_code text REFERENCES units (code),
    path        ltree NOT NULL,
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    successor_code text REFERENCES units (code),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     integer NOT NULL DEFAULT 1,
    CHECK (parent_code IS DISTINCT FROM code)
);
CREATE INDEX units_path_gist ON units USING gist (path);
CREATE INDEX units_parent ON units (parent_code);

-- People. Usernames are stored lowercased; an admin's scope is everything (no unit), every
-- other role must have one.
CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'officer', 'team_leader', 'viewer')),
    unit_code     text REFERENCES units (code),
    team_id       uuid,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    last_login_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       integer NOT NULL DEFAULT 1,
    CHECK (role = 'admin' OR unit_code IS NOT NULL),
    CHECK (role = 'team_leader' OR team_id IS NULL)
);
CREATE INDEX users_unit ON users (unit_code);

-- Systems (OAuth 2.0 clients). The secret is random and high-entropy, so a SHA-256 of it is
-- enough to keep it unrecoverable from the database.
CREATE TABLE clients (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    client_id   text NOT NULL UNIQUE CHECK (client_id ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    name        text CHECK (length(name) <= 200),
    secret_hash text NOT NULL,
    scopes      text[] NOT NULL CHECK (scopes <@ ARRAY['registry:read', 'registry:write',
                    'activities:write', 'reports:read', 'members:pii']::text[]),
    unit_code   text NOT NULL REFERENCES units (code),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     integer NOT NULL DEFAULT 1
);

-- Failed logins, kept 15 minutes for throttling (per username and per address).
CREATE TABLE login_failures (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL,
    address  text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_username ON login_failures (username, at);
CREATE INDEX login_failures_address ON login_failures (address, at);

-- Every write, in the same transaction as the write itself.
CREATE TABLE audit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_type  text NOT NULL CHECK (actor_type IN ('user', 'client', 'system', 'anonymous')),
    actor_id    uuid,
    actor_name  text,
    action      text NOT NULL,
    entity_type text NOT NULL,
    entity_id   text,
    before      jsonb,
    after       jsonb,
    request_id  text
);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, id);
CREATE INDEX audit_events_actor ON audit_events (actor_id, id);
CREATE INDEX audit_events_at ON audit_events (at);
