-- PKH grievances and appeals about a family: a complaint or an appeal, the channel it came
-- through, what it is about, the period whose sanction an appeal contests, its deadline,
-- and the decision with its reason. Evidence files are attachments (entity
-- `pkh_grievance`). An upheld appeal about status reinstates the family (the store writes
-- `pkh_families` and a `pkh_status_events` row in the same transaction).

CREATE TABLE pkh_grievances (
    id              bigint GENERATED ALWAYS AS IDENTITY,
    family_id       bigint NOT NULL,
    kind            text NOT NULL,
    channel         text NOT NULL,
    category        text NOT NULL,
    description     text NOT NULL,
    period_id       bigint,
    received_on     date NOT NULL,
    deadline        date NOT NULL,
    status          text NOT NULL DEFAULT 'received',
    decision_reason text,
    decided_by      bigint,
    decided_on      date,
    reinstated      boolean NOT NULL DEFAULT false,
    version         bigint NOT NULL DEFAULT 1,
    CONSTRAINT pkh_grievances_pkey PRIMARY KEY (id),
    CONSTRAINT pkh_grievances_family_id_fkey FOREIGN KEY (family_id) REFERENCES pkh_families (id),
    CONSTRAINT pkh_grievances_period_id_fkey FOREIGN KEY (period_id) REFERENCES pkh_periods (id),
    CONSTRAINT pkh_grievances_decided_by_fkey FOREIGN KEY (decided_by) REFERENCES users (id),
    CONSTRAINT pkh_grievances_kind_check CHECK (kind IN ('complaint', 'appeal')),
    CONSTRAINT pkh_grievances_channel_check CHECK (channel IN ('pendamping', 'sms', 'office', 'hotline', 'online')),
    CONSTRAINT pkh_grievances_category_check CHECK (category IN ('status', 'payment', 'data', 'facilitator', 'other')),
    CONSTRAINT pkh_grievances_status_check CHECK (status IN ('received', 'in_review', 'upheld', 'rejected', 'closed')),
    CONSTRAINT pkh_grievances_deadline_check CHECK (deadline >= received_on)
);
CREATE INDEX pkh_grievances_family_idx ON pkh_grievances (family_id, id);
CREATE INDEX pkh_grievances_status_idx ON pkh_grievances (status, deadline);

CREATE TRIGGER pkh_grievances_audit AFTER INSERT OR UPDATE OR DELETE ON pkh_grievances
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
