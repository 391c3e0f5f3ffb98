-- Services: the catalogue of digital services teams help with, and its representation.

-- ---------------------------------------------------------------------------------------------
-- Representation

CREATE OR REPLACE FUNCTION service_json(s services) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT json_build_object('code', s.code, 'name_vi', s.name_vi, 'name_en', s.name_en,
        'category', s.category, 'steps', s.steps, 'translations', s.translations,
        'status', s.status, 'created_at', rfc3339(s.created_at),
        'updated_at', rfc3339(s.updated_at), 'version', s.version)
$$;
