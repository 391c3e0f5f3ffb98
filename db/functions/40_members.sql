-- rebuild: member_documents_rebuild()
-- Members: their representation, their CSV export line, and the stored documents built from
-- the representation.
--
-- member_documents holds member_json()'s output. The line above makes the migration runner
-- (db/migrate.c) call member_documents_rebuild() in the same transaction whenever its
-- definition, or that of any function it calls (member_json, mask_phone, rfc3339...), differs
-- from the one the stored documents were built with.

-- ---------------------------------------------------------------------------------------------
-- Representations, stored documents

-- A member as a caller sees them: phone, email and birth year masked without the right;
-- latest_evaluation is their newest current finalized evaluation (the latest period, then
-- the latest finalized: latest_evaluation_json() in 30_teams.sql); the trigger of
-- 65_evaluations.sql rebuilds the stored documents when an evaluation is finalized or
-- superseded.
CREATE OR REPLACE FUNCTION member_json(m members, personal_data boolean) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT json_build_object('id', m.id, 'unit_code', m.unit_code, 'full_name', m.full_name,
        'gender', m.gender,
        'birth_year', CASE WHEN personal_data THEN m.birth_year END,
        'phone', CASE WHEN personal_data THEN m.phone ELSE mask_phone(m.phone) END,
        'email', CASE WHEN personal_data THEN m.email ELSE mask_email(m.email) END,
        'ethnicity', m.ethnicity, 'languages', to_json(m.languages),
        'affiliations', to_json(m.affiliations), 'digital_skill', m.digital_skill,
        'trainings', m.trainings, 'status', m.status,
        'latest_evaluation', latest_evaluation_json(m.id),
        'created_at', rfc3339(m.created_at), 'updated_at', rfc3339(m.updated_at),
        'version', m.version)
$$;

-- One line of the members CSV export (columns id, unit_code, full_name, gender, birth_year,
-- phone, email, ethnicity, languages, affiliations, digital_skill, status; lists joined by
-- ';'), with the same masking of personal data as member_json().
CREATE OR REPLACE FUNCTION member_csv(m members, personal_data boolean) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT csv_line(m.id::text, m.unit_code, m.full_name, m.gender,
        CASE WHEN personal_data THEN m.birth_year::text END,
        CASE WHEN personal_data THEN m.phone ELSE mask_phone(m.phone) END,
        CASE WHEN personal_data THEN m.email ELSE mask_email(m.email) END,
        m.ethnicity, array_to_string(m.languages, ';'), array_to_string(m.affiliations, ';'),
        m.digital_skill, m.status)
$$;

-- A page of members is fifty json_build_object calls, about three quarters of its cost in
-- PostgreSQL. Each member's two representations (with personal data, and masked) are kept
-- beside it, rebuilt by statement-level triggers from the rows a statement wrote (one set-wise
-- INSERT per statement, so an import of 50,000 members rebuilds them in one pass); a list
-- reads them by primary key. member_json() stays the one definition of the representation.
CREATE OR REPLACE FUNCTION member_documents_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO member_documents (member_id, personal, masked)
    SELECT w.id, member_json(w, true)::text, member_json(w, false)::text FROM written w
    ON CONFLICT (member_id) DO UPDATE SET personal = EXCLUDED.personal, masked = EXCLUDED.masked;
    RETURN NULL;
END $$;

SELECT written_rows_triggers('members', 'members_documents', 'member_documents_refresh');

-- The documents of the members `ids` (NULL: every member) built again, as the triggers build
-- them: for a change elsewhere that a document shows (an evaluation finalized, 65_evaluations).
CREATE OR REPLACE FUNCTION member_documents_rebuild(ids uuid[]) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO member_documents (member_id, personal, masked)
    SELECT m.id, member_json(m, true)::text, member_json(m, false)::text FROM members m
     WHERE ids IS NULL OR m.id IN (SELECT i.id FROM unnest(ids) i(id))
    ON CONFLICT (member_id) DO UPDATE SET personal = EXCLUDED.personal, masked = EXCLUDED.masked;
END $$;

-- Every member's documents built again (see the first line).
CREATE OR REPLACE FUNCTION member_documents_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM member_documents_rebuild(NULL::uuid[]);
END $$;

-- Reads and writes for api/resources/members.c
--
-- The writes take the caller's scope and, last, the audit actor (by_type, by_id, by_name,
-- by_request: audit_actor.h), and record their audit event in the same statement as the change.
-- They return named columns; api/resources/members.c turns them into HTTP. The stored audit
-- images leave out full_name_folded, a search column derived from full_name.

