-- Frameworks that programs are read through (Mardikanto's four bina, Dhamotharan's 7D, the
-- participation stages of seed 004, or an agency's own) and their dimensions, in order.
-- Activities, findings and evidence are tagged with dimensions. The three frameworks of the
-- seeds are shipped; more are added as data.

CREATE TABLE frameworks (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE framework_dimensions (
    id           INTEGER PRIMARY KEY,
    framework_id INTEGER NOT NULL REFERENCES frameworks(id),
    code         TEXT NOT NULL,
    name         TEXT NOT NULL,
    description  TEXT,
    position     INTEGER NOT NULL,
    UNIQUE (framework_id, code)
);

-- The shipped frameworks are part of the schema, not anyone's change: inserted before the
-- audit triggers exist.
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

-- frameworks
CREATE TRIGGER frameworks_audit_insert AFTER INSERT ON frameworks
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'frameworks', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'code', NEW.code, 'name', NEW.name, 'description', NEW.description, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER frameworks_audit_update AFTER UPDATE ON frameworks
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'frameworks', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'code', OLD.code, 'name', OLD.name, 'description', OLD.description, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'code', NEW.code, 'name', NEW.name, 'description', NEW.description, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER frameworks_audit_delete AFTER DELETE ON frameworks
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'frameworks', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'code', OLD.code, 'name', OLD.name, 'description', OLD.description, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- framework_dimensions
CREATE TRIGGER framework_dimensions_audit_insert AFTER INSERT ON framework_dimensions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'framework_dimensions', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'framework_id', NEW.framework_id, 'code', NEW.code, 'name', NEW.name, 'description', NEW.description, 'position', NEW.position
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER framework_dimensions_audit_update AFTER UPDATE ON framework_dimensions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'framework_dimensions', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'framework_id', OLD.framework_id, 'code', OLD.code, 'name', OLD.name, 'description', OLD.description, 'position', OLD.position
        ),
        json_object(
            'id', NEW.id, 'framework_id', NEW.framework_id, 'code', NEW.code, 'name', NEW.name, 'description', NEW.description, 'position', NEW.position
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER framework_dimensions_audit_delete AFTER DELETE ON framework_dimensions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'framework_dimensions', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'framework_id', OLD.framework_id, 'code', OLD.code, 'name', OLD.name, 'description', OLD.description, 'position', OLD.position
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

