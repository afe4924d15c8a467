-- The enrollment life cycle: six statuses (the first release's 'active' becomes 'enrolled')
-- and the history of every status change, with who decided it.

-- The renaming of 'active' and the first history rows are not decisions anyone made: the
-- audit triggers stay quiet for this transaction.
SELECT set_config('berdaya.bulk', '1', true);

ALTER TABLE enrollments DROP CONSTRAINT enrollments_status_check;
UPDATE enrollments SET status = 'enrolled' WHERE status = 'active';
ALTER TABLE enrollments ADD
    CONSTRAINT enrollments_status_check CHECK (status IN ('candidate', 'enrolled', 'suspended', 'exited', 'graduated', 'terminated'));
CREATE INDEX enrollments_program_idx ON enrollments (program_id);

-- One row per status change. `from_status` is NULL for the first row, written when the
-- enrollment is made; `decided_by_name` keeps the username as it was (`system` for the CLI,
-- the demo loader and this migration). Rows are only ever added.
CREATE TABLE enrollment_changes (
    id              bigint GENERATED ALWAYS AS IDENTITY,
    enrollment_id   bigint NOT NULL,
    from_status     text,
    to_status       text NOT NULL,
    changed_on      date NOT NULL,
    reason          text,
    decided_by      bigint,
    decided_by_name text NOT NULL,
    recorded_at     timestamptz NOT NULL,
    CONSTRAINT enrollment_changes_pkey PRIMARY KEY (id),
    CONSTRAINT enrollment_changes_enrollment_id_fkey FOREIGN KEY (enrollment_id) REFERENCES enrollments (id),
    CONSTRAINT enrollment_changes_decided_by_fkey FOREIGN KEY (decided_by) REFERENCES users (id),
    CONSTRAINT enrollment_changes_from_status_check CHECK (from_status IN ('candidate', 'enrolled', 'suspended', 'exited', 'graduated', 'terminated')),
    CONSTRAINT enrollment_changes_to_status_check CHECK (to_status IN ('candidate', 'enrolled', 'suspended', 'exited', 'graduated', 'terminated'))
);
CREATE INDEX enrollment_changes_enrollment_idx ON enrollment_changes (enrollment_id, changed_on);

INSERT INTO enrollment_changes (enrollment_id, from_status, to_status, changed_on, reason, decided_by,
                                decided_by_name, recorded_at)
SELECT id, NULL, status, COALESCE(ended_on, enrolled_on), NULL, NULL, 'system', date_trunc('microseconds', now())
FROM enrollments ORDER BY id;

CREATE TRIGGER enrollment_changes_audit AFTER INSERT OR UPDATE OR DELETE ON enrollment_changes
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');

SELECT set_config('berdaya.bulk', '', true);
