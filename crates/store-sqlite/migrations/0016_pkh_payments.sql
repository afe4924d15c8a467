-- PKH stage payments: a payment list (daftar nominatif) per program, year and stage, built
-- from the families' components and the ladder's status, and its lines, each a snapshot of
-- what the bank needs (recipient, KK, village, facilitator, components, amount) so that a
-- frozen list never changes when the registry does. The bank's results are recorded on the
-- lines. Lines are not audited row by row (a list has up to a million); the list row is,
-- and its version moves on every build, freeze and results import.

CREATE TABLE pkh_payment_lists (
    id                 INTEGER PRIMARY KEY,
    program_id         INTEGER NOT NULL REFERENCES programs(id),
    year               INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    stage              INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 12),
    status             TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'frozen')),
    decided_by_period  TEXT,
    families           INTEGER NOT NULL DEFAULT 0,
    total              INTEGER NOT NULL DEFAULT 0,
    skipped_suspended  INTEGER NOT NULL DEFAULT 0,
    skipped_terminated INTEGER NOT NULL DEFAULT 0,
    skipped_zero       INTEGER NOT NULL DEFAULT 0,
    built_by           INTEGER REFERENCES users(id),
    built_by_name      TEXT NOT NULL,
    built_at           TEXT NOT NULL,
    frozen_by          INTEGER REFERENCES users(id),
    frozen_by_name     TEXT,
    frozen_at          TEXT,
    version            INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT pkh_payment_lists_program_id_year_stage_key UNIQUE (program_id, year, stage)
);

CREATE TABLE pkh_payment_lines (
    id               INTEGER PRIMARY KEY,
    list_id          INTEGER NOT NULL REFERENCES pkh_payment_lists(id),
    family_id        INTEGER NOT NULL REFERENCES pkh_families(id),
    household_id     INTEGER NOT NULL,
    kk               INTEGER NOT NULL,
    recipient_name   TEXT NOT NULL,
    village_code     TEXT NOT NULL,
    village_name     TEXT NOT NULL,
    district_code    TEXT NOT NULL,
    facilitator_id   INTEGER,
    facilitator_name TEXT,
    family_status    TEXT NOT NULL CHECK (family_status IN ('active', 'warning')),
    components       TEXT NOT NULL,
    amount           INTEGER NOT NULL CHECK (amount > 0),
    result           TEXT NOT NULL DEFAULT 'pending' CHECK (result IN ('pending', 'paid', 'failed')),
    reason           TEXT,
    paid_on          TEXT
);
CREATE UNIQUE INDEX pkh_payment_lines_list_family ON pkh_payment_lines(list_id, family_id);
CREATE INDEX pkh_payment_lines_list_kk ON pkh_payment_lines(list_id, kk);
CREATE INDEX pkh_payment_lines_family ON pkh_payment_lines(family_id);

CREATE TRIGGER pkh_payment_lists_audit_insert AFTER INSERT ON pkh_payment_lists
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'pkh_payment_lists', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'program_id', NEW.program_id, 'year', NEW.year, 'stage', NEW.stage, 'status', NEW.status, 'decided_by_period', NEW.decided_by_period, 'families', NEW.families, 'total', NEW.total, 'skipped_suspended', NEW.skipped_suspended, 'skipped_terminated', NEW.skipped_terminated, 'skipped_zero', NEW.skipped_zero, 'built_by', NEW.built_by, 'built_by_name', NEW.built_by_name, 'built_at', NEW.built_at, 'frozen_by', NEW.frozen_by, 'frozen_by_name', NEW.frozen_by_name, 'frozen_at', NEW.frozen_at, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_payment_lists_audit_update AFTER UPDATE ON pkh_payment_lists
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'pkh_payment_lists', CAST(NEW.id AS TEXT),
        json_object(
            'program_id', OLD.program_id, 'year', OLD.year, 'stage', OLD.stage, 'status', OLD.status, 'decided_by_period', OLD.decided_by_period, 'families', OLD.families, 'total', OLD.total, 'skipped_suspended', OLD.skipped_suspended, 'skipped_terminated', OLD.skipped_terminated, 'skipped_zero', OLD.skipped_zero, 'built_by', OLD.built_by, 'built_by_name', OLD.built_by_name, 'built_at', OLD.built_at, 'frozen_by', OLD.frozen_by, 'frozen_by_name', OLD.frozen_by_name, 'frozen_at', OLD.frozen_at, 'version', OLD.version
        ),
        json_object(
            'program_id', NEW.program_id, 'year', NEW.year, 'stage', NEW.stage, 'status', NEW.status, 'decided_by_period', NEW.decided_by_period, 'families', NEW.families, 'total', NEW.total, 'skipped_suspended', NEW.skipped_suspended, 'skipped_terminated', NEW.skipped_terminated, 'skipped_zero', NEW.skipped_zero, 'built_by', NEW.built_by, 'built_by_name', NEW.built_by_name, 'built_at', NEW.built_at, 'frozen_by', NEW.frozen_by, 'frozen_by_name', NEW.frozen_by_name, 'frozen_at', NEW.frozen_at, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER pkh_payment_lists_audit_delete AFTER DELETE ON pkh_payment_lists
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'pkh_payment_lists', CAST(OLD.id AS TEXT),
        json_object(
            'program_id', OLD.program_id, 'year', OLD.year, 'stage', OLD.stage, 'status', OLD.status, 'decided_by_period', OLD.decided_by_period, 'families', OLD.families, 'total', OLD.total, 'skipped_suspended', OLD.skipped_suspended, 'skipped_terminated', OLD.skipped_terminated, 'skipped_zero', OLD.skipped_zero, 'built_by', OLD.built_by, 'built_by_name', OLD.built_by_name, 'built_at', OLD.built_at, 'frozen_by', OLD.frozen_by, 'frozen_by_name', OLD.frozen_by_name, 'frozen_at', OLD.frozen_at, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

