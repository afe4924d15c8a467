-- PKH verification: pupils' monthly attendance from the schools' education forms, imported
-- per verification period. The school-attendance compliance of a pupil is derived from it
-- (every month at least the rules' minimum share of effective days).

CREATE TABLE pkh_school_attendance (
    id             bigint GENERATED ALWAYS AS IDENTITY,
    period_id      bigint NOT NULL,
    family_id      bigint NOT NULL,
    person_id      bigint NOT NULL,
    school_name    text NOT NULL,
    month          text NOT NULL,
    absent         integer NOT NULL,
    permitted      integer NOT NULL,
    sick           integer NOT NULL,
    effective_days integer NOT NULL,
    imported_by    bigint,
    imported_at    timestamptz NOT NULL,
    version        bigint NOT NULL DEFAULT 1,
    CONSTRAINT pkh_school_attendance_pkey PRIMARY KEY (id),
    CONSTRAINT pkh_school_attendance_period_id_fkey FOREIGN KEY (period_id) REFERENCES pkh_periods (id),
    CONSTRAINT pkh_school_attendance_family_id_fkey FOREIGN KEY (family_id) REFERENCES pkh_families (id),
    CONSTRAINT pkh_school_attendance_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id),
    CONSTRAINT pkh_school_attendance_imported_by_fkey FOREIGN KEY (imported_by) REFERENCES users (id),
    CONSTRAINT pkh_school_attendance_key UNIQUE (period_id, person_id, month),
    CONSTRAINT pkh_school_attendance_days_check CHECK (
        effective_days BETWEEN 1 AND 31 AND absent >= 0 AND permitted >= 0 AND sick >= 0
        AND absent + permitted + sick <= effective_days)
);
CREATE INDEX pkh_school_attendance_family_idx ON pkh_school_attendance (family_id, period_id);

CREATE TRIGGER pkh_school_attendance_audit AFTER INSERT OR UPDATE OR DELETE ON pkh_school_attendance
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
