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

-- Reads and writes for api/resources/unseen_duplicates.c

-- Records that one request met `hits` phone numbers or ids of members the caller may not see
-- (unseen_duplicates.h): a row of the account's count (rows older than a day are dropped) and
-- an audit event member.duplicate_outside_scope naming the member (member_id, or NULL) or the
-- members (member_ids, a JSON array, or NULL) and the source (create, update, import). The
-- account and the audit actor are the last four parameters (audit_actor.h).
CREATE OR REPLACE FUNCTION unseen_duplicates_record(hits integer, member_id text, source text,
    member_ids jsonb, by_type text, by_id uuid, by_name text, by_request text)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO unseen_duplicates (principal_id, hits) VALUES ($6, $1);
    DELETE FROM unseen_duplicates d
     WHERE d.principal_id = $6 AND d.at < now() - interval '24 hours';
    PERFORM audit_record($5, $6, $7, $8, 'member.duplicate_outside_scope', 'member', $2, NULL,
                         jsonb_build_object('duplicates', $1, 'source', $3,
                                            'member_ids', coalesce($4, '[]'::jsonb)));
END
$$;
