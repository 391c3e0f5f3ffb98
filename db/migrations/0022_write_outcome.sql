-- write_outcome: what a write that answers one named outcome returns, read by
-- respond_named_outcome() (api/resources/resource.c), which turns it into HTTP. outcome is one
-- of ok, not_found, stale, conflict, forbidden, invalid; the other members are those the
-- outcome fills (db/functions/06_write_outcomes.sql): the body's problems (invalid), a detail
-- (conflict, forbidden), the written document with its version and id (ok), the current
-- version (stale), and members to add to the problem document (conflict).
CREATE TYPE write_outcome AS (outcome text, problems jsonb, detail text, json text,
                              version integer, id text, members jsonb);
