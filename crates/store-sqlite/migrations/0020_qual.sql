-- Qualitative evaluation (issue 16): studies linked to programs and groups, their informants
-- (pseudonym shown, real name personal), sources (text stored as given and normalised, positions
-- in Unicode code points), redactions, codebooks (codes under several parents, tied to framework
-- dimensions and to a factor role), codings by coders (blind phase for agreement, reconciled
-- codings), conclusions with supporting and contradicting codings and their history.
-- Source texts and codings are not copied into the audit log (texts are personal data and
-- codings are many); conclusions keep their own history.

CREATE TABLE qual_studies (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    question TEXT,
    region TEXT REFERENCES regions(code),
    framework_id INTEGER REFERENCES frameworks(id),
    planned_roles TEXT NOT NULL DEFAULT '',
    blind INTEGER NOT NULL DEFAULT 0 CHECK (blind IN (0, 1)),
    guid TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX qual_studies_region ON qual_studies(region);

CREATE TABLE qual_study_links (
    study_id INTEGER REFERENCES qual_studies(id) NOT NULL,
    kind TEXT NOT NULL,
    ref_id INTEGER NOT NULL,
    PRIMARY KEY (study_id, kind, ref_id),
    CHECK (kind IN ('program', 'group'))
);
CREATE INDEX qual_study_links_kind_ref_id ON qual_study_links(kind, ref_id);

CREATE TABLE qual_coders (
    id INTEGER PRIMARY KEY,
    study_id INTEGER REFERENCES qual_studies(id) NOT NULL,
    name TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    guid TEXT NOT NULL,
    CONSTRAINT qual_coders_study_id_name_key UNIQUE (study_id, name)
);

CREATE TABLE qual_informants (
    id INTEGER PRIMARY KEY,
    study_id INTEGER REFERENCES qual_studies(id) NOT NULL,
    pseudonym TEXT NOT NULL,
    real_name TEXT,
    role TEXT NOT NULL,
    sex TEXT,
    organisation TEXT,
    sampling_note TEXT,
    consent_on TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT qual_informants_study_id_pseudonym_key UNIQUE (study_id, pseudonym),
    CHECK (sex IS NULL OR sex IN ('male', 'female'))
);

CREATE TABLE qual_sources (
    id INTEGER PRIMARY KEY,
    study_id INTEGER REFERENCES qual_studies(id) NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    taken_on TEXT,
    place TEXT,
    body TEXT NOT NULL,
    original TEXT NOT NULL,
    file_name TEXT,
    chars INTEGER NOT NULL,
    guid TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (kind IN ('interview', 'observation', 'document'))
);
CREATE INDEX qual_sources_study_id ON qual_sources(study_id);

CREATE TABLE qual_source_informants (
    source_id INTEGER REFERENCES qual_sources(id) NOT NULL,
    informant_id INTEGER REFERENCES qual_informants(id) NOT NULL,
    PRIMARY KEY (source_id, informant_id)
);
CREATE INDEX qual_source_informants_informant_id ON qual_source_informants(informant_id);

CREATE TABLE qual_source_links (
    source_id INTEGER REFERENCES qual_sources(id) NOT NULL,
    kind TEXT NOT NULL,
    ref_id INTEGER NOT NULL,
    PRIMARY KEY (source_id, kind, ref_id),
    CHECK (kind IN ('program', 'group', 'activity'))
);

CREATE TABLE qual_redactions (
    id INTEGER PRIMARY KEY,
    source_id INTEGER REFERENCES qual_sources(id) NOT NULL,
    start_pos INTEGER NOT NULL,
    end_pos INTEGER NOT NULL,
    label TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX qual_redactions_source_id ON qual_redactions(source_id);

CREATE TABLE qual_codes (
    id INTEGER PRIMARY KEY,
    study_id INTEGER REFERENCES qual_studies(id) NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    description TEXT,
    color TEXT NOT NULL,
    role TEXT,
    guid TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT qual_codes_study_id_name_key_key UNIQUE (study_id, name_key),
    CHECK (role IS NULL OR role IN ('inhibiting', 'supporting', 'effort'))
);

CREATE TABLE qual_sets (
    id INTEGER PRIMARY KEY,
    study_id INTEGER REFERENCES qual_studies(id) NOT NULL,
    guid TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    key TEXT,
    CONSTRAINT qual_sets_study_id_guid_key UNIQUE (study_id, guid)
);

CREATE TABLE qual_set_members (
    set_id INTEGER REFERENCES qual_sets(id) NOT NULL,
    code_id INTEGER REFERENCES qual_codes(id) NOT NULL,
    PRIMARY KEY (set_id, code_id)
);

CREATE TABLE qual_code_parents (
    code_id INTEGER REFERENCES qual_codes(id) NOT NULL,
    parent_id INTEGER REFERENCES qual_codes(id) NOT NULL,
    PRIMARY KEY (code_id, parent_id),
    CHECK (code_id <> parent_id)
);

CREATE TABLE qual_code_dimensions (
    code_id INTEGER REFERENCES qual_codes(id) NOT NULL,
    dimension_id INTEGER REFERENCES framework_dimensions(id) NOT NULL,
    PRIMARY KEY (code_id, dimension_id)
);
CREATE INDEX qual_code_dimensions_dimension_id ON qual_code_dimensions(dimension_id);

CREATE TABLE qual_codings (
    id INTEGER PRIMARY KEY,
    source_id INTEGER REFERENCES qual_sources(id) NOT NULL,
    code_id INTEGER REFERENCES qual_codes(id) NOT NULL,
    coder_id INTEGER REFERENCES qual_coders(id) NOT NULL,
    start_pos INTEGER NOT NULL,
    end_pos INTEGER NOT NULL,
    quote TEXT NOT NULL,
    memo TEXT,
    phase TEXT NOT NULL,
    guid TEXT NOT NULL,
    selection_guid TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (phase IN ('open', 'blind', 'reconciled')),
    CHECK (start_pos >= 0 AND end_pos > start_pos)
);
CREATE INDEX qual_codings_source_id ON qual_codings(source_id);
CREATE INDEX qual_codings_code_id ON qual_codings(code_id);
CREATE INDEX qual_codings_coder_id ON qual_codings(coder_id);

CREATE TABLE qual_conclusions (
    id INTEGER PRIMARY KEY,
    study_id INTEGER REFERENCES qual_studies(id) NOT NULL,
    claim TEXT NOT NULL,
    status TEXT NOT NULL,
    guid TEXT NOT NULL,
    finding_id INTEGER REFERENCES findings(id),
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (status IN ('tentative', 'verified', 'rejected'))
);
CREATE INDEX qual_conclusions_study_id ON qual_conclusions(study_id);

CREATE TABLE qual_conclusion_history (
    id INTEGER PRIMARY KEY,
    conclusion_id INTEGER REFERENCES qual_conclusions(id) NOT NULL,
    status TEXT NOT NULL,
    claim TEXT NOT NULL,
    note TEXT,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX qual_conclusion_history_conclusion_id ON qual_conclusion_history(conclusion_id);

CREATE TABLE qual_evidence (
    conclusion_id INTEGER REFERENCES qual_conclusions(id) NOT NULL,
    coding_id INTEGER REFERENCES qual_codings(id) NOT NULL,
    stance TEXT NOT NULL,
    PRIMARY KEY (conclusion_id, coding_id),
    CHECK (stance IN ('supports', 'contradicts'))
);
CREATE INDEX qual_evidence_coding_id ON qual_evidence(coding_id);

CREATE TRIGGER qual_studies_audit_insert AFTER INSERT ON qual_studies
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'qual_studies', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'title', NEW.title, 'question', NEW.question, 'region', NEW.region, 'framework_id', NEW.framework_id, 'planned_roles', NEW.planned_roles, 'blind', NEW.blind, 'guid', NEW.guid, 'created_by', NEW.created_by, 'created_at', NEW.created_at, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER qual_studies_audit_update AFTER UPDATE ON qual_studies
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'qual_studies', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'title', OLD.title, 'question', OLD.question, 'region', OLD.region, 'framework_id', OLD.framework_id, 'planned_roles', OLD.planned_roles, 'blind', OLD.blind, 'guid', OLD.guid, 'created_by', OLD.created_by, 'created_at', OLD.created_at, 'version', OLD.version),
        json_object('id', NEW.id, 'title', NEW.title, 'question', NEW.question, 'region', NEW.region, 'framework_id', NEW.framework_id, 'planned_roles', NEW.planned_roles, 'blind', NEW.blind, 'guid', NEW.guid, 'created_by', NEW.created_by, 'created_at', NEW.created_at, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER qual_studies_audit_delete AFTER DELETE ON qual_studies
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'qual_studies', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'title', OLD.title, 'question', OLD.question, 'region', OLD.region, 'framework_id', OLD.framework_id, 'planned_roles', OLD.planned_roles, 'blind', OLD.blind, 'guid', OLD.guid, 'created_by', OLD.created_by, 'created_at', OLD.created_at, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER qual_informants_audit_insert AFTER INSERT ON qual_informants
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'qual_informants', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'study_id', NEW.study_id, 'pseudonym', NEW.pseudonym, 'real_name', NEW.real_name, 'role', NEW.role, 'sex', NEW.sex, 'organisation', NEW.organisation, 'sampling_note', NEW.sampling_note, 'consent_on', NEW.consent_on, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER qual_informants_audit_update AFTER UPDATE ON qual_informants
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'qual_informants', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'study_id', OLD.study_id, 'pseudonym', OLD.pseudonym, 'real_name', OLD.real_name, 'role', OLD.role, 'sex', OLD.sex, 'organisation', OLD.organisation, 'sampling_note', OLD.sampling_note, 'consent_on', OLD.consent_on, 'version', OLD.version),
        json_object('id', NEW.id, 'study_id', NEW.study_id, 'pseudonym', NEW.pseudonym, 'real_name', NEW.real_name, 'role', NEW.role, 'sex', NEW.sex, 'organisation', NEW.organisation, 'sampling_note', NEW.sampling_note, 'consent_on', NEW.consent_on, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER qual_informants_audit_delete AFTER DELETE ON qual_informants
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'qual_informants', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'study_id', OLD.study_id, 'pseudonym', OLD.pseudonym, 'real_name', OLD.real_name, 'role', OLD.role, 'sex', OLD.sex, 'organisation', OLD.organisation, 'sampling_note', OLD.sampling_note, 'consent_on', OLD.consent_on, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER qual_redactions_audit_insert AFTER INSERT ON qual_redactions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'qual_redactions', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'source_id', NEW.source_id, 'start_pos', NEW.start_pos, 'end_pos', NEW.end_pos, 'label', NEW.label, 'created_by', NEW.created_by, 'created_at', NEW.created_at)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER qual_redactions_audit_update AFTER UPDATE ON qual_redactions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'qual_redactions', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'source_id', OLD.source_id, 'start_pos', OLD.start_pos, 'end_pos', OLD.end_pos, 'label', OLD.label, 'created_by', OLD.created_by, 'created_at', OLD.created_at),
        json_object('id', NEW.id, 'source_id', NEW.source_id, 'start_pos', NEW.start_pos, 'end_pos', NEW.end_pos, 'label', NEW.label, 'created_by', NEW.created_by, 'created_at', NEW.created_at)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER qual_redactions_audit_delete AFTER DELETE ON qual_redactions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'qual_redactions', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'source_id', OLD.source_id, 'start_pos', OLD.start_pos, 'end_pos', OLD.end_pos, 'label', OLD.label, 'created_by', OLD.created_by, 'created_at', OLD.created_at),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER qual_codes_audit_insert AFTER INSERT ON qual_codes
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'qual_codes', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'study_id', NEW.study_id, 'name', NEW.name, 'name_key', NEW.name_key, 'description', NEW.description, 'color', NEW.color, 'role', NEW.role, 'guid', NEW.guid, 'position', NEW.position, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER qual_codes_audit_update AFTER UPDATE ON qual_codes
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'qual_codes', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'study_id', OLD.study_id, 'name', OLD.name, 'name_key', OLD.name_key, 'description', OLD.description, 'color', OLD.color, 'role', OLD.role, 'guid', OLD.guid, 'position', OLD.position, 'version', OLD.version),
        json_object('id', NEW.id, 'study_id', NEW.study_id, 'name', NEW.name, 'name_key', NEW.name_key, 'description', NEW.description, 'color', NEW.color, 'role', NEW.role, 'guid', NEW.guid, 'position', NEW.position, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER qual_codes_audit_delete AFTER DELETE ON qual_codes
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'qual_codes', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'study_id', OLD.study_id, 'name', OLD.name, 'name_key', OLD.name_key, 'description', OLD.description, 'color', OLD.color, 'role', OLD.role, 'guid', OLD.guid, 'position', OLD.position, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER qual_conclusions_audit_insert AFTER INSERT ON qual_conclusions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'qual_conclusions', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'study_id', NEW.study_id, 'claim', NEW.claim, 'status', NEW.status, 'guid', NEW.guid, 'finding_id', NEW.finding_id, 'created_at', NEW.created_at, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER qual_conclusions_audit_update AFTER UPDATE ON qual_conclusions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'qual_conclusions', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'study_id', OLD.study_id, 'claim', OLD.claim, 'status', OLD.status, 'guid', OLD.guid, 'finding_id', OLD.finding_id, 'created_at', OLD.created_at, 'version', OLD.version),
        json_object('id', NEW.id, 'study_id', NEW.study_id, 'claim', NEW.claim, 'status', NEW.status, 'guid', NEW.guid, 'finding_id', NEW.finding_id, 'created_at', NEW.created_at, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER qual_conclusions_audit_delete AFTER DELETE ON qual_conclusions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'qual_conclusions', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'study_id', OLD.study_id, 'claim', OLD.claim, 'status', OLD.status, 'guid', OLD.guid, 'finding_id', OLD.finding_id, 'created_at', OLD.created_at, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

