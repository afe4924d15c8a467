-- PKH stage payments: a payment list (daftar nominatif) per program, year and stage, built
-- from the families' components and the ladder's status, and its lines, each a snapshot of
-- what the bank needs (recipient, KK, village, facilitator, components, amount) so that a
-- frozen list never changes when the registry does. The bank's results are recorded on the
-- lines. Lines are not audited row by row (a list has up to a million); the list row is,
-- and its version moves on every build, freeze and results import.

CREATE TABLE pkh_payment_lists (
    id                 bigint GENERATED ALWAYS AS IDENTITY,
    program_id         bigint NOT NULL,
    year               bigint NOT NULL,
    stage              bigint NOT NULL,
    status             text NOT NULL DEFAULT 'draft',
    decided_by_period  text,
    families           bigint NOT NULL DEFAULT 0,
    total              bigint NOT NULL DEFAULT 0,
    skipped_suspended  bigint NOT NULL DEFAULT 0,
    skipped_terminated bigint NOT NULL DEFAULT 0,
    skipped_zero       bigint NOT NULL DEFAULT 0,
    built_by           bigint,
    built_by_name      text NOT NULL,
    built_at           timestamptz NOT NULL,
    frozen_by          bigint,
    frozen_by_name     text,
    frozen_at          timestamptz,
    version            bigint NOT NULL DEFAULT 1,
    CONSTRAINT pkh_payment_lists_pkey PRIMARY KEY (id),
    CONSTRAINT pkh_payment_lists_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT pkh_payment_lists_built_by_fkey FOREIGN KEY (built_by) REFERENCES users (id),
    CONSTRAINT pkh_payment_lists_frozen_by_fkey FOREIGN KEY (frozen_by) REFERENCES users (id),
    CONSTRAINT pkh_payment_lists_program_id_year_stage_key UNIQUE (program_id, year, stage),
    CONSTRAINT pkh_payment_lists_year_check CHECK (year BETWEEN 2000 AND 2100),
    CONSTRAINT pkh_payment_lists_stage_check CHECK (stage BETWEEN 1 AND 12),
    CONSTRAINT pkh_payment_lists_status_check CHECK (status IN ('draft', 'frozen'))
);

CREATE TABLE pkh_payment_lines (
    id               bigint GENERATED ALWAYS AS IDENTITY,
    list_id          bigint NOT NULL,
    family_id        bigint NOT NULL,
    household_id     bigint NOT NULL,
    kk               bigint NOT NULL,
    recipient_name   text NOT NULL,
    village_code     text NOT NULL,
    village_name     text NOT NULL,
    district_code    text NOT NULL,
    facilitator_id   bigint,
    facilitator_name text,
    family_status    text NOT NULL,
    components       text NOT NULL,
    amount           bigint NOT NULL,
    result           text NOT NULL DEFAULT 'pending',
    reason           text,
    paid_on          date,
    CONSTRAINT pkh_payment_lines_pkey PRIMARY KEY (id),
    CONSTRAINT pkh_payment_lines_list_id_fkey FOREIGN KEY (list_id) REFERENCES pkh_payment_lists (id),
    CONSTRAINT pkh_payment_lines_family_id_fkey FOREIGN KEY (family_id) REFERENCES pkh_families (id),
    CONSTRAINT pkh_payment_lines_family_status_check CHECK (family_status IN ('active', 'warning')),
    CONSTRAINT pkh_payment_lines_amount_check CHECK (amount > 0),
    CONSTRAINT pkh_payment_lines_result_check CHECK (result IN ('pending', 'paid', 'failed'))
);
CREATE UNIQUE INDEX pkh_payment_lines_list_family ON pkh_payment_lines (list_id, family_id);
CREATE INDEX pkh_payment_lines_list_kk ON pkh_payment_lines (list_id, kk);
CREATE INDEX pkh_payment_lines_family ON pkh_payment_lines (family_id);

CREATE TRIGGER pkh_payment_lists_audit AFTER INSERT OR UPDATE OR DELETE ON pkh_payment_lists
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
