-- replaces: sha256:c01ae9fc3d5eebc720fb199d81b811b14e9e5e5edf55bf85d0a00a9ceeac119b
-- (Amended, same result: the functions and triggers it made are defined in db/functions/,
-- applied after the migrations. A database that ran a content above keeps it.)
-- What teams do: the catalogue of digital services they help with (each with the guide a
-- member follows), and the activity records that refer to it. Their representations:
-- db/functions/50_services.sql and 55_activities.sql.

-- Categories follow the national programme's five basic digital skills, split where
-- officers need finer counts.
CREATE TABLE services (
    code         text PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9_.-]{1,63}$'),
    name_vi      text NOT NULL CHECK (length(name_vi) BETWEEN 1 AND 200),
    name_en      text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
    category     text NOT NULL CHECK (category IN ('identity', 'public_services', 'payments',
                     'health', 'commerce', 'skills', 'safety')),
    -- the guide: [{"instruction": "...", "check": "..." | null}, ...] in order
    steps        jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(steps) = 'array'),
    -- by ISO 639-3 code: {"hmn": {"name": "...", "steps": [{"instruction", "check"}]}}
    translations jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(translations) = 'object'),
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      integer NOT NULL DEFAULT 1
);

-- An activity keeps the unit it was made under (a village under the team's unit, or the
-- team's unit itself), whatever merges come later: reports follow the tree and the
-- successor links.
CREATE TABLE activities (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id            uuid NOT NULL REFERENCES teams (id),
    unit_code          text NOT NULL REFERENCES units (code),
    date               date NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('household_visit', 'group_session', 'campaign')),
    service_codes      text[] NOT NULL DEFAULT '{}',
    households_reached integer CHECK (households_reached BETWEEN 0 AND 10000),
    people_reached     integer CHECK (people_reached BETWEEN 0 AND 10000),
    member_ids         uuid[] NOT NULL DEFAULT '{}',
    languages          text[] NOT NULL DEFAULT '{}',
    notes              text CHECK (length(notes) <= 2000),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    version            integer NOT NULL DEFAULT 1,
    CHECK (households_reached IS NULL OR people_reached IS NULL
           OR households_reached <= people_reached)
);
CREATE INDEX activities_team_date ON activities (team_id, date DESC, id);
CREATE INDEX activities_unit_date ON activities (unit_code, date);
CREATE INDEX activities_services ON activities USING gin (service_codes);
CREATE INDEX activities_date ON activities (date, id);
