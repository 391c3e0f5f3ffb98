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
