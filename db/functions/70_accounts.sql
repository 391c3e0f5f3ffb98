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

-- ---------------------------------------------------------------------------------------------
-- Accounts of people: creation, update, password change
--
-- One statement each, the change and its audit event together. Every path that makes an
-- account (POST /api/v1/users, `cdtt create-user`, `cdtt seed-demo`) calls user_create(): the
-- caller checks and hashes (api/auth/account_new.c), these functions check what only the
-- database knows and say it in named columns.

-- Whether a team leader's team exists and lies under the account's unit (never another
-- commune's team). NULL team: nothing to check.
CREATE OR REPLACE FUNCTION account_team_fits(p_team uuid, p_unit text) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT p_team IS NULL OR EXISTS (
        SELECT 1 FROM teams t JOIN units tu ON tu.code = t.unit_code
          JOIN units au ON au.code = p_unit
         WHERE t.id = p_team AND within(tu.path, au.path))
$$;

-- Whether an account's unit exists within the scope of whom gives it. NULL unit (an admin):
-- nothing to check.
CREATE OR REPLACE FUNCTION account_unit_fits(p_unit text, p_scope ltree) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT p_unit IS NULL OR EXISTS (SELECT 1 FROM visible_units(p_scope) u WHERE u.code = p_unit)
$$;

-- Creates an account (status NULL: active) and its audit event 'user.create'. p_scope is the
-- creator's scope ('' for everything). Says why nothing was created: unit_found (the unit is
-- not in the scope), team_found (account_team_fits), taken (the username is in use); else id,
-- json and version of the new account.
CREATE OR REPLACE FUNCTION user_create(p_username text, p_password_hash text, p_role text,
    p_unit text, p_team uuid, p_status text, p_scope ltree, p_actor_type text, p_actor_id uuid,
    p_actor_name text, p_request_id text)
    RETURNS TABLE (unit_found boolean, team_found boolean, taken boolean, id text, json text,
                   version integer)
    LANGUAGE sql VOLATILE
    AS $$
    WITH fits AS (SELECT account_unit_fits(p_unit, p_scope) AS unit_ok,
                         account_team_fits(p_team, p_unit) AS team_ok),
    ins AS (INSERT INTO users (username, password_hash, role, unit_code, team_id, status)
            SELECT p_username, p_password_hash, p_role, p_unit, p_team, coalesce(p_status, 'active')
              FROM fits WHERE fits.unit_ok AND fits.team_ok
            ON CONFLICT (username) DO NOTHING RETURNING *),
    audit AS (SELECT count(audit_record(p_actor_type, p_actor_id, p_actor_name, p_request_id,
                     'user.create', 'user', ins.id::text, NULL, to_jsonb(ins) - 'password_hash'))
                FROM ins)
    SELECT fits.unit_ok, fits.team_ok,
           fits.unit_ok AND fits.team_ok AND NOT EXISTS (SELECT 1 FROM ins),
           (SELECT ins.id::text FROM ins), (SELECT user_json(ins)::text FROM ins),
           (SELECT ins.version FROM ins)
      FROM fits, audit
$$;

-- The instant that ends every token issued so far, this second's included (iat has whole
-- seconds), and those issued with an iat of the last end (token.c moves iat up to it); tokens
-- issued from now on carry an iat no earlier than this, so they count. A password change ends
-- tokens here; disabling an account does in a trigger (migration 0015).
CREATE OR REPLACE FUNCTION account_tokens_end(valid_after timestamptz) RETURNS timestamptz
    LANGUAGE sql STABLE
    AS $$ SELECT greatest(valid_after, date_trunc('second', now())) + interval '1 second' $$;

-- Updates an account whose version is p_version to the values given (the caller merged the
-- patch into the current values); a new password hash ends the tokens issued so far. Audit
-- event 'user.update'. unit_found and team_found as for user_create; json and version are NULL
-- when nothing had that version.
CREATE OR REPLACE FUNCTION user_update(p_id uuid, p_version integer, p_role text, p_unit text,
    p_team uuid, p_status text, p_password_hash text, p_scope ltree, p_actor_type text,
    p_actor_id uuid, p_actor_name text, p_request_id text)
    RETURNS TABLE (unit_found boolean, team_found boolean, json text, version integer)
    LANGUAGE sql VOLATILE
    AS $$
    WITH old AS (SELECT * FROM users WHERE users.id = p_id),
    fits AS (SELECT account_unit_fits(p_unit, p_scope) AS unit_ok,
                    account_team_fits(p_team, p_unit) AS team_ok),
    upd AS (UPDATE users u SET role = p_role, unit_code = p_unit, team_id = p_team,
                   status = p_status, password_hash = coalesce(p_password_hash, u.password_hash),
                   tokens_valid_after = CASE WHEN p_password_hash IS NULL THEN u.tokens_valid_after
                                        ELSE account_tokens_end(u.tokens_valid_after) END,
                   version = u.version + 1, updated_at = now()
              FROM fits
             WHERE u.id = p_id AND u.version = p_version AND fits.unit_ok AND fits.team_ok
            RETURNING u.*),
    audit AS (SELECT count(audit_record(p_actor_type, p_actor_id, p_actor_name, p_request_id,
                     'user.update', 'user', upd.id::text, to_jsonb(old) - 'password_hash',
                     to_jsonb(upd) - 'password_hash')) FROM upd, old)
    SELECT fits.unit_ok, fits.team_ok, (SELECT user_json(upd)::text FROM upd),
           (SELECT upd.version FROM upd)
      FROM fits, audit
$$;

