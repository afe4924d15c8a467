-- Input aid: members' land per crop, input items and the per-hectare dose table, the cap
-- rule, season allocation plans with their lines, and distributions against them.
--
-- Quantities are whole numbers in the item's base unit (g, ml or piece), land in whole m².
-- The dose rows shipped here are defaults ("default, edit to your agency's table"): typical
-- per-hectare recommendations, to be replaced by the agency's own table.

CREATE TABLE aid_items (
    id      INTEGER PRIMARY KEY,
    code    TEXT NOT NULL,
    name    TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('seed','seedling','fertilizer','pesticide','other')),
    unit    TEXT NOT NULL CHECK (unit IN ('g','ml','piece')),
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX aid_items_code ON aid_items(code);

CREATE TABLE aid_doses (
    id      INTEGER PRIMARY KEY,
    crop    TEXT NOT NULL CHECK (crop IN ('rice','maize','soybean','chilli','shallot','garlic','sugarcane','cocoa','coffee','dragon_fruit','other')),
    item_id INTEGER NOT NULL REFERENCES aid_items(id),
    per_ha  INTEGER NOT NULL CHECK (per_ha > 0),
    source  TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX aid_doses_crop_item ON aid_doses(crop, item_id);

-- One row: how much land counts (cap_m2) and how land above it counts.
CREATE TABLE aid_rules (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    cap_m2   INTEGER NOT NULL CHECK (cap_m2 > 0),
    over_cap TEXT NOT NULL CHECK (over_cap IN ('truncate','exclude')),
    version  INTEGER NOT NULL DEFAULT 1
);
INSERT INTO aid_rules (id, cap_m2, over_cap) VALUES (1, 20000, 'truncate');

CREATE TABLE land_parcels (
    id        INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    crop      TEXT NOT NULL CHECK (crop IN ('rice','maize','soybean','chilli','shallot','garlic','sugarcane','cocoa','coffee','dragon_fruit','other')),
    area_m2   INTEGER NOT NULL CHECK (area_m2 > 0),
    note      TEXT,
    version   INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX land_parcels_person ON land_parcels(person_id);

CREATE TABLE aid_plans (
    id               INTEGER PRIMARY KEY,
    program_id       INTEGER NOT NULL REFERENCES programs(id),
    group_id         INTEGER NOT NULL REFERENCES groups(id),
    season_year      INTEGER NOT NULL,
    season_term      TEXT NOT NULL CHECK (season_term IN ('mt1','mt2','mt3')),
    crops            TEXT NOT NULL,
    cap_m2           INTEGER NOT NULL,
    over_cap         TEXT NOT NULL CHECK (over_cap IN ('truncate','exclude')),
    computed_by      INTEGER REFERENCES users(id),
    computed_by_name TEXT NOT NULL,
    computed_at      TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX aid_plans_season ON aid_plans(program_id, group_id, season_year, season_term);
CREATE INDEX aid_plans_group ON aid_plans(group_id);

CREATE TABLE aid_plan_lines (
    id          INTEGER PRIMARY KEY,
    plan_id     INTEGER NOT NULL REFERENCES aid_plans(id),
    person_id   INTEGER NOT NULL REFERENCES people(id),
    crop        TEXT NOT NULL CHECK (crop IN ('rice','maize','soybean','chilli','shallot','garlic','sugarcane','cocoa','coffee','dragon_fruit','other')),
    item_id     INTEGER NOT NULL REFERENCES aid_items(id),
    eligible_m2 INTEGER NOT NULL,
    per_ha      INTEGER NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity >= 0)
);
CREATE INDEX aid_plan_lines_plan ON aid_plan_lines(plan_id, person_id, item_id);

CREATE TABLE aid_distributions (
    id                    INTEGER PRIMARY KEY,
    plan_id               INTEGER NOT NULL REFERENCES aid_plans(id),
    person_id             INTEGER NOT NULL REFERENCES people(id),
    item_id               INTEGER NOT NULL REFERENCES aid_items(id),
    quantity              INTEGER NOT NULL CHECK (quantity > 0),
    given_on              TEXT NOT NULL,
    received_by_person_id INTEGER REFERENCES people(id),
    received_by_name      TEXT,
    note                  TEXT,
    override_reason       TEXT,
    recorded_by           INTEGER REFERENCES users(id),
    recorded_by_name      TEXT NOT NULL,
    recorded_at           TEXT NOT NULL,
    version               INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX aid_distributions_plan ON aid_distributions(plan_id, person_id, item_id);

-- The shipped items and doses (default, edit to your agency's table).
INSERT INTO aid_items (code, name, kind, unit) VALUES
    ('urea', 'Urea', 'fertilizer', 'g'),
    ('sp36', 'SP-36', 'fertilizer', 'g'),
    ('za', 'ZA', 'fertilizer', 'g'),
    ('npk_phonska', 'NPK Phonska', 'fertilizer', 'g'),
    ('petroganik', 'Pupuk organik (Petroganik)', 'fertilizer', 'g'),
    ('seed_rice', 'Benih padi', 'seed', 'g'),
    ('seed_maize', 'Benih jagung hibrida', 'seed', 'g'),
    ('seed_soybean', 'Benih kedelai', 'seed', 'g'),
    ('seedling_chilli', 'Bibit cabai', 'seedling', 'piece'),
    ('seedling_dragon_fruit', 'Bibit (stek) buah naga', 'seedling', 'piece'),
    ('pesticide', 'Pestisida cair', 'pesticide', 'ml');
INSERT INTO aid_doses (crop, item_id, per_ha, source) VALUES
    ('rice', (SELECT id FROM aid_items WHERE code = 'urea'), 250000, 'default, edit to your agency''s table'),
    ('rice', (SELECT id FROM aid_items WHERE code = 'sp36'), 100000, 'default, edit to your agency''s table'),
    ('rice', (SELECT id FROM aid_items WHERE code = 'za'), 100000, 'default, edit to your agency''s table'),
    ('rice', (SELECT id FROM aid_items WHERE code = 'npk_phonska'), 300000, 'default, edit to your agency''s table'),
    ('rice', (SELECT id FROM aid_items WHERE code = 'petroganik'), 500000, 'default, edit to your agency''s table'),
    ('rice', (SELECT id FROM aid_items WHERE code = 'seed_rice'), 25000, 'default, edit to your agency''s table'),
    ('rice', (SELECT id FROM aid_items WHERE code = 'pesticide'), 2000, 'default, edit to your agency''s table'),
    ('maize', (SELECT id FROM aid_items WHERE code = 'urea'), 350000, 'default, edit to your agency''s table'),
    ('maize', (SELECT id FROM aid_items WHERE code = 'sp36'), 100000, 'default, edit to your agency''s table'),
    ('maize', (SELECT id FROM aid_items WHERE code = 'npk_phonska'), 300000, 'default, edit to your agency''s table'),
    ('maize', (SELECT id FROM aid_items WHERE code = 'petroganik'), 500000, 'default, edit to your agency''s table'),
    ('maize', (SELECT id FROM aid_items WHERE code = 'seed_maize'), 15000, 'default, edit to your agency''s table'),
    ('soybean', (SELECT id FROM aid_items WHERE code = 'urea'), 50000, 'default, edit to your agency''s table'),
    ('soybean', (SELECT id FROM aid_items WHERE code = 'sp36'), 100000, 'default, edit to your agency''s table'),
    ('soybean', (SELECT id FROM aid_items WHERE code = 'npk_phonska'), 150000, 'default, edit to your agency''s table'),
    ('soybean', (SELECT id FROM aid_items WHERE code = 'petroganik'), 500000, 'default, edit to your agency''s table'),
    ('soybean', (SELECT id FROM aid_items WHERE code = 'seed_soybean'), 50000, 'default, edit to your agency''s table'),
    ('chilli', (SELECT id FROM aid_items WHERE code = 'urea'), 200000, 'default, edit to your agency''s table'),
    ('chilli', (SELECT id FROM aid_items WHERE code = 'sp36'), 150000, 'default, edit to your agency''s table'),
    ('chilli', (SELECT id FROM aid_items WHERE code = 'za'), 300000, 'default, edit to your agency''s table'),
    ('chilli', (SELECT id FROM aid_items WHERE code = 'npk_phonska'), 300000, 'default, edit to your agency''s table'),
    ('chilli', (SELECT id FROM aid_items WHERE code = 'petroganik'), 500000, 'default, edit to your agency''s table'),
    ('chilli', (SELECT id FROM aid_items WHERE code = 'seedling_chilli'), 18000, 'default, edit to your agency''s table'),
    ('chilli', (SELECT id FROM aid_items WHERE code = 'pesticide'), 3000, 'default, edit to your agency''s table'),
    ('shallot', (SELECT id FROM aid_items WHERE code = 'urea'), 150000, 'default, edit to your agency''s table'),
    ('shallot', (SELECT id FROM aid_items WHERE code = 'sp36'), 150000, 'default, edit to your agency''s table'),
    ('shallot', (SELECT id FROM aid_items WHERE code = 'za'), 300000, 'default, edit to your agency''s table'),
    ('shallot', (SELECT id FROM aid_items WHERE code = 'npk_phonska'), 300000, 'default, edit to your agency''s table'),
    ('shallot', (SELECT id FROM aid_items WHERE code = 'petroganik'), 500000, 'default, edit to your agency''s table'),
    ('garlic', (SELECT id FROM aid_items WHERE code = 'urea'), 200000, 'default, edit to your agency''s table'),
    ('garlic', (SELECT id FROM aid_items WHERE code = 'za'), 250000, 'default, edit to your agency''s table'),
    ('garlic', (SELECT id FROM aid_items WHERE code = 'npk_phonska'), 300000, 'default, edit to your agency''s table'),
    ('garlic', (SELECT id FROM aid_items WHERE code = 'petroganik'), 500000, 'default, edit to your agency''s table'),
    ('sugarcane', (SELECT id FROM aid_items WHERE code = 'urea'), 200000, 'default, edit to your agency''s table'),
    ('sugarcane', (SELECT id FROM aid_items WHERE code = 'za'), 400000, 'default, edit to your agency''s table'),
    ('sugarcane', (SELECT id FROM aid_items WHERE code = 'npk_phonska'), 300000, 'default, edit to your agency''s table'),
    ('sugarcane', (SELECT id FROM aid_items WHERE code = 'petroganik'), 500000, 'default, edit to your agency''s table'),
    ('cocoa', (SELECT id FROM aid_items WHERE code = 'urea'), 200000, 'default, edit to your agency''s table'),
    ('cocoa', (SELECT id FROM aid_items WHERE code = 'npk_phonska'), 300000, 'default, edit to your agency''s table'),
    ('cocoa', (SELECT id FROM aid_items WHERE code = 'petroganik'), 500000, 'default, edit to your agency''s table'),
    ('coffee', (SELECT id FROM aid_items WHERE code = 'urea'), 200000, 'default, edit to your agency''s table'),
    ('coffee', (SELECT id FROM aid_items WHERE code = 'npk_phonska'), 300000, 'default, edit to your agency''s table'),
    ('coffee', (SELECT id FROM aid_items WHERE code = 'petroganik'), 500000, 'default, edit to your agency''s table'),
    ('dragon_fruit', (SELECT id FROM aid_items WHERE code = 'urea'), 100000, 'default, edit to your agency''s table'),
    ('dragon_fruit', (SELECT id FROM aid_items WHERE code = 'npk_phonska'), 300000, 'default, edit to your agency''s table'),
    ('dragon_fruit', (SELECT id FROM aid_items WHERE code = 'petroganik'), 2000000, 'default, edit to your agency''s table'),
    ('dragon_fruit', (SELECT id FROM aid_items WHERE code = 'seedling_dragon_fruit'), 4000, 'default, edit to your agency''s table'),
    ('dragon_fruit', (SELECT id FROM aid_items WHERE code = 'pesticide'), 2000, 'default, edit to your agency''s table');

-- Row triggers, as in 0003_access.

CREATE TRIGGER aid_items_audit_insert AFTER INSERT ON aid_items
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'aid_items', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'code', NEW.code, 'name', NEW.name, 'kind', NEW.kind,
            'unit', NEW.unit, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_items_audit_update AFTER UPDATE ON aid_items
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'aid_items', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'code', OLD.code, 'name', OLD.name, 'kind', OLD.kind,
            'unit', OLD.unit, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'code', NEW.code, 'name', NEW.name, 'kind', NEW.kind,
            'unit', NEW.unit, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_items_audit_delete AFTER DELETE ON aid_items
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'aid_items', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'code', OLD.code, 'name', OLD.name, 'kind', OLD.kind,
            'unit', OLD.unit, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_doses_audit_insert AFTER INSERT ON aid_doses
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'aid_doses', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'crop', NEW.crop, 'item_id', NEW.item_id, 'per_ha', NEW.per_ha,
            'source', NEW.source, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_doses_audit_update AFTER UPDATE ON aid_doses
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'aid_doses', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'crop', OLD.crop, 'item_id', OLD.item_id, 'per_ha', OLD.per_ha,
            'source', OLD.source, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'crop', NEW.crop, 'item_id', NEW.item_id, 'per_ha', NEW.per_ha,
            'source', NEW.source, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_doses_audit_delete AFTER DELETE ON aid_doses
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'aid_doses', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'crop', OLD.crop, 'item_id', OLD.item_id, 'per_ha', OLD.per_ha,
            'source', OLD.source, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_rules_audit_insert AFTER INSERT ON aid_rules
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'aid_rules', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'cap_m2', NEW.cap_m2, 'over_cap', NEW.over_cap, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_rules_audit_update AFTER UPDATE ON aid_rules
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'aid_rules', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'cap_m2', OLD.cap_m2, 'over_cap', OLD.over_cap, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'cap_m2', NEW.cap_m2, 'over_cap', NEW.over_cap, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_rules_audit_delete AFTER DELETE ON aid_rules
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'aid_rules', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'cap_m2', OLD.cap_m2, 'over_cap', OLD.over_cap, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER land_parcels_audit_insert AFTER INSERT ON land_parcels
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'land_parcels', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'person_id', NEW.person_id, 'crop', NEW.crop, 'area_m2', NEW.area_m2,
            'note', NEW.note, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER land_parcels_audit_update AFTER UPDATE ON land_parcels
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'land_parcels', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'person_id', OLD.person_id, 'crop', OLD.crop, 'area_m2', OLD.area_m2,
            'note', OLD.note, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'person_id', NEW.person_id, 'crop', NEW.crop, 'area_m2', NEW.area_m2,
            'note', NEW.note, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER land_parcels_audit_delete AFTER DELETE ON land_parcels
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'land_parcels', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'person_id', OLD.person_id, 'crop', OLD.crop, 'area_m2', OLD.area_m2,
            'note', OLD.note, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_plans_audit_insert AFTER INSERT ON aid_plans
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'aid_plans', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'program_id', NEW.program_id, 'group_id', NEW.group_id, 'season_year', NEW.season_year,
            'season_term', NEW.season_term, 'crops', NEW.crops, 'cap_m2', NEW.cap_m2, 'over_cap', NEW.over_cap,
            'computed_by', NEW.computed_by, 'computed_by_name', NEW.computed_by_name, 'computed_at', NEW.computed_at, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_plans_audit_update AFTER UPDATE ON aid_plans
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'aid_plans', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'program_id', OLD.program_id, 'group_id', OLD.group_id, 'season_year', OLD.season_year,
            'season_term', OLD.season_term, 'crops', OLD.crops, 'cap_m2', OLD.cap_m2, 'over_cap', OLD.over_cap,
            'computed_by', OLD.computed_by, 'computed_by_name', OLD.computed_by_name, 'computed_at', OLD.computed_at, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'program_id', NEW.program_id, 'group_id', NEW.group_id, 'season_year', NEW.season_year,
            'season_term', NEW.season_term, 'crops', NEW.crops, 'cap_m2', NEW.cap_m2, 'over_cap', NEW.over_cap,
            'computed_by', NEW.computed_by, 'computed_by_name', NEW.computed_by_name, 'computed_at', NEW.computed_at, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_plans_audit_delete AFTER DELETE ON aid_plans
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'aid_plans', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'program_id', OLD.program_id, 'group_id', OLD.group_id, 'season_year', OLD.season_year,
            'season_term', OLD.season_term, 'crops', OLD.crops, 'cap_m2', OLD.cap_m2, 'over_cap', OLD.over_cap,
            'computed_by', OLD.computed_by, 'computed_by_name', OLD.computed_by_name, 'computed_at', OLD.computed_at, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_plan_lines_audit_insert AFTER INSERT ON aid_plan_lines
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'aid_plan_lines', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'plan_id', NEW.plan_id, 'person_id', NEW.person_id, 'crop', NEW.crop,
            'item_id', NEW.item_id, 'eligible_m2', NEW.eligible_m2, 'per_ha', NEW.per_ha, 'quantity', NEW.quantity
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_plan_lines_audit_update AFTER UPDATE ON aid_plan_lines
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'aid_plan_lines', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'plan_id', OLD.plan_id, 'person_id', OLD.person_id, 'crop', OLD.crop,
            'item_id', OLD.item_id, 'eligible_m2', OLD.eligible_m2, 'per_ha', OLD.per_ha, 'quantity', OLD.quantity
        ),
        json_object(
            'id', NEW.id, 'plan_id', NEW.plan_id, 'person_id', NEW.person_id, 'crop', NEW.crop,
            'item_id', NEW.item_id, 'eligible_m2', NEW.eligible_m2, 'per_ha', NEW.per_ha, 'quantity', NEW.quantity
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_plan_lines_audit_delete AFTER DELETE ON aid_plan_lines
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'aid_plan_lines', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'plan_id', OLD.plan_id, 'person_id', OLD.person_id, 'crop', OLD.crop,
            'item_id', OLD.item_id, 'eligible_m2', OLD.eligible_m2, 'per_ha', OLD.per_ha, 'quantity', OLD.quantity
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_distributions_audit_insert AFTER INSERT ON aid_distributions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'aid_distributions', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'plan_id', NEW.plan_id, 'person_id', NEW.person_id, 'item_id', NEW.item_id,
            'quantity', NEW.quantity, 'given_on', NEW.given_on, 'received_by_person_id', NEW.received_by_person_id, 'received_by_name', NEW.received_by_name,
            'note', NEW.note, 'override_reason', NEW.override_reason, 'recorded_by', NEW.recorded_by, 'recorded_by_name', NEW.recorded_by_name,
            'recorded_at', NEW.recorded_at, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_distributions_audit_update AFTER UPDATE ON aid_distributions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'aid_distributions', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'plan_id', OLD.plan_id, 'person_id', OLD.person_id, 'item_id', OLD.item_id,
            'quantity', OLD.quantity, 'given_on', OLD.given_on, 'received_by_person_id', OLD.received_by_person_id, 'received_by_name', OLD.received_by_name,
            'note', OLD.note, 'override_reason', OLD.override_reason, 'recorded_by', OLD.recorded_by, 'recorded_by_name', OLD.recorded_by_name,
            'recorded_at', OLD.recorded_at, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'plan_id', NEW.plan_id, 'person_id', NEW.person_id, 'item_id', NEW.item_id,
            'quantity', NEW.quantity, 'given_on', NEW.given_on, 'received_by_person_id', NEW.received_by_person_id, 'received_by_name', NEW.received_by_name,
            'note', NEW.note, 'override_reason', NEW.override_reason, 'recorded_by', NEW.recorded_by, 'recorded_by_name', NEW.recorded_by_name,
            'recorded_at', NEW.recorded_at, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER aid_distributions_audit_delete AFTER DELETE ON aid_distributions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'aid_distributions', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'plan_id', OLD.plan_id, 'person_id', OLD.person_id, 'item_id', OLD.item_id,
            'quantity', OLD.quantity, 'given_on', OLD.given_on, 'received_by_person_id', OLD.received_by_person_id, 'received_by_name', OLD.received_by_name,
            'note', OLD.note, 'override_reason', OLD.override_reason, 'recorded_by', OLD.recorded_by, 'recorded_by_name', OLD.recorded_by_name,
            'recorded_at', OLD.recorded_at, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;
