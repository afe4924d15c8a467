-- Community-driven programs (issue 15): stage cycles per community with milestones and the
-- activities held in them; stakeholders and their contributions; block grants with tranches,
-- neighbourhood units, works, spending (append-only, reversals), progress and maintenance;
-- group cash books (append-only: a correction is a reversing entry); stored slum baselines;
-- outcome indicators. The caps (allocations within the grant, spending within the tranches
-- received) are checked by the store in the write's transaction.

CREATE TABLE program_stage_models (
    program_id INTEGER REFERENCES programs(id),
    document TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (program_id)
);

CREATE TABLE community_cycles (
    id INTEGER PRIMARY KEY,
    program_id INTEGER REFERENCES programs(id) NOT NULL,
    community TEXT NOT NULL,
    region TEXT REFERENCES regions(code) NOT NULL,
    model TEXT NOT NULL,
    cycle_no INTEGER NOT NULL,
    started_on TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT community_cycles_program_id_community_cycle_no_key UNIQUE (program_id, community, cycle_no)
);
CREATE INDEX community_cycles_program_id ON community_cycles(program_id);
CREATE INDEX community_cycles_region ON community_cycles(region);

CREATE TABLE cycle_stages (
    id INTEGER PRIMARY KEY,
    cycle_id INTEGER REFERENCES community_cycles(id) NOT NULL,
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'not_started',
    started_on TEXT,
    done_on TEXT,
    note TEXT,
    touched_on TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT cycle_stages_cycle_id_position_key UNIQUE (cycle_id, position),
    CHECK (status IN ('not_started', 'in_progress', 'done'))
);

CREATE TABLE cycle_milestones (
    id INTEGER PRIMARY KEY,
    stage_id INTEGER REFERENCES cycle_stages(id) NOT NULL,
    code TEXT NOT NULL,
    done_on TEXT NOT NULL,
    done_by TEXT NOT NULL,
    CONSTRAINT cycle_milestones_stage_id_code_key UNIQUE (stage_id, code)
);

CREATE TABLE stage_activities (
    stage_id INTEGER REFERENCES cycle_stages(id) NOT NULL,
    activity_id INTEGER REFERENCES activities(id) NOT NULL,
    PRIMARY KEY (stage_id, activity_id)
);
CREATE INDEX stage_activities_activity_id ON stage_activities(activity_id);

