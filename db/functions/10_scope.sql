-- Visibility: the one scope rule, and the sets of rows a caller may see.
--
-- Every account has a scope, the path of its unit (the whole country for an admin). A caller
-- sees a unit when the unit's path lies at or under their scope; a team or member through the
-- unit it belongs to; a team leader, in addition, only their own team (`only_team`, NULL for
-- everyone else). Every statement that decides visibility uses these functions; nothing else
-- compares paths.
--
-- They are plain SQL functions without SET clauses, STRICT or SECURITY DEFINER, so PostgreSQL
-- inlines them into the calling statement: `within(u.path, $1)` plans exactly as the operator
-- would, and uses the GiST index on units.path.

-- Whether the unit at `path` is the unit at `root` or lies under it.
CREATE OR REPLACE FUNCTION within(path ltree, root ltree) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT path <@ root $$;

-- The units a caller with scope `scope` sees.
CREATE OR REPLACE FUNCTION visible_units(scope ltree) RETURNS SETOF units
    LANGUAGE sql STABLE
    AS $$ SELECT u.* FROM units u WHERE within(u.path, scope) $$;

-- The teams a caller sees: under their scope, and only `only_team` when it is not NULL.
CREATE OR REPLACE FUNCTION visible_teams(scope ltree, only_team uuid) RETURNS SETOF teams
    LANGUAGE sql STABLE
    AS $$
    SELECT t.* FROM teams t JOIN units u ON u.code = t.unit_code
     WHERE within(u.path, scope) AND (only_team IS NULL OR t.id = only_team)
$$;

-- The members a caller sees: those of the units under their scope.
CREATE OR REPLACE FUNCTION visible_members(scope ltree) RETURNS SETOF members
    LANGUAGE sql STABLE
    AS $$
    SELECT m.* FROM members m JOIN units u ON u.code = m.unit_code WHERE within(u.path, scope)
$$;
