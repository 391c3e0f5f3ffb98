-- Funding: proposals for money with their line items, the workflow that decides them up the
-- administrative tree (one table of moves), every move kept, the budget a unit may approve
-- for a year, and the payments made in tranches. Functions: db/functions/75_funding.sql.
--
-- Money is whole Vietnamese đồng in bigint, computed by PostgreSQL. No amount may exceed
-- 1,000,000,000,000 đồng (one trillion): a line, a proposal's total, an allocation, a tranche.

-- Systems that read or write funding get scopes of their own.
ALTER TABLE clients DROP CONSTRAINT clients_scopes_check;
ALTER TABLE clients ADD CONSTRAINT clients_scopes_check
    CHECK (scopes <@ ARRAY['registry:read', 'registry:write', 'activities:write', 'reports:read',
                           'members:pii', 'evaluations:read', 'evaluations:write',
                           'funding:read', 'funding:write']::text[]);

-- A request for money by a unit, for one fiscal year, benefiting some of the unit's teams.
-- requested_total_vnd is the sum of its line items; approved_total_vnd what the decision
-- granted (decision_no); disbursed_total_vnd the sum of the tranches paid.
CREATE TABLE funding_proposals (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unit_code           text NOT NULL REFERENCES units (code),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    purpose             text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 4000),
    fiscal_year         integer NOT NULL CHECK (fiscal_year BETWEEN 2020 AND 2100),
    team_ids            uuid[] NOT NULL DEFAULT '{}',
    status              text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted',
                            'returned', 'approved', 'rejected', 'withdrawn', 'disbursed')),
    requested_total_vnd bigint NOT NULL DEFAULT 0
                            CHECK (requested_total_vnd BETWEEN 0 AND 1000000000000),
    approved_total_vnd  bigint,
    disbursed_total_vnd bigint NOT NULL DEFAULT 0,
    decision_no         text CHECK (length(decision_no) BETWEEN 1 AND 100),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    version             integer NOT NULL DEFAULT 1,
    CHECK (approved_total_vnd BETWEEN 0 AND requested_total_vnd),
    CHECK (disbursed_total_vnd BETWEEN 0 AND coalesce(approved_total_vnd, 0)),
    CHECK ((status IN ('approved', 'disbursed')) = (approved_total_vnd IS NOT NULL)),
    CHECK (status <> 'disbursed' OR disbursed_total_vnd = approved_total_vnd)
);
CREATE INDEX funding_proposals_unit ON funding_proposals (unit_code, fiscal_year);
CREATE INDEX funding_proposals_status ON funding_proposals (status, fiscal_year);
CREATE INDEX funding_proposals_teams ON funding_proposals USING gin (team_ids);

-- A proposal's lines, in order; total_vnd = quantity * unit_cost_vnd.
CREATE TABLE funding_line_items (
    proposal_id   uuid NOT NULL REFERENCES funding_proposals (id) ON DELETE CASCADE,
    position      integer NOT NULL CHECK (position BETWEEN 0 AND 99),
    category      text NOT NULL CHECK (category IN ('member_allowance', 'devices', 'mobile_data',
                      'training', 'travel', 'materials', 'other')),
    description   text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
    quantity      integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
    unit_cost_vnd bigint NOT NULL CHECK (unit_cost_vnd BETWEEN 0 AND 1000000000000),
    total_vnd     bigint NOT NULL CHECK (total_vnd BETWEEN 0 AND 1000000000000),
    PRIMARY KEY (proposal_id, position),
    CHECK (total_vnd = quantity::numeric * unit_cost_vnd)
);
CREATE INDEX funding_line_items_category ON funding_line_items (category);

-- The workflow: which action moves a proposal from which status to which, and who may take
-- it: 'in_scope' (an officer or admin whose scope holds the proposal's unit) or 'above' (whose
-- scope unit is strictly above the proposal's unit, and who never submitted it).
CREATE TABLE funding_workflow (
    from_status text NOT NULL,
    action      text NOT NULL CHECK (action IN ('submit', 'approve', 'reject', 'return',
                    'withdraw', 'disburse')),
    to_status   text NOT NULL,
    who         text NOT NULL CHECK (who IN ('in_scope', 'above')),
    PRIMARY KEY (from_status, action)
);
INSERT INTO funding_workflow (from_status, action, to_status, who) VALUES
    ('draft', 'submit', 'submitted', 'in_scope'),
    ('returned', 'submit', 'submitted', 'in_scope'),
    ('draft', 'withdraw', 'withdrawn', 'in_scope'),
    ('returned', 'withdraw', 'withdrawn', 'in_scope'),
    ('submitted', 'approve', 'approved', 'above'),
    ('submitted', 'reject', 'rejected', 'above'),
    ('submitted', 'return', 'returned', 'above'),
    -- a tranche: the status stays approved until the approved total is paid
    ('approved', 'disburse', 'approved', 'above');

-- Every move of every proposal, kept: who, what, from and to, the comment, the amounts and
-- the number of the decision or of the payment voucher.
CREATE TABLE funding_transitions (
    id           bigserial PRIMARY KEY,
    proposal_id  uuid NOT NULL REFERENCES funding_proposals (id),
    action       text NOT NULL,
    from_status  text NOT NULL,
    to_status    text NOT NULL,
    actor_type   text NOT NULL,
    actor_id     uuid,
    actor_name   text NOT NULL,
    comment      text CHECK (length(comment) BETWEEN 1 AND 2000),
    amount_vnd   bigint CHECK (amount_vnd BETWEEN 0 AND 1000000000000),
    decision_no  text,
    voucher_no   text,
    paid_on      date,
    request_id   text,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX funding_transitions_proposal ON funding_transitions (proposal_id, id);

-- The amount a unit may approve in a fiscal year.
CREATE TABLE funding_allocations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unit_code   text NOT NULL REFERENCES units (code),
    fiscal_year integer NOT NULL CHECK (fiscal_year BETWEEN 2020 AND 2100),
    amount_vnd  bigint NOT NULL CHECK (amount_vnd BETWEEN 0 AND 1000000000000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     integer NOT NULL DEFAULT 1,
    UNIQUE (unit_code, fiscal_year)
);
