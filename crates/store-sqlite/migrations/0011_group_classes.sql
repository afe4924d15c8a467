-- Farmer-group class assessment (penilaian kelas kelompok tani).
--
-- An instrument is data: the five abilities' indicators with integer maxima, the lower bounds
-- of the Lanjut, Madya and Utama classes on the total, and the reassessment interval in
-- months. An instrument is never changed once stored; editing makes a new version
-- (replaces_id) and retires the old one, so each assessment keeps what it was scored with.
-- An assessment stores its scores, total, the class it earned, the group's previous class
-- and the change, and the date the next assessment is due.
--
-- The default instrument below is labelled unverified: the commonly quoted bands
-- 0–250 / 251–500 / 501–750 / 751–1000 and 20 indicators of 50 points each (sum 1000).

CREATE TABLE class_instruments (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    note            TEXT,
    lanjut_from     INTEGER NOT NULL,
    madya_from      INTEGER NOT NULL,
    utama_from      INTEGER NOT NULL,
    reassess_months INTEGER NOT NULL DEFAULT 36,
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    replaces_id     INTEGER REFERENCES class_instruments(id),
    version         INTEGER NOT NULL DEFAULT 1,
    CHECK (0 < lanjut_from AND lanjut_from < madya_from AND madya_from < utama_from),
    CHECK (reassess_months BETWEEN 1 AND 120)
);

CREATE TABLE class_indicators (
    id            INTEGER PRIMARY KEY,
    instrument_id INTEGER NOT NULL REFERENCES class_instruments(id),
    ability       TEXT NOT NULL CHECK (ability IN ('planning','organizing','implementing','controlling','leadership')),
    position      INTEGER NOT NULL,
    text          TEXT NOT NULL,
    max_score     INTEGER NOT NULL CHECK (max_score > 0)
);
CREATE INDEX class_indicators_instrument ON class_indicators(instrument_id, position);

