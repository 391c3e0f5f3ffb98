-- Statement triggers on the rows a statement wrote: what keeps data built from rows (the stored
-- member documents, 40_members.sql) right after every write, set-wise, once per statement.

-- Makes (or makes again) the triggers <p_name>_insert and <p_name>_update on p_table, which
-- call p_function once per INSERT or UPDATE statement with the rows it wrote as the table
-- `written`. PostgreSQL allows a transition table only on a trigger of one event, hence two.
CREATE OR REPLACE FUNCTION written_rows_triggers(p_table regclass, p_name text,
    p_function regproc) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_event text;
BEGIN
    FOREACH v_event IN ARRAY ARRAY['insert', 'update'] LOOP
        EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER %s ON %s REFERENCING NEW TABLE AS '
                       || 'written FOR EACH STATEMENT EXECUTE FUNCTION %s()',
                       p_name || '_' || v_event, upper(v_event), p_table, p_function);
    END LOOP;
END
$$;
