-- Community-driven programs (issue 15): stage cycles per community with milestones and the
-- activities held in them; stakeholders and their contributions; block grants with tranches,
-- neighbourhood units, works, spending (append-only, reversals), progress and maintenance;
-- group cash books (append-only: a correction is a reversing entry); stored slum baselines;
-- outcome indicators. The caps (allocations within the grant, spending within the tranches
-- received) are checked by the store in the write's transaction.

CREATE TABLE program_stage_models (
    program_id bigint,
    document text NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT program_stage_models_pkey PRIMARY KEY (program_id),
    CONSTRAINT program_stage_models_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id)
);

CREATE TABLE community_cycles (
    id bigint GENERATED ALWAYS AS IDENTITY,
    program_id bigint NOT NULL,
    community text NOT NULL,
    region text NOT NULL,
    model text NOT NULL,
    cycle_no bigint NOT NULL,
    started_on date NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT community_cycles_pkey PRIMARY KEY (id),
    CONSTRAINT community_cycles_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT community_cycles_region_fkey FOREIGN KEY (region) REFERENCES regions (code),
    CONSTRAINT community_cycles_program_id_community_cycle_no_key UNIQUE (program_id, community, cycle_no)
);
CREATE INDEX community_cycles_program_id ON community_cycles (program_id);
CREATE INDEX community_cycles_region ON community_cycles (region);

CREATE TABLE cycle_stages (
    id bigint GENERATED ALWAYS AS IDENTITY,
    cycle_id bigint NOT NULL,
    position bigint NOT NULL,
    code text NOT NULL,
    status text NOT NULL DEFAULT 'not_started',
    started_on date,
    done_on date,
    note text,
    touched_on date,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT cycle_stages_pkey PRIMARY KEY (id),
    CONSTRAINT cycle_stages_cycle_id_fkey FOREIGN KEY (cycle_id) REFERENCES community_cycles (id),
    CONSTRAINT cycle_stages_cycle_id_position_key UNIQUE (cycle_id, position),
    CONSTRAINT cycle_stages_check1 CHECK (status IN ('not_started', 'in_progress', 'done'))
);

CREATE TABLE cycle_milestones (
    id bigint GENERATED ALWAYS AS IDENTITY,
    stage_id bigint NOT NULL,
    code text NOT NULL,
    done_on date NOT NULL,
    done_by text NOT NULL,
    CONSTRAINT cycle_milestones_pkey PRIMARY KEY (id),
    CONSTRAINT cycle_milestones_stage_id_fkey FOREIGN KEY (stage_id) REFERENCES cycle_stages (id),
    CONSTRAINT cycle_milestones_stage_id_code_key UNIQUE (stage_id, code)
);

CREATE TABLE stage_activities (
    stage_id bigint NOT NULL,
    activity_id bigint NOT NULL,
    CONSTRAINT stage_activities_pkey PRIMARY KEY (stage_id, activity_id),
    CONSTRAINT stage_activities_stage_id_fkey FOREIGN KEY (stage_id) REFERENCES cycle_stages (id),
    CONSTRAINT stage_activities_activity_id_fkey FOREIGN KEY (activity_id) REFERENCES activities (id)
);
CREATE INDEX stage_activities_activity_id ON stage_activities (activity_id);

CREATE TABLE stakeholders (
    id bigint GENERATED ALWAYS AS IDENTITY,
    program_id bigint NOT NULL,
    name text NOT NULL,
    name_key text NOT NULL,
    organisation boolean NOT NULL,
    sector text NOT NULL,
    role text NOT NULL,
    note text,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT stakeholders_pkey PRIMARY KEY (id),
    CONSTRAINT stakeholders_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id)
);
CREATE INDEX stakeholders_program_id ON stakeholders (program_id);

CREATE TABLE contributions (
    id bigint GENERATED ALWAYS AS IDENTITY,
    stakeholder_id bigint NOT NULL,
    kind text NOT NULL,
    description text NOT NULL,
    value_rp bigint NOT NULL,
    given_on date NOT NULL,
    activity_id bigint,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT contributions_pkey PRIMARY KEY (id),
    CONSTRAINT contributions_stakeholder_id_fkey FOREIGN KEY (stakeholder_id) REFERENCES stakeholders (id),
    CONSTRAINT contributions_activity_id_fkey FOREIGN KEY (activity_id) REFERENCES activities (id),
    CONSTRAINT contributions_check1 CHECK (value_rp >= 0)
);
CREATE INDEX contributions_stakeholder_id ON contributions (stakeholder_id);

