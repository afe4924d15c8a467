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
    id              bigint GENERATED ALWAYS AS IDENTITY,
    name            text NOT NULL,
    note            text,
    lanjut_from     bigint NOT NULL,
    madya_from      bigint NOT NULL,
    utama_from      bigint NOT NULL,
    reassess_months bigint NOT NULL DEFAULT 36,
    active          boolean NOT NULL DEFAULT true,
    replaces_id     bigint,
    version         bigint NOT NULL DEFAULT 1,
    CONSTRAINT class_instruments_pkey PRIMARY KEY (id),
    CONSTRAINT class_instruments_replaces_id_fkey FOREIGN KEY (replaces_id) REFERENCES class_instruments (id),
    CONSTRAINT class_instruments_bands_check CHECK (0 < lanjut_from AND lanjut_from < madya_from AND madya_from < utama_from),
    CONSTRAINT class_instruments_reassess_check CHECK (reassess_months BETWEEN 1 AND 120)
);

CREATE TABLE class_indicators (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    instrument_id bigint NOT NULL,
    ability       text NOT NULL,
    position      bigint NOT NULL,
    text          text NOT NULL,
    max_score     bigint NOT NULL,
    CONSTRAINT class_indicators_pkey PRIMARY KEY (id),
    CONSTRAINT class_indicators_instrument_id_fkey FOREIGN KEY (instrument_id) REFERENCES class_instruments (id),
    CONSTRAINT class_indicators_ability_check CHECK (ability IN ('planning','organizing','implementing','controlling','leadership')),
    CONSTRAINT class_indicators_max_score_check CHECK (max_score > 0)
);
CREATE INDEX class_indicators_instrument ON class_indicators (instrument_id, position);

CREATE TABLE class_assessments (
    id             bigint GENERATED ALWAYS AS IDENTITY,
    group_id       bigint NOT NULL,
    program_id     bigint NOT NULL,
    instrument_id  bigint NOT NULL,
    assessor_id    bigint NOT NULL,
    assessed_on    date NOT NULL,
    total          bigint NOT NULL,
    earned_class   text NOT NULL,
    previous_id    bigint,
    previous_class text,
    class_change   text,
    due_on         date NOT NULL,
    notes          text,
    version        bigint NOT NULL DEFAULT 1,
    CONSTRAINT class_assessments_pkey PRIMARY KEY (id),
    CONSTRAINT class_assessments_group_id_fkey FOREIGN KEY (group_id) REFERENCES groups (id),
    CONSTRAINT class_assessments_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT class_assessments_instrument_id_fkey FOREIGN KEY (instrument_id) REFERENCES class_instruments (id),
    CONSTRAINT class_assessments_assessor_id_fkey FOREIGN KEY (assessor_id) REFERENCES staff (id),
    CONSTRAINT class_assessments_previous_id_fkey FOREIGN KEY (previous_id) REFERENCES class_assessments (id),
    CONSTRAINT class_assessments_total_check CHECK (total >= 0),
    CONSTRAINT class_assessments_earned_class_check CHECK (earned_class IN ('pemula','lanjut','madya','utama')),
    CONSTRAINT class_assessments_previous_class_check CHECK (previous_class IN ('pemula','lanjut','madya','utama')),
    CONSTRAINT class_assessments_class_change_check CHECK (class_change IN ('naik','tetap','turun'))
);
CREATE INDEX class_assessments_group ON class_assessments (group_id, assessed_on);
CREATE INDEX class_assessments_program ON class_assessments (program_id);

CREATE TABLE class_scores (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    assessment_id bigint NOT NULL,
    indicator_id  bigint NOT NULL,
    score         bigint NOT NULL,
    CONSTRAINT class_scores_pkey PRIMARY KEY (id),
    CONSTRAINT class_scores_assessment_id_fkey FOREIGN KEY (assessment_id) REFERENCES class_assessments (id),
    CONSTRAINT class_scores_indicator_id_fkey FOREIGN KEY (indicator_id) REFERENCES class_indicators (id),
    CONSTRAINT class_scores_key UNIQUE (assessment_id, indicator_id),
    CONSTRAINT class_scores_score_check CHECK (score >= 0)
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

CREATE TRIGGER class_instruments_audit AFTER INSERT OR UPDATE OR DELETE ON class_instruments
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER class_indicators_audit AFTER INSERT OR UPDATE OR DELETE ON class_indicators
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER class_assessments_audit AFTER INSERT OR UPDATE OR DELETE ON class_assessments
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER class_scores_audit AFTER INSERT OR UPDATE OR DELETE ON class_scores
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
