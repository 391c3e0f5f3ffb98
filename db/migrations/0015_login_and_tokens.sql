-- replaces: sha256:2997ea48c84e7483a4d52501f86a9d73f10b25adc5e21cedfa468b678dbc60ea
-- replaces: sha256:df8ca9c4dad2b136ca10ba5a21c0fa104e22f3800a6a0401a28b8b9a8a140e20
-- replaces: sha256:7b10283cea969ff13a7f917ef5c46cc5c6fc5de517bc4ae2a682096cd8979181
-- replaces: sha256:fea741956ba4fc819e35bd26187a8eeb1929ed321a4e05316909cf195730b4ba
-- (Amended, same result: the functions and triggers it made are defined in db/functions/,
-- applied after the migrations. A database that ran a content above keeps it.)
-- Disabling a client ends the tokens issued before it, as disabling a user does: a token
-- counts only when its iat is at or after tokens_valid_after, which stays set when the
-- account is enabled again.
-- PostgreSQL 15.20 and later refuse to add a column with a default or a generated value to a
-- table whose row type a function with an SQL-standard body (RETURN ...) uses:
-- a database migrated by an earlier release has such a client_json(clients), which is dropped
-- for the ALTER (db/functions/70_accounts.sql makes it again, with a $$ body).
DROP FUNCTION IF EXISTS client_json(clients);
ALTER TABLE clients ADD COLUMN tokens_valid_after timestamptz NOT NULL DEFAULT '-infinity';
-- The trigger that sets it when an account is disabled: db/functions/70_accounts.sql.

-- Login throttling without lock-outs: waits kept per account and address bucket, an attempt
-- counted before its secret is checked (the rules, and the functions that apply them:
-- db/functions/70_accounts.sql). This replaces login_failures, whose check and count were two
-- statements.
DROP TABLE login_failures;

CREATE TABLE login_throttle (
    account         text NOT NULL,             -- 'user:<username>' or 'client:<client_id>'
    address         text NOT NULL,             -- a known address, or '' for all others
    failures        integer NOT NULL,
    next_check_at   timestamptz NOT NULL,
    last_failure_at timestamptz NOT NULL,
    PRIMARY KEY (account, address)
);

CREATE TABLE login_known_addresses (
    account         text NOT NULL,
    address         text NOT NULL,
    last_success_at timestamptz NOT NULL,
    PRIMARY KEY (account, address)
);

CREATE TABLE login_address_failures (
    address      text PRIMARY KEY,
    failures     integer NOT NULL,
    window_start timestamptz NOT NULL
);
