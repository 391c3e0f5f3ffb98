-- Rubrics: the criteria an evaluation scores, with their weights and the rating thresholds
-- (table: db/migrations/0019_evaluations.sql), their representation and their writes.
--
-- A rubric is known by its code; its rows are its versions, and the current rubric is the
-- highest version. An evaluation names the (code, version) it was scored on, so a version that
-- evaluations use is never changed: an edit then adds the next version and leaves it as it was.
-- A version no evaluation uses is edited in place, and takes the next version number all the
-- same, so that every edit gives a new ETag.

-- ---------------------------------------------------------------------------------------------
-- Representation

-- A rubric version as clients read it. Criteria are stored without kpi and target when they
-- have none (65_evaluations.sql asks `c ? 'kpi'`); here every criterion has both, null then.
CREATE OR REPLACE FUNCTION rubric_json(r rubrics) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT json_build_object('code', r.code, 'version', r.version, 'name_vi', r.name_vi,
        'name_en', r.name_en, 'subject_type', r.subject_type, 'period_kind', r.period_kind,
        'criteria', (SELECT json_agg(json_build_object('code', c->'code',
                                 'name_vi', c->'name_vi', 'name_en', c->'name_en',
                                 'weight', c->'weight', 'max_score', c->'max_score',
                                 'kpi', c->'kpi', 'target', c->'target') ORDER BY n)
                       FROM jsonb_array_elements(r.criteria) WITH ORDINALITY t(c, n)),
        'thresholds', json_build_object('excellent', r.thresholds->'excellent',
                          'good', r.thresholds->'good',
                          'satisfactory', r.thresholds->'satisfactory'),
        'status', r.status, 'created_at', rfc3339(r.created_at),
        'updated_at', rfc3339(r.updated_at))
$$;

-- ---------------------------------------------------------------------------------------------
-- Writes for api/resources/rubrics.c
--
-- The handler checks a rubric whole (a create body, or the current version with a merge patch
-- applied; rubrics_validate.c) and passes it as stored (jsonb): {code, name_vi, name_en,
-- subject_type, period_kind, criteria, thresholds, status?}. These functions decide what only
-- the database knows (whether evaluations use a version), write, and record the audit event in
-- the same transaction. Writes of one code take a transaction-level advisory lock on it, so that
-- a create, an edit and a delete of the same code run one after the other.

-- The lock every write of rubric p_code takes first.
CREATE OR REPLACE FUNCTION rubric_lock(p_code text) RETURNS void
    LANGUAGE sql
    AS $$ SELECT pg_advisory_xact_lock(hashtext('rubrics'), hashtext(p_code)) $$;

-- A new rubric, version 1. json, version and code are NULL when a rubric with this code exists
-- (in any version): nothing is written then.
CREATE OR REPLACE FUNCTION rubric_create(p_rubric jsonb, p_actor audit_actor)
RETURNS TABLE (json text, version integer, code text)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    ins rubrics;
BEGIN
    PERFORM rubric_lock(p_rubric->>'code');
    INSERT INTO rubrics (code, version, name_vi, name_en, subject_type, period_kind, criteria,
                         thresholds, status)
    SELECT p_rubric->>'code', 1, p_rubric->>'name_vi', p_rubric->>'name_en',
           p_rubric->>'subject_type', p_rubric->>'period_kind', p_rubric->'criteria',
           p_rubric->'thresholds', coalesce(p_rubric->>'status', 'active')
     WHERE NOT EXISTS (SELECT 1 FROM rubrics r WHERE r.code = p_rubric->>'code')
    ON CONFLICT DO NOTHING
    RETURNING * INTO ins;
    IF ins.code IS NOT NULL THEN
        PERFORM audit_record(p_actor, 'rubric.create', 'rubric', ins.code, NULL, to_jsonb(ins));
    END IF;
    RETURN QUERY SELECT CASE WHEN ins.code IS NOT NULL THEN rubric_json(ins)::text END,
                        ins.version, ins.code;
END
$$;

