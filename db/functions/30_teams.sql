-- Teams and memberships: their representations, and the notice that empties every replica's
-- cached team and member representations.

-- ---------------------------------------------------------------------------------------------
-- Representations, change notices

-- The short form member and team reads carry: the subject's newest current finalized
-- evaluation (the latest period, then the latest finalized; a superseded one never), or NULL.
-- PL/pgSQL keeps the plan for the session (team_json() runs it for every team it shows; a
-- SQL function that is not inlined would plan it on every call). Evaluations:
-- 65_evaluations.sql, whose trigger rebuilds the members' stored documents when one changes.
CREATE OR REPLACE FUNCTION latest_evaluation_json(subject uuid) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', e.id, 'period', e.period,
                       'evaluator_body', e.evaluator_body, 'rating', e.rating,
                       'total_score', e.total_score)
              FROM evaluations e
             WHERE e.subject_id = subject AND e.status = 'finalized'
               AND e.superseded_by IS NULL
             ORDER BY e.period_to DESC, e.finalized_at DESC
             LIMIT 1);
END $$;

-- A team's contact phone is in practice its leader's own number: it is personal data, masked
-- (mask_phone) for callers without the right to see it, like a member's phone. PL/pgSQL keeps
-- the plans of the three subqueries for the session (a SQL function that is not inlined plans
-- them on every call: about 1.5 ms for 0.1 ms of work).
CREATE OR REPLACE FUNCTION team_json(t teams, personal_data boolean) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN json_build_object('id', t.id, 'unit_code', t.unit_code,
        'unit', (SELECT json_build_object('code', u.code, 'name', u.name, 'level', u.level)
                 FROM units u WHERE u.code = t.unit_code),
        'name', t.name, 'status', t.status, 'established_on', t.established_on,
        'contact_phone', CASE WHEN personal_data THEN t.contact_phone
                              ELSE mask_phone(t.contact_phone) END,
        'notes', t.notes,
        'leader', (SELECT json_build_object('id', m.id, 'name', m.full_name)
                   FROM memberships ms JOIN members m ON m.id = ms.member_id
                   WHERE ms.team_id = t.id AND ms.role = 'leader' AND ms.left_on IS NULL),
        'member_count', (SELECT count(*) FROM memberships ms
                         WHERE ms.team_id = t.id AND ms.left_on IS NULL),
        'latest_evaluation', latest_evaluation_json(t.id),
        'created_at', rfc3339(t.created_at), 'updated_at', rfc3339(t.updated_at),
        'version', t.version);
END $$;

-- The one-argument form stays for processes still running an earlier release during a rolling
-- deploy, and it masks: nothing can forget to.
CREATE OR REPLACE FUNCTION team_json(t teams) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT team_json(t, false) $$;

CREATE OR REPLACE FUNCTION membership_json(ms memberships) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN json_build_object('id', ms.id, 'team_id', ms.team_id, 'member_id', ms.member_id,
        'member_name', (SELECT full_name FROM members WHERE id = ms.member_id),
        'role', ms.role, 'joined_on', ms.joined_on, 'left_on', ms.left_on,
        'active', ms.left_on IS NULL,
        'created_at', rfc3339(ms.created_at), 'updated_at', rfc3339(ms.updated_at),
        'version', ms.version);
END $$;

-- Every replica keeps recent team and member representations in memory (rep_cache); a team's
-- is made of its row, its memberships (leader, member count), its leader's name and its unit
-- (name, level, path), a member's of its row and its unit's path. Any statement that writes
-- one of those tells every replica at commit (NOTIFY collapses repeats within a transaction),
-- and each empties its cache: writes are rare next to reads, and an empty cache only means
-- one database read more.
CREATE OR REPLACE FUNCTION teams_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cdtt_teams', '');
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER teams_notify AFTER UPDATE OR DELETE ON teams
    FOR EACH STATEMENT EXECUTE FUNCTION teams_notify();
