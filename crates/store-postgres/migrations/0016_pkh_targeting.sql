-- PKH targeting and P2K2: official welfare figures per village and year (seed 002 Table 1),
-- DTKS deciles of registry households (the exclusion check reads them), the P2K2 catalogue
-- (modules and sessions, as data), cohorts of PKH families, and the link from an activity
-- (a session held, with its attendance) to the catalogue session and cohort.

CREATE TABLE welfare_figures (
    id       bigint GENERATED ALWAYS AS IDENTITY,
    region   text NOT NULL,
    year     integer NOT NULL,
    pra      bigint NOT NULL DEFAULT 0,
    s1       bigint NOT NULL DEFAULT 0,
    s2       bigint NOT NULL DEFAULT 0,
    s3       bigint NOT NULL DEFAULT 0,
    s3_plus  bigint NOT NULL DEFAULT 0,
    source   text,
    version  bigint NOT NULL DEFAULT 1,
    CONSTRAINT welfare_figures_pkey PRIMARY KEY (id),
    CONSTRAINT welfare_figures_region_fkey FOREIGN KEY (region) REFERENCES regions (code),
    CONSTRAINT welfare_figures_region_year_key UNIQUE (region, year),
    CONSTRAINT welfare_figures_year_check CHECK (year BETWEEN 1900 AND 2100),
    CONSTRAINT welfare_figures_counts_check CHECK (pra >= 0 AND s1 >= 0 AND s2 >= 0 AND s3 >= 0 AND s3_plus >= 0)
);

CREATE TABLE dtks_deciles (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    household_id bigint NOT NULL,
    decile       integer NOT NULL,
    as_of        date NOT NULL,
    version      bigint NOT NULL DEFAULT 1,
    CONSTRAINT dtks_deciles_pkey PRIMARY KEY (id),
    CONSTRAINT dtks_deciles_household_id_fkey FOREIGN KEY (household_id) REFERENCES households (id),
    CONSTRAINT dtks_deciles_household_id_key UNIQUE (household_id),
    CONSTRAINT dtks_deciles_decile_check CHECK (decile BETWEEN 1 AND 10)
);

CREATE TABLE p2k2_modules (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    code        text NOT NULL,
    title       text NOT NULL,
    title_en    text NOT NULL DEFAULT '',
    position    integer NOT NULL,
    added_later boolean NOT NULL DEFAULT false,
    version     bigint NOT NULL DEFAULT 1,
    CONSTRAINT p2k2_modules_pkey PRIMARY KEY (id),
    CONSTRAINT p2k2_modules_code_key UNIQUE (code)
);

CREATE TABLE p2k2_sessions (
    id        bigint GENERATED ALWAYS AS IDENTITY,
    module_id bigint NOT NULL,
    code      text NOT NULL,
    title     text NOT NULL,
    title_en  text NOT NULL DEFAULT '',
    position  integer NOT NULL,
    version   bigint NOT NULL DEFAULT 1,
    CONSTRAINT p2k2_sessions_pkey PRIMARY KEY (id),
    CONSTRAINT p2k2_sessions_module_id_fkey FOREIGN KEY (module_id) REFERENCES p2k2_modules (id),
    CONSTRAINT p2k2_sessions_code_key UNIQUE (code)
);
CREATE INDEX p2k2_sessions_module_idx ON p2k2_sessions (module_id, position);

CREATE TABLE p2k2_cohorts (
    id             bigint GENERATED ALWAYS AS IDENTITY,
    program_id     bigint NOT NULL,
    name           text NOT NULL,
    region         text NOT NULL,
    facilitator_id bigint,
    version        bigint NOT NULL DEFAULT 1,
    CONSTRAINT p2k2_cohorts_pkey PRIMARY KEY (id),
    CONSTRAINT p2k2_cohorts_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT p2k2_cohorts_region_fkey FOREIGN KEY (region) REFERENCES regions (code),
    CONSTRAINT p2k2_cohorts_facilitator_id_fkey FOREIGN KEY (facilitator_id) REFERENCES users (id)
);
CREATE INDEX p2k2_cohorts_program_idx ON p2k2_cohorts (program_id);

CREATE TABLE p2k2_cohort_families (
    cohort_id bigint NOT NULL,
    family_id bigint NOT NULL,
    CONSTRAINT p2k2_cohort_families_pkey PRIMARY KEY (cohort_id, family_id),
    CONSTRAINT p2k2_cohort_families_cohort_id_fkey FOREIGN KEY (cohort_id) REFERENCES p2k2_cohorts (id),
    CONSTRAINT p2k2_cohort_families_family_id_fkey FOREIGN KEY (family_id) REFERENCES pkh_families (id),
    CONSTRAINT p2k2_cohort_families_family_id_key UNIQUE (family_id)
);

