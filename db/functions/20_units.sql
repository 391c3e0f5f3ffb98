-- Units: the administrative tree's rules (levels, paths, moves), its representations, and
-- retiring a unit into its successor.

-- ---------------------------------------------------------------------------------------------
-- Tree rules, representations, retirement

-- Levels, from the top. A unit's parent must be of a higher level (lower rank).
CREATE OR REPLACE FUNCTION unit_level_rank(level text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$
    SELECT CASE level WHEN 'province' THEN 1 WHEN 'district' THEN 2 WHEN 'commune' THEN 3
                      WHEN 'village' THEN 4 END
$$;

-- `path` is the ltree of surrogate ids from the root ("1.17.240"): codes may hold '.' and '-',
-- which ltree labels cannot. Parent rules, checked by PostgreSQL whoever writes: the parent
-- exists, is active, is of a higher level, and is not the unit itself or below it (no cycles).
-- Moving a unit moves its whole subtree's paths.
CREATE OR REPLACE FUNCTION units_set_path() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent units%ROWTYPE;
BEGIN
    IF NEW.parent_code IS NULL THEN
        NEW.path := NEW.id::text::ltree;
    ELSE
        SELECT * INTO parent FROM units WHERE code = NEW.parent_code;
        IF TG_OP = 'UPDATE' AND parent.path <@ OLD.path THEN
            RAISE EXCEPTION 'a unit cannot move under itself' USING ERRCODE = 'P0001',
                  HINT = 'cycle';
        END IF;
        IF unit_level_rank(parent.level) >= unit_level_rank(NEW.level) THEN
            RAISE EXCEPTION 'the parent must be of a higher level' USING ERRCODE = 'P0001',
                  HINT = 'parent_level';
        END IF;
        IF parent.status <> 'active' AND (TG_OP = 'INSERT' OR NEW.parent_code IS DISTINCT FROM OLD.parent_code) THEN
            RAISE EXCEPTION 'the parent is retired' USING ERRCODE = 'P0001', HINT = 'parent_retired';
        END IF;
        NEW.path := parent.path || NEW.id::text;
    END IF;
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER units_path BEFORE INSERT OR UPDATE OF parent_code, level ON units
    FOR EACH ROW EXECUTE FUNCTION units_set_path();

CREATE OR REPLACE FUNCTION units_move_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.path IS DISTINCT FROM OLD.path THEN
        UPDATE units SET path = NEW.path || subpath(path, nlevel(OLD.path))
         WHERE path <@ OLD.path AND code <> NEW.code;
    END IF;
    RETURN NULL;
END $$;
-- (UPDATE OF parent_code: the descendants' own path updates do not fire it again.)
CREATE OR REPLACE TRIGGER units_subtree AFTER UPDATE OF parent_code, level ON units
    FOR EACH ROW EXECUTE FUNCTION units_move_subtree();

-- A unit's level may change only while it stays above its children's levels.
CREATE OR REPLACE FUNCTION units_check_children_level() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM units c WHERE c.parent_code = NEW.code
                AND unit_level_rank(c.level) <= unit_level_rank(NEW.level)) THEN
        RAISE EXCEPTION 'the unit must stay above its children' USING ERRCODE = 'P0001',
              HINT = 'child_level';
    END IF;
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER units_children_level BEFORE UPDATE OF level ON units
    FOR EACH ROW WHEN (NEW.level IS DISTINCT FROM OLD.level)
    EXECUTE FUNCTION units_check_children_level();

-- Representations, built by PostgreSQL and sent as they are.
CREATE OR REPLACE FUNCTION unit_json(u units) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT json_build_object('code', u.code, 'name', u.name, 'level', u.level,
        'parent_code', u.parent_code, 'status', u.status, 'successor_code', u.successor_code,
        'created_at', rfc3339(u.created_at), 'updated_at', rfc3339(u.updated_at),
        'version', u.version)
$$;

-- The chain from the root down to a unit's parent, for ?include=ancestors. PL/pgSQL keeps its
-- plan for the session (a SQL function with a subquery that is not inlined plans it on every
-- call).
CREATE OR REPLACE FUNCTION unit_ancestors_json(u units) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (SELECT coalesce(json_agg(json_build_object('code', a.code, 'name', a.name,
                                                       'level', a.level) ORDER BY nlevel(a.path)),
                            '[]')
              FROM units a WHERE a.path @> u.path AND a.code <> u.code);
END $$;

-- Retiring a unit into its successor (administrative merges): one transaction moves the
-- unit's children, teams, members and accounts to the successor, then marks the unit retired
-- with the successor link. The retired unit stays readable; records made under it keep its
-- code, and reports follow the successor link.
CREATE OR REPLACE FUNCTION unit_retire(p_code text, p_successor text, p_scope ltree,
                                       p_actor_type text, p_actor_id uuid, p_actor_name text,
                                       p_request_id text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    t units%ROWTYPE;
    s units%ROWTYPE;
    before jsonb;
    moved jsonb := '{}';
    moved_key text;
    moved_table text;
    moved_column text;
    n integer;
BEGIN
    SELECT * INTO t FROM units WHERE code = p_code AND path <@ p_scope FOR UPDATE;
    IF NOT FOUND THEN RETURN 'not_found'; END IF;
    IF t.status = 'retired' THEN RETURN 'already_retired'; END IF;
    SELECT * INTO s FROM units WHERE code = p_successor AND path <@ p_scope FOR UPDATE;
    IF NOT FOUND THEN RETURN 'successor_not_found'; END IF;
    IF s.code = t.code THEN RETURN 'successor_is_self'; END IF;
    IF s.status = 'retired' THEN RETURN 'successor_retired'; END IF;
    IF s.path <@ t.path THEN RETURN 'successor_inside'; END IF;
    IF s.level <> t.level THEN RETURN 'successor_level'; END IF;
    IF EXISTS (SELECT 1 FROM teams WHERE unit_code = t.code AND status = 'active')
       AND EXISTS (SELECT 1 FROM teams WHERE unit_code = s.code AND status = 'active') THEN
        RETURN 'team_conflict';
    END IF;
    before := to_jsonb(t);
    -- What hangs on the unit moves to the successor, in this order; the audit event counts
    -- the rows moved under each key.
    FOR moved_key, moved_table, moved_column IN
        VALUES ('children', 'units', 'parent_code'), ('teams', 'teams', 'unit_code'),
               ('members', 'members', 'unit_code'), ('users', 'users', 'unit_code')
    LOOP
        EXECUTE format('UPDATE %I SET %I = $1, version = version + 1, updated_at = now()'
                       ' WHERE %I = $2', moved_table, moved_column, moved_column)
          USING s.code, t.code;
        GET DIAGNOSTICS n = ROW_COUNT;
        moved := moved || jsonb_build_object(moved_key, n);
    END LOOP;
    UPDATE units SET status = 'retired', successor_code = s.code, version = version + 1,
           updated_at = now()
     WHERE code = t.code
    RETURNING * INTO t;
    PERFORM audit_record(p_actor_type, p_actor_id, p_actor_name, p_request_id, 'unit.retire',
                         'unit', t.code, before, to_jsonb(t) || jsonb_build_object('moved', moved));
    RETURN 'ok';
END $$;

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

-- Whether the caller may place a unit under p_parent: NULL when they may, else the problem (on
-- parent_code) that says why (unit_parent_allowed).
CREATE OR REPLACE FUNCTION unit_parent_problem(p_parent text, p_scope ltree) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT CASE WHEN NOT unit_parent_allowed(p_parent, p_scope) THEN
        field_problem('/parent_code', 'not_found',
                      CASE WHEN p_parent IS NULL THEN 'only administrators make top-level units'
                           ELSE 'no such unit in your scope' END)
    END
$$;

-- A new unit, in one of the outcomes of 06_write_outcomes.sql: invalid when the parent is not
-- one the caller may use, conflict when a unit has this code already. The tree's trigger
-- refuses a parent of a lower level or a retired one (HINT names which).
CREATE OR REPLACE FUNCTION unit_create(p_code text, p_name text, p_level text, p_parent text,
    p_scope ltree, p_actor audit_actor)
RETURNS write_outcome LANGUAGE plpgsql AS $$
DECLARE
    v_problem jsonb := unit_parent_problem(p_parent, p_scope);
    u units;
BEGIN
    IF v_problem IS NOT NULL THEN
        RETURN outcome('invalid', p_problems => v_problem);
    END IF;
    INSERT INTO units AS n (code, name, level, parent_code)
    VALUES (p_code, p_name, p_level, p_parent)
    ON CONFLICT (code) DO NOTHING RETURNING n.* INTO u;
    IF u.code IS NULL THEN
        RETURN outcome('conflict', p_detail => 'A unit with this code exists already.');
    END IF;
    PERFORM audit_record(p_actor, 'unit.create', 'unit', u.code, NULL, to_jsonb(u));
    RETURN outcome('ok', p_json => unit_json(u)::text, p_version => u.version, p_id => u.code);
END
$$;

-- Applies the merge patch p_patch (name, level, parent_code) to unit p_code when it is in the
-- caller's scope and still has version p_version; a new parent_code must be one the caller
-- may use.
CREATE OR REPLACE FUNCTION unit_update(p_code text, p_version integer, p_patch jsonb,
    p_scope ltree, p_actor audit_actor)
RETURNS write_outcome LANGUAGE plpgsql AS $$
DECLARE
    cur units;
    u units;
    v_problem jsonb;
BEGIN
    SELECT x.* INTO cur FROM units x WHERE x.code = p_code AND within(x.path, p_scope)
       FOR UPDATE;
    IF cur.code IS NULL THEN
        RETURN outcome('not_found');
    ELSIF cur.version <> p_version THEN
        RETURN outcome('stale', p_version => cur.version);
    ELSIF p_patch ? 'parent_code' THEN
        v_problem := unit_parent_problem(p_patch->>'parent_code', p_scope);
        IF v_problem IS NOT NULL THEN
            RETURN outcome('invalid', p_problems => v_problem);
        END IF;
    END IF;
    UPDATE units x SET (name, level, parent_code) = (n.name, n.level, n.parent_code),
           version = x.version + 1, updated_at = now()
      FROM jsonb_populate_record(cur, p_patch) n
     WHERE x.code = cur.code RETURNING x.* INTO u;
    PERFORM audit_record(p_actor, 'unit.update', 'unit', u.code, to_jsonb(cur), to_jsonb(u));
    RETURN outcome('ok', p_json => unit_json(u)::text, p_version => u.version, p_id => u.code);
END
$$;

-- Deletes unit p_code when it has version p_version and is active. The columns
-- respond_deleted() reads: found (in the caller's scope), version, in_use, deleted (rows).
-- A retired unit is kept whatever the version named (records made under it still name it):
-- it is in_use, and its version is given as the one named, so that the answer is the 409 that
-- says why rather than a 412. Sub-units, teams, members, accounts or history under an active
-- unit refuse the delete by their foreign keys.
CREATE OR REPLACE FUNCTION unit_delete(p_code text, p_version integer, p_scope ltree,
    p_actor audit_actor) RETURNS delete_outcome LANGUAGE sql AS $$
    SELECT delete_guarded('units', 'code', p_code, p_version, u.code IS NOT NULL,
               CASE WHEN u.status = 'retired' THEN p_version ELSE u.version END,
               u.status = 'retired', 'unit.delete', p_actor)
      FROM (SELECT) AS one LEFT JOIN visible_units(p_scope) u ON u.code = p_code
$$;
