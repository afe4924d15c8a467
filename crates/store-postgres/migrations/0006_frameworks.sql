-- Frameworks that programs are read through (Mardikanto's four bina, Dhamotharan's 7D, the
-- participation stages of seed 004, or an agency's own) and their dimensions, in order.
-- Activities, findings and evidence are tagged with dimensions. The three frameworks of the
-- seeds are shipped; more are added as data.

CREATE TABLE frameworks (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    code        text NOT NULL,
    name        text NOT NULL,
    description text,
    version     bigint NOT NULL DEFAULT 1,
    CONSTRAINT frameworks_pkey PRIMARY KEY (id),
    CONSTRAINT frameworks_code_key UNIQUE (code)
);

CREATE TABLE framework_dimensions (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    framework_id bigint NOT NULL,
    code         text NOT NULL,
    name         text NOT NULL,
    description  text,
    position     bigint NOT NULL,
    CONSTRAINT framework_dimensions_pkey PRIMARY KEY (id),
    CONSTRAINT framework_dimensions_framework_id_fkey FOREIGN KEY (framework_id) REFERENCES frameworks (id),
    CONSTRAINT framework_dimensions_code_key UNIQUE (framework_id, code)
);

-- The shipped frameworks are part of the schema, not anyone's change: the audit triggers stay
-- quiet for them.
SELECT set_config('berdaya.bulk', '1', true);
INSERT INTO frameworks (code, name, description) VALUES
    ('bina', 'Empat Bina (Mardikanto)', 'Bina Manusia, Bina Usaha, Bina Lingkungan, Bina Kelembagaan: cara membaca program pemberdayaan petani (seed 000).'),
    ('7d', '7D (Dhamotharan)', 'Tujuh tahap pemberdayaan masyarakat: dari membangun hubungan sampai mendokumentasikan dan belajar (seed 001).'),
    ('partisipasi', 'Tahap Partisipasi Optimasi Lahan', 'Persiapan, pelaksanaan fisik, keaktifan anggota (seed 004).');

INSERT INTO framework_dimensions (framework_id, code, name, description, position)
SELECT f.id, d.code, d.name, d.description, d.position
FROM frameworks f JOIN (
    SELECT 'bina' AS fw, 'manusia' AS code, 'Bina Manusia' AS name, 'Pengetahuan, keterampilan dan sikap petani: penyuluhan, pelatihan, pendampingan.' AS description, 1 AS position
    UNION ALL SELECT 'bina', 'usaha', 'Bina Usaha', 'Modal, pasar, informasi, sarana produksi, transportasi.', 2
    UNION ALL SELECT 'bina', 'lingkungan', 'Bina Lingkungan', 'Lingkungan fisik dan sosial: keasaman gambut, drainase, pembukaan lahan tanpa bakar.', 3
    UNION ALL SELECT 'bina', 'kelembagaan', 'Bina Kelembagaan', 'Kelompok tani, kelasnya, aturan dan kerja samanya.', 4
    UNION ALL SELECT '7d', 'developing', 'Membangun hubungan (Developing relationships)', NULL, 1
    UNION ALL SELECT '7d', 'discovering', 'Menemukan kapasitas (Discovering capacities)', NULL, 2
    UNION ALL SELECT '7d', 'dreaming', 'Memimpikan masa depan (Dreaming community futures)', NULL, 3
    UNION ALL SELECT '7d', 'directing', 'Mengarahkan aksi (Directing community actions)', NULL, 4
    UNION ALL SELECT '7d', 'designing', 'Merancang aksi (Designing community actions)', NULL, 5
    UNION ALL SELECT '7d', 'delivering', 'Melaksanakan dan memantau (Delivering)', NULL, 6
    UNION ALL SELECT '7d', 'documenting', 'Mendokumentasikan dan belajar (Documenting and learning)', NULL, 7
    UNION ALL SELECT 'partisipasi', 'persiapan', 'Tahap persiapan', 'Rekening kelompok, rembug desa, RUKK.', 1
    UNION ALL SELECT 'partisipasi', 'pelaksanaan', 'Tahap pelaksanaan fisik', 'Pengolahan lahan, peningkatan kesuburan, perbaikan prasarana, sarana produksi, penanaman, pemeliharaan.', 2
    UNION ALL SELECT 'partisipasi', 'keaktifan', 'Keaktifan anggota', 'Berpendapat, berbagi informasi, berkonsultasi dengan penyuluh, mengevaluasi, mencari informasi.', 3
) d ON d.fw = f.code
ORDER BY f.id, d.position;
SELECT set_config('berdaya.bulk', '', true);

CREATE TRIGGER frameworks_audit AFTER INSERT OR UPDATE OR DELETE ON frameworks
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER framework_dimensions_audit AFTER INSERT OR UPDATE OR DELETE ON framework_dimensions
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
