-- PKH, the core every part of the capability shares: the rules per program and year (a JSON
-- document, the serde form of `PkhRules`), the enrolled families (KPM) beside their
-- enrollment, the dated member facts the components are computed from, the verification
-- periods, the compliance recorded in them, the frozen result of each closed period per
-- family, and the history of every status change.

CREATE TABLE pkh_rules (
    id         INTEGER PRIMARY KEY,
    program_id INTEGER NOT NULL REFERENCES programs(id),
    year       INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    document   TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT pkh_rules_program_id_year_key UNIQUE (program_id, year)
);

CREATE TABLE pkh_families (
    id             INTEGER PRIMARY KEY,
    program_id     INTEGER NOT NULL REFERENCES programs(id),
    household_id   INTEGER NOT NULL REFERENCES households(id),
    enrollment_id  INTEGER NOT NULL REFERENCES enrollments(id),
    decile         INTEGER CHECK (decile BETWEEN 1 AND 10),
    facilitator_id INTEGER REFERENCES users(id),
    status         TEXT NOT NULL DEFAULT 'active'
                   CONSTRAINT pkh_families_status_check CHECK (status IN ('active', 'warning', 'suspended', 'terminated')),
    consecutive    INTEGER NOT NULL DEFAULT 0 CHECK (consecutive >= 0),
    enrolled_on    TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX pkh_families_program_id_household_id_key ON pkh_families(program_id, household_id);
CREATE UNIQUE INDEX pkh_families_enrollment_id_key ON pkh_families(enrollment_id);
CREATE INDEX pkh_families_household ON pkh_families(household_id);
CREATE INDEX pkh_families_facilitator ON pkh_families(facilitator_id);

CREATE TABLE pkh_facts (
    id          INTEGER PRIMARY KEY,
    family_id   INTEGER NOT NULL REFERENCES pkh_families(id),
    person_id   INTEGER NOT NULL REFERENCES people(id),
    kind        TEXT NOT NULL CONSTRAINT pkh_facts_kind_check CHECK (kind IN ('pregnant', 'school', 'disability')),
    level       TEXT CONSTRAINT pkh_facts_level_check CHECK (level IN ('sd', 'smp', 'sma')),
    school_name TEXT,
    starts_on   TEXT NOT NULL,
    expected_on TEXT,
    ends_on     TEXT,
    note        TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    CHECK ((kind = 'school') = (level IS NOT NULL)),
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX pkh_facts_family ON pkh_facts(family_id, person_id);
CREATE INDEX pkh_facts_person ON pkh_facts(person_id);

CREATE TABLE pkh_periods (
    id         INTEGER PRIMARY KEY,
    program_id INTEGER NOT NULL REFERENCES programs(id),
    period     TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open' CONSTRAINT pkh_periods_status_check CHECK (status IN ('open', 'closed')),
    closed_at  TEXT,
    closed_by  INTEGER REFERENCES users(id),
    version    INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT pkh_periods_program_id_period_key UNIQUE (program_id, period)
);

CREATE TABLE pkh_compliance (
    id            INTEGER PRIMARY KEY,
    period_id     INTEGER NOT NULL REFERENCES pkh_periods(id),
    family_id     INTEGER NOT NULL REFERENCES pkh_families(id),
    person_id     INTEGER REFERENCES people(id),
    obligation    TEXT NOT NULL,
    compliant     INTEGER NOT NULL CHECK (compliant IN (0, 1)),
    attendance_tenths INTEGER CHECK (attendance_tenths BETWEEN 0 AND 1000),
    note          TEXT,
    recorded_by   INTEGER REFERENCES users(id),
    recorded_at   TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX pkh_compliance_key ON pkh_compliance(period_id, family_id, COALESCE(person_id, 0), obligation);
CREATE INDEX pkh_compliance_family ON pkh_compliance(family_id, period_id);

-- Written when a period is closed, never changed after: one row per family enrolled then.
CREATE TABLE pkh_family_periods (
    period_id     INTEGER NOT NULL REFERENCES pkh_periods(id),
    family_id     INTEGER NOT NULL REFERENCES pkh_families(id),
    compliant     INTEGER NOT NULL CHECK (compliant IN (0, 1)),
    appeal_upheld INTEGER NOT NULL DEFAULT 0 CHECK (appeal_upheld IN (0, 1)),
    status        TEXT NOT NULL CHECK (status IN ('active', 'warning', 'suspended', 'terminated')),
    consecutive   INTEGER NOT NULL,
    PRIMARY KEY (period_id, family_id)
) WITHOUT ROWID;
CREATE INDEX pkh_family_periods_family ON pkh_family_periods(family_id, period_id);

-- Every change of a family's status: by the ladder when a period closes, or by a decision
-- (an upheld appeal reinstates; an officer may terminate with a reason).
CREATE TABLE pkh_status_events (
    id         INTEGER PRIMARY KEY,
    family_id  INTEGER NOT NULL REFERENCES pkh_families(id),
    period_id  INTEGER REFERENCES pkh_periods(id),
    kind       TEXT NOT NULL CONSTRAINT pkh_status_events_kind_check CHECK (kind IN ('enrolled', 'ladder', 'reinstated', 'decision')),
    status     TEXT NOT NULL CHECK (status IN ('active', 'warning', 'suspended', 'terminated')),
    reason     TEXT,
    decided_by INTEGER REFERENCES users(id),
    decided_at TEXT NOT NULL
);
CREATE INDEX pkh_status_events_family ON pkh_status_events(family_id, id);

CREATE TRIGGER pkh_rules_audit_insert AFTER INSERT ON pkh_rules
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'pkh_rules', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'program_id', NEW.program_id, 'year', NEW.year, 'document', NEW.document, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_rules_audit_update AFTER UPDATE ON pkh_rules
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'pkh_rules', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'program_id', OLD.program_id, 'year', OLD.year, 'document', OLD.document, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'program_id', NEW.program_id, 'year', NEW.year, 'document', NEW.document, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_rules_audit_delete AFTER DELETE ON pkh_rules
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'pkh_rules', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'program_id', OLD.program_id, 'year', OLD.year, 'document', OLD.document, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_families_audit_insert AFTER INSERT ON pkh_families
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'pkh_families', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'program_id', NEW.program_id, 'household_id', NEW.household_id, 'enrollment_id', NEW.enrollment_id, 'decile', NEW.decile, 'facilitator_id', NEW.facilitator_id, 'status', NEW.status, 'consecutive', NEW.consecutive, 'enrolled_on', NEW.enrolled_on, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_families_audit_update AFTER UPDATE ON pkh_families
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'pkh_families', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'program_id', OLD.program_id, 'household_id', OLD.household_id, 'enrollment_id', OLD.enrollment_id, 'decile', OLD.decile, 'facilitator_id', OLD.facilitator_id, 'status', OLD.status, 'consecutive', OLD.consecutive, 'enrolled_on', OLD.enrolled_on, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'program_id', NEW.program_id, 'household_id', NEW.household_id, 'enrollment_id', NEW.enrollment_id, 'decile', NEW.decile, 'facilitator_id', NEW.facilitator_id, 'status', NEW.status, 'consecutive', NEW.consecutive, 'enrolled_on', NEW.enrolled_on, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_families_audit_delete AFTER DELETE ON pkh_families
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'pkh_families', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'program_id', OLD.program_id, 'household_id', OLD.household_id, 'enrollment_id', OLD.enrollment_id, 'decile', OLD.decile, 'facilitator_id', OLD.facilitator_id, 'status', OLD.status, 'consecutive', OLD.consecutive, 'enrolled_on', OLD.enrolled_on, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_facts_audit_insert AFTER INSERT ON pkh_facts
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'pkh_facts', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'family_id', NEW.family_id, 'person_id', NEW.person_id, 'kind', NEW.kind, 'level', NEW.level, 'school_name', NEW.school_name, 'starts_on', NEW.starts_on, 'expected_on', NEW.expected_on, 'ends_on', NEW.ends_on, 'note', NEW.note, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_facts_audit_update AFTER UPDATE ON pkh_facts
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'pkh_facts', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'family_id', OLD.family_id, 'person_id', OLD.person_id, 'kind', OLD.kind, 'level', OLD.level, 'school_name', OLD.school_name, 'starts_on', OLD.starts_on, 'expected_on', OLD.expected_on, 'ends_on', OLD.ends_on, 'note', OLD.note, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'family_id', NEW.family_id, 'person_id', NEW.person_id, 'kind', NEW.kind, 'level', NEW.level, 'school_name', NEW.school_name, 'starts_on', NEW.starts_on, 'expected_on', NEW.expected_on, 'ends_on', NEW.ends_on, 'note', NEW.note, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_facts_audit_delete AFTER DELETE ON pkh_facts
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'pkh_facts', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'family_id', OLD.family_id, 'person_id', OLD.person_id, 'kind', OLD.kind, 'level', OLD.level, 'school_name', OLD.school_name, 'starts_on', OLD.starts_on, 'expected_on', OLD.expected_on, 'ends_on', OLD.ends_on, 'note', OLD.note, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_periods_audit_insert AFTER INSERT ON pkh_periods
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'pkh_periods', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'program_id', NEW.program_id, 'period', NEW.period, 'status', NEW.status, 'closed_at', NEW.closed_at, 'closed_by', NEW.closed_by, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_periods_audit_update AFTER UPDATE ON pkh_periods
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'pkh_periods', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'program_id', OLD.program_id, 'period', OLD.period, 'status', OLD.status, 'closed_at', OLD.closed_at, 'closed_by', OLD.closed_by, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'program_id', NEW.program_id, 'period', NEW.period, 'status', NEW.status, 'closed_at', NEW.closed_at, 'closed_by', NEW.closed_by, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_periods_audit_delete AFTER DELETE ON pkh_periods
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'pkh_periods', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'program_id', OLD.program_id, 'period', OLD.period, 'status', OLD.status, 'closed_at', OLD.closed_at, 'closed_by', OLD.closed_by, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_compliance_audit_insert AFTER INSERT ON pkh_compliance
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'pkh_compliance', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'period_id', NEW.period_id, 'family_id', NEW.family_id, 'person_id', NEW.person_id, 'obligation', NEW.obligation, 'compliant', NEW.compliant, 'attendance_tenths', NEW.attendance_tenths, 'note', NEW.note, 'recorded_by', NEW.recorded_by, 'recorded_at', NEW.recorded_at, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_compliance_audit_update AFTER UPDATE ON pkh_compliance
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'pkh_compliance', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'period_id', OLD.period_id, 'family_id', OLD.family_id, 'person_id', OLD.person_id, 'obligation', OLD.obligation, 'compliant', OLD.compliant, 'attendance_tenths', OLD.attendance_tenths, 'note', OLD.note, 'recorded_by', OLD.recorded_by, 'recorded_at', OLD.recorded_at, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'period_id', NEW.period_id, 'family_id', NEW.family_id, 'person_id', NEW.person_id, 'obligation', NEW.obligation, 'compliant', NEW.compliant, 'attendance_tenths', NEW.attendance_tenths, 'note', NEW.note, 'recorded_by', NEW.recorded_by, 'recorded_at', NEW.recorded_at, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_compliance_audit_delete AFTER DELETE ON pkh_compliance
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'pkh_compliance', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'period_id', OLD.period_id, 'family_id', OLD.family_id, 'person_id', OLD.person_id, 'obligation', OLD.obligation, 'compliant', OLD.compliant, 'attendance_tenths', OLD.attendance_tenths, 'note', OLD.note, 'recorded_by', OLD.recorded_by, 'recorded_at', OLD.recorded_at, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_status_events_audit_insert AFTER INSERT ON pkh_status_events
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'pkh_status_events', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'family_id', NEW.family_id, 'period_id', NEW.period_id, 'kind', NEW.kind, 'status', NEW.status, 'reason', NEW.reason, 'decided_by', NEW.decided_by, 'decided_at', NEW.decided_at
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_status_events_audit_update AFTER UPDATE ON pkh_status_events
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'pkh_status_events', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'family_id', OLD.family_id, 'period_id', OLD.period_id, 'kind', OLD.kind, 'status', OLD.status, 'reason', OLD.reason, 'decided_by', OLD.decided_by, 'decided_at', OLD.decided_at
        ),
        json_object(
            'id', NEW.id, 'family_id', NEW.family_id, 'period_id', NEW.period_id, 'kind', NEW.kind, 'status', NEW.status, 'reason', NEW.reason, 'decided_by', NEW.decided_by, 'decided_at', NEW.decided_at
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_status_events_audit_delete AFTER DELETE ON pkh_status_events
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'pkh_status_events', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'family_id', OLD.family_id, 'period_id', OLD.period_id, 'kind', OLD.kind, 'status', OLD.status, 'reason', OLD.reason, 'decided_by', OLD.decided_by, 'decided_at', OLD.decided_at
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

