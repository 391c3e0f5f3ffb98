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
