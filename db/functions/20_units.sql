-- Reads and writes for api/resources/units.c
--
-- Each write is one statement that also records its audit event, and tells what it came to in
-- named columns the handler turns into HTTP. PostgreSQL's own rules on the tree (a parent of a
-- higher level, no cycles, no retired parent: the triggers of units) raise errors the handler
-- names by their HINT.

-- Whether a unit may be placed under p_parent by a caller with scope p_scope: a parent in the
-- scope, or no parent at all (a root) for administrators only, whose scope is the empty path.
-- Not inlined (it holds a subquery): the writes below evaluate it once, in a CTE.
CREATE OR REPLACE FUNCTION unit_parent_allowed(p_parent text, p_scope ltree) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT (p_parent IS NULL AND p_scope = ''::ltree)
        OR EXISTS (SELECT 1 FROM visible_units(p_scope) u WHERE u.code = p_parent)
$$;

-- A new unit. parent_ok false: the parent is not one the caller may use (unit_parent_allowed);
-- json NULL with parent_ok: a unit with this code exists already.
CREATE OR REPLACE FUNCTION unit_create(p_code text, p_name text, p_level text, p_parent text,
    p_scope ltree, p_actor_type text, p_actor_id uuid, p_actor_name text, p_request_id text)
RETURNS TABLE (parent_ok boolean, json text, version integer, code text)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH parent AS (SELECT unit_parent_allowed(p_parent, p_scope) AS ok),
    ins AS (INSERT INTO units (code, name, level, parent_code)
            SELECT p_code, p_name, p_level, p_parent FROM parent WHERE parent.ok
            ON CONFLICT (code) DO NOTHING RETURNING *),
    audit AS (INSERT INTO audit_events (actor_type, actor_id, actor_name, request_id, action,
                                        entity_type, entity_id, after)
              SELECT p_actor_type, p_actor_id, p_actor_name, p_request_id, 'unit.create', 'unit',
                     ins.code, to_jsonb(ins) FROM ins)
    SELECT (SELECT parent.ok FROM parent), (SELECT unit_json(ins)::text FROM ins),
           (SELECT ins.version FROM ins), (SELECT ins.code FROM ins);
END
$$;

-- Applies p_patch (name, level, parent_code) to unit p_code when it still has version
-- p_version. found: in the caller's scope; parent_ok: a new parent_code is one the caller may
-- use. json and version are NULL when nothing was written.
CREATE OR REPLACE FUNCTION unit_update(p_code text, p_version integer, p_patch jsonb,
    p_scope ltree, p_actor_type text, p_actor_id uuid, p_actor_name text, p_request_id text)
RETURNS TABLE (found boolean, parent_ok boolean, json text, version integer)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    v_moving boolean := p_patch ? 'parent_code';
    v_parent text := p_patch->>'parent_code';
BEGIN
    RETURN QUERY
    WITH old AS (SELECT u.* FROM visible_units(p_scope) u WHERE u.code = p_code),
    parent AS (SELECT NOT v_moving OR unit_parent_allowed(v_parent, p_scope) AS ok),
    upd AS (UPDATE units u
               SET name = CASE WHEN p_patch ? 'name' THEN p_patch->>'name' ELSE u.name END,
                   level = CASE WHEN p_patch ? 'level' THEN p_patch->>'level' ELSE u.level END,
                   parent_code = CASE WHEN v_moving THEN v_parent ELSE u.parent_code END,
                   version = u.version + 1, updated_at = now()
              FROM old, parent
             WHERE u.code = old.code AND u.version = p_version AND parent.ok
            RETURNING u.*),
    audit AS (INSERT INTO audit_events (actor_type, actor_id, actor_name, request_id, action,
                                        entity_type, entity_id, before, after)
              SELECT p_actor_type, p_actor_id, p_actor_name, p_request_id, 'unit.update', 'unit',
                     upd.code, to_jsonb(old), to_jsonb(upd) FROM upd, old)
    SELECT EXISTS (SELECT 1 FROM old), (SELECT parent.ok FROM parent),
           (SELECT unit_json(upd)::text FROM upd), (SELECT upd.version FROM upd);
END
$$;

-- Deletes unit p_code when it has version p_version and is active. The columns
-- respond_deleted() reads: found (in the caller's scope), version, in_use, deleted (rows).
-- A retired unit is kept whatever the version named (records made under it still name it):
-- it is in_use, and its version is given as the one named, so that the answer is the 409 that
-- says why rather than a 412. Sub-units, teams, members, accounts or history under an active
-- unit refuse the delete by their foreign keys.
CREATE OR REPLACE FUNCTION unit_delete(p_code text, p_version integer, p_scope ltree,
    p_actor_type text, p_actor_id uuid, p_actor_name text, p_request_id text)
RETURNS TABLE (found boolean, version integer, in_use boolean, deleted bigint)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH old AS (SELECT u.* FROM visible_units(p_scope) u WHERE u.code = p_code),
    del AS (DELETE FROM units u USING old
             WHERE u.code = old.code AND u.version = p_version AND u.status = 'active'
            RETURNING u.*),
    audit AS (INSERT INTO audit_events (actor_type, actor_id, actor_name, request_id, action,
                                        entity_type, entity_id, before)
              SELECT p_actor_type, p_actor_id, p_actor_name, p_request_id, 'unit.delete', 'unit',
                     del.code, to_jsonb(del) FROM del)
    SELECT EXISTS (SELECT 1 FROM old),
           (SELECT CASE WHEN old.status = 'retired' THEN p_version ELSE old.version END FROM old),
           (SELECT old.status = 'retired' FROM old), (SELECT count(*) FROM del);
END
$$;
