-- Machinery (alsintan) lending: an agency's or its BPP's machines, their bookings and loans
-- to farmer groups, and their maintenance. Periods are inclusive dates. `loan_seq` counts the
-- bookings of a machine: a booking bumps it first thing, which locks the machine's row on
-- PostgreSQL, so two bookings of one machine are checked for overlap one after the other.

CREATE TABLE machines (
    id           INTEGER PRIMARY KEY,
    agency_id    INTEGER NOT NULL REFERENCES agencies(id),
    kind         TEXT NOT NULL
                 CONSTRAINT machines_kind_check CHECK (kind IN ('hand_tractor', 'cultivator', 'water_pump', 'other')),
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    inventory_no TEXT NOT NULL,
    region       TEXT NOT NULL REFERENCES regions(code),
    place        TEXT,
    condition    TEXT NOT NULL
                 CONSTRAINT machines_condition_check CHECK (condition IN ('good', 'light_damage', 'heavy_damage', 'in_repair')),
    acquired_on  TEXT,
    note         TEXT,
    loan_seq     INTEGER NOT NULL DEFAULT 0,
    version      INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT machines_agency_id_inventory_no_key UNIQUE (agency_id, inventory_no)
);
CREATE INDEX machines_region ON machines(region);
CREATE INDEX machines_name ON machines(name_key);

CREATE TABLE machine_loans (
    id            INTEGER PRIMARY KEY,
    machine_id    INTEGER NOT NULL REFERENCES machines(id),
    group_id      INTEGER NOT NULL REFERENCES groups(id),
    program_id    INTEGER REFERENCES programs(id),
    starts_on     TEXT NOT NULL,
    due_on        TEXT NOT NULL,
    status        TEXT NOT NULL
                  CONSTRAINT machine_loans_status_check CHECK (status IN ('booked', 'out', 'returned', 'cancelled')),
    out_on        TEXT,
    condition_out TEXT CONSTRAINT machine_loans_condition_out_check CHECK (condition_out IN ('good', 'light_damage', 'heavy_damage', 'in_repair')),
    out_by        TEXT,
    returned_on   TEXT,
    condition_in  TEXT CONSTRAINT machine_loans_condition_in_check CHECK (condition_in IN ('good', 'light_damage', 'heavy_damage', 'in_repair')),
    usage_minutes INTEGER CHECK (usage_minutes >= 0),
    usage_m2      INTEGER CHECK (usage_m2 >= 0),
    damage_note   TEXT,
    note          TEXT,
    version       INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT machine_loans_dates_check CHECK (due_on >= starts_on),
    CONSTRAINT machine_loans_return_check CHECK (returned_on IS NULL OR returned_on >= out_on)
);
CREATE INDEX machine_loans_machine ON machine_loans(machine_id, starts_on);
CREATE INDEX machine_loans_group ON machine_loans(group_id);
CREATE INDEX machine_loans_program ON machine_loans(program_id);
CREATE INDEX machine_loans_due ON machine_loans(status, due_on);

CREATE TABLE machine_maintenance (
    id              INTEGER PRIMARY KEY,
    machine_id      INTEGER NOT NULL REFERENCES machines(id),
    done_on         TEXT NOT NULL,
    kind            TEXT NOT NULL
                    CONSTRAINT machine_maintenance_kind_check CHECK (kind IN ('service', 'repair', 'inspection')),
    description     TEXT NOT NULL,
    cost_rp         INTEGER NOT NULL CHECK (cost_rp >= 0),
    condition_after TEXT NOT NULL
                    CONSTRAINT machine_maintenance_condition_after_check CHECK (condition_after IN ('good', 'light_damage', 'heavy_damage', 'in_repair'))
);
CREATE INDEX machine_maintenance_machine ON machine_maintenance(machine_id, done_on);

