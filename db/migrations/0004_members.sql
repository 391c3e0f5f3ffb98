-- replaces: sha256:8132862237a11c8d4e082bd46deecd94d33bda180280d93655fefeb2601d8c5d
-- replaces: sha256:6d69d45799ba7802bfc57637e967c755213a1ca2cbe38599dae104d8ec27e75d
-- replaces: sha256:5dec7cf5021708c8df973246fecde834f4533e638867fa6acb379636659cbfd1
-- (Amended, same result: the functions and triggers it made are defined in db/functions/,
-- applied after the migrations. A database that ran a content above keeps it.)
-- Members at national scale: name search cheap per row, and an index the lists read alone.

-- search_fold(full_name), stored. The trigram index only narrows the candidates: PostgreSQL
-- rechecks each one, and the lists test the rows they read against q. Through the expression
-- that meant unaccent() on every row read (3.6 µs a row against 0.3 µs for a stored column,
-- measured on 500,000 members), so a commune-wide `q` cost tens of milliseconds. Same meaning
-- as before: search_fold(full_name) LIKE search_pattern(q).
-- PostgreSQL 15.20 and later refuse to add a column with a default or a generated value to a
-- table whose row type a function with an SQL-standard body (RETURN ...) uses: a database
-- migrated by an earlier release has such a member_json(members, boolean), which is dropped
-- for the ALTER (db/functions/40_members.sql makes it again, with a $$ body).
DROP FUNCTION IF EXISTS member_json(members, boolean);
ALTER TABLE members ADD COLUMN full_name_folded text
    GENERATED ALWAYS AS (search_fold(full_name)) STORED;
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