-- Whether a caller of scope `scope` may place a member in the unit `code`: an active village
-- or commune in their scope.
CREATE OR REPLACE FUNCTION member_home_unit(code text, scope ltree) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (SELECT 1 FROM units u WHERE u.code = $1 AND within(u.path, $2)
                   AND u.status = 'active' AND u.level IN ('village', 'commune'))
$$;

-- The codes of the JSON array `codes` that the languages table lacks, as [{index, code}], or
-- NULL when it lacks none (or codes is NULL).
CREATE OR REPLACE FUNCTION member_unknown_languages(codes jsonb) RETURNS json
    LANGUAGE sql STABLE
    AS $$
    SELECT json_agg(json_build_object('index', t.n - 1, 'code', t.l) ORDER BY t.n)
      FROM jsonb_array_elements_text(coalesce($1, '[]')) WITH ORDINALITY t(l, n)
     WHERE NOT EXISTS (SELECT 1 FROM languages g WHERE g.code = t.l)
$$;

-- The member other than `other_than` who has the phone number `phone`, and whether a caller of
-- scope `scope` sees them (no row when there is none).
CREATE OR REPLACE FUNCTION member_same_phone(phone text, scope ltree, other_than uuid)
    RETURNS TABLE (id uuid, visible boolean)
    LANGUAGE sql STABLE
    AS $$
    SELECT m.id, within(u.path, $2) FROM members m JOIN units u ON u.code = m.unit_code
     WHERE m.phone = $1 AND m.id IS DISTINCT FROM $3
$$;

-- Creates a member from `doc` (the body as checked and normalised in C, without nulls) when its
-- unit is a home unit in scope, its languages exist and its phone number is free. Returns what
-- the checks found (unit_ok, unknown_languages, duplicate_id and duplicate_visible: a member
-- with that number) and, once written, the member's JSON, version and id. No JSON with no
-- finding: someone took the number between the check and the insert.
CREATE OR REPLACE FUNCTION member_create(doc jsonb, scope ltree, personal boolean,
    by_type text, by_id uuid, by_name text, by_request text)
    RETURNS TABLE (unit_ok boolean, unknown_languages text, duplicate_id text,
                   duplicate_visible boolean, json text, version integer, id text)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH unit AS (SELECT member_home_unit(doc->>'unit_code', scope) AS ok),
    langs AS (SELECT member_unknown_languages(doc->'languages') AS unknown),
    dup AS (SELECT d.id, d.visible FROM member_same_phone(doc->>'phone', scope, NULL) d),
    ins AS (INSERT INTO members (unit_code, full_name, gender, birth_year, phone, email,
              ethnicity, languages, affiliations, digital_skill, trainings, status)
            SELECT doc->>'unit_code', doc->>'full_name', doc->>'gender',
                   (doc->>'birth_year')::int, doc->>'phone', doc->>'email', doc->>'ethnicity',
                   ARRAY(SELECT jsonb_array_elements_text(coalesce(doc->'languages', '[]'))),
                   ARRAY(SELECT jsonb_array_elements_text(coalesce(doc->'affiliations', '[]'))),
                   doc->>'digital_skill', coalesce(doc->'trainings', '[]'),
                   coalesce(doc->>'status', 'active')
             WHERE (SELECT ok FROM unit) AND (SELECT unknown IS NULL FROM langs)
               AND NOT EXISTS (SELECT 1 FROM dup)
            ON CONFLICT (phone) DO NOTHING RETURNING *),
    audit AS (SELECT count(audit_record(by_type, by_id, by_name, by_request, 'member.create',
                     'member', ins.id::text, NULL, to_jsonb(ins) - 'full_name_folded')) FROM ins)
    SELECT (SELECT ok FROM unit), (SELECT unknown::text FROM langs),
           (SELECT dup.id::text FROM dup), (SELECT dup.visible FROM dup),
           (SELECT member_json(ins, personal)::text FROM ins),
           (SELECT ins.version FROM ins), (SELECT ins.id::text FROM ins)
      FROM audit;
END
$$;