CREATE OR REPLACE TRIGGER memberships_notify AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH STATEMENT EXECUTE FUNCTION teams_notify();
CREATE OR REPLACE TRIGGER members_notify AFTER UPDATE OR DELETE ON members
    FOR EACH STATEMENT EXECUTE FUNCTION teams_notify();
CREATE OR REPLACE TRIGGER units_teams_notify AFTER UPDATE OR DELETE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION teams_notify();

-- Reads and writes for api/resources/teams.c
--
-- Each write is one statement that also records its audit event, and tells what it came to in
-- named columns (found, unit_ok, ... json, version) that the handler turns into HTTP. An update
-- takes the patch as stored (JSON Merge Patch, with the contact phone normalised): a member
-- present sets the column, null clears it, an absent member keeps it. The functions are
-- PL/pgSQL so that each connection keeps their plans, as it keeps a prepared statement's.

-- One team as the caller may read it: its JSON, version and the path of its unit (kept beside
-- the representation in memory, for the scope test of later readers). A single SELECT, so
-- PostgreSQL inlines it into the calling statement.
CREATE OR REPLACE FUNCTION team_read(p_id uuid, p_scope ltree, p_only uuid, p_personal boolean)
RETURNS TABLE (json text, version integer, path text)
    LANGUAGE sql STABLE
    AS $$
    SELECT team_json(t, p_personal)::text, t.version, u.path::text
      FROM teams t JOIN units u ON u.code = t.unit_code
     WHERE t.id = p_id AND (p_only IS NULL OR t.id = p_only) AND within(u.path, p_scope)
$$;

-- Why unit p_unit cannot take a team, as a problem on unit_code, or NULL when it can: an
-- active village or commune in the caller's scope. The unit is read FOR SHARE, so that it is
-- not retired or moved under the team being written.
CREATE OR REPLACE FUNCTION team_unit_problem(p_unit text, p_scope ltree) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    u units;
BEGIN
    SELECT x.* INTO u FROM units x WHERE x.code = p_unit AND within(x.path, p_scope) FOR SHARE;
    RETURN CASE
        WHEN u.code IS NULL THEN
            field_problem('/unit_code', 'not_found', 'no such unit in your scope')
        WHEN u.level NOT IN ('village', 'commune') THEN
            field_problem('/unit_code', 'invalid_value',
                          'must be a village or a commune: teams serve one of them')
        WHEN u.status <> 'active' THEN
            field_problem('/unit_code', 'retired', 'is retired (merged into '
                          || coalesce(u.successor_code, '') || '): use its successor')
    END;
END
$$;

-- A new team in the unit p_unit (a village or commune in the caller's scope, active), in one
-- of the outcomes of 06_write_outcomes.sql.
CREATE OR REPLACE FUNCTION team_create(p_unit text, p_name text, p_status text,
    p_established date, p_phone text, p_notes text, p_scope ltree, p_actor audit_actor,
    p_personal boolean)
RETURNS write_outcome LANGUAGE plpgsql AS $$
DECLARE
    v_problem jsonb := team_unit_problem(p_unit, p_scope);
    t teams;
BEGIN
    IF v_problem IS NOT NULL THEN
        RETURN outcome('invalid', p_problems => v_problem);
    END IF;
    INSERT INTO teams AS n (unit_code, name, status, established_on, contact_phone, notes)
    VALUES (p_unit, p_name, coalesce(p_status, 'active'), p_established, p_phone, p_notes)
    RETURNING n.* INTO t;
    PERFORM audit_record(p_actor, 'team.create', 'team', t.id::text, NULL, to_jsonb(t));
    RETURN outcome('ok', p_json => team_json(t, p_personal)::text, p_version => t.version,
                   p_id => t.id::text);
END
$$;

-- Applies p_patch to team p_id when it is in the caller's scope and still has version
-- p_version: a new unit must take the team (as for team_create), and established_on may not
-- be after the team's first membership began. Moving a team to a unit of another level moves
-- its memberships' team_level with it (the index that keeps one active village team and one
-- commune team per person may then refuse).
CREATE OR REPLACE FUNCTION team_update(p_id uuid, p_version integer, p_patch jsonb, p_scope ltree,
    p_actor audit_actor, p_personal boolean)
