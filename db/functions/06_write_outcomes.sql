-- What a write answers: one named outcome, and the problems of a body.
--
-- A write that answers one named outcome returns a write_outcome (0022), which
-- respond_named_outcome() (api/resources/resource.c) turns into HTTP:
--   ok         json, version and id of what was written (201 or 200)
--   not_found  nothing of the kind in the caller's scope (404)
--   stale      the version named is not the current one, version (412)
--   conflict   the state refuses the write: detail says why, members are added to the problem
--              document (409)
--   forbidden  the caller may not make this write, detail says why (403)
--   invalid    problems: the body's errors, as field_problem() makes them (422)
-- A write names each outcome by the members it fills:
--     RETURN outcome('stale', p_version => cur.version);

CREATE OR REPLACE FUNCTION outcome(p_outcome text, p_problems jsonb DEFAULT NULL,
    p_detail text DEFAULT NULL, p_json text DEFAULT NULL, p_version integer DEFAULT NULL,
    p_id text DEFAULT NULL, p_members jsonb DEFAULT NULL)
RETURNS write_outcome LANGUAGE sql IMMUTABLE AS $$
    SELECT ROW(p_outcome, p_problems, p_detail, p_json, p_version, p_id, p_members)::write_outcome
$$;

-- The problems of a body with one error: field (a JSON Pointer), code and message, as
-- problem_add_error() writes them in C.
CREATE OR REPLACE FUNCTION field_problem(p_field text, p_code text, p_message text)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_array(jsonb_build_object('field', p_field, 'code', p_code,
                                                'message', p_message))
$$;