-- Replaces the current version of rubric p_code by p_rubric (the current version with the
-- patch merged in) when the current version is still p_version:
--   - when an evaluation uses (p_code, p_version), a new row with version p_version + 1 (the
--     used row stays as it was): new_version true;
--   - otherwise the row itself is changed, and its version becomes p_version + 1.
-- The current row is locked first (FOR UPDATE waits for evaluations being written that name
-- it, and holds back new ones), then evaluations are asked, in a statement that sees those.
-- Audited as rubric.update, or rubric.retire when the status goes from active to retired.
-- found false: no such rubric; json NULL: the current version is not p_version (nothing
-- written).
CREATE OR REPLACE FUNCTION rubric_update(p_code text, p_version integer, p_rubric jsonb,
    p_actor audit_actor)
RETURNS TABLE (found boolean, json text, version integer, new_version boolean)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    cur rubrics;
    upd rubrics;
    used boolean;
BEGIN
    PERFORM rubric_lock(p_code);
    SELECT r.* INTO cur FROM rubrics r WHERE r.code = p_code
     ORDER BY r.version DESC LIMIT 1 FOR UPDATE;
    IF cur.code IS NULL OR cur.version <> p_version THEN
        RETURN QUERY SELECT cur.code IS NOT NULL, NULL::text, cur.version, NULL::boolean;
        RETURN;
    END IF;
    used := EXISTS (SELECT 1 FROM evaluations e
                     WHERE e.rubric_code = cur.code AND e.rubric_version = cur.version);
    IF used THEN
        INSERT INTO rubrics (code, version, name_vi, name_en, subject_type, period_kind,
                             criteria, thresholds, status)
        VALUES (cur.code, cur.version + 1, p_rubric->>'name_vi', p_rubric->>'name_en',
                p_rubric->>'subject_type', p_rubric->>'period_kind', p_rubric->'criteria',
                p_rubric->'thresholds', coalesce(p_rubric->>'status', cur.status))
        RETURNING * INTO upd;
    ELSE
        UPDATE rubrics r
           SET version = r.version + 1, name_vi = p_rubric->>'name_vi',
               name_en = p_rubric->>'name_en', subject_type = p_rubric->>'subject_type',
               period_kind = p_rubric->>'period_kind', criteria = p_rubric->'criteria',
               thresholds = p_rubric->'thresholds',
               status = coalesce(p_rubric->>'status', r.status), updated_at = now()
         WHERE r.code = cur.code AND r.version = cur.version
        RETURNING r.* INTO upd;
    END IF;
    PERFORM audit_record(p_actor,
        CASE WHEN cur.status = 'active' AND upd.status = 'retired' THEN 'rubric.retire'
             ELSE 'rubric.update' END,
        'rubric', cur.code, to_jsonb(cur), to_jsonb(upd));
    RETURN QUERY SELECT true, rubric_json(upd)::text, upd.version, used;
END
$$;

-- Deletes every version of rubric p_code when its current version is p_version and no
-- evaluation uses any version of it; audited as rubric.delete with the current version as the
-- before image. Answers what respond_deleted() reads: found, version (the current one), in_use,
-- deleted (1 when the rubric was deleted, whatever its number of versions).
CREATE OR REPLACE FUNCTION rubric_delete(p_code text, p_version integer, p_actor audit_actor)
RETURNS delete_outcome
    LANGUAGE plpgsql
    AS $$
DECLARE
    cur rubrics;
    used boolean;
    n bigint := 0;
BEGIN
    PERFORM rubric_lock(p_code);
    -- every version locked: evaluations being written that name one are waited for
    PERFORM 1 FROM rubrics r WHERE r.code = p_code FOR UPDATE;
    SELECT r.* INTO cur FROM rubrics r WHERE r.code = p_code ORDER BY r.version DESC LIMIT 1;
    IF cur.code IS NULL THEN
        RETURN ROW(false, NULL, NULL, 0)::delete_outcome;
    END IF;
    used := EXISTS (SELECT 1 FROM evaluations e WHERE e.rubric_code = p_code);
    IF cur.version = p_version AND NOT used THEN
        DELETE FROM rubrics r WHERE r.code = p_code;
        GET DIAGNOSTICS n = ROW_COUNT;
        PERFORM audit_record(p_actor, 'rubric.delete', 'rubric', p_code, to_jsonb(cur), NULL);
    END IF;
    RETURN ROW(true, cur.version, used, least(n, 1))::delete_outcome;
END
$$;
