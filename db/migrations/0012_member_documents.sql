-- replaces: sha256:749bab99fb14ea9f2d09aad3ef7fc6cf76397a01a53f0ffbe411e118eb06304a
-- (Amended, same result: the functions and triggers it made are defined in db/functions/,
-- applied after the migrations. A database that ran a content above keeps it.)
-- A page of members is fifty json_build_object calls, about three quarters of its cost in
-- PostgreSQL. Each member's two representations (with personal data, and masked) are kept
-- beside it; a list reads them by primary key. They are written by the triggers and built
-- again by member_documents_rebuild() (db/functions/40_members.sql), which the migration
-- runner calls whenever member_json() or what it calls changes, and the first time.
CREATE TABLE member_documents (
    member_id uuid PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    personal text NOT NULL,
    masked text NOT NULL
);
