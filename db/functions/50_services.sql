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

-- Reads and writes for api/resources/services.c
--
-- The handler checks a service whole (a create body, or the stored service with a merge patch
-- applied) and passes it as stored (jsonb); these functions add what only the database knows
-- (which language codes exist, whether activities name the service), write, and record the
-- audit event in the same statement.

-- The translation codes of service document p_service that the languages table lacks, as a
-- JSON array in order, or NULL when there are none.
CREATE OR REPLACE FUNCTION service_unknown_languages(p_service jsonb) RETURNS json
    LANGUAGE sql STABLE
    AS $$
    SELECT json_agg(k ORDER BY k)
      FROM jsonb_object_keys(coalesce(p_service->'translations', '{}')) k
     WHERE NOT EXISTS (SELECT 1 FROM languages l WHERE l.code = k)
$$;

-- A new service. unknown_languages: the translation codes no language has (nothing written);
-- json NULL otherwise: a service with this code exists already.
CREATE OR REPLACE FUNCTION service_create(p_service jsonb, p_actor_type text, p_actor_id uuid,
    p_actor_name text, p_request_id text)
RETURNS TABLE (unknown_languages text, json text, version integer, code text)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH unknown AS (SELECT service_unknown_languages(p_service) AS codes),
    ins AS (INSERT INTO services (code, name_vi, name_en, category, steps, translations, status)
            SELECT p_service->>'code', p_service->>'name_vi', p_service->>'name_en',
                   p_service->>'category', p_service->'steps',
                   coalesce(p_service->'translations', '{}'),
                   coalesce(p_service->>'status', 'active')
              FROM unknown WHERE unknown.codes IS NULL
            ON CONFLICT (code) DO NOTHING RETURNING *),
    audit AS (SELECT count(audit_record(p_actor_type, p_actor_id, p_actor_name, p_request_id,
                     'service.create', 'service', ins.code, NULL, to_jsonb(ins))) FROM ins)
    SELECT (SELECT unknown.codes::text FROM unknown), (SELECT service_json(ins)::text FROM ins),
           (SELECT ins.version FROM ins), (SELECT ins.code FROM ins)
      FROM audit;
END
$$;

-- Replaces service p_code by p_service (the stored service with the patch merged in) when it
-- still has version p_version; retiring it (status active to retired) is audited as
-- service.retire. found, unknown_languages as for service_create; json and version are NULL
-- when nothing was written.
CREATE OR REPLACE FUNCTION service_update(p_code text, p_version integer, p_service jsonb,
    p_actor_type text, p_actor_id uuid, p_actor_name text, p_request_id text)
RETURNS TABLE (found boolean, unknown_languages text, json text, version integer)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH unknown AS (SELECT service_unknown_languages(p_service) AS codes),
    old AS (SELECT s.* FROM services s WHERE s.code = p_code),
    upd AS (UPDATE services s
               SET name_vi = p_service->>'name_vi', name_en = p_service->>'name_en',
                   category = p_service->>'category', steps = p_service->'steps',
                   translations = coalesce(p_service->'translations', '{}'),
                   status = coalesce(p_service->>'status', s.status),
                   version = s.version + 1, updated_at = now()
              FROM old, unknown
             WHERE s.code = old.code AND s.version = p_version AND unknown.codes IS NULL
            RETURNING s.*),
    audit AS (SELECT count(audit_record(p_actor_type, p_actor_id, p_actor_name, p_request_id,
                     CASE WHEN old.status = 'active' AND upd.status = 'retired'
                          THEN 'service.retire' ELSE 'service.update' END,
                     'service', upd.code, to_jsonb(old), to_jsonb(upd))) FROM upd, old)
    SELECT EXISTS (SELECT 1 FROM old), (SELECT unknown.codes::text FROM unknown),
           (SELECT service_json(upd)::text FROM upd), (SELECT upd.version FROM upd)
      FROM audit;
END
$$;

-- Deletes service p_code when it has version p_version and no activity names it (the GIN index
-- on activities.service_codes answers that). The columns respond_deleted() reads: found,
-- version (the current one), in_use, deleted (rows).
DROP FUNCTION IF EXISTS service_delete(text, integer, text, uuid, text, text);
CREATE OR REPLACE FUNCTION service_delete(p_code text, p_version integer, p_actor audit_actor)
RETURNS delete_outcome LANGUAGE sql AS $$
    SELECT delete_guarded('services', 'code', p_code, p_version, s.code IS NOT NULL, s.version,
               EXISTS (SELECT 1 FROM activities a WHERE a.service_codes @> ARRAY[p_code]),
               'service.delete', p_actor)
      FROM (SELECT) AS one LEFT JOIN services s ON s.code = p_code
$$;
