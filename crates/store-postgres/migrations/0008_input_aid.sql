-- Input aid: members' land per crop, input items and the per-hectare dose table, the cap
-- rule, season allocation plans with their lines, and distributions against them.
--
-- Quantities are whole numbers in the item's base unit (g, ml or piece), land in whole m².
-- The dose rows shipped here are defaults ("default, edit to your agency's table"): typical
-- per-hectare recommendations, to be replaced by the agency's own table.

CREATE TABLE aid_items (
    id      bigint GENERATED ALWAYS AS IDENTITY,
    code    text NOT NULL,
    name    text NOT NULL,
    kind    text NOT NULL,
    unit    text NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT aid_items_pkey PRIMARY KEY (id),
    CONSTRAINT aid_items_code_key UNIQUE (code),
    CONSTRAINT aid_items_kind_check CHECK (kind IN ('seed','seedling','fertilizer','pesticide','other')),
    CONSTRAINT aid_items_unit_check CHECK (unit IN ('g','ml','piece'))
);

CREATE TABLE aid_doses (
    id      bigint GENERATED ALWAYS AS IDENTITY,
    crop    text NOT NULL,
    item_id bigint NOT NULL,
    per_ha  bigint NOT NULL,
    source  text,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT aid_doses_pkey PRIMARY KEY (id),
    CONSTRAINT aid_doses_crop_item_key UNIQUE (crop, item_id),
    CONSTRAINT aid_doses_item_id_fkey FOREIGN KEY (item_id) REFERENCES aid_items (id),
    CONSTRAINT aid_doses_crop_check CHECK (crop IN ('rice','maize','soybean','chilli','shallot','garlic','sugarcane','cocoa','coffee','dragon_fruit','other')),
    CONSTRAINT aid_doses_per_ha_check CHECK (per_ha > 0)
);

-- One row: how much land counts (cap_m2) and how land above it counts.
CREATE TABLE aid_rules (
    id       bigint NOT NULL,
    cap_m2   bigint NOT NULL,
    over_cap text NOT NULL,
    version  bigint NOT NULL DEFAULT 1,
    CONSTRAINT aid_rules_pkey PRIMARY KEY (id),
    CONSTRAINT aid_rules_id_check CHECK (id = 1),
    CONSTRAINT aid_rules_cap_m2_check CHECK (cap_m2 > 0),
    CONSTRAINT aid_rules_over_cap_check CHECK (over_cap IN ('truncate','exclude'))
);
INSERT INTO aid_rules (id, cap_m2, over_cap) VALUES (1, 20000, 'truncate');

CREATE TABLE land_parcels (
    id        bigint GENERATED ALWAYS AS IDENTITY,
    person_id bigint NOT NULL,
    crop      text NOT NULL,
    area_m2   bigint NOT NULL,
    note      text,
    version   bigint NOT NULL DEFAULT 1,
    CONSTRAINT land_parcels_pkey PRIMARY KEY (id),
    CONSTRAINT land_parcels_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id),
    CONSTRAINT land_parcels_crop_check CHECK (crop IN ('rice','maize','soybean','chilli','shallot','garlic','sugarcane','cocoa','coffee','dragon_fruit','other')),
    CONSTRAINT land_parcels_area_m2_check CHECK (area_m2 > 0)
);
CREATE INDEX land_parcels_person_idx ON land_parcels (person_id);

CREATE TABLE aid_plans (
    id               bigint GENERATED ALWAYS AS IDENTITY,
    program_id       bigint NOT NULL,
    group_id         bigint NOT NULL,
    season_year      bigint NOT NULL,
    season_term      text NOT NULL,
    crops            text NOT NULL,
    cap_m2           bigint NOT NULL,
    over_cap         text NOT NULL,
    computed_by      bigint,
    computed_by_name text NOT NULL,
    computed_at      timestamptz NOT NULL,
    version          bigint NOT NULL DEFAULT 1,
    CONSTRAINT aid_plans_pkey PRIMARY KEY (id),
    CONSTRAINT aid_plans_season_key UNIQUE (program_id, group_id, season_year, season_term),
    CONSTRAINT aid_plans_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT aid_plans_group_id_fkey FOREIGN KEY (group_id) REFERENCES groups (id),
    CONSTRAINT aid_plans_computed_by_fkey FOREIGN KEY (computed_by) REFERENCES users (id),
    CONSTRAINT aid_plans_season_term_check CHECK (season_term IN ('mt1','mt2','mt3')),
    CONSTRAINT aid_plans_over_cap_check CHECK (over_cap IN ('truncate','exclude'))
);
CREATE INDEX aid_plans_group_idx ON aid_plans (group_id);

