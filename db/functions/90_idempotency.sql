-- Idempotency keys: a key is committed only with the answer it stores.

-- ---------------------------------------------------------------------------------------------
-- The answered check

-- An Idempotency-Key is claimed, the write it guards is made and its answer is stored in one
-- transaction, so a key row exists only once committed with its answer. Deferred to commit:
-- the claim inserts the row first (a second request with the same key then waits on the
-- primary key) and the answer is written into it just before COMMIT. The row is read again
-- because NEW is the version the triggering statement wrote.
CREATE OR REPLACE FUNCTION idempotency_key_answered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM idempotency_keys
               WHERE principal_id = NEW.principal_id AND key = NEW.key AND status IS NULL) THEN
        RAISE EXCEPTION 'an Idempotency-Key cannot be committed without its answer'
            USING ERRCODE = 'not_null_violation';
    END IF;
    RETURN NULL;
END $$;
-- PostgreSQL has no CREATE OR REPLACE for a constraint trigger: it is made again, in the same
-- transaction as the rest of these files, so no write ever sees the table without it.
DROP TRIGGER IF EXISTS idempotency_keys_answered ON idempotency_keys;
CREATE CONSTRAINT TRIGGER idempotency_keys_answered AFTER INSERT OR UPDATE ON idempotency_keys
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION idempotency_key_answered();
