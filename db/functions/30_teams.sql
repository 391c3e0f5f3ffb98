-- Teams and memberships: their representations, and the notice that empties every replica's
-- cached team and member representations.

-- ---------------------------------------------------------------------------------------------
-- Representations, change notices

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
