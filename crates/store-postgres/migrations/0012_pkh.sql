-- PKH, the core every part of the capability shares: the rules per program and year (a JSON
-- document, the serde form of `PkhRules`), the enrolled families (KPM) beside their
-- enrollment, the dated member facts the components are computed from, the verification
-- periods, the compliance recorded in them, the frozen result of each closed period per
-- family, and the history of every status change.

CREATE TABLE pkh_rules (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    program_id bigint NOT NULL,
    year       integer NOT NULL,
    document   text NOT NULL,
    version    bigint NOT NULL DEFAULT 1,
    CONSTRAINT pkh_rules_pkey PRIMARY KEY (id),
    CONSTRAINT pkh_rules_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT pkh_rules_program_id_year_key UNIQUE (program_id, year),
    CONSTRAINT pkh_rules_year_check CHECK (year BETWEEN 2000 AND 2100)
);

CREATE TABLE pkh_families (
    id             bigint GENERATED ALWAYS AS IDENTITY,
    program_id     bigint NOT NULL,
    household_id   bigint NOT NULL,
    enrollment_id  bigint NOT NULL,
    decile         integer,
    facilitator_id bigint,
    status         text NOT NULL DEFAULT 'active',
    consecutive    integer NOT NULL DEFAULT 0,
    enrolled_on    date NOT NULL,
    version        bigint NOT NULL DEFAULT 1,
    CONSTRAINT pkh_families_pkey PRIMARY KEY (id),
    CONSTRAINT pkh_families_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT pkh_families_household_id_fkey FOREIGN KEY (household_id) REFERENCES households (id),
    CONSTRAINT pkh_families_enrollment_id_fkey FOREIGN KEY (enrollment_id) REFERENCES enrollments (id),
    CONSTRAINT pkh_families_facilitator_id_fkey FOREIGN KEY (facilitator_id) REFERENCES users (id),
    CONSTRAINT pkh_families_program_id_household_id_key UNIQUE (program_id, household_id),
    CONSTRAINT pkh_families_enrollment_id_key UNIQUE (enrollment_id),
    CONSTRAINT pkh_families_decile_check CHECK (decile BETWEEN 1 AND 10),
    CONSTRAINT pkh_families_consecutive_check CHECK (consecutive >= 0),
    CONSTRAINT pkh_families_status_check CHECK (status IN ('active', 'warning', 'suspended', 'terminated'))
);
CREATE INDEX pkh_families_household_idx ON pkh_families (household_id);
CREATE INDEX pkh_families_facilitator_idx ON pkh_families (facilitator_id);

CREATE TABLE pkh_facts (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    family_id   bigint NOT NULL,
    person_id   bigint NOT NULL,
    kind        text NOT NULL,
    level       text,
    school_name text,
    starts_on   date NOT NULL,
    expected_on date,
    ends_on     date,
    note        text,
    version     bigint NOT NULL DEFAULT 1,
    CONSTRAINT pkh_facts_pkey PRIMARY KEY (id),
    CONSTRAINT pkh_facts_family_id_fkey FOREIGN KEY (family_id) REFERENCES pkh_families (id),
    CONSTRAINT pkh_facts_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id),
    CONSTRAINT pkh_facts_kind_check CHECK (kind IN ('pregnant', 'school', 'disability')),
    CONSTRAINT pkh_facts_level_check CHECK (level IN ('sd', 'smp', 'sma')),
    CONSTRAINT pkh_facts_level_kind_check CHECK ((kind = 'school') = (level IS NOT NULL)),
    CONSTRAINT pkh_facts_dates_check CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX pkh_facts_family_idx ON pkh_facts (family_id, person_id);
CREATE INDEX pkh_facts_person_idx ON pkh_facts (person_id);

CREATE TABLE pkh_periods (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    program_id bigint NOT NULL,
    period     text NOT NULL,
    status     text NOT NULL DEFAULT 'open',
    closed_at  timestamptz,
    closed_by  bigint,
    version    bigint NOT NULL DEFAULT 1,
    CONSTRAINT pkh_periods_pkey PRIMARY KEY (id),
    CONSTRAINT pkh_periods_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT pkh_periods_closed_by_fkey FOREIGN KEY (closed_by) REFERENCES users (id),
    CONSTRAINT pkh_periods_program_id_period_key UNIQUE (program_id, period),
    CONSTRAINT pkh_periods_status_check CHECK (status IN ('open', 'closed'))
);

