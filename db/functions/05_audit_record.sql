-- Audit: recording the event of a write. (The trail's representation: 80_audit.sql.)
--
-- A file of its own, early in name order: the LANGUAGE sql writes (members, accounts) call
-- audit_record(), and PostgreSQL checks an SQL function's body against what exists when it is
-- created.

-- ---------------------------------------------------------------------------------------------
-- Recording an event

-- Records one audit event: the actor (actor_type, actor_id, actor_name, request_id: the last
-- four parameters of every write, audit_actor.h), what was done (action, e.g. 'unit.update'),
-- to what (entity_type, entity_id), and the entity's images before and after (NULL for a
-- create's before and a delete's after). Returns the event's id.
--
-- A write statement records its event in the same statement as the change, from the rows the
-- change returned:
--     audit AS (SELECT count(audit_record(...)) AS events FROM upd, old)
--     SELECT ... FROM audit
-- A SELECT in WITH runs only when the statement reads it (unlike an INSERT, UPDATE or DELETE
-- there), hence `FROM audit` in the statement's last SELECT; count() makes it one row whether
-- or not anything was written. PL/pgSQL keeps the INSERT's plan for the session.
CREATE OR REPLACE FUNCTION audit_record(actor_type text, actor_id uuid, actor_name text,
    request_id text, action text, entity_type text, entity_id text, before jsonb, after jsonb)
    RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    event_id bigint;
BEGIN
    INSERT INTO audit_events (actor_type, actor_id, actor_name, request_id, action, entity_type,
                              entity_id, before, after)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    RETURNING id INTO event_id;
    RETURN event_id;
END
$$;

-- The same, with the actor as one value (the audit_actor type, 0018): what new writes pass.
CREATE OR REPLACE FUNCTION audit_record(actor audit_actor, action text, entity_type text,
    entity_id text, before jsonb, after jsonb)
    RETURNS bigint
    LANGUAGE sql
    AS $$
    SELECT audit_record((actor).type, (actor).id, (actor).name, (actor).request_id, action,
                        entity_type, entity_id, before, after);
$$;

-- ---------------------------------------------------------------------------------------------
-- Deleting a row with its event

-- Deletes the row of p_table whose p_key_column is p_key, records its event (action p_action,
-- e.g. 'unit.delete', of the entity named before the dot, p_key as text, the deleted row as
-- the before image less the keys p_drop_keys) and answers the delete_outcome that
-- respond_deleted() reads. The caller has looked the row up in its scope and decided:
--   p_found            whether the row is there for the caller,
--   p_current_version  the version to answer with (usually the row's current one),
--   p_in_use           whether something refuses the delete (then nothing is deleted).
-- The DELETE names the version p_version, so a row updated or deleted since the caller looked
-- it up is left alone and deleted is 0 (respond_deleted() answers 412). A NULL p_version
-- names no version: the row is deleted whatever its version, and found and version are those
-- of the row deleted (p_found and p_current_version are not used).
-- Deletes are rare: the DELETE is built per call (EXECUTE) for the table named.
CREATE OR REPLACE FUNCTION delete_guarded(p_table regclass, p_key_column text, p_key anyelement,
    p_version integer, p_found boolean, p_current_version integer, p_in_use boolean,
    p_action text, p_actor audit_actor, p_drop_keys text[] DEFAULT '{}')
    RETURNS delete_outcome
    LANGUAGE plpgsql
    AS $$
DECLARE
    image jsonb;
    n bigint := 0;
BEGIN
    IF p_version IS NULL THEN
        EXECUTE format('DELETE FROM %s t WHERE t.%I = $1 RETURNING to_jsonb(t)',
                       p_table, p_key_column)
            INTO image USING p_key;
        GET DIAGNOSTICS n = ROW_COUNT;
        p_found := n > 0;
        p_current_version := (image ->> 'version')::integer;
    ELSIF p_found AND NOT coalesce(p_in_use, false) THEN
        EXECUTE format('DELETE FROM %s t WHERE t.%I = $1 AND t.version = $2 RETURNING to_jsonb(t)',
                       p_table, p_key_column)
            INTO image USING p_key, p_version;
        GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
    IF n > 0 THEN
        PERFORM audit_record(p_actor, p_action, split_part(p_action, '.', 1), p_key::text,
                             image - p_drop_keys, NULL);
    END IF;
    RETURN ROW(p_found, p_current_version, p_in_use, n)::delete_outcome;
END
$$;
