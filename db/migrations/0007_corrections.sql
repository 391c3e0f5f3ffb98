-- replaces: sha256:4fdffd5e5c81309487b810884b3068fb94534ededcb0a02dbe9ea27469ec38ba
-- (Amended, same result, so that it also applies on PostgreSQL 15.20 and later: see the
-- ALTER TABLE of part 3. A database that ran the content above keeps it.)
-- Corrections after review.

-- 1. ISO 639-3 codes that were wrong: "tay" is Atayal (Tày is tyz), "dao" is Daai Chin (the
-- Dao speak Iu Mien, ium, and Kim Mun, mji), "pen" is Penesak (Pà Thẻn is Pa-Hng, pha), "bgl"
-- is Bo (Bố Y is Bouyei, pcc), "sgd" is Surigaonon (Sán Chay is Cao Lan, mlc), and the Lô Lô
-- and White Tai entries named other languages. Members who spoke them keep their language.
INSERT INTO languages (code, name_vi, name_en) VALUES
    ('tyz', 'Tiếng Tày', 'Tày'),
    ('twh', 'Tiếng Thái Trắng', 'Tai Dón (White Tai)'),
    ('pha', 'Tiếng Pà Thẻn', 'Pa-Hng'),
    ('pcc', 'Tiếng Bố Y', 'Bouyei'),
    ('mlc', 'Tiếng Sán Chay (Cao Lan)', 'Cao Lan');
UPDATE members SET languages = array_replace(array_replace(array_replace(array_replace(
        array_replace(languages, 'tay', 'tyz'), 'dao', 'ium'), 'pen', 'pha'), 'bgl', 'pcc'),
        'sgd', 'mlc')
 WHERE languages && ARRAY['tay', 'dao', 'pen', 'bgl', 'sgd'];
UPDATE activities SET languages = array_replace(array_replace(array_replace(array_replace(
        array_replace(languages, 'tay', 'tyz'), 'dao', 'ium'), 'pen', 'pha'), 'bgl', 'pcc'),
        'sgd', 'mlc')
 WHERE languages && ARRAY['tay', 'dao', 'pen', 'bgl', 'sgd'];
UPDATE members SET languages = array_remove(array_remove(array_remove(array_remove(
        languages, 'tyj'), 'ysp'), 'ywq'), 'lpo')
 WHERE languages && ARRAY['tyj', 'ysp', 'ywq', 'lpo'];
DELETE FROM languages WHERE code IN ('tay', 'dao', 'pen', 'bgl', 'sgd', 'tyj', 'ysp', 'ywq', 'lpo');
UPDATE languages SET name_vi = 'Tiếng Lạ Chí', name_en = 'Lachi' WHERE code = 'lbt';
UPDATE languages SET name_vi = 'Tiếng H''Mông Lềnh (Hmông Xanh)', name_en = 'Hmong Njua'
 WHERE code = 'hnj';
UPDATE languages SET name_vi = 'Tiếng H''Mông (Hmông Xanh, mã cũ)', name_en = 'Hmong Njua (retired code)'
 WHERE code = 'blu';
UPDATE languages SET name_en = 'Hmong Daw (White Hmong)' WHERE code = 'mww';

-- 2. Exports are opened in spreadsheets: a cell that starts like a formula (= + - @, or a
-- tab or carriage return) is prefixed with an apostrophe so it is shown, not evaluated
-- (OWASP's advice against CSV injection).
CREATE OR REPLACE FUNCTION csv_line(VARIADIC fields text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT string_agg(CASE WHEN g IS NULL THEN ''
                               WHEN g ~ '[",\r\n]' OR g <> btrim(g)
                               THEN '"' || replace(g, '"', '""') || '"'
                               ELSE g END, ',' ORDER BY n)
        FROM (SELECT CASE WHEN f ~ '^[=+@\t\r-]' THEN '''' || f ELSE f END AS g, n
                FROM unnest(fields) WITH ORDINALITY AS t(f, n)) AS cells);

-- 3. Tokens issued before a password change or a disabling stop working: the account
-- records from when its tokens count.
-- PostgreSQL 15.20 and later refuse to add a column with a default or a generated value to a
-- table whose row type a function with an SQL-standard body (RETURN ...) uses:
-- user_json(users) is set aside for the ALTER and made again exactly as 0002 made it.
DROP FUNCTION user_json(users);
ALTER TABLE users ADD COLUMN tokens_valid_after timestamptz NOT NULL DEFAULT '-infinity';
CREATE FUNCTION user_json(u users) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE
RETURN json_build_object('id', u.id, 'username', u.username, 'role', u.role,
    'unit_code', u.unit_code, 'team_id', u.team_id, 'status', u.status,
    'last_login_at', rfc3339(u.last_login_at), 'created_at', rfc3339(u.created_at),
    'updated_at', rfc3339(u.updated_at), 'version', u.version);
