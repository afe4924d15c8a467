-- PKH targeting and P2K2: official welfare figures per village and year (seed 002 Table 1),
-- DTKS deciles of registry households (the exclusion check reads them), the P2K2 catalogue
-- (modules and sessions, as data), cohorts of PKH families, and the link from an activity
-- (a session held, with its attendance) to the catalogue session and cohort.

CREATE TABLE welfare_figures (
    id          INTEGER PRIMARY KEY,
    region      TEXT NOT NULL REFERENCES regions(code),
    year        INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 2100),
    pra         INTEGER NOT NULL DEFAULT 0 CHECK (pra >= 0),
    s1          INTEGER NOT NULL DEFAULT 0 CHECK (s1 >= 0),
    s2          INTEGER NOT NULL DEFAULT 0 CHECK (s2 >= 0),
    s3          INTEGER NOT NULL DEFAULT 0 CHECK (s3 >= 0),
    s3_plus     INTEGER NOT NULL DEFAULT 0 CHECK (s3_plus >= 0),
    source      TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX welfare_figures_region_year ON welfare_figures(region, year);

CREATE TABLE dtks_deciles (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    decile       INTEGER NOT NULL CHECK (decile BETWEEN 1 AND 10),
    as_of        TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX dtks_deciles_household ON dtks_deciles(household_id);

CREATE TABLE p2k2_modules (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL,
    title       TEXT NOT NULL,
    title_en    TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL,
    added_later INTEGER NOT NULL DEFAULT 0 CHECK (added_later IN (0, 1)),
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX p2k2_modules_code ON p2k2_modules(code);

CREATE TABLE p2k2_sessions (
    id        INTEGER PRIMARY KEY,
    module_id INTEGER NOT NULL REFERENCES p2k2_modules(id),
    code      TEXT NOT NULL,
    title     TEXT NOT NULL,
    title_en  TEXT NOT NULL DEFAULT '',
    position  INTEGER NOT NULL,
    version   INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX p2k2_sessions_code ON p2k2_sessions(code);
CREATE INDEX p2k2_sessions_module ON p2k2_sessions(module_id, position);

CREATE TABLE p2k2_cohorts (
    id             INTEGER PRIMARY KEY,
    program_id     INTEGER NOT NULL REFERENCES programs(id),
    name           TEXT NOT NULL,
    region         TEXT NOT NULL REFERENCES regions(code),
    facilitator_id INTEGER REFERENCES users(id),
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX p2k2_cohorts_program ON p2k2_cohorts(program_id);

CREATE TABLE p2k2_cohort_families (
    cohort_id INTEGER NOT NULL REFERENCES p2k2_cohorts(id),
    family_id INTEGER NOT NULL REFERENCES pkh_families(id),
    PRIMARY KEY (cohort_id, family_id)
);
CREATE UNIQUE INDEX p2k2_cohort_families_family ON p2k2_cohort_families(family_id);

CREATE TABLE p2k2_session_activities (
    activity_id INTEGER PRIMARY KEY REFERENCES activities(id),
    session_id  INTEGER NOT NULL REFERENCES p2k2_sessions(id),
    cohort_id   INTEGER NOT NULL REFERENCES p2k2_cohorts(id)
);
CREATE INDEX p2k2_session_activities_cohort ON p2k2_session_activities(cohort_id);

-- The shipped P2K2 catalogue (the same as `DEFAULT_CATALOGUE` in the domain).
INSERT INTO p2k2_modules (code, title, title_en, position, added_later) VALUES ('PENDIDIKAN', 'Pengasuhan dan Pendidikan Anak', 'Parenting and education', 1, 0);
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P1.1', 'Menjadi orang tua yang lebih baik', 'Becoming better parents', 1 FROM p2k2_modules WHERE code = 'PENDIDIKAN';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P1.2', 'Memahami perilaku anak', 'Understanding children''s behaviour', 2 FROM p2k2_modules WHERE code = 'PENDIDIKAN';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P1.3', 'Memahami cara anak usia dini belajar', 'How young children learn', 3 FROM p2k2_modules WHERE code = 'PENDIDIKAN';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P1.4', 'Membantu anak sukses di sekolah', 'Helping children succeed at school', 4 FROM p2k2_modules WHERE code = 'PENDIDIKAN';
INSERT INTO p2k2_modules (code, title, title_en, position, added_later) VALUES ('EKONOMI', 'Pengelolaan Keuangan dan Perencanaan Usaha', 'Family finance', 2, 0);
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P2.1', 'Mengelola keuangan keluarga', 'Managing the family''s money', 1 FROM p2k2_modules WHERE code = 'EKONOMI';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P2.2', 'Cermat meminjam dan menabung', 'Borrowing and saving wisely', 2 FROM p2k2_modules WHERE code = 'EKONOMI';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P2.3', 'Memulai usaha', 'Starting a business', 3 FROM p2k2_modules WHERE code = 'EKONOMI';
INSERT INTO p2k2_modules (code, title, title_en, position, added_later) VALUES ('KESEHATAN', 'Kesehatan dan Gizi', 'Health and nutrition', 3, 0);
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P3.1', 'Gizi dan layanan ibu hamil', 'Pregnant women: nutrition and care', 1 FROM p2k2_modules WHERE code = 'KESEHATAN';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P3.2', 'Gizi dan layanan ibu menyusui dan balita', 'Breastfeeding mothers and under-fives', 2 FROM p2k2_modules WHERE code = 'KESEHATAN';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P3.3', 'Kesakitan anak dan kesehatan lingkungan', 'Childhood illness and environmental health', 3 FROM p2k2_modules WHERE code = 'KESEHATAN';
INSERT INTO p2k2_modules (code, title, title_en, position, added_later) VALUES ('PERLINDUNGAN', 'Perlindungan Anak', 'Child protection', 4, 0);
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P4.1', 'Pencegahan kekerasan dan perlakuan salah pada anak', 'Violence against and abuse of children', 1 FROM p2k2_modules WHERE code = 'PERLINDUNGAN';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P4.2', 'Penelantaran dan eksploitasi anak', 'Neglect and exploitation of children', 2 FROM p2k2_modules WHERE code = 'PERLINDUNGAN';
INSERT INTO p2k2_modules (code, title, title_en, position, added_later) VALUES ('KESEJAHTERAAN', 'Kesejahteraan Sosial', 'Social welfare', 5, 0);
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P5.1', 'Pentingnya layanan disabilitas berat', 'Care of people with severe disabilities', 1 FROM p2k2_modules WHERE code = 'KESEJAHTERAAN';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P5.2', 'Lanjut usia yang sejahtera', 'Well-being of the elderly', 2 FROM p2k2_modules WHERE code = 'KESEJAHTERAAN';
INSERT INTO p2k2_modules (code, title, title_en, position, added_later) VALUES ('STUNTING', 'Pencegahan Stunting', 'Stunting prevention', 6, 1);
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P6.1', 'Mengenal stunting dan 1000 hari pertama kehidupan', 'Stunting and the first 1,000 days', 1 FROM p2k2_modules WHERE code = 'STUNTING';
INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) SELECT id, 'P6.2', 'Pola asuh dan makan untuk mencegah stunting', 'Feeding and care against stunting', 2 FROM p2k2_modules WHERE code = 'STUNTING';

CREATE TRIGGER welfare_figures_audit_insert AFTER INSERT ON welfare_figures
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'welfare_figures', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'region', NEW.region, 'year', NEW.year, 'pra', NEW.pra, 's1', NEW.s1, 's2', NEW.s2, 's3', NEW.s3, 's3_plus', NEW.s3_plus, 'source', NEW.source
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER welfare_figures_audit_update AFTER UPDATE ON welfare_figures
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'welfare_figures', CAST(NEW.id AS TEXT),
        json_object(
            'region', OLD.region, 'year', OLD.year, 'pra', OLD.pra, 's1', OLD.s1, 's2', OLD.s2, 's3', OLD.s3, 's3_plus', OLD.s3_plus, 'source', OLD.source
        ),
        json_object(
            'region', NEW.region, 'year', NEW.year, 'pra', NEW.pra, 's1', NEW.s1, 's2', NEW.s2, 's3', NEW.s3, 's3_plus', NEW.s3_plus, 'source', NEW.source
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER welfare_figures_audit_delete AFTER DELETE ON welfare_figures
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'welfare_figures', CAST(OLD.id AS TEXT),
        json_object(
            'region', OLD.region, 'year', OLD.year, 'pra', OLD.pra, 's1', OLD.s1, 's2', OLD.s2, 's3', OLD.s3, 's3_plus', OLD.s3_plus, 'source', OLD.source
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER dtks_deciles_audit_insert AFTER INSERT ON dtks_deciles
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'dtks_deciles', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'household_id', NEW.household_id, 'decile', NEW.decile, 'as_of', NEW.as_of
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER dtks_deciles_audit_update AFTER UPDATE ON dtks_deciles
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'dtks_deciles', CAST(NEW.id AS TEXT),
        json_object(
            'household_id', OLD.household_id, 'decile', OLD.decile, 'as_of', OLD.as_of
        ),
        json_object(
            'household_id', NEW.household_id, 'decile', NEW.decile, 'as_of', NEW.as_of
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER dtks_deciles_audit_delete AFTER DELETE ON dtks_deciles
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'dtks_deciles', CAST(OLD.id AS TEXT),
        json_object(
            'household_id', OLD.household_id, 'decile', OLD.decile, 'as_of', OLD.as_of
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER p2k2_sessions_audit_insert AFTER INSERT ON p2k2_sessions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'p2k2_sessions', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'module_id', NEW.module_id, 'code', NEW.code, 'title', NEW.title, 'title_en', NEW.title_en, 'position', NEW.position
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER p2k2_sessions_audit_update AFTER UPDATE ON p2k2_sessions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'p2k2_sessions', CAST(NEW.id AS TEXT),
        json_object(
            'module_id', OLD.module_id, 'code', OLD.code, 'title', OLD.title, 'title_en', OLD.title_en, 'position', OLD.position
        ),
        json_object(
            'module_id', NEW.module_id, 'code', NEW.code, 'title', NEW.title, 'title_en', NEW.title_en, 'position', NEW.position
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER p2k2_sessions_audit_delete AFTER DELETE ON p2k2_sessions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'p2k2_sessions', CAST(OLD.id AS TEXT),
        json_object(
            'module_id', OLD.module_id, 'code', OLD.code, 'title', OLD.title, 'title_en', OLD.title_en, 'position', OLD.position
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER p2k2_cohorts_audit_insert AFTER INSERT ON p2k2_cohorts
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'p2k2_cohorts', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'program_id', NEW.program_id, 'name', NEW.name, 'region', NEW.region, 'facilitator_id', NEW.facilitator_id
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER p2k2_cohorts_audit_update AFTER UPDATE ON p2k2_cohorts
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'p2k2_cohorts', CAST(NEW.id AS TEXT),
        json_object(
            'program_id', OLD.program_id, 'name', OLD.name, 'region', OLD.region, 'facilitator_id', OLD.facilitator_id
        ),
        json_object(
            'program_id', NEW.program_id, 'name', NEW.name, 'region', NEW.region, 'facilitator_id', NEW.facilitator_id
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER p2k2_cohorts_audit_delete AFTER DELETE ON p2k2_cohorts
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'p2k2_cohorts', CAST(OLD.id AS TEXT),
        json_object(
            'program_id', OLD.program_id, 'name', OLD.name, 'region', OLD.region, 'facilitator_id', OLD.facilitator_id
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

