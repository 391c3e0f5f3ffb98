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
    n_children integer;
    n_teams integer;
    n_members integer;
    n_users integer;
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
    UPDATE units SET parent_code = s.code, version = version + 1, updated_at = now()
     WHERE parent_code = t.code;
    GET DIAGNOSTICS n_children = ROW_COUNT;
    UPDATE teams SET unit_code = s.code, version = version + 1, updated_at = now()
     WHERE unit_code = t.code;
    GET DIAGNOSTICS n_teams = ROW_COUNT;
    UPDATE members SET unit_code = s.code, version = version + 1, updated_at = now()
     WHERE unit_code = t.code;
    GET DIAGNOSTICS n_members = ROW_COUNT;
    UPDATE users SET unit_code = s.code, version = version + 1, updated_at = now()
     WHERE unit_code = t.code;
    GET DIAGNOSTICS n_users = ROW_COUNT;
    UPDATE units SET status = 'retired', successor_code = s.code, version = version + 1,
           updated_at = now()
     WHERE code = t.code;
    INSERT INTO audit_events (actor_type, actor_id, actor_name, request_id, action,
                              entity_type, entity_id, before, after)
    SELECT p_actor_type, p_actor_id, p_actor_name, p_request_id, 'unit.retire', 'unit', t.code,
           before, to_jsonb(u) || jsonb_build_object('moved', jsonb_build_object(
               'children', n_children, 'teams', n_teams, 'members', n_members,
               'users', n_users))
      FROM units u WHERE u.code = t.code;
    RETURN 'ok';
END $$;
