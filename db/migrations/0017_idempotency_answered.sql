-- replaces: sha256:9620ba4c6e9f9e1fb5d0c4ae1706162bb2e2595c5b66a08c449b5a3391a3cfa1
-- (Amended, same result: the functions and triggers it made are defined in db/functions/,
-- applied after the migrations. A database that ran a content above keeps it.)
-- An Idempotency-Key is claimed, the write it guards is made and its answer is stored in one
-- transaction, so a key row exists only once committed with its answer: a key whose request
-- died (PostgreSQL restarted, cdtt killed) leaves nothing behind and the retry runs. Earlier
-- versions committed the claim alone (status NULL, "being answered" for 24 hours); those rows
-- are dropped, and a deferred check refuses any transaction that would commit a key without
-- its answer.
DELETE FROM idempotency_keys WHERE status IS NULL;

COMMENT ON COLUMN idempotency_keys.status IS
    'HTTP status of the stored answer; never NULL once committed (idempotency_keys_answered)';

-- The deferred check: db/functions/90_idempotency.sql.
