-- Types that the write functions (db/functions/) share.
--
-- audit_actor: who makes a write, passed to every audited write as one value and recorded in
-- audit_events by audit_record(): the kind of principal ('user' or 'client'), its id, its name
-- and the request's id.
CREATE TYPE audit_actor AS (type text, id uuid, name text, request_id text);

-- delete_outcome: what a delete answers, read by respond_deleted(): whether the row is there for
-- the caller (found), the version to answer with, whether something refuses the delete (in_use)
-- and how many rows were deleted.
CREATE TYPE delete_outcome AS (found boolean, version integer, in_use boolean, deleted bigint);