-- One's own new password (the caller proved the current one): ends the tokens issued so far.
-- Audit event 'user.password_change'. json and version are NULL when nothing had p_version.
CREATE OR REPLACE FUNCTION user_password_change(p_id uuid, p_version integer,
    p_password_hash text, p_actor_type text, p_actor_id uuid, p_actor_name text,
    p_request_id text)
    RETURNS TABLE (json text, version integer)
    LANGUAGE sql VOLATILE
    AS $$
    WITH old AS (SELECT * FROM users WHERE users.id = p_id),
    upd AS (UPDATE users u SET password_hash = p_password_hash, version = u.version + 1,
                   tokens_valid_after = account_tokens_end(u.tokens_valid_after),
                   updated_at = now()
             WHERE u.id = p_id AND u.version = p_version RETURNING u.*),
    audit AS (SELECT count(audit_record(p_actor_type, p_actor_id, p_actor_name, p_request_id,
                     'user.password_change', 'user', upd.id::text,
                     to_jsonb(old) - 'password_hash', to_jsonb(upd) - 'password_hash'))
                FROM upd, old)
    SELECT (SELECT user_json(upd)::text FROM upd), (SELECT upd.version FROM upd)
      FROM audit
$$;

-- ---------------------------------------------------------------------------------------------
-- Accounts of systems (OAuth 2.0 clients): creation, update, deletion

-- Creates a client (status NULL: active) and its audit event 'client.create', for POST
-- /api/v1/clients and `cdtt create-client`. unit_found: the unit exists; taken: the client_id
-- is in use; else id, json and version of the new client.
CREATE OR REPLACE FUNCTION client_create(p_client_id text, p_name text, p_secret_hash text,
    p_scopes text[], p_unit text, p_status text, p_actor_type text, p_actor_id uuid,
    p_actor_name text, p_request_id text)
    RETURNS TABLE (unit_found boolean, taken boolean, id text, json text, version integer)
    LANGUAGE sql VOLATILE
    AS $$
    WITH fits AS (SELECT EXISTS (SELECT 1 FROM units WHERE code = p_unit) AS unit_ok),
    ins AS (INSERT INTO clients (client_id, name, secret_hash, scopes, unit_code, status)
            SELECT p_client_id, p_name, p_secret_hash, p_scopes, p_unit,
                   coalesce(p_status, 'active')
              FROM fits WHERE fits.unit_ok
            ON CONFLICT (client_id) DO NOTHING RETURNING *),
    audit AS (SELECT count(audit_record(p_actor_type, p_actor_id, p_actor_name, p_request_id,
                     'client.create', 'client', ins.id::text, NULL, to_jsonb(ins) - 'secret_hash'))
                FROM ins)
    SELECT fits.unit_ok, fits.unit_ok AND NOT EXISTS (SELECT 1 FROM ins),
           (SELECT ins.id::text FROM ins), (SELECT client_json(ins)::text FROM ins),
           (SELECT ins.version FROM ins)
      FROM fits, audit
$$;

-- Applies a merge patch (name, scopes, unit_code, status; validated by the caller) to the client
-- whose version is p_version, with its audit event 'client.update'. found: the client exists;
-- unit_found: a unit_code given exists; json and version are NULL when nothing had p_version.
CREATE OR REPLACE FUNCTION client_update(p_id uuid, p_version integer, p_patch jsonb,
    p_actor_type text, p_actor_id uuid, p_actor_name text, p_request_id text)
    RETURNS TABLE (found boolean, unit_found boolean, json text, version integer)
    LANGUAGE sql VOLATILE
    AS $$
    WITH old AS (SELECT * FROM clients WHERE clients.id = p_id),
    fits AS (SELECT p_patch->>'unit_code' IS NULL
                    OR EXISTS (SELECT 1 FROM units WHERE code = p_patch->>'unit_code') AS unit_ok),
    upd AS (UPDATE clients c SET
                   name = CASE WHEN p_patch ? 'name' THEN p_patch->>'name' ELSE c.name END,
                   scopes = CASE WHEN p_patch ? 'scopes'
                            THEN ARRAY(SELECT jsonb_array_elements_text(p_patch->'scopes'))
                            ELSE c.scopes END,
                   unit_code = coalesce(p_patch->>'unit_code', c.unit_code),
                   status = coalesce(p_patch->>'status', c.status),
                   version = c.version + 1, updated_at = now()
              FROM fits
             WHERE c.id = p_id AND c.version = p_version AND fits.unit_ok
            RETURNING c.*),
    audit AS (SELECT count(audit_record(p_actor_type, p_actor_id, p_actor_name, p_request_id,
                     'client.update', 'client', upd.id::text, to_jsonb(old) - 'secret_hash',
                     to_jsonb(upd) - 'secret_hash')) FROM upd, old)
    SELECT EXISTS (SELECT 1 FROM old), fits.unit_ok, (SELECT client_json(upd)::text FROM upd),
           (SELECT upd.version FROM upd)
      FROM fits, audit
$$;

-- Deletes a client (no If-Match: a deleted client's tokens stop working at once), with its
-- audit event 'client.delete'. The columns respond_deleted() reads: found, version (the one
-- deleted), in_use (never: nothing refers to a client), deleted (rows).
CREATE OR REPLACE FUNCTION client_delete(p_id uuid, p_actor audit_actor)
    RETURNS delete_outcome LANGUAGE sql AS $$
    SELECT delete_guarded('clients', 'id', p_id, NULL, NULL, NULL, false, 'client.delete',
                          p_actor, ARRAY['secret_hash'])
$$;
