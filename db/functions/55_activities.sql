-- Activities: what teams did, their representation and the items a create reads.

-- ---------------------------------------------------------------------------------------------
-- Representation, items

CREATE OR REPLACE FUNCTION activity_json(a activities) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT json_build_object('id', a.id, 'team_id', a.team_id, 'unit_code', a.unit_code,
        'date', a.date, 'kind', a.kind, 'service_codes', to_json(a.service_codes),
        'households_reached', a.households_reached, 'people_reached', a.people_reached,
        'member_ids', to_json(a.member_ids), 'languages', to_json(a.languages), 'notes', a.notes,
        'created_at', rfc3339(a.created_at), 'updated_at', rfc3339(a.updated_at),
        'version', a.version)
$$;

-- Activities are created from a JSON array of items (one for POST /teams/{id}/activities, up
-- to 1,000 for a batch). Read with jsonb_array_elements, the planner assumes 100 items and
-- checks them with hash joins over whole tables (every membership, unit and team: 7 ms a
-- single activity in the demo province, and growing with the country). Declared as one
-- row, the checks become index lookups per item: 0.7 ms, whatever the size of the tables.
CREATE OR REPLACE FUNCTION activity_items(items jsonb) RETURNS TABLE (j jsonb, n bigint)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE ROWS 1 AS $$
BEGIN
    RETURN QUERY SELECT e.value, e.ordinality FROM jsonb_array_elements(items) WITH ORDINALITY e;
END $$;

-- Reads and writes for api/resources/activities.c and activities_batch.c
--
-- The writes take the caller's scope, the only team they may record for (a team leader's;
-- NULL for everyone else) and, last, the audit actor (by_type, by_id, by_name, by_request:
-- audit_actor.h), and record their audit event in the same statement as the change. They
-- return named columns that the handlers turn into HTTP.

-- The activities a caller sees: those whose unit lies in their scope; for a team leader
-- (only_team not NULL), those of their own team only.
CREATE OR REPLACE FUNCTION visible_activities(scope ltree, only_team uuid)
    RETURNS SETOF activities
    LANGUAGE sql STABLE
    AS $$
    SELECT a.* FROM activities a JOIN units u ON u.code = a.unit_code
     WHERE within(u.path, scope) AND (only_team IS NULL OR a.team_id = only_team)
$$;

