-- Personal data: a team's contact phone masked like a member's, duplicates of people outside a
-- caller's scope counted, and CSV cells that a spreadsheet would evaluate neutralised.

-- 1. A team's contact phone is in practice its leader's own number: it is personal data, masked
-- (mask_phone) for callers without the right to see it, like a member's phone. Same fields, same
-- order as before. The one-argument form stays for processes still running the previous
-- release during a rolling deploy, and it masks: nothing can forget to.
CREATE FUNCTION team_json(t teams, personal_data boolean) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN json_build_object('id', t.id, 'unit_code', t.unit_code,
        'unit', (SELECT json_build_object('code', u.code, 'name', u.name, 'level', u.level)
                 FROM units u WHERE u.code = t.unit_code),
        'name', t.name, 'status', t.status, 'established_on', t.established_on,
        'contact_phone', CASE WHEN personal_data THEN t.contact_phone
                              ELSE mask_phone(t.contact_phone) END,
        'notes', t.notes,
        'leader', (SELECT json_build_object('id', m.id, 'name', m.full_name)
                   FROM memberships ms JOIN members m ON m.id = ms.member_id
                   WHERE ms.team_id = t.id AND ms.role = 'leader' AND ms.left_on IS NULL),
        'member_count', (SELECT count(*) FROM memberships ms
                         WHERE ms.team_id = t.id AND ms.left_on IS NULL),
        'created_at', rfc3339(t.created_at), 'updated_at', rfc3339(t.updated_at),
        'version', t.version);
END $$;

CREATE OR REPLACE FUNCTION team_json(t teams) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE
RETURN team_json(t, false);

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

-- 3. CSV exports are opened in spreadsheets, which evaluate a cell that starts like a formula.
-- OWASP's rule (CSV Injection cheat sheet): a cell starting with = + - @, a tab, a carriage
-- return, or their full-width forms ＝ ＋ － ＠, gets an apostrophe in front, so it is shown as
-- text. Spreadsheets skip leading blanks before looking, so a formula character after spaces,
-- tabs or line breaks counts too; and a line break first counts like a carriage return. A
-- cell that already starts with apostrophes followed by such a start gets one more, so that
-- the members import (import_value) can take exactly one away and read back what was written.
-- Then RFC 4180: quoted when it holds a quote, a comma, a line break or surrounding spaces.
CREATE OR REPLACE FUNCTION csv_cell(f text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN f IS NULL THEN ''
            ELSE (SELECT CASE WHEN g ~ '[",\r\n]' OR g <> btrim(g)
                              THEN '"' || replace(g, '"', '""') || '"' ELSE g END
                    FROM (SELECT CASE WHEN f ~ '^''*([\t\r\n]|[ \t\r\n]*[=+@＝＋－＠-])'
                                      THEN '''' || f ELSE f END AS g) AS cell) END;

CREATE OR REPLACE FUNCTION csv_line(VARIADIC fields text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT string_agg(csv_cell(f), ',' ORDER BY n)
        FROM unnest(fields) WITH ORDINALITY AS t(f, n));
