-- replaces: sha256:60fd9b537c329a7a19e5895425f643e16402d1389bcfd2d754e52234c1878ed2
-- replaces: sha256:e9d49f2163c33fe6fb13affc978db2a4961f8044c7fec06d5ce7e1ea02b3bef8
-- (Amended, same result: the functions and triggers it made are defined in db/functions/,
-- applied after the migrations. A database that ran a content above keeps it.)
-- Personal data: a team's contact phone masked like a member's, duplicates of people outside a
-- caller's scope counted, and CSV cells that a spreadsheet would evaluate neutralised.

-- 1. A team's contact phone is masked like a member's phone: team_json
-- (db/functions/30_teams.sql).

-- 2. A phone number belongs to one member in the whole country, so a write or an import that
-- repeats a number already used outside the caller's scope must fail; but answering which
-- number (or row) it was would let an officer learn, thousands of numbers at a time, who is
-- registered anywhere. Such conflicts are not shown row by row; each one is counted here
-- against the account (and audited), and past a small daily allowance the account's writes
-- that carry phone numbers answer 429 (members.c, imports_members.c, duplicate_probes.c).
-- Rows older than a day are deleted as new ones come.
CREATE TABLE unseen_duplicates (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    principal_id uuid NOT NULL,
    hits         integer NOT NULL CHECK (hits > 0),
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX unseen_duplicates_principal ON unseen_duplicates (principal_id, at);

-- 3. CSV cells that a spreadsheet would evaluate are neutralised: csv_cell and csv_line
-- (db/functions/00_text.sql).
