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

-- A member as a caller sees them: phone, email and birth year masked without the right.
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

CREATE OR REPLACE TRIGGER members_documents_insert AFTER INSERT ON members
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION member_documents_refresh();
CREATE OR REPLACE TRIGGER members_documents_update AFTER UPDATE ON members
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION member_documents_refresh();

-- Every member's documents built again, as the triggers build them (see the first line).
CREATE OR REPLACE FUNCTION member_documents_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO member_documents (member_id, personal, masked)
    SELECT m.id, member_json(m, true)::text, member_json(m, false)::text FROM members m
    ON CONFLICT (member_id) DO UPDATE SET personal = EXCLUDED.personal, masked = EXCLUDED.masked;
END $$;
