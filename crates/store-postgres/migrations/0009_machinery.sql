-- Machinery (alsintan) lending: an agency's or its BPP's machines, their bookings and loans
-- to farmer groups, and their maintenance. Periods are inclusive dates. `loan_seq` counts the
-- bookings of a machine: a booking bumps it first thing, which locks the machine's row, so two
-- bookings of one machine are checked for overlap one after the other.

CREATE TABLE machines (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    agency_id    bigint NOT NULL,
    kind         text NOT NULL,
    name         text NOT NULL,
    name_key     text NOT NULL,
    inventory_no text NOT NULL,
    region       text NOT NULL,
    place        text,
    condition    text NOT NULL,
    acquired_on  date,
    note         text,
    loan_seq     bigint NOT NULL DEFAULT 0,
    version      bigint NOT NULL DEFAULT 1,
    CONSTRAINT machines_pkey PRIMARY KEY (id),
    CONSTRAINT machines_agency_id_fkey FOREIGN KEY (agency_id) REFERENCES agencies (id),
    CONSTRAINT machines_region_fkey FOREIGN KEY (region) REFERENCES regions (code),
    CONSTRAINT machines_agency_id_inventory_no_key UNIQUE (agency_id, inventory_no),
    CONSTRAINT machines_kind_check CHECK (kind IN ('hand_tractor', 'cultivator', 'water_pump', 'other')),
    CONSTRAINT machines_condition_check CHECK (condition IN ('good', 'light_damage', 'heavy_damage', 'in_repair'))
);
CREATE INDEX machines_region_idx ON machines (region text_pattern_ops);
CREATE INDEX machines_name_idx ON machines (name_key);

CREATE TABLE machine_loans (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    machine_id    bigint NOT NULL,
    group_id      bigint NOT NULL,
    program_id    bigint,
    starts_on     date NOT NULL,
    due_on        date NOT NULL,
    status        text NOT NULL,
    out_on        date,
    condition_out text,
    out_by        text,
    returned_on   date,
    condition_in  text,
    usage_minutes bigint,
    usage_m2      bigint,
    damage_note   text,
    note          text,
    version       bigint NOT NULL DEFAULT 1,
    CONSTRAINT machine_loans_pkey PRIMARY KEY (id),
    CONSTRAINT machine_loans_machine_id_fkey FOREIGN KEY (machine_id) REFERENCES machines (id),
    CONSTRAINT machine_loans_group_id_fkey FOREIGN KEY (group_id) REFERENCES groups (id),
    CONSTRAINT machine_loans_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT machine_loans_status_check CHECK (status IN ('booked', 'out', 'returned', 'cancelled')),
    CONSTRAINT machine_loans_condition_out_check CHECK (condition_out IN ('good', 'light_damage', 'heavy_damage', 'in_repair')),
    CONSTRAINT machine_loans_condition_in_check CHECK (condition_in IN ('good', 'light_damage', 'heavy_damage', 'in_repair')),
    CONSTRAINT machine_loans_usage_check CHECK (usage_minutes >= 0 AND usage_m2 >= 0),
    CONSTRAINT machine_loans_dates_check CHECK (due_on >= starts_on),
    CONSTRAINT machine_loans_return_check CHECK (returned_on IS NULL OR returned_on >= out_on)
);
CREATE INDEX machine_loans_machine_idx ON machine_loans (machine_id, starts_on);
CREATE INDEX machine_loans_group_idx ON machine_loans (group_id);
CREATE INDEX machine_loans_program_idx ON machine_loans (program_id);
CREATE INDEX machine_loans_due_idx ON machine_loans (status, due_on);

CREATE TABLE machine_maintenance (
    id              bigint GENERATED ALWAYS AS IDENTITY,
    machine_id      bigint NOT NULL,
    done_on         date NOT NULL,
    kind            text NOT NULL,
    description     text NOT NULL,
    cost_rp         bigint NOT NULL,
    condition_after text NOT NULL,
    CONSTRAINT machine_maintenance_pkey PRIMARY KEY (id),
    CONSTRAINT machine_maintenance_machine_id_fkey FOREIGN KEY (machine_id) REFERENCES machines (id),
    CONSTRAINT machine_maintenance_kind_check CHECK (kind IN ('service', 'repair', 'inspection')),
    CONSTRAINT machine_maintenance_cost_check CHECK (cost_rp >= 0),
    CONSTRAINT machine_maintenance_condition_after_check CHECK (condition_after IN ('good', 'light_damage', 'heavy_damage', 'in_repair'))
);
CREATE INDEX machine_maintenance_machine_idx ON machine_maintenance (machine_id, done_on);

CREATE TRIGGER machines_audit AFTER INSERT OR UPDATE OR DELETE ON machines
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER machine_loans_audit AFTER INSERT OR UPDATE OR DELETE ON machine_loans
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER machine_maintenance_audit AFTER INSERT OR UPDATE OR DELETE ON machine_maintenance
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
