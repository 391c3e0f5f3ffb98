-- Accounts: users and clients, their representations, the notices that keep every replica's
-- account cache right, the end of tokens on disabling, and login throttling.

-- ---------------------------------------------------------------------------------------------
-- Representations, change notices, token ends, login throttling

CREATE OR REPLACE FUNCTION user_json(u users) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT json_build_object('id', u.id, 'username', u.username, 'role', u.role,
        'unit_code', u.unit_code, 'team_id', u.team_id, 'status', u.status,
        'last_login_at', rfc3339(u.last_login_at), 'created_at', rfc3339(u.created_at),
        'updated_at', rfc3339(u.updated_at), 'version', u.version)
$$;

CREATE OR REPLACE FUNCTION client_json(c clients) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT json_build_object('id', c.id, 'client_id', c.client_id, 'name', c.name,
        'scopes', to_json(c.scopes), 'unit_code', c.unit_code, 'status', c.status,
        'created_at', rfc3339(c.created_at), 'updated_at', rfc3339(c.updated_at),
        'version', c.version)
$$;

-- Every replica keeps the accounts it authenticated recently in memory; any change to an
-- account tells them all at once (NOTIFY is sent at commit), so a disabled user or a deleted
-- client stops working on the next request everywhere.
CREATE OR REPLACE FUNCTION accounts_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cdtt_accounts', TG_ARGV[0] || ':' || OLD.id::text);
    IF TG_ARGV[0] = 'u' THEN
        PERFORM pg_notify('cdtt_accounts', 'e:' || OLD.username);
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER users_notify AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION accounts_notify('u');
CREATE OR REPLACE TRIGGER clients_notify AFTER UPDATE OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION accounts_notify('c');

-- However the account is disabled (the API, an operator's SQL), every token issued so far ends,
-- this second's included (iat has whole seconds); tokens issued later carry an iat no earlier
-- than tokens_valid_after, so they count.
CREATE OR REPLACE FUNCTION accounts_end_tokens_on_disable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'disabled' AND OLD.status IS DISTINCT FROM 'disabled' THEN
        -- later than any iat issued so far, which may be tokens_valid_after itself
        NEW.tokens_valid_after := greatest(OLD.tokens_valid_after + interval '1 second',
                                           date_trunc('second', now()) + interval '1 second');
    END IF;
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER users_end_tokens_on_disable BEFORE UPDATE OF status ON users
    FOR EACH ROW EXECUTE FUNCTION accounts_end_tokens_on_disable();
CREATE OR REPLACE TRIGGER clients_end_tokens_on_disable BEFORE UPDATE OF status ON clients
    FOR EACH ROW EXECUTE FUNCTION accounts_end_tokens_on_disable();

-- A unit's path changes when it moves: scopes hanging on it change with it.
CREATE OR REPLACE FUNCTION units_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cdtt_accounts', '*');
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER units_notify AFTER UPDATE OF parent_code, level ON units
    FOR EACH STATEMENT EXECUTE FUNCTION units_notify();

-- Login throttling without lock-outs (the tables: 0015_login_and_tokens.sql). A wrong secret
-- makes the account wait before its next secret is checked (after 5 free attempts: 30 s, then
-- twice as long each time, at most 15 minutes), answered 429 with Retry-After meanwhile. The
-- wait is kept per account and "bucket": every address that recently logged in to the account
-- successfully has its own bucket, and all other addresses share one (address ''), so a
-- stranger hammering an account never delays its owner at their usual office. An address that
-- is not known to the account may also fail at most 100 times in 15 minutes over all accounts:
-- high enough for a commune office behind one NAT, low enough to stop one machine spraying
-- passwords.
--
-- An attempt is counted as a failure *before* its secret is checked, in the statement that
-- decides whether it may be checked (row locks make concurrent attempts take turns), and a
-- success gives it back: N concurrent wrong passwords get at most the free attempts checked.

-- The bucket an attempt from p_address counts in: its own when it logged in to the account
-- in the last 30 days, else the shared one.
CREATE OR REPLACE FUNCTION login_bucket(p_account text, p_address text) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM login_known_addresses
                             WHERE account = p_account AND address = p_address
                               AND last_success_at > now() - interval '30 days')
                THEN p_address ELSE '' END
$$;

-- Claims the right to check one secret. Returns 0 when the caller may check it now (the attempt
-- is already counted as a failure), or the seconds to wait (the attempt is not counted).
CREATE OR REPLACE FUNCTION login_attempt_begin(p_account text, p_address text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    bucket text := login_bucket(p_account, p_address);
    n integer;
    since timestamptz;
    wait_until timestamptz;
BEGIN
    IF random() < 0.01 THEN -- forget what no longer matters, now and then
        DELETE FROM login_throttle WHERE last_failure_at < now() - interval '1 day'
            AND next_check_at < now();
        DELETE FROM login_address_failures WHERE window_start < now() - interval '15 minutes';
        DELETE FROM login_known_addresses WHERE last_success_at < now() - interval '30 days';
    END IF;
    IF bucket = '' THEN
        -- creates or locks the address's row for the rest of the transaction
        INSERT INTO login_address_failures AS f VALUES (p_address, 0, now())
        ON CONFLICT (address) DO UPDATE SET
            failures = CASE WHEN f.window_start <= now() - interval '15 minutes' THEN 0
                            ELSE f.failures END,
            window_start = CASE WHEN f.window_start <= now() - interval '15 minutes' THEN now()
                                ELSE f.window_start END
        RETURNING failures, window_start INTO n, since;
        IF n >= 100 THEN
            RETURN greatest(1, ceil(extract(epoch FROM since + interval '15 minutes' - now())))::int;
        END IF;
    END IF;
    -- '-infinity', not now(): an attempt that waited for this row's lock started before the
    -- one that held it, and must not be told to wait for no reason
    INSERT INTO login_throttle AS t VALUES (p_account, bucket, 1, '-infinity', now())
    ON CONFLICT (account, address) DO UPDATE SET
        failures = CASE WHEN t.last_failure_at < now() - interval '1 day' THEN 1
                        ELSE t.failures + 1 END,
        last_failure_at = now()
    WHERE t.next_check_at <= now()
    RETURNING failures INTO n;
    IF n IS NULL THEN
        SELECT next_check_at INTO wait_until FROM login_throttle
        WHERE account = p_account AND address = bucket;
        RETURN greatest(1, ceil(extract(epoch FROM wait_until - now())))::int;
    END IF;
    UPDATE login_throttle SET next_check_at = CASE WHEN n < 5 THEN '-infinity'
        ELSE now() + least(interval '15 minutes', interval '30 seconds' * power(2, least(n - 5, 10)))
        END
    WHERE account = p_account AND address = bucket;
    IF bucket = '' THEN
        UPDATE login_address_failures SET failures = failures + 1 WHERE address = p_address;
    END IF;
    RETURN 0;
END $$;

-- The secret was right: the attempt login_attempt_begin counted is given back, the account's
-- bucket starts afresh, and the address becomes known to the account.
CREATE OR REPLACE FUNCTION login_attempt_succeeded(p_account text, p_address text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    bucket text := login_bucket(p_account, p_address);
BEGIN
    DELETE FROM login_throttle WHERE account = p_account AND address = bucket;
    IF bucket = '' THEN
        UPDATE login_address_failures SET failures = greatest(failures - 1, 0)
        WHERE address = p_address;
    END IF;
    INSERT INTO login_known_addresses VALUES (p_account, p_address, now())
    ON CONFLICT (account, address) DO UPDATE SET last_success_at = now();
END $$;