-- Applies the merge patch `patch` (checked and normalised in C) to the member `member_id` when
-- it is in scope and at version `expected`: a key present sets the column (null clears it), an
-- absent key keeps it. Returns found (in scope), current_version, the checks' findings as
-- member_create does, and, once written, the member's JSON and new version. No JSON with
-- nothing else wrong: the member changed between the read and the write.
CREATE OR REPLACE FUNCTION member_update(member_id uuid, expected integer, patch jsonb,
    scope ltree, personal boolean, by_type text, by_id uuid, by_name text, by_request text)
    RETURNS TABLE (found boolean, current_version integer, unit_ok boolean,
                   unknown_languages text, duplicate_id text, duplicate_visible boolean,
                   json text, version integer)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH old AS (SELECT m.* FROM visible_members(scope) m WHERE m.id = member_id),
    unit AS (SELECT NOT (patch ? 'unit_code')
                    OR patch->>'unit_code' = (SELECT o.unit_code FROM old o)
                    OR member_home_unit(patch->>'unit_code', scope) AS ok),
    langs AS (SELECT member_unknown_languages(patch->'languages') AS unknown),
    dup AS (SELECT d.id, d.visible FROM member_same_phone(patch->>'phone', scope, member_id) d),
    upd AS (UPDATE members m SET
              unit_code = CASE WHEN patch ? 'unit_code' THEN patch->>'unit_code' ELSE m.unit_code END,
              full_name = CASE WHEN patch ? 'full_name' THEN patch->>'full_name' ELSE m.full_name END,
              gender = CASE WHEN patch ? 'gender' THEN patch->>'gender' ELSE m.gender END,
              birth_year = CASE WHEN patch ? 'birth_year' THEN (patch->>'birth_year')::int
                                ELSE m.birth_year END,
              phone = CASE WHEN patch ? 'phone' THEN patch->>'phone' ELSE m.phone END,
              email = CASE WHEN patch ? 'email' THEN patch->>'email' ELSE m.email END,
              ethnicity = CASE WHEN patch ? 'ethnicity' THEN patch->>'ethnicity' ELSE m.ethnicity END,
              languages = CASE WHEN patch ? 'languages'
                               THEN ARRAY(SELECT jsonb_array_elements_text(patch->'languages'))
                               ELSE m.languages END,
              affiliations = CASE WHEN patch ? 'affiliations'
                                  THEN ARRAY(SELECT jsonb_array_elements_text(patch->'affiliations'))
                                  ELSE m.affiliations END,
              digital_skill = CASE WHEN patch ? 'digital_skill' THEN patch->>'digital_skill'
                                   ELSE m.digital_skill END,
              trainings = CASE WHEN patch ? 'trainings' THEN patch->'trainings' ELSE m.trainings END,
              status = CASE WHEN patch ? 'status' THEN patch->>'status' ELSE m.status END,
              version = m.version + 1, updated_at = now()
            WHERE m.id = (SELECT o.id FROM old o) AND m.version = expected
              AND (SELECT ok FROM unit) AND (SELECT unknown IS NULL FROM langs)
              AND NOT EXISTS (SELECT 1 FROM dup)
            RETURNING m.*),
    audit AS (SELECT count(audit_record(by_type, by_id, by_name, by_request, 'member.update',
                     'member', upd.id::text, to_jsonb(old) - 'full_name_folded',
                     to_jsonb(upd) - 'full_name_folded')) FROM upd, old)
    SELECT EXISTS (SELECT 1 FROM old), (SELECT o.version FROM old o), (SELECT ok FROM unit),
           (SELECT unknown::text FROM langs), (SELECT dup.id::text FROM dup),
           (SELECT dup.visible FROM dup), (SELECT member_json(upd, personal)::text FROM upd),
           (SELECT upd.version FROM upd)
      FROM audit;
END
$$;

-- Deletes member p_id when it is in scope, at version p_version and has never
-- been in a team (memberships, even ended ones, are the teams' history). Returns the columns
-- respond_deleted() reads: found, version (the current one), in_use, deleted (rows).
CREATE OR REPLACE FUNCTION member_delete(p_id uuid, p_version integer, p_scope ltree,
    p_actor audit_actor) RETURNS delete_outcome LANGUAGE sql AS $$
    SELECT delete_guarded('members', 'id', p_id, p_version, m.id IS NOT NULL, m.version,
               EXISTS (SELECT 1 FROM memberships ms WHERE ms.member_id = p_id),
               'member.delete', p_actor, ARRAY['full_name_folded'])
      FROM (SELECT) AS one LEFT JOIN visible_members(p_scope) m ON m.id = p_id
$$;
