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

-- The problems of service document p_service's translation codes that the languages table
-- lacks, one per code in order, or NULL when there are none.
CREATE OR REPLACE FUNCTION service_language_problems(p_service jsonb) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT jsonb_agg(field_problem('/translations/' || replace(replace(k, '~', '~0'), '/', '~1'),
                                   'not_found', 'no language has the code ' || k) -> 0
                     ORDER BY k)
      FROM jsonb_object_keys(coalesce(p_service->'translations', '{}')) k
     WHERE NOT EXISTS (SELECT 1 FROM languages l WHERE l.code = k)
$$;

-- A new service, in one of the outcomes of 06_write_outcomes.sql: invalid for translation
-- codes no language has, conflict when a service has this code already.
CREATE OR REPLACE FUNCTION service_create(p_service jsonb, p_actor audit_actor)
RETURNS write_outcome LANGUAGE plpgsql AS $$
DECLARE
    v_problems jsonb := service_language_problems(p_service);
    s services;
BEGIN
    IF v_problems IS NOT NULL THEN
        RETURN outcome('invalid', p_problems => v_problems);
    END IF;
    INSERT INTO services AS n (code, name_vi, name_en, category, steps, translations, status)
    SELECT x.code, x.name_vi, x.name_en, x.category, x.steps, coalesce(x.translations, '{}'),
           coalesce(x.status, 'active')
      FROM jsonb_populate_record(NULL::services, p_service) x
    ON CONFLICT (code) DO NOTHING RETURNING n.* INTO s;
    IF s.code IS NULL THEN
        RETURN outcome('conflict', p_detail => 'A service with this code already exists.');
    END IF;
    PERFORM audit_record(p_actor, 'service.create', 'service', s.code, NULL, to_jsonb(s));
    RETURN outcome('ok', p_json => service_json(s)::text, p_version => s.version,
                   p_id => s.code);
END
$$;

-- Replaces service p_code by p_service (the stored service with the patch merged in) when it
-- still has version p_version; retiring it (status active to retired) is audited as
-- service.retire. Outcomes as for service_create, and not_found or stale.
CREATE OR REPLACE FUNCTION service_update(p_code text, p_version integer, p_service jsonb,
    p_actor audit_actor)
RETURNS write_outcome LANGUAGE plpgsql AS $$
DECLARE
    cur services;
    s services;
    v_problems jsonb;
BEGIN
    SELECT x.* INTO cur FROM services x WHERE x.code = p_code FOR UPDATE;
    IF cur.code IS NULL THEN
        RETURN outcome('not_found');
    END IF;
    v_problems := service_language_problems(p_service);
    IF v_problems IS NOT NULL THEN
        RETURN outcome('invalid', p_problems => v_problems);
    ELSIF cur.version <> p_version THEN
        RETURN outcome('stale', p_version => cur.version);
    END IF;
    UPDATE services x
       SET (name_vi, name_en, category, steps) = (n.name_vi, n.name_en, n.category, n.steps),
           translations = coalesce(n.translations, '{}'), status = coalesce(n.status, x.status),
           version = x.version + 1, updated_at = now()
      FROM jsonb_populate_record(NULL::services, p_service) n
     WHERE x.code = cur.code RETURNING x.* INTO s;
    PERFORM audit_record(p_actor,
                         CASE WHEN cur.status = 'active' AND s.status = 'retired'
                              THEN 'service.retire' ELSE 'service.update' END,
                         'service', s.code, to_jsonb(cur), to_jsonb(s));
    RETURN outcome('ok', p_json => service_json(s)::text, p_version => s.version,
                   p_id => s.code);
END
$$;

-- Deletes service p_code when it has version p_version and no activity names it (the GIN index
-- on activities.service_codes answers that). The columns respond_deleted() reads: found,
-- version (the current one), in_use, deleted (rows).
CREATE OR REPLACE FUNCTION service_delete(p_code text, p_version integer, p_actor audit_actor)
RETURNS delete_outcome LANGUAGE sql AS $$
    SELECT delete_guarded('services', 'code', p_code, p_version, s.code IS NOT NULL, s.version,
               EXISTS (SELECT 1 FROM activities a WHERE a.service_codes @> ARRAY[p_code]),
               'service.delete', p_actor)
      FROM (SELECT) AS one LEFT JOIN services s ON s.code = p_code
$$;