CREATE TABLE grants (
    id bigint GENERATED ALWAYS AS IDENTITY,
    program_id bigint NOT NULL,
    name text NOT NULL,
    name_key text NOT NULL,
    source text NOT NULL,
    year bigint NOT NULL,
    amount_rp bigint NOT NULL,
    recipient_group_id bigint NOT NULL,
    region text NOT NULL,
    note text,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT grants_pkey PRIMARY KEY (id),
    CONSTRAINT grants_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT grants_recipient_group_id_fkey FOREIGN KEY (recipient_group_id) REFERENCES groups (id),
    CONSTRAINT grants_region_fkey FOREIGN KEY (region) REFERENCES regions (code),
    CONSTRAINT grants_check1 CHECK (amount_rp > 0)
);
CREATE INDEX grants_program_id ON grants (program_id);
CREATE INDEX grants_region ON grants (region);
CREATE INDEX grants_recipient_group_id ON grants (recipient_group_id);

CREATE TABLE grant_locks (
    grant_id bigint NOT NULL,
    seq bigint NOT NULL,
    CONSTRAINT grant_locks_pkey PRIMARY KEY (grant_id),
    CONSTRAINT grant_locks_grant_id_fkey FOREIGN KEY (grant_id) REFERENCES grants (id)
);

CREATE TABLE grant_tranches (
    id bigint GENERATED ALWAYS AS IDENTITY,
    grant_id bigint NOT NULL,
    seq bigint NOT NULL,
    amount_rp bigint NOT NULL,
    planned_on date NOT NULL,
    conditions text,
    status text NOT NULL DEFAULT 'planned',
    approved_by text,
    approved_on date,
    received_on date,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT grant_tranches_pkey PRIMARY KEY (id),
    CONSTRAINT grant_tranches_grant_id_fkey FOREIGN KEY (grant_id) REFERENCES grants (id),
    CONSTRAINT grant_tranches_grant_id_seq_key UNIQUE (grant_id, seq),
    CONSTRAINT grant_tranches_check1 CHECK (amount_rp > 0),
    CONSTRAINT grant_tranches_check2 CHECK (status IN ('planned', 'approved', 'received'))
);

CREATE TABLE grant_units (
    id bigint GENERATED ALWAYS AS IDENTITY,
    grant_id bigint NOT NULL,
    name text NOT NULL,
    region text NOT NULL,
    rt text,
    rw text,
    amount_rp bigint NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT grant_units_pkey PRIMARY KEY (id),
    CONSTRAINT grant_units_grant_id_fkey FOREIGN KEY (grant_id) REFERENCES grants (id),
    CONSTRAINT grant_units_region_fkey FOREIGN KEY (region) REFERENCES regions (code),
    CONSTRAINT grant_units_grant_id_name_key UNIQUE (grant_id, name),
    CONSTRAINT grant_units_check1 CHECK (amount_rp >= 0)
);
CREATE INDEX grant_units_region ON grant_units (region);

CREATE TABLE works (
    id bigint GENERATED ALWAYS AS IDENTITY,
    unit_id bigint NOT NULL,
    kind text NOT NULL,
    name text NOT NULL,
    volume_milli bigint NOT NULL,
    volume_unit text NOT NULL,
    location text,
    budget_rp bigint NOT NULL,
    swadaya_cash_rp bigint NOT NULL DEFAULT 0,
    swadaya_labour_rp bigint NOT NULL DEFAULT 0,
    builder text NOT NULL,
    builder_group_id bigint,
    progress_pct bigint NOT NULL DEFAULT 0,
    keeper_group_id bigint,
    handed_over_on date,
    maintain_every_days bigint,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT works_pkey PRIMARY KEY (id),
    CONSTRAINT works_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES grant_units (id),
    CONSTRAINT works_builder_group_id_fkey FOREIGN KEY (builder_group_id) REFERENCES groups (id),
    CONSTRAINT works_keeper_group_id_fkey FOREIGN KEY (keeper_group_id) REFERENCES groups (id),
    CONSTRAINT works_check1 CHECK (kind IN ('concrete_road', 'drainage', 'borehole', 'other')),
    CONSTRAINT works_check2 CHECK (progress_pct BETWEEN 0 AND 100),
    CONSTRAINT works_check3 CHECK (budget_rp >= 0)
);
CREATE INDEX works_unit_id ON works (unit_id);
CREATE INDEX works_keeper_group_id ON works (keeper_group_id);