RETURNS write_outcome LANGUAGE plpgsql AS $$
DECLARE
    v_unit_code text := p_patch->>'unit_code';
    v_established date := (p_patch->>'established_on')::date;
    cur teams;
    t teams;
    v_problem jsonb;
    v_first date;
BEGIN
    SELECT x.* INTO cur FROM teams x JOIN units u ON u.code = x.unit_code
     WHERE x.id = p_id AND within(u.path, p_scope) FOR UPDATE OF x;
    IF cur.id IS NULL THEN
        RETURN outcome('not_found');
    END IF;
    IF v_unit_code <> cur.unit_code THEN
        v_problem := team_unit_problem(v_unit_code, p_scope);
        IF v_problem IS NOT NULL THEN
            RETURN outcome('invalid', p_problems => v_problem);
        END IF;
    END IF;
    SELECT min(ms.joined_on) INTO v_first FROM memberships ms WHERE ms.team_id = p_id;
    IF v_established > v_first THEN
        RETURN outcome('invalid', p_problems => field_problem('/established_on', 'out_of_range',
            'must not be after the first membership began (' || to_char(v_first, 'YYYY-MM-DD')
            || ')'));
    ELSIF cur.version <> p_version THEN
        RETURN outcome('stale', p_version => cur.version);
    END IF;
    UPDATE teams x
       SET (unit_code, name, status, established_on, contact_phone, notes)
           = (n.unit_code, n.name, n.status, n.established_on, n.contact_phone, n.notes),
           version = x.version + 1, updated_at = now()
      FROM jsonb_populate_record(cur, p_patch) n
     WHERE x.id = cur.id RETURNING x.* INTO t;
    UPDATE memberships ms SET team_level = u.level
      FROM units u WHERE u.code = t.unit_code AND ms.team_id = t.id AND ms.team_level <> u.level;
    PERFORM audit_record(p_actor, 'team.update', 'team', t.id::text, to_jsonb(cur), to_jsonb(t));
    RETURN outcome('ok', p_json => team_json(t, p_personal)::text, p_version => t.version,
                   p_id => t.id::text);
END
$$;

-- Deletes team p_id when it has version p_version and no memberships at all (history is kept
-- by dissolving a team instead). The columns respond_deleted() reads: found (in the caller's
-- scope), version (the current one), in_use, deleted (rows).
CREATE OR REPLACE FUNCTION team_delete(p_id uuid, p_version integer, p_scope ltree,
    p_actor audit_actor) RETURNS delete_outcome LANGUAGE sql AS $$
    SELECT delete_guarded('teams', 'id', p_id, p_version, t.id IS NOT NULL, t.version,
               EXISTS (SELECT 1 FROM memberships ms WHERE ms.team_id = p_id), 'team.delete',
               p_actor)
      FROM (SELECT) AS one LEFT JOIN visible_teams(p_scope, NULL) t ON t.id = p_id
$$;

-- Reads and writes for api/resources/memberships.c
--
-- A membership follows its team: it is visible when its team is (visible_teams), and is read
-- and written under the team named in its path.

-- One membership of team p_team, with what a patch is checked against: role, the dates as
-- YYYY-MM-DD (left_on '' while active), the team's established_on and the member. Inlined.
CREATE OR REPLACE FUNCTION membership_read(p_id uuid, p_team uuid, p_scope ltree, p_only uuid)
RETURNS TABLE (json text, version integer, role text, joined_on text, left_on text,
               team_established_on text, member_id text)
    LANGUAGE sql STABLE
    AS $$
    SELECT membership_json(ms)::text, ms.version, ms.role, to_char(ms.joined_on, 'YYYY-MM-DD'),
           coalesce(to_char(ms.left_on, 'YYYY-MM-DD'), ''),
           to_char(t.established_on, 'YYYY-MM-DD'), ms.member_id::text
      FROM memberships ms JOIN visible_teams(p_scope, p_only) t ON t.id = ms.team_id
     WHERE ms.id = p_id AND t.id = p_team
$$;

