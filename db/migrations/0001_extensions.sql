-- Extensions the registry relies on: ltree for the administrative tree ("everything under
-- unit X" in one indexed query), unaccent and pg_trgm for diacritic-free, index-backed search,
-- pgcrypto for digests. gen_random_uuid() is core since PostgreSQL 13.
CREATE EXTENSION IF NOT EXISTS ltree;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- unaccent() is only STABLE (it reads its dictionary), so it cannot back an index. This wrapper
-- names the dictionary explicitly, folds đ/Đ (not mapped by every unaccent configuration) and
-- lowercases: search and its trigram indexes both go through it.
CREATE FUNCTION search_fold(input text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN lower(translate(public.unaccent('public.unaccent'::regdictionary, input), 'đĐ', 'dD'));