CREATE TABLE class_assessments (
    id             INTEGER PRIMARY KEY,
    group_id       INTEGER NOT NULL REFERENCES groups(id),
    program_id     INTEGER NOT NULL REFERENCES programs(id),
    instrument_id  INTEGER NOT NULL REFERENCES class_instruments(id),
    assessor_id    INTEGER NOT NULL REFERENCES staff(id),
    assessed_on    TEXT NOT NULL,
    total          INTEGER NOT NULL CHECK (total >= 0),
    earned_class   TEXT NOT NULL CHECK (earned_class IN ('pemula','lanjut','madya','utama')),
    previous_id    INTEGER REFERENCES class_assessments(id),
    previous_class TEXT CHECK (previous_class IN ('pemula','lanjut','madya','utama')),
    class_change   TEXT CHECK (class_change IN ('naik','tetap','turun')),
    due_on         TEXT NOT NULL,
    notes          TEXT,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX class_assessments_group ON class_assessments(group_id, assessed_on);
CREATE INDEX class_assessments_program ON class_assessments(program_id);

CREATE TABLE class_scores (
    id            INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES class_assessments(id),
    indicator_id  INTEGER NOT NULL REFERENCES class_indicators(id),
    score         INTEGER NOT NULL CHECK (score >= 0),
    UNIQUE (assessment_id, indicator_id)
);

-- The default instrument (before the audit triggers: shipped data, not a user's write).
INSERT INTO class_instruments (name, note, lanjut_from, madya_from, utama_from, reassess_months)
VALUES ('Penilaian Kelas Kelompok Tani — default', 'Bawaan yang belum terverifikasi: lima kemampuan (Kep. Kepala BPPSDMP 25/Kpts/SM.060/I/02/18), 20 indikator masing-masing bernilai maksimum 50 (jumlah 1000) dan batas kelas yang umum dikutip 0–250 Pemula, 251–500 Lanjut, 501–750 Madya, 751–1000 Utama. Masukkan tabel resmi instansi sebagai versi baru.', 251, 501, 751, 36);

INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'planning', 1, 'Menyusun rencana kerja kelompok (RDK/RDKK) secara musyawarah', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'planning', 2, 'Merencanakan kebutuhan sarana produksi (benih, pupuk, pestisida)', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'planning', 3, 'Merencanakan pemupukan modal dan akses pembiayaan', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'planning', 4, 'Merencanakan pemasaran hasil', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'organizing', 5, 'Memiliki pengurus dengan pembagian tugas yang jelas', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'organizing', 6, 'Memiliki aturan kelompok (AD/ART) yang disepakati anggota', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'organizing', 7, 'Menyelenggarakan pertemuan rutin anggota', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'organizing', 8, 'Menjalin kerja sama dan kemitraan dengan pihak lain', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'implementing', 9, 'Menerapkan teknologi budidaya anjuran', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'implementing', 10, 'Melaksanakan kegiatan usaha tani bersama', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'implementing', 11, 'Memanfaatkan sarana dan alat mesin pertanian bersama', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'implementing', 12, 'Melaksanakan pengolahan dan pemasaran hasil bersama', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'controlling', 13, 'Memiliki administrasi dan pembukuan kelompok yang tertib', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'controlling', 14, 'Mengevaluasi pelaksanaan rencana kerja', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'controlling', 15, 'Menyusun laporan kegiatan secara berkala', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'controlling', 16, 'Mengendalikan penggunaan dana dan sarana kelompok', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'leadership', 17, 'Melakukan kaderisasi dan regenerasi pengurus', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'leadership', 18, 'Ketua mampu menggerakkan partisipasi anggota', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'leadership', 19, 'Anggota aktif mengikuti penyuluhan dan pelatihan', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';
INSERT INTO class_indicators (instrument_id, ability, position, text, max_score)
    SELECT id, 'leadership', 20, 'Mengembangkan jejaring dengan kelompok dan lembaga lain', 50 FROM class_instruments WHERE name = 'Penilaian Kelas Kelompok Tani — default';


-- class_instruments
CREATE TRIGGER class_instruments_audit_insert AFTER INSERT ON class_instruments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'class_instruments', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'name', NEW.name, 'note', NEW.note, 'lanjut_from', NEW.lanjut_from, 'madya_from', NEW.madya_from, 'utama_from', NEW.utama_from, 'reassess_months', NEW.reassess_months, 'active', NEW.active, 'replaces_id', NEW.replaces_id, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER class_instruments_audit_update AFTER UPDATE ON class_instruments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'class_instruments', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'name', OLD.name, 'note', OLD.note, 'lanjut_from', OLD.lanjut_from, 'madya_from', OLD.madya_from, 'utama_from', OLD.utama_from, 'reassess_months', OLD.reassess_months, 'active', OLD.active, 'replaces_id', OLD.replaces_id, 'version', OLD.version),
        json_object('id', NEW.id, 'name', NEW.name, 'note', NEW.note, 'lanjut_from', NEW.lanjut_from, 'madya_from', NEW.madya_from, 'utama_from', NEW.utama_from, 'reassess_months', NEW.reassess_months, 'active', NEW.active, 'replaces_id', NEW.replaces_id, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER class_instruments_audit_delete AFTER DELETE ON class_instruments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'class_instruments', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'name', OLD.name, 'note', OLD.note, 'lanjut_from', OLD.lanjut_from, 'madya_from', OLD.madya_from, 'utama_from', OLD.utama_from, 'reassess_months', OLD.reassess_months, 'active', OLD.active, 'replaces_id', OLD.replaces_id, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- class_indicators
CREATE TRIGGER class_indicators_audit_insert AFTER INSERT ON class_indicators
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'class_indicators', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'instrument_id', NEW.instrument_id, 'ability', NEW.ability, 'position', NEW.position, 'text', NEW.text, 'max_score', NEW.max_score)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER class_indicators_audit_update AFTER UPDATE ON class_indicators
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'class_indicators', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'instrument_id', OLD.instrument_id, 'ability', OLD.ability, 'position', OLD.position, 'text', OLD.text, 'max_score', OLD.max_score),
        json_object('id', NEW.id, 'instrument_id', NEW.instrument_id, 'ability', NEW.ability, 'position', NEW.position, 'text', NEW.text, 'max_score', NEW.max_score)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER class_indicators_audit_delete AFTER DELETE ON class_indicators
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'class_indicators', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'instrument_id', OLD.instrument_id, 'ability', OLD.ability, 'position', OLD.position, 'text', OLD.text, 'max_score', OLD.max_score),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- class_assessments
CREATE TRIGGER class_assessments_audit_insert AFTER INSERT ON class_assessments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'class_assessments', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'group_id', NEW.group_id, 'program_id', NEW.program_id, 'instrument_id', NEW.instrument_id, 'assessor_id', NEW.assessor_id, 'assessed_on', NEW.assessed_on, 'total', NEW.total, 'earned_class', NEW.earned_class, 'previous_id', NEW.previous_id, 'previous_class', NEW.previous_class, 'class_change', NEW.class_change, 'due_on', NEW.due_on, 'notes', NEW.notes, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER class_assessments_audit_update AFTER UPDATE ON class_assessments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'class_assessments', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'group_id', OLD.group_id, 'program_id', OLD.program_id, 'instrument_id', OLD.instrument_id, 'assessor_id', OLD.assessor_id, 'assessed_on', OLD.assessed_on, 'total', OLD.total, 'earned_class', OLD.earned_class, 'previous_id', OLD.previous_id, 'previous_class', OLD.previous_class, 'class_change', OLD.class_change, 'due_on', OLD.due_on, 'notes', OLD.notes, 'version', OLD.version),
        json_object('id', NEW.id, 'group_id', NEW.group_id, 'program_id', NEW.program_id, 'instrument_id', NEW.instrument_id, 'assessor_id', NEW.assessor_id, 'assessed_on', NEW.assessed_on, 'total', NEW.total, 'earned_class', NEW.earned_class, 'previous_id', NEW.previous_id, 'previous_class', NEW.previous_class, 'class_change', NEW.class_change, 'due_on', NEW.due_on, 'notes', NEW.notes, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER class_assessments_audit_delete AFTER DELETE ON class_assessments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'class_assessments', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'group_id', OLD.group_id, 'program_id', OLD.program_id, 'instrument_id', OLD.instrument_id, 'assessor_id', OLD.assessor_id, 'assessed_on', OLD.assessed_on, 'total', OLD.total, 'earned_class', OLD.earned_class, 'previous_id', OLD.previous_id, 'previous_class', OLD.previous_class, 'class_change', OLD.class_change, 'due_on', OLD.due_on, 'notes', OLD.notes, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- class_scores
CREATE TRIGGER class_scores_audit_insert AFTER INSERT ON class_scores
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'class_scores', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'assessment_id', NEW.assessment_id, 'indicator_id', NEW.indicator_id, 'score', NEW.score)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER class_scores_audit_update AFTER UPDATE ON class_scores
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'class_scores', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'assessment_id', OLD.assessment_id, 'indicator_id', OLD.indicator_id, 'score', OLD.score),
        json_object('id', NEW.id, 'assessment_id', NEW.assessment_id, 'indicator_id', NEW.indicator_id, 'score', NEW.score)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER class_scores_audit_delete AFTER DELETE ON class_scores
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'class_scores', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'assessment_id', OLD.assessment_id, 'indicator_id', OLD.indicator_id, 'score', OLD.score),
        NULL
    FROM audit_context WHERE id = 1;
END;