CREATE TABLE aid_plan_lines (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    plan_id     bigint NOT NULL,
    person_id   bigint NOT NULL,
    crop        text NOT NULL,
    item_id     bigint NOT NULL,
    eligible_m2 bigint NOT NULL,
    per_ha      bigint NOT NULL,
    quantity    bigint NOT NULL,
    CONSTRAINT aid_plan_lines_pkey PRIMARY KEY (id),
    CONSTRAINT aid_plan_lines_plan_id_fkey FOREIGN KEY (plan_id) REFERENCES aid_plans (id),
    CONSTRAINT aid_plan_lines_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id),
    CONSTRAINT aid_plan_lines_item_id_fkey FOREIGN KEY (item_id) REFERENCES aid_items (id),
    CONSTRAINT aid_plan_lines_crop_check CHECK (crop IN ('rice','maize','soybean','chilli','shallot','garlic','sugarcane','cocoa','coffee','dragon_fruit','other')),
    CONSTRAINT aid_plan_lines_quantity_check CHECK (quantity >= 0)
);
CREATE INDEX aid_plan_lines_plan_idx ON aid_plan_lines (plan_id, person_id, item_id);

CREATE TABLE aid_distributions (
    id                    bigint GENERATED ALWAYS AS IDENTITY,
    plan_id               bigint NOT NULL,
    person_id             bigint NOT NULL,
    item_id               bigint NOT NULL,
    quantity              bigint NOT NULL,
    given_on              date NOT NULL,
    received_by_person_id bigint,
    received_by_name      text,
    note                  text,
    override_reason       text,
    recorded_by           bigint,
    recorded_by_name      text NOT NULL,
    recorded_at           timestamptz NOT NULL,
    version               bigint NOT NULL DEFAULT 1,
    CONSTRAINT aid_distributions_pkey PRIMARY KEY (id),
    CONSTRAINT aid_distributions_plan_id_fkey FOREIGN KEY (plan_id) REFERENCES aid_plans (id),
    CONSTRAINT aid_distributions_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id),
    CONSTRAINT aid_distributions_item_id_fkey FOREIGN KEY (item_id) REFERENCES aid_items (id),
    CONSTRAINT aid_distributions_received_by_person_id_fkey FOREIGN KEY (received_by_person_id) REFERENCES people (id),
    CONSTRAINT aid_distributions_recorded_by_fkey FOREIGN KEY (recorded_by) REFERENCES users (id),
    CONSTRAINT aid_distributions_quantity_check CHECK (quantity > 0)
);
CREATE INDEX aid_distributions_plan_idx ON aid_distributions (plan_id, person_id, item_id);

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
CREATE TRIGGER aid_items_audit AFTER INSERT OR UPDATE OR DELETE ON aid_items
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER aid_doses_audit AFTER INSERT OR UPDATE OR DELETE ON aid_doses
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER aid_rules_audit AFTER INSERT OR UPDATE OR DELETE ON aid_rules
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER land_parcels_audit AFTER INSERT OR UPDATE OR DELETE ON land_parcels
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER aid_plans_audit AFTER INSERT OR UPDATE OR DELETE ON aid_plans
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER aid_plan_lines_audit AFTER INSERT OR UPDATE OR DELETE ON aid_plan_lines
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER aid_distributions_audit AFTER INSERT OR UPDATE OR DELETE ON aid_distributions
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