CREATE TRIGGER machines_audit_insert AFTER INSERT ON machines
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'machines', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'agency_id', NEW.agency_id, 'kind', NEW.kind, 'name', NEW.name, 'name_key', NEW.name_key, 'inventory_no', NEW.inventory_no, 'region', NEW.region, 'place', NEW.place, 'condition', NEW.condition, 'acquired_on', NEW.acquired_on, 'note', NEW.note, 'loan_seq', NEW.loan_seq, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER machines_audit_update AFTER UPDATE ON machines
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'machines', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'agency_id', OLD.agency_id, 'kind', OLD.kind, 'name', OLD.name, 'name_key', OLD.name_key, 'inventory_no', OLD.inventory_no, 'region', OLD.region, 'place', OLD.place, 'condition', OLD.condition, 'acquired_on', OLD.acquired_on, 'note', OLD.note, 'loan_seq', OLD.loan_seq, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'agency_id', NEW.agency_id, 'kind', NEW.kind, 'name', NEW.name, 'name_key', NEW.name_key, 'inventory_no', NEW.inventory_no, 'region', NEW.region, 'place', NEW.place, 'condition', NEW.condition, 'acquired_on', NEW.acquired_on, 'note', NEW.note, 'loan_seq', NEW.loan_seq, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER machines_audit_delete AFTER DELETE ON machines
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'machines', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'agency_id', OLD.agency_id, 'kind', OLD.kind, 'name', OLD.name, 'name_key', OLD.name_key, 'inventory_no', OLD.inventory_no, 'region', OLD.region, 'place', OLD.place, 'condition', OLD.condition, 'acquired_on', OLD.acquired_on, 'note', OLD.note, 'loan_seq', OLD.loan_seq, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER machine_loans_audit_insert AFTER INSERT ON machine_loans
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'machine_loans', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'machine_id', NEW.machine_id, 'group_id', NEW.group_id, 'program_id', NEW.program_id, 'starts_on', NEW.starts_on, 'due_on', NEW.due_on, 'status', NEW.status, 'out_on', NEW.out_on, 'condition_out', NEW.condition_out, 'out_by', NEW.out_by, 'returned_on', NEW.returned_on, 'condition_in', NEW.condition_in, 'usage_minutes', NEW.usage_minutes, 'usage_m2', NEW.usage_m2, 'damage_note', NEW.damage_note, 'note', NEW.note, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER machine_loans_audit_update AFTER UPDATE ON machine_loans
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'machine_loans', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'machine_id', OLD.machine_id, 'group_id', OLD.group_id, 'program_id', OLD.program_id, 'starts_on', OLD.starts_on, 'due_on', OLD.due_on, 'status', OLD.status, 'out_on', OLD.out_on, 'condition_out', OLD.condition_out, 'out_by', OLD.out_by, 'returned_on', OLD.returned_on, 'condition_in', OLD.condition_in, 'usage_minutes', OLD.usage_minutes, 'usage_m2', OLD.usage_m2, 'damage_note', OLD.damage_note, 'note', OLD.note, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'machine_id', NEW.machine_id, 'group_id', NEW.group_id, 'program_id', NEW.program_id, 'starts_on', NEW.starts_on, 'due_on', NEW.due_on, 'status', NEW.status, 'out_on', NEW.out_on, 'condition_out', NEW.condition_out, 'out_by', NEW.out_by, 'returned_on', NEW.returned_on, 'condition_in', NEW.condition_in, 'usage_minutes', NEW.usage_minutes, 'usage_m2', NEW.usage_m2, 'damage_note', NEW.damage_note, 'note', NEW.note, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER machine_loans_audit_delete AFTER DELETE ON machine_loans
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'machine_loans', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'machine_id', OLD.machine_id, 'group_id', OLD.group_id, 'program_id', OLD.program_id, 'starts_on', OLD.starts_on, 'due_on', OLD.due_on, 'status', OLD.status, 'out_on', OLD.out_on, 'condition_out', OLD.condition_out, 'out_by', OLD.out_by, 'returned_on', OLD.returned_on, 'condition_in', OLD.condition_in, 'usage_minutes', OLD.usage_minutes, 'usage_m2', OLD.usage_m2, 'damage_note', OLD.damage_note, 'note', OLD.note, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER machine_maintenance_audit_insert AFTER INSERT ON machine_maintenance
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'machine_maintenance', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'machine_id', NEW.machine_id, 'done_on', NEW.done_on, 'kind', NEW.kind, 'description', NEW.description, 'cost_rp', NEW.cost_rp, 'condition_after', NEW.condition_after
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER machine_maintenance_audit_update AFTER UPDATE ON machine_maintenance
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'machine_maintenance', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'machine_id', OLD.machine_id, 'done_on', OLD.done_on, 'kind', OLD.kind, 'description', OLD.description, 'cost_rp', OLD.cost_rp, 'condition_after', OLD.condition_after
        ),
        json_object(
            'id', NEW.id, 'machine_id', NEW.machine_id, 'done_on', NEW.done_on, 'kind', NEW.kind, 'description', NEW.description, 'cost_rp', NEW.cost_rp, 'condition_after', NEW.condition_after
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER machine_maintenance_audit_delete AFTER DELETE ON machine_maintenance
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'machine_maintenance', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'machine_id', OLD.machine_id, 'done_on', OLD.done_on, 'kind', OLD.kind, 'description', OLD.description, 'cost_rp', OLD.cost_rp, 'condition_after', OLD.condition_after
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;
