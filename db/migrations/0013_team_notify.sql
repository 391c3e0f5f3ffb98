-- Every replica keeps recent team and member representations in memory (rep_cache); a team's
-- is made of its row, its memberships (leader, member count), its leader's name and its unit
-- (name, level, path), a member's of its row and its unit's path. Any statement that writes
-- one of those tells every replica at commit (NOTIFY collapses repeats within a transaction),
-- and each empties its cache: writes are rare next to reads, and an empty cache only means
-- one database read more.
CREATE FUNCTION teams_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cdtt_teams', '');
    RETURN NULL;
END $$;
CREATE TRIGGER teams_notify AFTER UPDATE OR DELETE ON teams
    FOR EACH STATEMENT EXECUTE FUNCTION teams_notify();
CREATE TRIGGER memberships_notify AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH STATEMENT EXECUTE FUNCTION teams_notify();
CREATE TRIGGER members_notify AFTER UPDATE OR DELETE ON members
    FOR EACH STATEMENT EXECUTE FUNCTION teams_notify();
CREATE TRIGGER units_teams_notify AFTER UPDATE OR DELETE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION teams_notify();
