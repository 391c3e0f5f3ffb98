-- A page of members is fifty json_build_object calls, about three quarters of its cost in
-- PostgreSQL. Each member's two representations (with personal data, and masked) are kept
-- beside it, rebuilt by statement-level triggers from the rows a statement wrote (one set-wise
-- INSERT per statement, so an import of 50,000 members rebuilds them in one pass); a list
-- reads them by primary key. member_json() stays the one definition of the representation.
CREATE TABLE member_documents (
    member_id uuid PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    personal text NOT NULL,
    masked text NOT NULL
);

CREATE FUNCTION member_documents_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO member_documents (member_id, personal, masked)
    SELECT w.id, member_json(w, true)::text, member_json(w, false)::text FROM written w
    ON CONFLICT (member_id) DO UPDATE SET personal = EXCLUDED.personal, masked = EXCLUDED.masked;
    RETURN NULL;
END $$;

CREATE TRIGGER members_documents_insert AFTER INSERT ON members
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION member_documents_refresh();
CREATE TRIGGER members_documents_update AFTER UPDATE ON members
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION member_documents_refresh();

INSERT INTO member_documents (member_id, personal, masked)
SELECT m.id, member_json(m, true)::text, member_json(m, false)::text FROM members m;