CREATE TABLE p2k2_session_activities (
    activity_id bigint NOT NULL,
    session_id  bigint NOT NULL,
    cohort_id   bigint NOT NULL,
    CONSTRAINT p2k2_session_activities_pkey PRIMARY KEY (activity_id),
    CONSTRAINT p2k2_session_activities_activity_id_fkey FOREIGN KEY (activity_id) REFERENCES activities (id),
    CONSTRAINT p2k2_session_activities_session_id_fkey FOREIGN KEY (session_id) REFERENCES p2k2_sessions (id),
    CONSTRAINT p2k2_session_activities_cohort_id_fkey FOREIGN KEY (cohort_id) REFERENCES p2k2_cohorts (id)
);
CREATE INDEX p2k2_session_activities_cohort_idx ON p2k2_session_activities (cohort_id);

-- The shipped P2K2 catalogue (the same as `DEFAULT_CATALOGUE` in the domain).
INSERT INTO p2k2_modules (code, title, title_en, position, added_later) VALUES ('PENDIDIKAN', 'Pengasuhan dan Pendidikan Anak', 'Parenting and education', 1, false);
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P1.1', 'Menjadi orang tua yang lebih baik', 'Becoming better parents', 1 FROM p2k2_modules WHERE code = 'PENDIDIKAN';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P1.2', 'Memahami perilaku anak', 'Understanding children''s behaviour', 2 FROM p2k2_modules WHERE code = 'PENDIDIKAN';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P1.3', 'Memahami cara anak usia dini belajar', 'How young children learn', 3 FROM p2k2_modules WHERE code = 'PENDIDIKAN';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P1.4', 'Membantu anak sukses di sekolah', 'Helping children succeed at school', 4 FROM p2k2_modules WHERE code = 'PENDIDIKAN';
INSERT INTO p2k2_modules (code, title, title_en, position, added_later) VALUES ('EKONOMI', 'Pengelolaan Keuangan dan Perencanaan Usaha', 'Family finance', 2, false);
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P2.1', 'Mengelola keuangan keluarga', 'Managing the family''s money', 1 FROM p2k2_modules WHERE code = 'EKONOMI';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P2.2', 'Cermat meminjam dan menabung', 'Borrowing and saving wisely', 2 FROM p2k2_modules WHERE code = 'EKONOMI';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P2.3', 'Memulai usaha', 'Starting a business', 3 FROM p2k2_modules WHERE code = 'EKONOMI';
INSERT INTO p2k2_modules (code, title, title_en, position, added_later) VALUES ('KESEHATAN', 'Kesehatan dan Gizi', 'Health and nutrition', 3, false);
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P3.1', 'Gizi dan layanan ibu hamil', 'Pregnant women: nutrition and care', 1 FROM p2k2_modules WHERE code = 'KESEHATAN';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P3.2', 'Gizi dan layanan ibu menyusui dan balita', 'Breastfeeding mothers and under-fives', 2 FROM p2k2_modules WHERE code = 'KESEHATAN';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P3.3', 'Kesakitan anak dan kesehatan lingkungan', 'Childhood illness and environmental health', 3 FROM p2k2_modules WHERE code = 'KESEHATAN';
INSERT INTO p2k2_modules (code, title, title_en, position, added_later) VALUES ('PERLINDUNGAN', 'Perlindungan Anak', 'Child protection', 4, false);
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P4.1', 'Pencegahan kekerasan dan perlakuan salah pada anak', 'Violence against and abuse of children', 1 FROM p2k2_modules WHERE code = 'PERLINDUNGAN';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P4.2', 'Penelantaran dan eksploitasi anak', 'Neglect and exploitation of children', 2 FROM p2k2_modules WHERE code = 'PERLINDUNGAN';
INSERT INTO p2k2_modules (code, title, title_en, position, added_later) VALUES ('KESEJAHTERAAN', 'Kesejahteraan Sosial', 'Social welfare', 5, false);
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P5.1', 'Pentingnya layanan disabilitas berat', 'Care of people with severe disabilities', 1 FROM p2k2_modules WHERE code = 'KESEJAHTERAAN';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P5.2', 'Lanjut usia yang sejahtera', 'Well-being of the elderly', 2 FROM p2k2_modules WHERE code = 'KESEJAHTERAAN';
INSERT INTO p2k2_modules (code, title, title_en, position, added_later) VALUES ('STUNTING', 'Pencegahan Stunting', 'Stunting prevention', 6, true);
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P6.1', 'Mengenal stunting dan 1000 hari pertama kehidupan', 'Stunting and the first 1,000 days', 1 FROM p2k2_modules WHERE code = 'STUNTING';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P6.2', 'Pola asuh dan makan untuk mencegah stunting', 'Feeding and care against stunting', 2 FROM p2k2_modules WHERE code = 'STUNTING';

CREATE TRIGGER welfare_figures_audit AFTER INSERT OR UPDATE OR DELETE ON welfare_figures
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER dtks_deciles_audit AFTER INSERT OR UPDATE OR DELETE ON dtks_deciles
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER p2k2_sessions_audit AFTER INSERT OR UPDATE OR DELETE ON p2k2_sessions
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER p2k2_cohorts_audit AFTER INSERT OR UPDATE OR DELETE ON p2k2_cohorts
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