CREATE TABLE pkh_compliance (
    id                bigint GENERATED ALWAYS AS IDENTITY,
    period_id         bigint NOT NULL,
    family_id         bigint NOT NULL,
    person_id         bigint,
    obligation        text NOT NULL,
    compliant         boolean NOT NULL,
    attendance_tenths integer,
    note              text,
    recorded_by       bigint,
    recorded_at       timestamptz NOT NULL,
    version           bigint NOT NULL DEFAULT 1,
    CONSTRAINT pkh_compliance_pkey PRIMARY KEY (id),
    CONSTRAINT pkh_compliance_period_id_fkey FOREIGN KEY (period_id) REFERENCES pkh_periods (id),
    CONSTRAINT pkh_compliance_family_id_fkey FOREIGN KEY (family_id) REFERENCES pkh_families (id),
    CONSTRAINT pkh_compliance_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id),
    CONSTRAINT pkh_compliance_recorded_by_fkey FOREIGN KEY (recorded_by) REFERENCES users (id),
    CONSTRAINT pkh_compliance_attendance_check CHECK (attendance_tenths BETWEEN 0 AND 1000)
);
CREATE UNIQUE INDEX pkh_compliance_key ON pkh_compliance (period_id, family_id, COALESCE(person_id, 0), obligation);
CREATE INDEX pkh_compliance_family_idx ON pkh_compliance (family_id, period_id);

-- Written when a period is closed, never changed after: one row per family enrolled then.
CREATE TABLE pkh_family_periods (
    period_id     bigint NOT NULL,
    family_id     bigint NOT NULL,
    compliant     boolean NOT NULL,
    appeal_upheld boolean NOT NULL DEFAULT false,
    status        text NOT NULL,
    consecutive   integer NOT NULL,
    CONSTRAINT pkh_family_periods_pkey PRIMARY KEY (period_id, family_id),
    CONSTRAINT pkh_family_periods_period_id_fkey FOREIGN KEY (period_id) REFERENCES pkh_periods (id),
    CONSTRAINT pkh_family_periods_family_id_fkey FOREIGN KEY (family_id) REFERENCES pkh_families (id),
    CONSTRAINT pkh_family_periods_status_check CHECK (status IN ('active', 'warning', 'suspended', 'terminated'))
);
CREATE INDEX pkh_family_periods_family_idx ON pkh_family_periods (family_id, period_id);

-- Every change of a family's status: by the ladder when a period closes, or by a decision
-- (an upheld appeal reinstates; an officer may terminate with a reason).
CREATE TABLE pkh_status_events (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    family_id  bigint NOT NULL,
    period_id  bigint,
    kind       text NOT NULL,
    status     text NOT NULL,
    reason     text,
    decided_by bigint,
    decided_at timestamptz NOT NULL,
    CONSTRAINT pkh_status_events_pkey PRIMARY KEY (id),
    CONSTRAINT pkh_status_events_family_id_fkey FOREIGN KEY (family_id) REFERENCES pkh_families (id),
    CONSTRAINT pkh_status_events_period_id_fkey FOREIGN KEY (period_id) REFERENCES pkh_periods (id),
    CONSTRAINT pkh_status_events_decided_by_fkey FOREIGN KEY (decided_by) REFERENCES users (id),
    CONSTRAINT pkh_status_events_kind_check CHECK (kind IN ('enrolled', 'ladder', 'reinstated', 'decision')),
    CONSTRAINT pkh_status_events_status_check CHECK (status IN ('active', 'warning', 'suspended', 'terminated'))
);
CREATE INDEX pkh_status_events_family_idx ON pkh_status_events (family_id, id);

CREATE TRIGGER pkh_rules_audit AFTER INSERT OR UPDATE OR DELETE ON pkh_rules
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER pkh_families_audit AFTER INSERT OR UPDATE OR DELETE ON pkh_families
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER pkh_facts_audit AFTER INSERT OR UPDATE OR DELETE ON pkh_facts
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER pkh_periods_audit AFTER INSERT OR UPDATE OR DELETE ON pkh_periods
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER pkh_compliance_audit AFTER INSERT OR UPDATE OR DELETE ON pkh_compliance
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER pkh_status_events_audit AFTER INSERT OR UPDATE OR DELETE ON pkh_status_events
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
