-- replaces: sha256:4fdffd5e5c81309487b810884b3068fb94534ededcb0a02dbe9ea27469ec38ba
-- replaces: sha256:d53ece1c74e82da8d3ca5369e8e8684edfcd15f59861380b5be9b999870b86d6
-- replaces: sha256:346a8a4324b805f34308e26af049941a0df76ee6944d8de878666039e941962b
-- (Amended, same result: the functions and triggers it made are defined in db/functions/,
-- applied after the migrations. A database that ran a content above keeps it.)
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

-- 2. Exports neutralise cells that a spreadsheet would evaluate: csv_line
-- (db/functions/00_text.sql).

-- 3. Tokens issued before a password change or a disabling stop working: the account
-- records from when its tokens count.
-- PostgreSQL 15.20 and later refuse to add a column with a default or a generated value to a
-- table whose row type a function with an SQL-standard body (RETURN ...) uses:
-- a database migrated by an earlier release has such a user_json(users), which is dropped for
-- the ALTER (db/functions/70_accounts.sql makes it again, with a $$ body).
DROP FUNCTION IF EXISTS user_json(users);
ALTER TABLE users ADD COLUMN tokens_valid_after timestamptz NOT NULL DEFAULT '-infinity';
