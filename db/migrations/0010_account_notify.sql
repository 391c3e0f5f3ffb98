-- Every replica keeps the accounts it authenticated recently in memory; any change to an
-- account tells them all at once (NOTIFY is sent at commit), so a disabled user or a deleted
-- client stops working on the next request everywhere.
CREATE FUNCTION accounts_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cdtt_accounts', TG_ARGV[0] || ':' || OLD.id::text);
    IF TG_ARGV[0] = 'u' THEN
        PERFORM pg_notify('cdtt_accounts', 'e:' || OLD.username);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER users_notify AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION accounts_notify('u');
CREATE TRIGGER clients_notify AFTER UPDATE OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION accounts_notify('c');
-- A unit's path changes when it moves: scopes hanging on it change with it.
CREATE FUNCTION units_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cdtt_accounts', '*');
    RETURN NULL;
END $$;
CREATE TRIGGER units_notify AFTER UPDATE OF parent_code, level ON units
    FOR EACH STATEMENT EXECUTE FUNCTION units_notify();