-- A new membership of member p_member (in the caller's scope) in team p_team. team_found,
-- member_found, and the team's established_on and status explain a refusal; json is NULL when
-- the dates or a dissolved team refused it.
CREATE OR REPLACE FUNCTION membership_create(p_team uuid, p_scope ltree, p_member uuid,
    p_role text, p_joined date, p_left date, p_actor_type text, p_actor_id uuid,
    p_actor_name text, p_request_id text)
RETURNS TABLE (team_found boolean, member_found boolean, established_on text, team_status text,
               json text, version integer, id text)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH team AS (SELECT t.id, t.established_on, t.status, u.level
                    FROM teams t JOIN units u ON u.code = t.unit_code
                   WHERE t.id = p_team AND within(u.path, p_scope) FOR SHARE OF t),
    member AS (SELECT m.id FROM visible_members(p_scope) m WHERE m.id = p_member),
    ins AS (INSERT INTO memberships (team_id, member_id, team_level, role, joined_on, left_on)
            SELECT team.id, member.id, team.level, p_role, p_joined, p_left FROM team, member
             WHERE p_joined >= team.established_on
               AND (team.status <> 'dissolved' OR p_left IS NOT NULL)
            RETURNING *),
    audit AS (SELECT count(audit_record(p_actor_type, p_actor_id, p_actor_name, p_request_id,
                     'membership.create', 'membership', ins.id::text, NULL, to_jsonb(ins)))
                FROM ins)
    SELECT EXISTS (SELECT 1 FROM team), EXISTS (SELECT 1 FROM member),
           (SELECT to_char(team.established_on, 'YYYY-MM-DD') FROM team),
           (SELECT team.status FROM team), (SELECT membership_json(ins)::text FROM ins),
           (SELECT ins.version FROM ins), (SELECT ins.id::text FROM ins)
      FROM audit;
END
$$;

-- Applies p_patch (role, joined_on, left_on) to membership p_id of team p_team when it still
-- has version p_version. An ended membership of a dissolved team is not brought back to life
-- (revive_refused). json and version are NULL when nothing was written.
CREATE OR REPLACE FUNCTION membership_update(p_id uuid, p_team uuid, p_version integer,
    p_patch jsonb, p_scope ltree, p_actor_type text, p_actor_id uuid, p_actor_name text,
    p_request_id text)
RETURNS TABLE (found boolean, json text, version integer, revive_refused boolean)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    v_ending boolean := p_patch ? 'left_on';
    v_left date := (p_patch->>'left_on')::date;
BEGIN
    RETURN QUERY
    WITH old AS (SELECT ms.* FROM memberships ms
                   JOIN visible_teams(p_scope, NULL) t ON t.id = ms.team_id
                  WHERE ms.id = p_id AND t.id = p_team),
    revive AS (SELECT old.left_on IS NOT NULL AND v_ending AND v_left IS NULL
                      AND t.status = 'dissolved' AS refused
                 FROM old JOIN teams t ON t.id = old.team_id),
    upd AS (UPDATE memberships ms
               SET role = CASE WHEN p_patch ? 'role' THEN p_patch->>'role' ELSE ms.role END,
                   joined_on = CASE WHEN p_patch ? 'joined_on'
                                    THEN (p_patch->>'joined_on')::date ELSE ms.joined_on END,
                   left_on = CASE WHEN v_ending THEN v_left ELSE ms.left_on END,
                   version = ms.version + 1, updated_at = now()
              FROM old
             WHERE ms.id = old.id AND ms.version = p_version
               AND NOT coalesce((SELECT revive.refused FROM revive), false)
            RETURNING ms.*),
    audit AS (SELECT count(audit_record(p_actor_type, p_actor_id, p_actor_name, p_request_id,
                     'membership.update', 'membership', upd.id::text, to_jsonb(old),
                     to_jsonb(upd))) FROM upd, old)
    SELECT EXISTS (SELECT 1 FROM old), (SELECT membership_json(upd)::text FROM upd),
           (SELECT upd.version FROM upd), coalesce((SELECT revive.refused FROM revive), false)
      FROM audit;
END
$$;