CREATE TABLE stakeholders (
    id INTEGER PRIMARY KEY,
    program_id INTEGER REFERENCES programs(id) NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    organisation INTEGER NOT NULL,
    sector TEXT NOT NULL,
    role TEXT NOT NULL,
    note TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX stakeholders_program_id ON stakeholders(program_id);

CREATE TABLE contributions (
    id INTEGER PRIMARY KEY,
    stakeholder_id INTEGER REFERENCES stakeholders(id) NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    value_rp INTEGER NOT NULL,
    given_on TEXT NOT NULL,
    activity_id INTEGER REFERENCES activities(id),
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (value_rp >= 0)
);
CREATE INDEX contributions_stakeholder_id ON contributions(stakeholder_id);

CREATE TABLE grants (
    id INTEGER PRIMARY KEY,
    program_id INTEGER REFERENCES programs(id) NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    source TEXT NOT NULL,
    year INTEGER NOT NULL,
    amount_rp INTEGER NOT NULL,
    recipient_group_id INTEGER REFERENCES groups(id) NOT NULL,
    region TEXT REFERENCES regions(code) NOT NULL,
    note TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (amount_rp > 0)
);
CREATE INDEX grants_program_id ON grants(program_id);
CREATE INDEX grants_region ON grants(region);
CREATE INDEX grants_recipient_group_id ON grants(recipient_group_id);

CREATE TABLE grant_locks (
    grant_id INTEGER REFERENCES grants(id) NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (grant_id)
);

CREATE TABLE grant_tranches (
    id INTEGER PRIMARY KEY,
    grant_id INTEGER REFERENCES grants(id) NOT NULL,
    seq INTEGER NOT NULL,
    amount_rp INTEGER NOT NULL,
    planned_on TEXT NOT NULL,
    conditions TEXT,
    status TEXT NOT NULL DEFAULT 'planned',
    approved_by TEXT,
    approved_on TEXT,
    received_on TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT grant_tranches_grant_id_seq_key UNIQUE (grant_id, seq),
    CHECK (amount_rp > 0),
    CHECK (status IN ('planned', 'approved', 'received'))
);

CREATE TABLE grant_units (
    id INTEGER PRIMARY KEY,
    grant_id INTEGER REFERENCES grants(id) NOT NULL,
    name TEXT NOT NULL,
    region TEXT REFERENCES regions(code) NOT NULL,
    rt TEXT,
    rw TEXT,
    amount_rp INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT grant_units_grant_id_name_key UNIQUE (grant_id, name),
    CHECK (amount_rp >= 0)
);
CREATE INDEX grant_units_region ON grant_units(region);

CREATE TABLE works (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER REFERENCES grant_units(id) NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    volume_milli INTEGER NOT NULL,
    volume_unit TEXT NOT NULL,
    location TEXT,
    budget_rp INTEGER NOT NULL,
    swadaya_cash_rp INTEGER NOT NULL DEFAULT 0,
    swadaya_labour_rp INTEGER NOT NULL DEFAULT 0,
    builder TEXT NOT NULL,
    builder_group_id INTEGER REFERENCES groups(id),
    progress_pct INTEGER NOT NULL DEFAULT 0,
    keeper_group_id INTEGER REFERENCES groups(id),
    handed_over_on TEXT,
    maintain_every_days INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (kind IN ('concrete_road', 'drainage', 'borehole', 'other')),
    CHECK (progress_pct BETWEEN 0 AND 100),
    CHECK (budget_rp >= 0)
);
CREATE INDEX works_unit_id ON works(unit_id);
CREATE INDEX works_keeper_group_id ON works(keeper_group_id);

CREATE TABLE work_spending (
    id INTEGER PRIMARY KEY,
    work_id INTEGER REFERENCES works(id) NOT NULL,
    spent_on TEXT NOT NULL,
    item TEXT NOT NULL,
    amount_rp INTEGER NOT NULL,
    reverses_id INTEGER REFERENCES work_spending(id),
    override_reason TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    CONSTRAINT work_spending_reverses_id_key UNIQUE (reverses_id),
    CHECK (amount_rp <> 0)
);
CREATE INDEX work_spending_work_id ON work_spending(work_id);

CREATE TABLE work_progress (
    id INTEGER PRIMARY KEY,
    work_id INTEGER REFERENCES works(id) NOT NULL,
    on_date TEXT NOT NULL,
    percent INTEGER NOT NULL,
    note TEXT,
    CHECK (percent BETWEEN 0 AND 100)
);
CREATE INDEX work_progress_work_id ON work_progress(work_id);

CREATE TABLE work_upkeep (
    id INTEGER PRIMARY KEY,
    work_id INTEGER REFERENCES works(id) NOT NULL,
    group_id INTEGER REFERENCES groups(id) NOT NULL,
    done_on TEXT NOT NULL,
    cost_rp INTEGER NOT NULL,
    condition TEXT NOT NULL,
    note TEXT,
    CHECK (condition IN ('good', 'light_damage', 'heavy_damage'))
);
CREATE INDEX work_upkeep_work_id ON work_upkeep(work_id);

CREATE TABLE book_entries (
    id INTEGER PRIMARY KEY,
    group_id INTEGER REFERENCES groups(id) NOT NULL,
    entry_on TEXT NOT NULL,
    month TEXT NOT NULL,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    amount_rp INTEGER NOT NULL,
    counterpart TEXT,
    note TEXT,
    product TEXT,
    quantity INTEGER,
    unit TEXT,
    price_rp INTEGER,
    outlet TEXT,
    reverses_id INTEGER REFERENCES book_entries(id),
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    CONSTRAINT book_entries_reverses_id_key UNIQUE (reverses_id),
    CHECK (kind IN ('income', 'cost', 'profit_use')),
    CHECK (amount_rp <> 0)
);
CREATE INDEX book_entries_group_id_entry_on ON book_entries(group_id, entry_on);
CREATE INDEX book_entries_group_id_month_kind_category_amount_rp ON book_entries(group_id, month, kind, category, amount_rp);

CREATE TABLE slum_baselines (
    id INTEGER PRIMARY KEY,
    program_id INTEGER REFERENCES programs(id),
    region TEXT REFERENCES regions(code) NOT NULL,
    neighbourhood TEXT NOT NULL,
    measured_on TEXT NOT NULL,
    phase TEXT NOT NULL,
    note TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT slum_baselines_region_neighbourhood_phase_measured_on_key UNIQUE (region, neighbourhood, phase, measured_on),
    CHECK (phase IN ('before', 'after'))
);
CREATE INDEX slum_baselines_program_id ON slum_baselines(program_id);

CREATE TABLE slum_measures (
    baseline_id INTEGER REFERENCES slum_baselines(id) NOT NULL,
    parameter TEXT NOT NULL,
    affected INTEGER NOT NULL,
    total INTEGER NOT NULL,
    PRIMARY KEY (baseline_id, parameter),
    CHECK (total > 0 AND affected >= 0 AND affected <= total)
);

CREATE TABLE outcome_indicators (
    id INTEGER PRIMARY KEY,
    program_id INTEGER REFERENCES programs(id) NOT NULL,
    name TEXT NOT NULL,
    measure TEXT NOT NULL,
    subject TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT outcome_indicators_program_id_name_key UNIQUE (program_id, name),
    CHECK (measure IN ('yes_no', 'rupiah', 'count')),
    CHECK (subject IN ('household', 'group'))
);

CREATE TABLE outcome_values (
    id INTEGER PRIMARY KEY,
    indicator_id INTEGER REFERENCES outcome_indicators(id) NOT NULL,
    subject_id INTEGER NOT NULL,
    baseline INTEGER NOT NULL,
    baseline_on TEXT NOT NULL,
    followup INTEGER,
    followup_on TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT outcome_values_indicator_id_subject_id_key UNIQUE (indicator_id, subject_id)
);

CREATE TRIGGER community_cycles_audit_insert AFTER INSERT ON community_cycles
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'community_cycles', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'program_id', NEW.program_id, 'community', NEW.community, 'region', NEW.region, 'model', NEW.model, 'cycle_no', NEW.cycle_no, 'started_on', NEW.started_on, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER community_cycles_audit_update AFTER UPDATE ON community_cycles
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'community_cycles', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'program_id', OLD.program_id, 'community', OLD.community, 'region', OLD.region, 'model', OLD.model, 'cycle_no', OLD.cycle_no, 'started_on', OLD.started_on, 'version', OLD.version),
        json_object('id', NEW.id, 'program_id', NEW.program_id, 'community', NEW.community, 'region', NEW.region, 'model', NEW.model, 'cycle_no', NEW.cycle_no, 'started_on', NEW.started_on, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER community_cycles_audit_delete AFTER DELETE ON community_cycles
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'community_cycles', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'program_id', OLD.program_id, 'community', OLD.community, 'region', OLD.region, 'model', OLD.model, 'cycle_no', OLD.cycle_no, 'started_on', OLD.started_on, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER cycle_stages_audit_insert AFTER INSERT ON cycle_stages
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'cycle_stages', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'cycle_id', NEW.cycle_id, 'position', NEW.position, 'code', NEW.code, 'status', NEW.status, 'started_on', NEW.started_on, 'done_on', NEW.done_on, 'note', NEW.note, 'touched_on', NEW.touched_on, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER cycle_stages_audit_update AFTER UPDATE ON cycle_stages
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'cycle_stages', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'cycle_id', OLD.cycle_id, 'position', OLD.position, 'code', OLD.code, 'status', OLD.status, 'started_on', OLD.started_on, 'done_on', OLD.done_on, 'note', OLD.note, 'touched_on', OLD.touched_on, 'version', OLD.version),
        json_object('id', NEW.id, 'cycle_id', NEW.cycle_id, 'position', NEW.position, 'code', NEW.code, 'status', NEW.status, 'started_on', NEW.started_on, 'done_on', NEW.done_on, 'note', NEW.note, 'touched_on', NEW.touched_on, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER cycle_stages_audit_delete AFTER DELETE ON cycle_stages
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'cycle_stages', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'cycle_id', OLD.cycle_id, 'position', OLD.position, 'code', OLD.code, 'status', OLD.status, 'started_on', OLD.started_on, 'done_on', OLD.done_on, 'note', OLD.note, 'touched_on', OLD.touched_on, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER cycle_milestones_audit_insert AFTER INSERT ON cycle_milestones
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'cycle_milestones', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'stage_id', NEW.stage_id, 'code', NEW.code, 'done_on', NEW.done_on, 'done_by', NEW.done_by)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER cycle_milestones_audit_update AFTER UPDATE ON cycle_milestones
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'cycle_milestones', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'stage_id', OLD.stage_id, 'code', OLD.code, 'done_on', OLD.done_on, 'done_by', OLD.done_by),
        json_object('id', NEW.id, 'stage_id', NEW.stage_id, 'code', NEW.code, 'done_on', NEW.done_on, 'done_by', NEW.done_by)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER cycle_milestones_audit_delete AFTER DELETE ON cycle_milestones
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'cycle_milestones', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'stage_id', OLD.stage_id, 'code', OLD.code, 'done_on', OLD.done_on, 'done_by', OLD.done_by),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER stakeholders_audit_insert AFTER INSERT ON stakeholders
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'stakeholders', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'program_id', NEW.program_id, 'name', NEW.name, 'name_key', NEW.name_key, 'organisation', NEW.organisation, 'sector', NEW.sector, 'role', NEW.role, 'note', NEW.note, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER stakeholders_audit_update AFTER UPDATE ON stakeholders
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'stakeholders', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'program_id', OLD.program_id, 'name', OLD.name, 'name_key', OLD.name_key, 'organisation', OLD.organisation, 'sector', OLD.sector, 'role', OLD.role, 'note', OLD.note, 'version', OLD.version),
        json_object('id', NEW.id, 'program_id', NEW.program_id, 'name', NEW.name, 'name_key', NEW.name_key, 'organisation', NEW.organisation, 'sector', NEW.sector, 'role', NEW.role, 'note', NEW.note, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER stakeholders_audit_delete AFTER DELETE ON stakeholders
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'stakeholders', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'program_id', OLD.program_id, 'name', OLD.name, 'name_key', OLD.name_key, 'organisation', OLD.organisation, 'sector', OLD.sector, 'role', OLD.role, 'note', OLD.note, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER contributions_audit_insert AFTER INSERT ON contributions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'contributions', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'stakeholder_id', NEW.stakeholder_id, 'kind', NEW.kind, 'description', NEW.description, 'value_rp', NEW.value_rp, 'given_on', NEW.given_on, 'activity_id', NEW.activity_id, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER contributions_audit_update AFTER UPDATE ON contributions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'contributions', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'stakeholder_id', OLD.stakeholder_id, 'kind', OLD.kind, 'description', OLD.description, 'value_rp', OLD.value_rp, 'given_on', OLD.given_on, 'activity_id', OLD.activity_id, 'version', OLD.version),
        json_object('id', NEW.id, 'stakeholder_id', NEW.stakeholder_id, 'kind', NEW.kind, 'description', NEW.description, 'value_rp', NEW.value_rp, 'given_on', NEW.given_on, 'activity_id', NEW.activity_id, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER contributions_audit_delete AFTER DELETE ON contributions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'contributions', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'stakeholder_id', OLD.stakeholder_id, 'kind', OLD.kind, 'description', OLD.description, 'value_rp', OLD.value_rp, 'given_on', OLD.given_on, 'activity_id', OLD.activity_id, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER grants_audit_insert AFTER INSERT ON grants
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'grants', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'program_id', NEW.program_id, 'name', NEW.name, 'name_key', NEW.name_key, 'source', NEW.source, 'year', NEW.year, 'amount_rp', NEW.amount_rp, 'recipient_group_id', NEW.recipient_group_id, 'region', NEW.region, 'note', NEW.note, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER grants_audit_update AFTER UPDATE ON grants
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'grants', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'program_id', OLD.program_id, 'name', OLD.name, 'name_key', OLD.name_key, 'source', OLD.source, 'year', OLD.year, 'amount_rp', OLD.amount_rp, 'recipient_group_id', OLD.recipient_group_id, 'region', OLD.region, 'note', OLD.note, 'version', OLD.version),
        json_object('id', NEW.id, 'program_id', NEW.program_id, 'name', NEW.name, 'name_key', NEW.name_key, 'source', NEW.source, 'year', NEW.year, 'amount_rp', NEW.amount_rp, 'recipient_group_id', NEW.recipient_group_id, 'region', NEW.region, 'note', NEW.note, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER grants_audit_delete AFTER DELETE ON grants
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'grants', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'program_id', OLD.program_id, 'name', OLD.name, 'name_key', OLD.name_key, 'source', OLD.source, 'year', OLD.year, 'amount_rp', OLD.amount_rp, 'recipient_group_id', OLD.recipient_group_id, 'region', OLD.region, 'note', OLD.note, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER grant_tranches_audit_insert AFTER INSERT ON grant_tranches
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'grant_tranches', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'grant_id', NEW.grant_id, 'seq', NEW.seq, 'amount_rp', NEW.amount_rp, 'planned_on', NEW.planned_on, 'conditions', NEW.conditions, 'status', NEW.status, 'approved_by', NEW.approved_by, 'approved_on', NEW.approved_on, 'received_on', NEW.received_on, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER grant_tranches_audit_update AFTER UPDATE ON grant_tranches
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'grant_tranches', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'grant_id', OLD.grant_id, 'seq', OLD.seq, 'amount_rp', OLD.amount_rp, 'planned_on', OLD.planned_on, 'conditions', OLD.conditions, 'status', OLD.status, 'approved_by', OLD.approved_by, 'approved_on', OLD.approved_on, 'received_on', OLD.received_on, 'version', OLD.version),
        json_object('id', NEW.id, 'grant_id', NEW.grant_id, 'seq', NEW.seq, 'amount_rp', NEW.amount_rp, 'planned_on', NEW.planned_on, 'conditions', NEW.conditions, 'status', NEW.status, 'approved_by', NEW.approved_by, 'approved_on', NEW.approved_on, 'received_on', NEW.received_on, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER grant_tranches_audit_delete AFTER DELETE ON grant_tranches
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'grant_tranches', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'grant_id', OLD.grant_id, 'seq', OLD.seq, 'amount_rp', OLD.amount_rp, 'planned_on', OLD.planned_on, 'conditions', OLD.conditions, 'status', OLD.status, 'approved_by', OLD.approved_by, 'approved_on', OLD.approved_on, 'received_on', OLD.received_on, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER grant_units_audit_insert AFTER INSERT ON grant_units
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'grant_units', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'grant_id', NEW.grant_id, 'name', NEW.name, 'region', NEW.region, 'rt', NEW.rt, 'rw', NEW.rw, 'amount_rp', NEW.amount_rp, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER grant_units_audit_update AFTER UPDATE ON grant_units
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'grant_units', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'grant_id', OLD.grant_id, 'name', OLD.name, 'region', OLD.region, 'rt', OLD.rt, 'rw', OLD.rw, 'amount_rp', OLD.amount_rp, 'version', OLD.version),
        json_object('id', NEW.id, 'grant_id', NEW.grant_id, 'name', NEW.name, 'region', NEW.region, 'rt', NEW.rt, 'rw', NEW.rw, 'amount_rp', NEW.amount_rp, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER grant_units_audit_delete AFTER DELETE ON grant_units
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'grant_units', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'grant_id', OLD.grant_id, 'name', OLD.name, 'region', OLD.region, 'rt', OLD.rt, 'rw', OLD.rw, 'amount_rp', OLD.amount_rp, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER works_audit_insert AFTER INSERT ON works
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'works', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'unit_id', NEW.unit_id, 'kind', NEW.kind, 'name', NEW.name, 'volume_milli', NEW.volume_milli, 'volume_unit', NEW.volume_unit, 'location', NEW.location, 'budget_rp', NEW.budget_rp, 'swadaya_cash_rp', NEW.swadaya_cash_rp, 'swadaya_labour_rp', NEW.swadaya_labour_rp, 'builder', NEW.builder, 'builder_group_id', NEW.builder_group_id, 'progress_pct', NEW.progress_pct, 'keeper_group_id', NEW.keeper_group_id, 'handed_over_on', NEW.handed_over_on, 'maintain_every_days', NEW.maintain_every_days, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER works_audit_update AFTER UPDATE ON works
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'works', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'unit_id', OLD.unit_id, 'kind', OLD.kind, 'name', OLD.name, 'volume_milli', OLD.volume_milli, 'volume_unit', OLD.volume_unit, 'location', OLD.location, 'budget_rp', OLD.budget_rp, 'swadaya_cash_rp', OLD.swadaya_cash_rp, 'swadaya_labour_rp', OLD.swadaya_labour_rp, 'builder', OLD.builder, 'builder_group_id', OLD.builder_group_id, 'progress_pct', OLD.progress_pct, 'keeper_group_id', OLD.keeper_group_id, 'handed_over_on', OLD.handed_over_on, 'maintain_every_days', OLD.maintain_every_days, 'version', OLD.version),
        json_object('id', NEW.id, 'unit_id', NEW.unit_id, 'kind', NEW.kind, 'name', NEW.name, 'volume_milli', NEW.volume_milli, 'volume_unit', NEW.volume_unit, 'location', NEW.location, 'budget_rp', NEW.budget_rp, 'swadaya_cash_rp', NEW.swadaya_cash_rp, 'swadaya_labour_rp', NEW.swadaya_labour_rp, 'builder', NEW.builder, 'builder_group_id', NEW.builder_group_id, 'progress_pct', NEW.progress_pct, 'keeper_group_id', NEW.keeper_group_id, 'handed_over_on', NEW.handed_over_on, 'maintain_every_days', NEW.maintain_every_days, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER works_audit_delete AFTER DELETE ON works
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'works', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'unit_id', OLD.unit_id, 'kind', OLD.kind, 'name', OLD.name, 'volume_milli', OLD.volume_milli, 'volume_unit', OLD.volume_unit, 'location', OLD.location, 'budget_rp', OLD.budget_rp, 'swadaya_cash_rp', OLD.swadaya_cash_rp, 'swadaya_labour_rp', OLD.swadaya_labour_rp, 'builder', OLD.builder, 'builder_group_id', OLD.builder_group_id, 'progress_pct', OLD.progress_pct, 'keeper_group_id', OLD.keeper_group_id, 'handed_over_on', OLD.handed_over_on, 'maintain_every_days', OLD.maintain_every_days, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER work_spending_audit_insert AFTER INSERT ON work_spending
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'work_spending', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'work_id', NEW.work_id, 'spent_on', NEW.spent_on, 'item', NEW.item, 'amount_rp', NEW.amount_rp, 'reverses_id', NEW.reverses_id, 'override_reason', NEW.override_reason, 'recorded_by', NEW.recorded_by, 'recorded_at', NEW.recorded_at)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER work_spending_audit_update AFTER UPDATE ON work_spending
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'work_spending', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'work_id', OLD.work_id, 'spent_on', OLD.spent_on, 'item', OLD.item, 'amount_rp', OLD.amount_rp, 'reverses_id', OLD.reverses_id, 'override_reason', OLD.override_reason, 'recorded_by', OLD.recorded_by, 'recorded_at', OLD.recorded_at),
        json_object('id', NEW.id, 'work_id', NEW.work_id, 'spent_on', NEW.spent_on, 'item', NEW.item, 'amount_rp', NEW.amount_rp, 'reverses_id', NEW.reverses_id, 'override_reason', NEW.override_reason, 'recorded_by', NEW.recorded_by, 'recorded_at', NEW.recorded_at)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER work_spending_audit_delete AFTER DELETE ON work_spending
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'work_spending', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'work_id', OLD.work_id, 'spent_on', OLD.spent_on, 'item', OLD.item, 'amount_rp', OLD.amount_rp, 'reverses_id', OLD.reverses_id, 'override_reason', OLD.override_reason, 'recorded_by', OLD.recorded_by, 'recorded_at', OLD.recorded_at),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER work_progress_audit_insert AFTER INSERT ON work_progress
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'work_progress', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'work_id', NEW.work_id, 'on_date', NEW.on_date, 'percent', NEW.percent, 'note', NEW.note)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER work_progress_audit_update AFTER UPDATE ON work_progress
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'work_progress', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'work_id', OLD.work_id, 'on_date', OLD.on_date, 'percent', OLD.percent, 'note', OLD.note),
        json_object('id', NEW.id, 'work_id', NEW.work_id, 'on_date', NEW.on_date, 'percent', NEW.percent, 'note', NEW.note)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER work_progress_audit_delete AFTER DELETE ON work_progress
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'work_progress', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'work_id', OLD.work_id, 'on_date', OLD.on_date, 'percent', OLD.percent, 'note', OLD.note),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER work_upkeep_audit_insert AFTER INSERT ON work_upkeep
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'work_upkeep', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'work_id', NEW.work_id, 'group_id', NEW.group_id, 'done_on', NEW.done_on, 'cost_rp', NEW.cost_rp, 'condition', NEW.condition, 'note', NEW.note)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER work_upkeep_audit_update AFTER UPDATE ON work_upkeep
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'work_upkeep', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'work_id', OLD.work_id, 'group_id', OLD.group_id, 'done_on', OLD.done_on, 'cost_rp', OLD.cost_rp, 'condition', OLD.condition, 'note', OLD.note),
        json_object('id', NEW.id, 'work_id', NEW.work_id, 'group_id', NEW.group_id, 'done_on', NEW.done_on, 'cost_rp', NEW.cost_rp, 'condition', NEW.condition, 'note', NEW.note)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER work_upkeep_audit_delete AFTER DELETE ON work_upkeep
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'work_upkeep', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'work_id', OLD.work_id, 'group_id', OLD.group_id, 'done_on', OLD.done_on, 'cost_rp', OLD.cost_rp, 'condition', OLD.condition, 'note', OLD.note),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER book_entries_audit_insert AFTER INSERT ON book_entries
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'book_entries', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'group_id', NEW.group_id, 'entry_on', NEW.entry_on, 'month', NEW.month, 'kind', NEW.kind, 'category', NEW.category, 'amount_rp', NEW.amount_rp, 'counterpart', NEW.counterpart, 'note', NEW.note, 'product', NEW.product, 'quantity', NEW.quantity, 'unit', NEW.unit, 'price_rp', NEW.price_rp, 'outlet', NEW.outlet, 'reverses_id', NEW.reverses_id, 'recorded_by', NEW.recorded_by, 'recorded_at', NEW.recorded_at)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER book_entries_audit_update AFTER UPDATE ON book_entries
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'book_entries', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'group_id', OLD.group_id, 'entry_on', OLD.entry_on, 'month', OLD.month, 'kind', OLD.kind, 'category', OLD.category, 'amount_rp', OLD.amount_rp, 'counterpart', OLD.counterpart, 'note', OLD.note, 'product', OLD.product, 'quantity', OLD.quantity, 'unit', OLD.unit, 'price_rp', OLD.price_rp, 'outlet', OLD.outlet, 'reverses_id', OLD.reverses_id, 'recorded_by', OLD.recorded_by, 'recorded_at', OLD.recorded_at),
        json_object('id', NEW.id, 'group_id', NEW.group_id, 'entry_on', NEW.entry_on, 'month', NEW.month, 'kind', NEW.kind, 'category', NEW.category, 'amount_rp', NEW.amount_rp, 'counterpart', NEW.counterpart, 'note', NEW.note, 'product', NEW.product, 'quantity', NEW.quantity, 'unit', NEW.unit, 'price_rp', NEW.price_rp, 'outlet', NEW.outlet, 'reverses_id', NEW.reverses_id, 'recorded_by', NEW.recorded_by, 'recorded_at', NEW.recorded_at)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER book_entries_audit_delete AFTER DELETE ON book_entries
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'book_entries', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'group_id', OLD.group_id, 'entry_on', OLD.entry_on, 'month', OLD.month, 'kind', OLD.kind, 'category', OLD.category, 'amount_rp', OLD.amount_rp, 'counterpart', OLD.counterpart, 'note', OLD.note, 'product', OLD.product, 'quantity', OLD.quantity, 'unit', OLD.unit, 'price_rp', OLD.price_rp, 'outlet', OLD.outlet, 'reverses_id', OLD.reverses_id, 'recorded_by', OLD.recorded_by, 'recorded_at', OLD.recorded_at),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER slum_baselines_audit_insert AFTER INSERT ON slum_baselines
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'slum_baselines', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'program_id', NEW.program_id, 'region', NEW.region, 'neighbourhood', NEW.neighbourhood, 'measured_on', NEW.measured_on, 'phase', NEW.phase, 'note', NEW.note, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER slum_baselines_audit_update AFTER UPDATE ON slum_baselines
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'slum_baselines', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'program_id', OLD.program_id, 'region', OLD.region, 'neighbourhood', OLD.neighbourhood, 'measured_on', OLD.measured_on, 'phase', OLD.phase, 'note', OLD.note, 'version', OLD.version),
        json_object('id', NEW.id, 'program_id', NEW.program_id, 'region', NEW.region, 'neighbourhood', NEW.neighbourhood, 'measured_on', NEW.measured_on, 'phase', NEW.phase, 'note', NEW.note, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER slum_baselines_audit_delete AFTER DELETE ON slum_baselines
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'slum_baselines', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'program_id', OLD.program_id, 'region', OLD.region, 'neighbourhood', OLD.neighbourhood, 'measured_on', OLD.measured_on, 'phase', OLD.phase, 'note', OLD.note, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER outcome_indicators_audit_insert AFTER INSERT ON outcome_indicators
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'outcome_indicators', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'program_id', NEW.program_id, 'name', NEW.name, 'measure', NEW.measure, 'subject', NEW.subject, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER outcome_indicators_audit_update AFTER UPDATE ON outcome_indicators
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'outcome_indicators', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'program_id', OLD.program_id, 'name', OLD.name, 'measure', OLD.measure, 'subject', OLD.subject, 'version', OLD.version),
        json_object('id', NEW.id, 'program_id', NEW.program_id, 'name', NEW.name, 'measure', NEW.measure, 'subject', NEW.subject, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER outcome_indicators_audit_delete AFTER DELETE ON outcome_indicators
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'outcome_indicators', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'program_id', OLD.program_id, 'name', OLD.name, 'measure', OLD.measure, 'subject', OLD.subject, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER outcome_values_audit_insert AFTER INSERT ON outcome_values
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'outcome_values', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'indicator_id', NEW.indicator_id, 'subject_id', NEW.subject_id, 'baseline', NEW.baseline, 'baseline_on', NEW.baseline_on, 'followup', NEW.followup, 'followup_on', NEW.followup_on, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER outcome_values_audit_update AFTER UPDATE ON outcome_values
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'outcome_values', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'indicator_id', OLD.indicator_id, 'subject_id', OLD.subject_id, 'baseline', OLD.baseline, 'baseline_on', OLD.baseline_on, 'followup', OLD.followup, 'followup_on', OLD.followup_on, 'version', OLD.version),
        json_object('id', NEW.id, 'indicator_id', NEW.indicator_id, 'subject_id', NEW.subject_id, 'baseline', NEW.baseline, 'baseline_on', NEW.baseline_on, 'followup', NEW.followup, 'followup_on', NEW.followup_on, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER outcome_values_audit_delete AFTER DELETE ON outcome_values
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'outcome_values', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'indicator_id', OLD.indicator_id, 'subject_id', OLD.subject_id, 'baseline', OLD.baseline, 'baseline_on', OLD.baseline_on, 'followup', OLD.followup, 'followup_on', OLD.followup_on, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER book_entries_append_only_update BEFORE UPDATE ON book_entries
BEGIN
    SELECT RAISE(ABORT, 'book_entries is append-only: correct an entry with a reversing entry');
END;

CREATE TRIGGER book_entries_append_only_delete BEFORE DELETE ON book_entries
BEGIN
    SELECT RAISE(ABORT, 'book_entries is append-only: correct an entry with a reversing entry');
END;

CREATE TRIGGER work_spending_append_only_update BEFORE UPDATE ON work_spending
BEGIN
    SELECT RAISE(ABORT, 'work_spending is append-only: correct an entry with a reversing entry');
END;

CREATE TRIGGER work_spending_append_only_delete BEFORE DELETE ON work_spending
BEGIN
    SELECT RAISE(ABORT, 'work_spending is append-only: correct an entry with a reversing entry');
END;