CREATE TABLE work_spending (
    id bigint GENERATED ALWAYS AS IDENTITY,
    work_id bigint NOT NULL,
    spent_on date NOT NULL,
    item text NOT NULL,
    amount_rp bigint NOT NULL,
    reverses_id bigint,
    override_reason text,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL,
    CONSTRAINT work_spending_pkey PRIMARY KEY (id),
    CONSTRAINT work_spending_work_id_fkey FOREIGN KEY (work_id) REFERENCES works (id),
    CONSTRAINT work_spending_reverses_id_fkey FOREIGN KEY (reverses_id) REFERENCES work_spending (id),
    CONSTRAINT work_spending_reverses_id_key UNIQUE (reverses_id),
    CONSTRAINT work_spending_check1 CHECK (amount_rp <> 0)
);
CREATE INDEX work_spending_work_id ON work_spending (work_id);

CREATE TABLE work_progress (
    id bigint GENERATED ALWAYS AS IDENTITY,
    work_id bigint NOT NULL,
    on_date date NOT NULL,
    percent bigint NOT NULL,
    note text,
    CONSTRAINT work_progress_pkey PRIMARY KEY (id),
    CONSTRAINT work_progress_work_id_fkey FOREIGN KEY (work_id) REFERENCES works (id),
    CONSTRAINT work_progress_check1 CHECK (percent BETWEEN 0 AND 100)
);
CREATE INDEX work_progress_work_id ON work_progress (work_id);

CREATE TABLE work_upkeep (
    id bigint GENERATED ALWAYS AS IDENTITY,
    work_id bigint NOT NULL,
    group_id bigint NOT NULL,
    done_on date NOT NULL,
    cost_rp bigint NOT NULL,
    condition text NOT NULL,
    note text,
    CONSTRAINT work_upkeep_pkey PRIMARY KEY (id),
    CONSTRAINT work_upkeep_work_id_fkey FOREIGN KEY (work_id) REFERENCES works (id),
    CONSTRAINT work_upkeep_group_id_fkey FOREIGN KEY (group_id) REFERENCES groups (id),
    CONSTRAINT work_upkeep_check1 CHECK (condition IN ('good', 'light_damage', 'heavy_damage'))
);
CREATE INDEX work_upkeep_work_id ON work_upkeep (work_id);

CREATE TABLE book_entries (
    id bigint GENERATED ALWAYS AS IDENTITY,
    group_id bigint NOT NULL,
    entry_on date NOT NULL,
    month text NOT NULL,
    kind text NOT NULL,
    category text NOT NULL,
    amount_rp bigint NOT NULL,
    counterpart text,
    note text,
    product text,
    quantity bigint,
    unit text,
    price_rp bigint,
    outlet text,
    reverses_id bigint,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL,
    CONSTRAINT book_entries_pkey PRIMARY KEY (id),
    CONSTRAINT book_entries_group_id_fkey FOREIGN KEY (group_id) REFERENCES groups (id),
    CONSTRAINT book_entries_reverses_id_fkey FOREIGN KEY (reverses_id) REFERENCES book_entries (id),
    CONSTRAINT book_entries_reverses_id_key UNIQUE (reverses_id),
    CONSTRAINT book_entries_check1 CHECK (kind IN ('income', 'cost', 'profit_use')),
    CONSTRAINT book_entries_check2 CHECK (amount_rp <> 0)
);
CREATE INDEX book_entries_group_id_entry_on ON book_entries (group_id, entry_on);
CREATE INDEX book_entries_group_id_month_kind_category_amount_rp ON book_entries (group_id, month, kind, category, amount_rp);

