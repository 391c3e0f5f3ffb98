-- Funding proposals, their workflow and budget allocations (tables: db/migrations/0020).
--
-- A unit asks for money (a proposal with line items); an officer whose scope holds the unit
-- submits or withdraws it; an officer of a unit strictly above it (never one who submitted it)
-- approves, rejects, returns it, and records the payments in tranches. The moves are the rows
-- of funding_workflow, nowhere else. Money is bigint đồng computed here, in numeric first, so
-- that nothing overflows: an amount beyond 1,000,000,000,000 is refused, never wrapped.
--
-- The writes answer, like the evaluation writes, one row: outcome ('ok', 'not_found',
-- 'stale', 'conflict', 'forbidden', 'invalid'), problems ([{field, code, message}]), detail,
-- and when ok json, version and id; a transition adds allowed (the actions the status
-- allows, for a 409) and remaining_vnd (what the budget has left, for budget_exceeded).

-- ---------------------------------------------------------------------------------------------
-- Scope and budget

-- The proposals a caller sees: under their scope; a team leader (only_team) those that name
-- their team, whichever unit above the team asked.
CREATE OR REPLACE FUNCTION visible_proposals(scope ltree, only_team uuid)
    RETURNS SETOF funding_proposals
    LANGUAGE sql STABLE
    AS $$
    SELECT p.* FROM funding_proposals p JOIN units u ON u.code = p.unit_code
     WHERE CASE WHEN only_team IS NULL THEN within(u.path, scope)
                ELSE only_team = ANY (p.team_ids) END
$$;

-- What proposals of units at or under unit `code` have been granted for fiscal_year.
CREATE OR REPLACE FUNCTION funding_approved_under(code text, fiscal_year integer)
    RETURNS bigint
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce(sum(p.approved_total_vnd), 0)::bigint
      FROM funding_proposals p JOIN units u ON u.code = p.unit_code
     WHERE p.fiscal_year = funding_approved_under.fiscal_year
       AND p.status IN ('approved', 'disbursed')
       AND within(u.path, (SELECT x.path FROM units x WHERE x.code = funding_approved_under.code))
$$;

