-- Text helpers every resource uses: search folding and patterns, timestamps, masking of
-- personal data, CSV cells and lines.
--
-- Every file of db/functions/ is applied again, all of them in name order in one transaction,
-- whenever one of them changed (db/migrate.c): definitions are CREATE OR REPLACE, with
-- `AS $$ ... $$` bodies (never SQL-standard bodies: tests/source-rules.sh says why).

-- ---------------------------------------------------------------------------------------------
-- Search, timestamps, masking, CSV

-- unaccent() is only STABLE (it reads its dictionary), so it cannot back an index. This wrapper
-- names the dictionary explicitly, folds đ/Đ (not mapped by every unaccent configuration) and
-- lowercases: search and its trigram indexes both go through it. (0001_extensions.sql makes it
-- too: the indexes and the generated column of later migrations need it before this file runs.)
CREATE OR REPLACE FUNCTION search_fold(input text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$
    SELECT lower(translate(public.unaccent('public.unaccent'::regdictionary, input), 'đĐ', 'dD'))
$$;

-- Escapes LIKE's metacharacters so that a search for "50%" or "a_b" means what it says.
CREATE OR REPLACE FUNCTION like_escape(input text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT replace(replace(replace(input, '\', '\\'), '%', '\%'), '_', '\_') $$;

-- "Contains q, ignoring case and diacritics", backed by the trigram indexes on search_fold.
CREATE OR REPLACE FUNCTION search_pattern(q text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT '%' || like_escape(search_fold(q)) || '%' $$;

-- Timestamps in representations.
CREATE OR REPLACE FUNCTION rfc3339(t timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- Personal data masking, used by every representation that carries it:
-- phone 0912345623 -> 09******23, email nguyen.van.a@example.vn -> n***@example.vn,
-- birth year -> null.
CREATE OR REPLACE FUNCTION mask_phone(phone text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$
    SELECT CASE WHEN length(phone) <= 4 THEN repeat('*', length(phone))
                ELSE left(phone, 2) || repeat('*', length(phone) - 4) || right(phone, 2) END
$$;

CREATE OR REPLACE FUNCTION mask_email(email text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$
    SELECT CASE WHEN strpos(email, '@') < 2 THEN '***'
                ELSE left(email, 1) || '***' || substr(email, strpos(email, '@')) END
$$;

-- CSV exports are opened in spreadsheets, which evaluate a cell that starts like a formula.
-- OWASP's rule (CSV Injection cheat sheet): a cell starting with = + - @, a tab, a carriage
-- return, or their full-width forms ＝ ＋ － ＠, gets an apostrophe in front, so it is shown as
-- text. Spreadsheets skip leading blanks before looking, so a formula character after spaces,
-- tabs or line breaks counts too; and a line break first counts like a carriage return. A
-- cell that already starts with apostrophes followed by such a start gets one more, so that
-- the members import (import_value) can take exactly one away and read back what was written.
-- Then RFC 4180: quoted when it holds a quote, a comma, a line break or surrounding spaces.
CREATE OR REPLACE FUNCTION csv_cell(f text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN f IS NULL THEN ''
                ELSE (SELECT CASE WHEN g ~ '[",\r\n]' OR g <> btrim(g)
                                  THEN '"' || replace(g, '"', '""') || '"' ELSE g END
                        FROM (SELECT CASE WHEN f ~ '^''*([\t\r\n]|[ \t\r\n]*[=+@＝＋－＠-])'
                                          THEN '''' || f ELSE f END AS g) AS cell) END
$$;

-- One CSV line (RFC 4180) from its fields, NULL as an empty field. Exports are formatted by
-- PostgreSQL, row by row, and streamed.
CREATE OR REPLACE FUNCTION csv_line(VARIADIC fields text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT (SELECT string_agg(csv_cell(f), ',' ORDER BY n)
              FROM unnest(fields) WITH ORDINALITY AS t(f, n))
$$;