CREATE TABLE slum_baselines (
    id bigint GENERATED ALWAYS AS IDENTITY,
    program_id bigint,
    region text NOT NULL,
    neighbourhood text NOT NULL,
    measured_on date NOT NULL,
    phase text NOT NULL,
    note text,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT slum_baselines_pkey PRIMARY KEY (id),
    CONSTRAINT slum_baselines_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT slum_baselines_region_fkey FOREIGN KEY (region) REFERENCES regions (code),
    CONSTRAINT slum_baselines_region_neighbourhood_phase_measured_on_key UNIQUE (region, neighbourhood, phase, measured_on),
    CONSTRAINT slum_baselines_check1 CHECK (phase IN ('before', 'after'))
);
CREATE INDEX slum_baselines_program_id ON slum_baselines (program_id);

CREATE TABLE slum_measures (
    baseline_id bigint NOT NULL,
    parameter text NOT NULL,
    affected bigint NOT NULL,
    total bigint NOT NULL,
    CONSTRAINT slum_measures_pkey PRIMARY KEY (baseline_id, parameter),
    CONSTRAINT slum_measures_baseline_id_fkey FOREIGN KEY (baseline_id) REFERENCES slum_baselines (id),
    CONSTRAINT slum_measures_check1 CHECK (total > 0 AND affected >= 0 AND affected <= total)
);

CREATE TABLE outcome_indicators (
    id bigint GENERATED ALWAYS AS IDENTITY,
    program_id bigint NOT NULL,
    name text NOT NULL,
    measure text NOT NULL,
    subject text NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT outcome_indicators_pkey PRIMARY KEY (id),
    CONSTRAINT outcome_indicators_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT outcome_indicators_program_id_name_key UNIQUE (program_id, name),
    CONSTRAINT outcome_indicators_check1 CHECK (measure IN ('yes_no', 'rupiah', 'count')),
    CONSTRAINT outcome_indicators_check2 CHECK (subject IN ('household', 'group'))
);

CREATE TABLE outcome_values (
    id bigint GENERATED ALWAYS AS IDENTITY,
    indicator_id bigint NOT NULL,
    subject_id bigint NOT NULL,
    baseline bigint NOT NULL,
    baseline_on date NOT NULL,
    followup bigint,
    followup_on date,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT outcome_values_pkey PRIMARY KEY (id),
    CONSTRAINT outcome_values_indicator_id_fkey FOREIGN KEY (indicator_id) REFERENCES outcome_indicators (id),
    CONSTRAINT outcome_values_indicator_id_subject_id_key UNIQUE (indicator_id, subject_id)
);

CREATE TRIGGER community_cycles_audit AFTER INSERT OR UPDATE OR DELETE ON community_cycles
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER cycle_stages_audit AFTER INSERT OR UPDATE OR DELETE ON cycle_stages
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER cycle_milestones_audit AFTER INSERT OR UPDATE OR DELETE ON cycle_milestones
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER stakeholders_audit AFTER INSERT OR UPDATE OR DELETE ON stakeholders
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER contributions_audit AFTER INSERT OR UPDATE OR DELETE ON contributions
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER grants_audit AFTER INSERT OR UPDATE OR DELETE ON grants
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER grant_tranches_audit AFTER INSERT OR UPDATE OR DELETE ON grant_tranches
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER grant_units_audit AFTER INSERT OR UPDATE OR DELETE ON grant_units
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER works_audit AFTER INSERT OR UPDATE OR DELETE ON works
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER work_spending_audit AFTER INSERT OR UPDATE OR DELETE ON work_spending
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER work_progress_audit AFTER INSERT OR UPDATE OR DELETE ON work_progress
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER work_upkeep_audit AFTER INSERT OR UPDATE OR DELETE ON work_upkeep
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER book_entries_audit AFTER INSERT OR UPDATE OR DELETE ON book_entries
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER slum_baselines_audit AFTER INSERT OR UPDATE OR DELETE ON slum_baselines
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER outcome_indicators_audit AFTER INSERT OR UPDATE OR DELETE ON outcome_indicators
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER outcome_values_audit AFTER INSERT OR UPDATE OR DELETE ON outcome_values
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');

CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'restrict_violation',
        MESSAGE = format('%s is append-only: correct an entry with a reversing entry', TG_TABLE_NAME);
END
$$;

CREATE TRIGGER book_entries_append_only BEFORE UPDATE OR DELETE ON book_entries
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER work_spending_append_only BEFORE UPDATE OR DELETE ON work_spending
    FOR EACH ROW EXECUTE FUNCTION append_only();
