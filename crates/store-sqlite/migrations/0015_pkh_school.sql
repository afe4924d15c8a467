-- PKH verification: pupils' monthly attendance from the schools' education forms, imported
-- per verification period. The school-attendance compliance of a pupil is derived from it
-- (every month at least the rules' minimum share of effective days).

CREATE TABLE pkh_school_attendance (
    id             INTEGER PRIMARY KEY,
    period_id      INTEGER NOT NULL REFERENCES pkh_periods(id),
    family_id      INTEGER NOT NULL REFERENCES pkh_families(id),
    person_id      INTEGER NOT NULL REFERENCES people(id),
    school_name    TEXT NOT NULL,
    month          TEXT NOT NULL,
    absent         INTEGER NOT NULL CHECK (absent >= 0),
    permitted      INTEGER NOT NULL CHECK (permitted >= 0),
    sick           INTEGER NOT NULL CHECK (sick >= 0),
    effective_days INTEGER NOT NULL CHECK (effective_days BETWEEN 1 AND 31),
    imported_by    INTEGER REFERENCES users(id),
    imported_at    TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    CHECK (absent + permitted + sick <= effective_days)
);
CREATE UNIQUE INDEX pkh_school_attendance_key ON pkh_school_attendance(period_id, person_id, month);
CREATE INDEX pkh_school_attendance_family ON pkh_school_attendance(family_id, period_id);

CREATE TRIGGER pkh_school_attendance_audit_insert AFTER INSERT ON pkh_school_attendance
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'pkh_school_attendance', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'period_id', NEW.period_id, 'family_id', NEW.family_id, 'person_id', NEW.person_id, 'school_name', NEW.school_name, 'month', NEW.month, 'absent', NEW.absent, 'permitted', NEW.permitted, 'sick', NEW.sick, 'effective_days', NEW.effective_days, 'imported_by', NEW.imported_by, 'imported_at', NEW.imported_at, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_school_attendance_audit_update AFTER UPDATE ON pkh_school_attendance
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'pkh_school_attendance', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'period_id', OLD.period_id, 'family_id', OLD.family_id, 'person_id', OLD.person_id, 'school_name', OLD.school_name, 'month', OLD.month, 'absent', OLD.absent, 'permitted', OLD.permitted, 'sick', OLD.sick, 'effective_days', OLD.effective_days, 'imported_by', OLD.imported_by, 'imported_at', OLD.imported_at, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'period_id', NEW.period_id, 'family_id', NEW.family_id, 'person_id', NEW.person_id, 'school_name', NEW.school_name, 'month', NEW.month, 'absent', NEW.absent, 'permitted', NEW.permitted, 'sick', NEW.sick, 'effective_days', NEW.effective_days, 'imported_by', NEW.imported_by, 'imported_at', NEW.imported_at, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_school_attendance_audit_delete AFTER DELETE ON pkh_school_attendance
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'pkh_school_attendance', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'period_id', OLD.period_id, 'family_id', OLD.family_id, 'person_id', OLD.person_id, 'school_name', OLD.school_name, 'month', OLD.month, 'absent', OLD.absent, 'permitted', OLD.permitted, 'sick', OLD.sick, 'effective_days', OLD.effective_days, 'imported_by', OLD.imported_by, 'imported_at', OLD.imported_at, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

