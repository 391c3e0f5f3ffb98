-- replaces: sha256:8132862237a11c8d4e082bd46deecd94d33bda180280d93655fefeb2601d8c5d
-- (Amended, same result, so that it also applies on PostgreSQL 15.20 and later: see the
-- ALTER TABLE below. A database that ran the content above keeps it.)
-- Members at national scale: name search cheap per row, an index the lists read alone, and
-- the CSV export line.

-- search_fold(full_name), stored. The trigram index only narrows the candidates: PostgreSQL
-- rechecks each one, and the lists test the rows they read against q. Through the expression
-- that meant unaccent() on every row read (3.6 µs a row against 0.3 µs for a stored column,
-- measured on 500,000 members), so a commune-wide `q` cost tens of milliseconds. Same meaning
-- as before: search_fold(full_name) LIKE search_pattern(q).
-- PostgreSQL 15.20 and later refuse to add a column with a default or a generated value to a
-- table whose row type a function with an SQL-standard body (RETURN ...) uses:
-- member_json(members, boolean) is set aside for the ALTER and made again exactly as 0003
-- made it.
DROP FUNCTION member_json(members, boolean);
ALTER TABLE members ADD COLUMN full_name_folded text
    GENERATED ALWAYS AS (search_fold(full_name)) STORED;
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
CREATE INDEX members_full_name_folded ON members USING gin (full_name_folded gin_trgm_ops);
-- Replaced by the index above; keeping both would make every write fold the name twice.
DROP INDEX members_name_search;

-- The list reads "the first page of members of each unit under X" (members_list.c). With the
-- filtered columns in the index, a unit's candidates are read and filtered from the index alone,
-- in id order, stopping at a page: 1 ms for a commune of 2,500 members instead of 22 ms going to
-- the table for each row. It serves every lookup members_unit served.
CREATE INDEX members_unit_list ON members (unit_code, id)
    INCLUDE (status, digital_skill, languages, affiliations, full_name_folded);
DROP INDEX members_unit;

-- One line of the members CSV export (columns id, unit_code, full_name, gender, birth_year,
-- phone, email, ethnicity, languages, affiliations, digital_skill, status; lists joined by
-- ';'), with the same masking of personal data as member_json().
CREATE FUNCTION member_csv(m members, personal_data boolean) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN csv_line(m.id::text, m.unit_code, m.full_name, m.gender,
    CASE WHEN personal_data THEN m.birth_year::text END,
    CASE WHEN personal_data THEN m.phone ELSE mask_phone(m.phone) END,
    CASE WHEN personal_data THEN m.email ELSE mask_email(m.email) END,
    m.ethnicity, array_to_string(m.languages, ';'), array_to_string(m.affiliations, ';'),
    m.digital_skill, m.status);