-- Whether scope is strictly above the unit at path (an admin's empty scope is above all).
CREATE OR REPLACE FUNCTION scope_above(scope ltree, path ltree) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT within(path, scope) AND nlevel(scope) < nlevel(path) $$;

-- ---------------------------------------------------------------------------------------------
-- Representation

CREATE OR REPLACE FUNCTION funding_line_items_json(p_id uuid) RETURNS json
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce(json_agg(json_build_object('category', l.category,
               'description', l.description, 'quantity', l.quantity,
               'unit_cost_vnd', l.unit_cost_vnd, 'total_vnd', l.total_vnd)
               ORDER BY l.position), '[]')
      FROM funding_line_items l WHERE l.proposal_id = p_id
$$;

CREATE OR REPLACE FUNCTION funding_history_json(p_id uuid) RETURNS json
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce(json_agg(json_build_object('action', t.action, 'from', t.from_status,
               'to', t.to_status, 'actor', json_build_object('type', t.actor_type,
                   'id', t.actor_id, 'name', t.actor_name),
               'comment', t.comment, 'amount_vnd', t.amount_vnd, 'decision_no', t.decision_no,
               'voucher_no', t.voucher_no, 'paid_on', t.paid_on, 'request_id', t.request_id,
               'at', rfc3339(t.at)) ORDER BY t.id), '[]')
      FROM funding_transitions t WHERE t.proposal_id = p_id
$$;

-- A proposal as the API shows it; with_history adds its moves (single reads and writes).
CREATE OR REPLACE FUNCTION funding_proposal_json(p funding_proposals, with_history boolean)
    RETURNS json
    LANGUAGE sql STABLE
    AS $$
    SELECT json_build_object('id', p.id, 'unit_code', p.unit_code,
        'unit', (SELECT json_build_object('code', u.code, 'name', u.name, 'level', u.level)
                   FROM units u WHERE u.code = p.unit_code),
        'title', p.title, 'purpose', p.purpose, 'fiscal_year', p.fiscal_year,
        'team_ids', to_json(p.team_ids), 'line_items', funding_line_items_json(p.id),
        'requested_total_vnd', p.requested_total_vnd,
        'approved_total_vnd', p.approved_total_vnd,
        'disbursed_total_vnd', p.disbursed_total_vnd, 'decision_no', p.decision_no,
        'status', p.status,
        'history', CASE WHEN with_history THEN funding_history_json(p.id) END,
        'created_at', rfc3339(p.created_at), 'updated_at', rfc3339(p.updated_at),
        'version', p.version)
$$;

CREATE OR REPLACE FUNCTION funding_allocation_json(a funding_allocations) RETURNS json
    LANGUAGE sql STABLE
    AS $$
    SELECT json_build_object('id', a.id, 'unit_code', a.unit_code,
        'fiscal_year', a.fiscal_year, 'amount_vnd', a.amount_vnd,
        'approved_vnd', b.approved, 'remaining_vnd', a.amount_vnd - b.approved,
        'created_at', rfc3339(a.created_at), 'updated_at', rfc3339(a.updated_at),
        'version', a.version)
      FROM (SELECT funding_approved_under(a.unit_code, a.fiscal_year) AS approved) b
$$;

-- ---------------------------------------------------------------------------------------------
-- Checks that need the database

-- What is wrong with a proposal document (as stored: unit_code, fiscal_year, team_ids,
-- line_items [{category, description, quantity, unit_cost_vnd}]) for a caller of scope, as
-- [{field, code, message}], or NULL: the unit in scope, the year near today (from last year
-- to two years ahead), every team one of the unit's (at or under it), every line's total and
-- the proposal's total at most a trillion đồng.
CREATE OR REPLACE FUNCTION funding_problems(doc jsonb, scope ltree) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    WITH unit AS (SELECT u.path FROM visible_units(scope) u WHERE u.code = doc->>'unit_code'),
    lines AS (SELECT o - 1 AS i, (l->>'quantity')::numeric * (l->>'unit_cost_vnd')::numeric AS total
                FROM jsonb_array_elements(doc->'line_items') WITH ORDINALITY e(l, o))
    SELECT jsonb_agg(p) FROM (
        SELECT jsonb_build_object('field', '/unit_code', 'code', 'not_found',
                   'message', 'no unit in your scope has this code') AS p
         WHERE NOT EXISTS (SELECT 1 FROM unit)
        UNION ALL
        SELECT jsonb_build_object('field', '/fiscal_year', 'code', 'out_of_range',
                   'message', 'must be from last year to two years ahead')
         WHERE (doc->>'fiscal_year')::int NOT BETWEEN extract(year FROM report_today())::int - 1
                                                 AND extract(year FROM report_today())::int + 2
        UNION ALL
        SELECT jsonb_build_object('field', '/team_ids/' || (o - 1), 'code', 'not_found',
                   'message', 'no team of the unit has this id')
          FROM jsonb_array_elements_text(doc->'team_ids') WITH ORDINALITY t(id, o)
         WHERE EXISTS (SELECT 1 FROM unit) AND NOT EXISTS (
               SELECT 1 FROM teams tm JOIN units tu ON tu.code = tm.unit_code
                WHERE tm.id::text = t.id AND within(tu.path, (SELECT unit.path FROM unit)))
        UNION ALL
        SELECT jsonb_build_object('field', '/line_items/' || l.i, 'code', 'too_large',
                   'message', 'quantity × unit_cost_vnd must be at most 1000000000000 đồng')
          FROM lines l WHERE l.total > 1000000000000
        UNION ALL
        SELECT jsonb_build_object('field', '/line_items', 'code', 'too_large',
                   'message', 'the total must be at most 1000000000000 đồng')
         WHERE (SELECT sum(l.total) FROM lines l) > 1000000000000
           AND NOT EXISTS (SELECT 1 FROM lines l WHERE l.total > 1000000000000)) x
$$;

-- Writes the line items of proposal p_id (replacing any) and its requested total.
CREATE OR REPLACE FUNCTION funding_write_lines(p_id uuid, p_lines jsonb) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    DELETE FROM funding_line_items l WHERE l.proposal_id = p_id;
    INSERT INTO funding_line_items (proposal_id, position, category, description, quantity,
                                    unit_cost_vnd, total_vnd)
    SELECT p_id, o - 1, l->>'category', l->>'description', (l->>'quantity')::int,
           (l->>'unit_cost_vnd')::bigint,
           ((l->>'quantity')::numeric * (l->>'unit_cost_vnd')::numeric)::bigint
      FROM jsonb_array_elements(p_lines) WITH ORDINALITY e(l, o);
    UPDATE funding_proposals p
       SET requested_total_vnd = (SELECT coalesce(sum(l.total_vnd), 0) FROM funding_line_items l
                                   WHERE l.proposal_id = p_id)
     WHERE p.id = p_id;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Proposals

CREATE OR REPLACE FUNCTION funding_proposal_create(p_doc jsonb, p_scope ltree,
    p_actor audit_actor)
RETURNS write_outcome LANGUAGE plpgsql AS $$
DECLARE
    v_problems jsonb := funding_problems(p_doc, p_scope);
    v_id uuid;
    p funding_proposals;
BEGIN
    IF v_problems IS NOT NULL THEN
        RETURN outcome('invalid', p_problems => v_problems);
    END IF;
    INSERT INTO funding_proposals AS n (unit_code, title, purpose, fiscal_year, team_ids)
    VALUES (p_doc->>'unit_code', p_doc->>'title', p_doc->>'purpose',
            (p_doc->>'fiscal_year')::int,
            ARRAY(SELECT DISTINCT t::uuid FROM jsonb_array_elements_text(
                      coalesce(p_doc->'team_ids', '[]')) t))
    RETURNING n.id INTO v_id;
    PERFORM funding_write_lines(v_id, p_doc->'line_items');
    SELECT * INTO p FROM funding_proposals x WHERE x.id = v_id;
    PERFORM audit_record(p_actor, 'funding_proposal.create', 'funding_proposal', v_id::text,
                         NULL, to_jsonb(p) || jsonb_build_object('line_items', p_doc->'line_items'));
    RETURN outcome('ok', p_json => funding_proposal_json(p, true)::text,
        p_version => p.version, p_id => p.id::text);
END
$$;

-- Replaces the editable fields of proposal p_id (p_doc: the whole proposal after the merge
-- patch, as for a create) when it is a draft or returned and still has version p_version.
CREATE OR REPLACE FUNCTION funding_proposal_update(p_id uuid, p_version integer, p_doc jsonb,
    p_scope ltree, p_actor audit_actor)
RETURNS write_outcome LANGUAGE plpgsql AS $$
DECLARE
    cur funding_proposals;
    p funding_proposals;
    v_problems jsonb;
BEGIN
    SELECT x.* INTO cur FROM visible_proposals(p_scope, NULL) x WHERE x.id = p_id;
    IF cur.id IS NULL THEN
        RETURN outcome('not_found');
    END IF;
    PERFORM 1 FROM funding_proposals x WHERE x.id = p_id FOR UPDATE;
    SELECT x.* INTO cur FROM funding_proposals x WHERE x.id = p_id;
    IF cur.status NOT IN ('draft', 'returned') THEN
        RETURN outcome('conflict',
            p_detail => 'Only a draft or returned proposal can be changed; this one is '
                        || cur.status || '.');
    ELSIF cur.version <> p_version THEN
        RETURN outcome('stale', p_version => cur.version);
    END IF;
    v_problems := funding_problems(p_doc, p_scope);
    IF v_problems IS NOT NULL THEN
        RETURN outcome('invalid', p_problems => v_problems);
    END IF;
    UPDATE funding_proposals x SET unit_code = p_doc->>'unit_code', title = p_doc->>'title',
           purpose = p_doc->>'purpose', fiscal_year = (p_doc->>'fiscal_year')::int,
           team_ids = ARRAY(SELECT DISTINCT t::uuid FROM jsonb_array_elements_text(
                                coalesce(p_doc->'team_ids', '[]')) t),
           updated_at = now(), version = x.version + 1
     WHERE x.id = p_id;
    PERFORM funding_write_lines(p_id, p_doc->'line_items');
    SELECT * INTO p FROM funding_proposals x WHERE x.id = p_id;
    PERFORM audit_record(p_actor, 'funding_proposal.update', 'funding_proposal', p_id::text,
                         to_jsonb(cur), to_jsonb(p)
                         || jsonb_build_object('line_items', p_doc->'line_items'));
    RETURN outcome('ok', p_json => funding_proposal_json(p, true)::text,
        p_version => p.version, p_id => p.id::text);
END
$$;

-- The actions funding_workflow allows from a status, as a JSON array.
CREATE OR REPLACE FUNCTION funding_actions_from(p_status text) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce(jsonb_agg(w.action ORDER BY w.action), '[]')
      FROM funding_workflow w WHERE w.from_status = p_status
$$;

-- Moves proposal p_id, which must still have version p_version, by p_action with p_doc's
-- comment, approved_total_vnd and decision_no (approve), amount_vnd, paid_on and voucher_no
-- (disburse). The caller's scope decides who they are: in scope, or strictly above; an
-- account that submitted the proposal never approves, rejects or returns it.
CREATE OR REPLACE FUNCTION funding_transition(p_id uuid, p_version integer, p_action text,
    p_doc jsonb, p_scope ltree, p_actor audit_actor)
RETURNS write_outcome LANGUAGE plpgsql AS $$
DECLARE
    cur funding_proposals;
    p funding_proposals;
    w funding_workflow;
    v_path ltree;
    v_to text;
    v_amount bigint;
    v_alloc funding_allocations;
    v_used bigint;
BEGIN
    SELECT x.* INTO cur FROM visible_proposals(p_scope, NULL) x WHERE x.id = p_id;
    IF cur.id IS NULL THEN
        RETURN outcome('not_found');
    END IF;
    SELECT x.* INTO cur FROM funding_proposals x WHERE x.id = p_id FOR UPDATE;
    SELECT u.path INTO v_path FROM units u WHERE u.code = cur.unit_code;
    IF cur.version <> p_version THEN
        RETURN outcome('stale', p_version => cur.version);
    END IF;
    SELECT * INTO w FROM funding_workflow x WHERE x.from_status = cur.status
                                              AND x.action = p_action;
    IF w.action IS NULL THEN
        RETURN outcome('conflict',
            p_detail => 'A ' || cur.status || ' proposal cannot be moved by ' || p_action || '.',
            p_members => jsonb_build_object('allowed_actions', funding_actions_from(cur.status)));
    END IF;
    IF w.who = 'above' AND NOT scope_above(p_scope, v_path) THEN
        RETURN outcome('forbidden', p_detail => 'Only an officer of a unit above '
                                                || cur.unit_code || ' may ' || p_action
                                                || ' its proposals.');
    END IF;
    IF p_action IN ('approve', 'reject', 'return') AND EXISTS (
           SELECT 1 FROM funding_transitions t
            WHERE t.proposal_id = p_id AND t.action = 'submit'
              AND t.actor_type = (p_actor).type AND t.actor_id = (p_actor).id) THEN
        RETURN outcome('forbidden',
            p_detail => 'You submitted this proposal: someone else decides on it.');
    END IF;
    v_to := w.to_status;
    IF p_action = 'approve' THEN
        v_amount := (p_doc->>'approved_total_vnd')::bigint;
        IF v_amount > cur.requested_total_vnd THEN
            RETURN outcome('invalid', field_problem('/approved_total_vnd', 'exceeds_requested',
                'must be at most the requested ' || cur.requested_total_vnd || ' đồng'));
        END IF;
        -- the nearest allocation above the proposal's unit for its year, locked, so that
        -- approvals under one budget are decided one after the other
        SELECT a.* INTO v_alloc FROM funding_allocations a JOIN units u ON u.code = a.unit_code
         WHERE a.fiscal_year = cur.fiscal_year AND scope_above(u.path, v_path)
         ORDER BY nlevel(u.path) DESC LIMIT 1
           FOR UPDATE OF a;
        IF v_alloc.id IS NOT NULL THEN
            v_used := funding_approved_under(v_alloc.unit_code, cur.fiscal_year);
            IF v_used + v_amount > v_alloc.amount_vnd THEN
                RETURN outcome('conflict',
                    p_detail => 'The allocation of ' || v_alloc.unit_code || ' for '
                                || cur.fiscal_year || ' has ' || (v_alloc.amount_vnd - v_used)
                                || ' đồng left.',
                    p_members => jsonb_build_object('code', 'budget_exceeded',
                                                    'remaining_vnd', v_alloc.amount_vnd - v_used));
            END IF;
        END IF;
    ELSIF p_action = 'disburse' THEN
        v_amount := (p_doc->>'amount_vnd')::bigint;
        IF cur.disbursed_total_vnd + v_amount > cur.approved_total_vnd THEN
            RETURN outcome('invalid', field_problem('/amount_vnd', 'exceeds_approved',
                'the tranches may total at most the approved ' || cur.approved_total_vnd
                || ' đồng; ' || (cur.approved_total_vnd - cur.disbursed_total_vnd)
                || ' are left'));
        ELSIF (p_doc->>'paid_on')::date > report_today() THEN
            RETURN outcome('invalid', field_problem('/paid_on', 'in_future',
                                                    'must not be after today'));
        END IF;
        IF cur.disbursed_total_vnd + v_amount = cur.approved_total_vnd THEN
            v_to := 'disbursed';
        END IF;
    END IF;
    UPDATE funding_proposals x SET status = v_to,
           approved_total_vnd = CASE WHEN p_action = 'approve' THEN v_amount
                                     ELSE x.approved_total_vnd END,
           decision_no = CASE WHEN p_action = 'approve' THEN p_doc->>'decision_no'
                              ELSE x.decision_no END,
           disbursed_total_vnd = x.disbursed_total_vnd
                                 + CASE WHEN p_action = 'disburse' THEN v_amount ELSE 0 END,
           updated_at = now(), version = x.version + 1
     WHERE x.id = p_id
    RETURNING x.* INTO p;
    INSERT INTO funding_transitions (proposal_id, action, from_status, to_status, actor_type,
           actor_id, actor_name, comment, amount_vnd, decision_no, voucher_no, paid_on,
           request_id)
    VALUES (p_id, p_action, cur.status, v_to, (p_actor).type, (p_actor).id, (p_actor).name,
            p_doc->>'comment', v_amount, p_doc->>'decision_no', p_doc->>'voucher_no',
            (p_doc->>'paid_on')::date, (p_actor).request_id);
    PERFORM audit_record(p_actor, 'funding_proposal.' || p_action, 'funding_proposal',
                         p_id::text, to_jsonb(cur), to_jsonb(p)
                         || jsonb_strip_nulls(jsonb_build_object('comment', p_doc->>'comment')));
    RETURN outcome('ok', p_json => funding_proposal_json(p, true)::text, p_version => p.version,
                   p_id => p.id::text);
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Allocations

-- Sets an allocation: a new one of unit p_unit for p_year (p_id NULL), or the amount of
-- allocation p_id while it still has version p_version. Only an officer strictly above the
-- unit or an admin (p_scope above the unit's path) sets it; one per unit and year (a second is
-- a conflict).
CREATE OR REPLACE FUNCTION funding_allocation_write(p_id uuid, p_version integer, p_unit text,
    p_year integer, p_amount bigint, p_scope ltree, p_actor audit_actor)
RETURNS write_outcome LANGUAGE plpgsql AS $$
DECLARE
    cur funding_allocations;
    a funding_allocations;
    v_path ltree;
BEGIN
    IF p_id IS NOT NULL THEN
        SELECT x.* INTO cur FROM funding_allocations x JOIN units u ON u.code = x.unit_code
         WHERE x.id = p_id AND within(u.path, p_scope) FOR UPDATE OF x;
        IF cur.id IS NULL THEN
            RETURN outcome('not_found');
        END IF;
    END IF;
    SELECT u.path INTO v_path FROM visible_units(p_scope) u
     WHERE u.code = coalesce(cur.unit_code, p_unit);
    IF v_path IS NULL THEN
        RETURN outcome('invalid',
            p_problems => field_problem('/unit_code', 'not_found',
                                        'no unit in your scope has this code'));
    ELSIF NOT scope_above(p_scope, v_path) THEN
        RETURN outcome('forbidden',
            p_detail => 'The budget of a unit is set by an officer of a unit above it.');
    ELSIF cur.version <> p_version THEN
        RETURN outcome('stale', p_version => cur.version);
    ELSIF p_id IS NULL THEN
        INSERT INTO funding_allocations AS n (unit_code, fiscal_year, amount_vnd)
        VALUES (p_unit, p_year, p_amount)
        ON CONFLICT (unit_code, fiscal_year) DO NOTHING
        RETURNING n.* INTO a;
        IF a.id IS NULL THEN
            RETURN outcome('conflict',
                p_detail => 'The unit has an allocation for this year already; change its '
                            || 'amount instead.');
        END IF;
    ELSE
        UPDATE funding_allocations x SET amount_vnd = p_amount, updated_at = now(),
               version = x.version + 1
         WHERE x.id = p_id RETURNING x.* INTO a;
    END IF;
    PERFORM audit_record(p_actor, CASE WHEN p_id IS NULL THEN 'funding_allocation.create'
                                       ELSE 'funding_allocation.update' END,
                         'funding_allocation', a.id::text,
                         CASE WHEN p_id IS NOT NULL THEN to_jsonb(cur) END, to_jsonb(a));
    RETURN outcome('ok', p_json => funding_allocation_json(a)::text,
        p_version => a.version, p_id => a.id::text);
END
$$;
