-- The enrollment life cycle: six statuses (the first release's 'active' becomes 'enrolled')
-- and the history of every status change, with who decided it.
--
-- SQLite cannot change a CHECK, so `enrollments` is rebuilt: copied into a new table, the old
-- one dropped (its indexes and audit triggers with it; a DROP fires no trigger) and the new
-- one renamed, then its indexes and the audit triggers of 0003_access are made again. The
-- copy keeps every id, so the audit log's entries still name the same enrollments.

CREATE TABLE enrollments_next (
    id           INTEGER PRIMARY KEY,
    program_id   INTEGER NOT NULL REFERENCES programs(id),
    household_id INTEGER REFERENCES households(id),
    person_id    INTEGER REFERENCES people(id),
    group_id     INTEGER REFERENCES groups(id),
    status       TEXT NOT NULL
                 CHECK (status IN ('candidate','enrolled','suspended','exited','graduated','terminated')),
    enrolled_on  TEXT NOT NULL,
    ended_on     TEXT,
    version      INTEGER NOT NULL DEFAULT 1,
    CHECK ((household_id IS NOT NULL) + (person_id IS NOT NULL) + (group_id IS NOT NULL) = 1),
    UNIQUE (program_id, household_id),
    UNIQUE (program_id, person_id),
    UNIQUE (program_id, group_id)
);

INSERT INTO enrollments_next (id, program_id, household_id, person_id, group_id, status, enrolled_on, ended_on, version)
SELECT id, program_id, household_id, person_id, group_id,
       CASE status WHEN 'active' THEN 'enrolled' ELSE status END,
       enrolled_on, ended_on, version
FROM enrollments;

DROP TABLE enrollments;
ALTER TABLE enrollments_next RENAME TO enrollments;

CREATE INDEX enrollments_household ON enrollments(household_id);
CREATE INDEX enrollments_person ON enrollments(person_id);
CREATE INDEX enrollments_group ON enrollments(group_id);
CREATE INDEX enrollments_program ON enrollments(program_id);

CREATE TRIGGER enrollments_audit_insert AFTER INSERT ON enrollments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'enrollments', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'program_id', NEW.program_id, 'household_id', NEW.household_id,
            'person_id', NEW.person_id, 'group_id', NEW.group_id, 'status', NEW.status,
            'enrolled_on', NEW.enrolled_on, 'ended_on', NEW.ended_on, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER enrollments_audit_update AFTER UPDATE ON enrollments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'enrollments', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'program_id', OLD.program_id, 'household_id', OLD.household_id,
            'person_id', OLD.person_id, 'group_id', OLD.group_id, 'status', OLD.status,
            'enrolled_on', OLD.enrolled_on, 'ended_on', OLD.ended_on, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'program_id', NEW.program_id, 'household_id', NEW.household_id,
            'person_id', NEW.person_id, 'group_id', NEW.group_id, 'status', NEW.status,
            'enrolled_on', NEW.enrolled_on, 'ended_on', NEW.ended_on, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER enrollments_audit_delete AFTER DELETE ON enrollments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'enrollments', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'program_id', OLD.program_id, 'household_id', OLD.household_id,
            'person_id', OLD.person_id, 'group_id', OLD.group_id, 'status', OLD.status,
            'enrolled_on', OLD.enrolled_on, 'ended_on', OLD.ended_on, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- One row per status change. `from_status` is NULL for the first row, written when the
-- enrollment is made; `decided_by_name` keeps the username as it was (`system` for the CLI,
-- the demo loader and this migration). Rows are only ever added.
CREATE TABLE enrollment_changes (
    id              INTEGER PRIMARY KEY,
    enrollment_id   INTEGER NOT NULL REFERENCES enrollments(id),
    from_status     TEXT
                    CHECK (from_status IN ('candidate','enrolled','suspended','exited','graduated','terminated')),
    to_status       TEXT NOT NULL
                    CHECK (to_status IN ('candidate','enrolled','suspended','exited','graduated','terminated')),
    changed_on      TEXT NOT NULL,
    reason          TEXT,
    decided_by      INTEGER REFERENCES users(id),
    decided_by_name TEXT NOT NULL,
    recorded_at     TEXT NOT NULL
);
CREATE INDEX enrollment_changes_enrollment ON enrollment_changes(enrollment_id, changed_on);

-- The history starts with where each enrollment stands today (not audited: no one decided it).
INSERT INTO enrollment_changes (enrollment_id, from_status, to_status, changed_on, reason, decided_by,
                                decided_by_name, recorded_at)
SELECT id, NULL, status, COALESCE(ended_on, enrolled_on), NULL, NULL, 'system',
       strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')
FROM enrollments ORDER BY id;

CREATE TRIGGER enrollment_changes_audit_insert AFTER INSERT ON enrollment_changes
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'enrollment_changes',
        CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'enrollment_id', NEW.enrollment_id, 'from_status', NEW.from_status,
            'to_status', NEW.to_status, 'changed_on', NEW.changed_on, 'reason', NEW.reason,
            'decided_by', NEW.decided_by, 'decided_by_name', NEW.decided_by_name, 'recorded_at', NEW.recorded_at
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER enrollment_changes_audit_update AFTER UPDATE ON enrollment_changes
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'enrollment_changes',
        CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'enrollment_id', OLD.enrollment_id, 'from_status', OLD.from_status,
            'to_status', OLD.to_status, 'changed_on', OLD.changed_on, 'reason', OLD.reason,
            'decided_by', OLD.decided_by, 'decided_by_name', OLD.decided_by_name, 'recorded_at', OLD.recorded_at
        ),
        json_object(
            'id', NEW.id, 'enrollment_id', NEW.enrollment_id, 'from_status', NEW.from_status,
            'to_status', NEW.to_status, 'changed_on', NEW.changed_on, 'reason', NEW.reason,
            'decided_by', NEW.decided_by, 'decided_by_name', NEW.decided_by_name, 'recorded_at', NEW.recorded_at
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER enrollment_changes_audit_delete AFTER DELETE ON enrollment_changes
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'enrollment_changes',
        CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'enrollment_id', OLD.enrollment_id, 'from_status', OLD.from_status,
            'to_status', OLD.to_status, 'changed_on', OLD.changed_on, 'reason', OLD.reason,
            'decided_by', OLD.decided_by, 'decided_by_name', OLD.decided_by_name, 'recorded_at', OLD.recorded_at
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;