-- What keeps one candidate activity from being written, as (field, code, message), field a
-- JSON pointer relative to the activity (/member_ids/1). The candidate: its team (NULL: no
-- such team in the caller's scope), the team's unit, path and founding date, whether the
-- caller may record for the team, then the activity as it would be written; old_services are
-- the codes already on the record (a retired one may stay). The chk_* arguments say what to
-- check: a new activity checks everything, a patch what it touches. Called once per candidate
-- (LATERAL), for one activity or a batch of a thousand; PostgreSQL inlines it into the caller.
CREATE OR REPLACE FUNCTION activity_problems(team uuid, team_unit text, team_path ltree,
    established_on date, allowed boolean, unit_code text, on_date date, service_codes text[],
    old_services text[], member_ids uuid[], languages text[], households integer,
    people integer, chk_date boolean, chk_members boolean, chk_unit boolean, chk_langs boolean)
    RETURNS TABLE (field text, code text, message text)
    LANGUAGE sql STABLE
    AS $$
    SELECT '/team_id', 'not_found', 'no such team in your scope' WHERE team IS NULL
    UNION ALL
    SELECT '/team_id', 'forbidden', 'a team leader records the activities of their own team only'
     WHERE team IS NOT NULL AND NOT allowed
    UNION ALL
    SELECT '/date', 'out_of_range',
           'must not be before the team was established (' || established_on || ')'
     WHERE team IS NOT NULL AND chk_date AND on_date < established_on
    UNION ALL
    SELECT '/service_codes/' || (s.n - 1),
           CASE WHEN v.code IS NULL THEN 'not_found' ELSE 'retired' END,
           CASE WHEN v.code IS NULL THEN 'no service has the code ' || s.code
                ELSE 'the service ' || s.code || ' is retired' END
      FROM unnest(service_codes) WITH ORDINALITY s(code, n)
      LEFT JOIN services v ON v.code = s.code
     WHERE v.code IS NULL OR (v.status = 'retired' AND NOT s.code = ANY (old_services))
    UNION ALL
    SELECT '/member_ids/' || (m.n - 1), 'not_a_member', 'was not a member of this team on ' || on_date
      FROM unnest(member_ids) WITH ORDINALITY m(id, n)
     WHERE team IS NOT NULL AND chk_members
       AND NOT EXISTS (SELECT 1 FROM memberships ms WHERE ms.member_id = m.id
                          AND ms.team_id = team AND ms.joined_on <= on_date
                          AND (ms.left_on IS NULL OR ms.left_on >= on_date))
    UNION ALL
    SELECT '/languages/' || (l.n - 1), 'not_found', 'no language has the code ' || l.code
      FROM unnest(languages) WITH ORDINALITY l(code, n)
     WHERE chk_langs AND NOT EXISTS (SELECT 1 FROM languages g WHERE g.code = l.code)
    UNION ALL
    SELECT '/unit_code', 'outside_team_unit',
           'must be the team''s unit (' || team_unit || ') or a unit under it'
     WHERE team IS NOT NULL AND chk_unit
       AND NOT EXISTS (SELECT 1 FROM units u WHERE u.code = activity_problems.unit_code
                          AND within(u.path, team_path))
    UNION ALL
    SELECT '/households_reached', 'out_of_range',
           'must not exceed people_reached (' || people || ')'
     WHERE households > people
$$;

-- Records new activities: new_items is a JSON array of activity bodies, each with its
-- team_id and without nulls (checked in C). All or nothing: every item is checked
-- (activity_problems) and all are inserted only when none has a problem. A single create
-- (batch false) records an activity.create event and answers the activity (json, version,
-- id); a batch records one activities.batch event {count, ids} and answers {created, ids},
-- ids in the order of the items. problems: [{index, field, code, message}] or NULL;
-- team_refused: a problem names the team (none in scope, or not the leader's).
--
-- One statement checks and inserts. What differs between a single create and a batch (the
-- event, the answer) comes after it, in PL/pgSQL, so that the statement's cached plan holds
-- no part that one of them never runs: PostgreSQL sets up every part of a plan on each
-- execution, and those parts cost a single create more than a tenth of its time.
CREATE OR REPLACE FUNCTION activities_create(new_items jsonb, scope ltree, only_team uuid,
    batch boolean, by_type text, by_id uuid, by_name text, by_request text)
    RETURNS TABLE (problems text, team_refused boolean, json text, version integer, id text)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    ids uuid[];   -- of the new activities, in the order of the items
    after jsonb;  -- a single create's activity, as its event records it
    event bigint;
BEGIN
    -- The services named, locked so that none is deleted under a new record, before the
    -- statement that checks them takes its snapshot (so that it sees one deleted meanwhile).
    PERFORM FROM services s
      WHERE s.code = ANY (ARRAY(SELECT jsonb_array_elements_text(
                                  jsonb_path_query_array(new_items, '$[*].service_codes[*]'))))
      FOR KEY SHARE;
    -- Each candidate gets its id here, once (MATERIALIZED), so that ids follow the items.
    WITH items AS (SELECT (x.n - 1)::int AS idx, x.j FROM activity_items(new_items) x(j, n)),
    cand AS MATERIALIZED (SELECT i.idx, gen_random_uuid() AS id, t.id AS team_id,
        t.unit_code AS team_unit, t.path AS team_path, t.established_on,
        (only_team IS NULL OR t.id = only_team) AS allowed,
        coalesce(i.j->>'unit_code', t.unit_code) AS unit_code, (i.j->>'date')::date AS date,
        i.j->>'kind' AS kind,
        ARRAY(SELECT jsonb_array_elements_text(i.j->'service_codes')) AS service_codes,
        ARRAY(SELECT jsonb_array_elements_text(coalesce(i.j->'member_ids', '[]')))::uuid[]
          AS member_ids,
        ARRAY(SELECT jsonb_array_elements_text(coalesce(i.j->'languages', '[]'))) AS languages,
        (i.j->>'households_reached')::int AS households,
        (i.j->>'people_reached')::int AS people, i.j->>'notes' AS notes
      FROM items i LEFT JOIN LATERAL (SELECT t.id, t.unit_code, t.established_on, u.path
        FROM teams t JOIN units u ON u.code = t.unit_code
        WHERE t.id = (i.j->>'team_id')::uuid AND within(u.path, scope)) t ON true),
    problems AS (SELECT c.idx, p.field, p.code, p.message FROM cand c CROSS JOIN LATERAL
        activity_problems(c.team_id, c.team_unit, c.team_path, c.established_on, c.allowed,
          c.unit_code, c.date, c.service_codes, '{}'::text[], c.member_ids, c.languages,
          c.households, c.people, true, true, true, true) p),
    ins AS (INSERT INTO activities (id, team_id, unit_code, date, kind, service_codes,
          households_reached, people_reached, member_ids, languages, notes)
        SELECT c.id, c.team_id, c.unit_code, c.date, c.kind, c.service_codes, c.households,
          c.people, c.member_ids, c.languages, c.notes
          FROM cand c WHERE NOT EXISTS (SELECT 1 FROM problems)
         ORDER BY c.idx RETURNING *)
    SELECT (SELECT json_agg(json_build_object('index', p.idx, 'field', p.field,
              'code', p.code, 'message', p.message) ORDER BY p.idx, p.field)::text
              FROM problems p),
           EXISTS (SELECT 1 FROM problems p WHERE p.field = '/team_id'),
           (SELECT array_agg(c.id ORDER BY c.idx) FROM cand c WHERE EXISTS (SELECT 1 FROM ins)),
           activity_json(a)::text, a.version, a.id::text, to_jsonb(a)
      FROM (SELECT) AS one LEFT JOIN (SELECT * FROM ins WHERE NOT batch) a ON true
      INTO problems, team_refused, ids, json, version, id, after;
    -- one event: the activity's, or the batch's (never one per activity of a batch); the
    -- assignments, unlike PERFORM, take PL/pgSQL's short path for plain expressions
    IF cardinality(ids) > 0 AND batch THEN
        event := audit_record(by_type, by_id, by_name, by_request, 'activities.batch',
                              'activity', NULL, NULL,
                              jsonb_build_object('count', cardinality(ids), 'ids', ids));
        json := json_build_object('created', cardinality(ids), 'ids', ids)::text;
    ELSIF cardinality(ids) > 0 THEN
        event := audit_record(by_type, by_id, by_name, by_request, 'activity.create',
                              'activity', id, NULL, after);
    END IF;
    RETURN NEXT;
END
$$;

-- Applies the merge patch `patch` (checked in C) to the activity `activity_id` when it is in
-- scope and at version `expected`. The record is checked as the patch leaves it, but only
-- against what the patch touches (new notes on an old record do not re-check memberships
-- edited since). Returns found (in scope), own_team (the caller may record for its team),
-- current_version, problems ([{index, field, code, message}] or NULL) and, once written, the
-- activity's JSON and new version. No JSON with nothing else wrong: the activity changed
-- between the read and the write.
CREATE OR REPLACE FUNCTION activity_update(activity_id uuid, expected integer, patch jsonb,
    scope ltree, only_team uuid, by_type text, by_id uuid, by_name text, by_request text)
    RETURNS TABLE (found boolean, own_team boolean, current_version integer, problems text,
                   json text, version integer)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
BEGIN
    -- The services the record will name, locked so that none is deleted under it.
    PERFORM 1 FROM services s
      WHERE s.code IN (SELECT jsonb_array_elements_text(patch->'service_codes')
                       UNION ALL
                       SELECT unnest(a.service_codes) FROM activities a
                        WHERE a.id = activity_id AND NOT patch ? 'service_codes')
      FOR KEY SHARE;
    RETURN QUERY
    WITH old AS (SELECT a.* FROM activities a JOIN units u ON u.code = a.unit_code
                  WHERE a.id = activity_id AND within(u.path, scope) FOR UPDATE OF a),
    cand AS (SELECT 0 AS idx, t.id AS team_id, t.unit_code AS team_unit, tu.path AS team_path,
        t.established_on, (only_team IS NULL OR t.id = only_team) AS allowed,
        CASE WHEN patch ? 'unit_code' THEN patch->>'unit_code' ELSE o.unit_code END AS unit_code,
        CASE WHEN patch ? 'date' THEN (patch->>'date')::date ELSE o.date END AS date,
        coalesce(patch->>'kind', o.kind) AS kind,
        CASE WHEN patch ? 'service_codes'
             THEN ARRAY(SELECT jsonb_array_elements_text(patch->'service_codes'))
             ELSE o.service_codes END AS service_codes,
        o.service_codes AS old_services,
        CASE WHEN patch ? 'member_ids'
             THEN ARRAY(SELECT jsonb_array_elements_text(patch->'member_ids'))::uuid[]
             ELSE o.member_ids END AS member_ids,
        CASE WHEN patch ? 'languages'
             THEN ARRAY(SELECT jsonb_array_elements_text(patch->'languages'))
             ELSE o.languages END AS languages,
        CASE WHEN patch ? 'households_reached' THEN (patch->>'households_reached')::int
             ELSE o.households_reached END AS households,
        CASE WHEN patch ? 'people_reached' THEN (patch->>'people_reached')::int
             ELSE o.people_reached END AS people,
        CASE WHEN patch ? 'notes' THEN patch->>'notes' ELSE o.notes END AS notes,
        patch ? 'date' AS chk_date, patch ? 'date' OR patch ? 'member_ids' AS chk_members,
        patch ? 'unit_code' AS chk_unit, patch ? 'languages' AS chk_langs
      FROM old o JOIN teams t ON t.id = o.team_id JOIN units tu ON tu.code = t.unit_code),
    problems AS (SELECT c.idx, p.field, p.code, p.message FROM cand c CROSS JOIN LATERAL
        activity_problems(c.team_id, c.team_unit, c.team_path, c.established_on, c.allowed,
          c.unit_code, c.date, c.service_codes, c.old_services, c.member_ids, c.languages,
          c.households, c.people, c.chk_date, c.chk_members, c.chk_unit, c.chk_langs) p),
    upd AS (UPDATE activities a SET unit_code = c.unit_code, date = c.date, kind = c.kind,
          service_codes = c.service_codes, member_ids = c.member_ids, languages = c.languages,
          households_reached = c.households, people_reached = c.people, notes = c.notes,
          version = a.version + 1, updated_at = now()
        FROM cand c WHERE a.id = activity_id AND a.version = expected AND c.allowed
          AND NOT EXISTS (SELECT 1 FROM problems)
        RETURNING a.*),
    audit AS (SELECT count(audit_record(by_type, by_id, by_name, by_request, 'activity.update',
          'activity', upd.id::text, to_jsonb(old), to_jsonb(upd))) FROM upd, old)
    SELECT EXISTS (SELECT 1 FROM old), (SELECT c.allowed FROM cand c),
           (SELECT o.version FROM old o),
           (SELECT json_agg(json_build_object('index', p.idx, 'field', p.field,
              'code', p.code, 'message', p.message) ORDER BY p.idx, p.field)::text
              FROM problems p),
           (SELECT activity_json(upd)::text FROM upd), (SELECT upd.version FROM upd)
      FROM audit;
END
$$;

-- Deletes activity p_id when it is in scope, at version p_version and, for a
-- team leader, of their team. Returns the columns respond_deleted() reads (found, version:
-- the current one, in_use: never, deleted: rows) and own_team.
CREATE OR REPLACE FUNCTION activity_delete(p_id uuid, p_version integer, p_scope ltree,
    p_only_team uuid, p_actor audit_actor)
    RETURNS TABLE (found boolean, own_team boolean, version integer, in_use boolean,
                   deleted bigint)
    LANGUAGE sql AS $$
    -- Another team's activity is left alone as one in use would be; in_use stays false.
    SELECT g.found, own.ok, g.version, false, g.deleted
      FROM (SELECT) AS one LEFT JOIN visible_activities(p_scope, NULL) a ON a.id = p_id,
      LATERAL (SELECT CASE WHEN a.id IS NOT NULL
                           THEN p_only_team IS NULL OR a.team_id = p_only_team END AS ok) own,
      LATERAL delete_guarded('activities', 'id', p_id, p_version, a.id IS NOT NULL, a.version,
                             NOT coalesce(own.ok, false), 'activity.delete', p_actor) g
$$;
