-- Audit: the trail of every write, and its representation.

-- ---------------------------------------------------------------------------------------------
-- Representation

CREATE OR REPLACE FUNCTION audit_json(e audit_events) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT json_build_object('id', e.id, 'at', to_char(e.at AT TIME ZONE 'UTC',
            'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'actor', json_build_object('type', e.actor_type, 'id', e.actor_id, 'name', e.actor_name),
        'action', e.action, 'entity_type', e.entity_type, 'entity_id', e.entity_id,
        'before', e.before, 'after', e.after, 'request_id', e.request_id)
$$;
