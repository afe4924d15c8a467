-- PKH grievances and appeals about a family: a complaint or an appeal, the channel it came
-- through, what it is about, the period whose sanction an appeal contests, its deadline,
-- and the decision with its reason. Evidence files are attachments (entity
-- `pkh_grievance`). An upheld appeal about status reinstates the family (the store writes
-- `pkh_families` and a `pkh_status_events` row in the same transaction).

CREATE TABLE pkh_grievances (
    id              INTEGER PRIMARY KEY,
    family_id       INTEGER NOT NULL REFERENCES pkh_families(id),
    kind            TEXT NOT NULL CONSTRAINT pkh_grievances_kind_check CHECK (kind IN ('complaint', 'appeal')),
    channel         TEXT NOT NULL
                    CONSTRAINT pkh_grievances_channel_check CHECK (channel IN ('pendamping', 'sms', 'office', 'hotline', 'online')),
    category        TEXT NOT NULL
                    CONSTRAINT pkh_grievances_category_check CHECK (category IN ('status', 'payment', 'data', 'facilitator', 'other')),
    description     TEXT NOT NULL,
    period_id       INTEGER REFERENCES pkh_periods(id),
    received_on     TEXT NOT NULL,
    deadline        TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'received'
                    CONSTRAINT pkh_grievances_status_check CHECK (status IN ('received', 'in_review', 'upheld', 'rejected', 'closed')),
    decision_reason TEXT,
    decided_by      INTEGER REFERENCES users(id),
    decided_on      TEXT,
    reinstated      INTEGER NOT NULL DEFAULT 0 CHECK (reinstated IN (0, 1)),
    version         INTEGER NOT NULL DEFAULT 1,
    CHECK (deadline >= received_on)
);
CREATE INDEX pkh_grievances_family ON pkh_grievances(family_id, id);
CREATE INDEX pkh_grievances_status ON pkh_grievances(status, deadline);

CREATE TRIGGER pkh_grievances_audit_insert AFTER INSERT ON pkh_grievances
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'pkh_grievances', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'family_id', NEW.family_id, 'kind', NEW.kind, 'channel', NEW.channel, 'category', NEW.category, 'description', NEW.description, 'period_id', NEW.period_id, 'received_on', NEW.received_on, 'deadline', NEW.deadline, 'status', NEW.status, 'decision_reason', NEW.decision_reason, 'decided_by', NEW.decided_by, 'decided_on', NEW.decided_on, 'reinstated', NEW.reinstated, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_grievances_audit_update AFTER UPDATE ON pkh_grievances
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'pkh_grievances', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'family_id', OLD.family_id, 'kind', OLD.kind, 'channel', OLD.channel, 'category', OLD.category, 'description', OLD.description, 'period_id', OLD.period_id, 'received_on', OLD.received_on, 'deadline', OLD.deadline, 'status', OLD.status, 'decision_reason', OLD.decision_reason, 'decided_by', OLD.decided_by, 'decided_on', OLD.decided_on, 'reinstated', OLD.reinstated, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'family_id', NEW.family_id, 'kind', NEW.kind, 'channel', NEW.channel, 'category', NEW.category, 'description', NEW.description, 'period_id', NEW.period_id, 'received_on', NEW.received_on, 'deadline', NEW.deadline, 'status', NEW.status, 'decision_reason', NEW.decision_reason, 'decided_by', NEW.decided_by, 'decided_on', NEW.decided_on, 'reinstated', NEW.reinstated, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_grievances_audit_delete AFTER DELETE ON pkh_grievances
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'pkh_grievances', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'family_id', OLD.family_id, 'kind', OLD.kind, 'channel', OLD.channel, 'category', OLD.category, 'description', OLD.description, 'period_id', OLD.period_id, 'received_on', OLD.received_on, 'deadline', OLD.deadline, 'status', OLD.status, 'decision_reason', OLD.decision_reason, 'decided_by', OLD.decided_by, 'decided_on', OLD.decided_on, 'reinstated', OLD.reinstated, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

