-- Signatures that earlier releases defined and this one no longer does, dropped before the
-- files after this one define what replaces them. A function whose arguments or result type
-- changed cannot be replaced in place (CREATE OR REPLACE keeps both, or refuses a new result
-- type); every file is applied again in the same transaction (db/migrate.c), so a signature
-- named here that a later file still defines is made again at once.

-- 05_audit_record.sql
DROP FUNCTION IF EXISTS delete_guarded(regclass, text, anyelement, integer, boolean, integer,
    boolean, text, text, text, uuid, text, text, text[]);

-- 20_units.sql
DROP FUNCTION IF EXISTS unit_create(text, text, text, text, ltree, text, uuid, text, text);
DROP FUNCTION IF EXISTS unit_update(text, integer, jsonb, ltree, text, uuid, text, text);
DROP FUNCTION IF EXISTS unit_delete(text, integer, ltree, text, uuid, text, text);

-- 30_teams.sql
DROP FUNCTION IF EXISTS team_create(text, text, text, date, text, text, ltree, text, uuid, text,
    text, boolean);
DROP FUNCTION IF EXISTS team_update(uuid, integer, jsonb, ltree, text, uuid, text, text, boolean);
DROP FUNCTION IF EXISTS team_delete(uuid, integer, ltree, text, uuid, text, text);
DROP FUNCTION IF EXISTS team_unit_problem(units);

-- 40_members.sql
DROP FUNCTION IF EXISTS member_delete(uuid, integer, ltree, text, uuid, text, text);

-- 50_services.sql
DROP FUNCTION IF EXISTS service_unknown_languages(jsonb);
DROP FUNCTION IF EXISTS service_create(jsonb, text, uuid, text, text);
DROP FUNCTION IF EXISTS service_update(text, integer, jsonb, text, uuid, text, text);
DROP FUNCTION IF EXISTS service_delete(text, integer, text, uuid, text, text);

-- 55_activities.sql
DROP FUNCTION IF EXISTS activity_delete(uuid, integer, ltree, uuid, text, uuid, text, text);

-- 65_evaluations.sql
DROP FUNCTION IF EXISTS evaluation_create(jsonb, ltree, boolean, audit_actor);
DROP FUNCTION IF EXISTS evaluation_update(uuid, integer, jsonb, ltree, boolean, audit_actor);

-- 70_accounts.sql
DROP FUNCTION IF EXISTS client_delete(uuid, text, uuid, text, text);

-- 75_funding.sql
DROP FUNCTION IF EXISTS funding_proposal_create(jsonb, ltree, audit_actor);
DROP FUNCTION IF EXISTS funding_proposal_update(uuid, integer, jsonb, ltree, audit_actor);
DROP FUNCTION IF EXISTS funding_transition(uuid, integer, text, jsonb, ltree, audit_actor);
DROP FUNCTION IF EXISTS funding_allocation_create(text, integer, bigint, ltree, audit_actor);
DROP FUNCTION IF EXISTS funding_allocation_update(uuid, integer, bigint, ltree, audit_actor);
