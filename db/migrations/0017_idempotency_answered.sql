-- An Idempotency-Key is claimed, the write it guards is made and its answer is stored in one
-- transaction, so a key row exists only once committed with its answer: a key whose request
-- died (PostgreSQL restarted, cdtt killed) leaves nothing behind and the retry runs. Earlier
-- versions committed the claim alone (status NULL, "being answered" for 24 hours); those rows
-- are dropped, and a deferred check refuses any transaction that would commit a key without
-- its answer.
DELETE FROM idempotency_keys WHERE status IS NULL;

COMMENT ON COLUMN idempotency_keys.status IS
    'HTTP status of the stored answer; never NULL once committed (idempotency_keys_answered)';

-- Deferred to commit: the claim inserts the row first (a second request with the same key
-- then waits on the primary key) and the answer is written into it just before COMMIT. The row
-- is read again because NEW is the version the triggering statement wrote.
CREATE FUNCTION idempotency_key_answered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM idempotency_keys
               WHERE principal_id = NEW.principal_id AND key = NEW.key AND status IS NULL) THEN
        RAISE EXCEPTION 'an Idempotency-Key cannot be committed without its answer'
            USING ERRCODE = 'not_null_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER idempotency_keys_answered AFTER INSERT OR UPDATE ON idempotency_keys
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION idempotency_key_answered();
