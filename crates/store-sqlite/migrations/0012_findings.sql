-- Findings of a program: inhibiting factors (faktor penghambat), supporting factors (faktor
-- pendukung) and efforts (upaya) answering inhibiting factors; their framework-dimension tags,
-- generic links (target_kind 'group' now; 'activity' and 'machine' once those records exist,
-- checked by the store on write), and evidence (attachment_id names an activity attachment
-- once activities keep files: no foreign key until then).

CREATE TABLE findings (
    id          INTEGER PRIMARY KEY,
    program_id  INTEGER NOT NULL REFERENCES programs(id),
    kind        TEXT NOT NULL CHECK (kind IN ('inhibiting','supporting','effort')),
    title       TEXT NOT NULL,
    description TEXT,
    noted_on    TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX findings_program ON findings(program_id);

CREATE TABLE finding_answers (
    id        INTEGER PRIMARY KEY,
    effort_id INTEGER NOT NULL REFERENCES findings(id),
    factor_id INTEGER NOT NULL REFERENCES findings(id),
    UNIQUE (effort_id, factor_id)
);

CREATE TABLE finding_dimensions (
    id           INTEGER PRIMARY KEY,
    finding_id   INTEGER NOT NULL REFERENCES findings(id),
    dimension_id INTEGER NOT NULL REFERENCES framework_dimensions(id),
    UNIQUE (finding_id, dimension_id)
);

CREATE TABLE finding_links (
    id          INTEGER PRIMARY KEY,
    finding_id  INTEGER NOT NULL REFERENCES findings(id),
    target_kind TEXT NOT NULL CHECK (target_kind IN ('group','activity','machine')),
    target_id   INTEGER NOT NULL,
    UNIQUE (finding_id, target_kind, target_id)
);
CREATE INDEX finding_links_target ON finding_links(target_kind, target_id);

CREATE TABLE finding_evidence (
    id            INTEGER PRIMARY KEY,
    finding_id    INTEGER NOT NULL REFERENCES findings(id),
    kind          TEXT NOT NULL CHECK (kind IN ('activity_report','document','quote','observation')),
    text          TEXT NOT NULL,
    source        TEXT,
    attachment_id INTEGER
);
CREATE INDEX finding_evidence_finding ON finding_evidence(finding_id);

-- findings
CREATE TRIGGER findings_audit_insert AFTER INSERT ON findings
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'findings', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'program_id', NEW.program_id, 'kind', NEW.kind, 'title', NEW.title, 'description', NEW.description, 'noted_on', NEW.noted_on, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER findings_audit_update AFTER UPDATE ON findings
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'findings', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'program_id', OLD.program_id, 'kind', OLD.kind, 'title', OLD.title, 'description', OLD.description, 'noted_on', OLD.noted_on, 'version', OLD.version),
        json_object('id', NEW.id, 'program_id', NEW.program_id, 'kind', NEW.kind, 'title', NEW.title, 'description', NEW.description, 'noted_on', NEW.noted_on, 'version', NEW.version)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER findings_audit_delete AFTER DELETE ON findings
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'findings', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'program_id', OLD.program_id, 'kind', OLD.kind, 'title', OLD.title, 'description', OLD.description, 'noted_on', OLD.noted_on, 'version', OLD.version),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- finding_answers
CREATE TRIGGER finding_answers_audit_insert AFTER INSERT ON finding_answers
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'finding_answers', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'effort_id', NEW.effort_id, 'factor_id', NEW.factor_id)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER finding_answers_audit_update AFTER UPDATE ON finding_answers
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'finding_answers', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'effort_id', OLD.effort_id, 'factor_id', OLD.factor_id),
        json_object('id', NEW.id, 'effort_id', NEW.effort_id, 'factor_id', NEW.factor_id)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER finding_answers_audit_delete AFTER DELETE ON finding_answers
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'finding_answers', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'effort_id', OLD.effort_id, 'factor_id', OLD.factor_id),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- finding_dimensions
CREATE TRIGGER finding_dimensions_audit_insert AFTER INSERT ON finding_dimensions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'finding_dimensions', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'finding_id', NEW.finding_id, 'dimension_id', NEW.dimension_id)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER finding_dimensions_audit_update AFTER UPDATE ON finding_dimensions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'finding_dimensions', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'finding_id', OLD.finding_id, 'dimension_id', OLD.dimension_id),
        json_object('id', NEW.id, 'finding_id', NEW.finding_id, 'dimension_id', NEW.dimension_id)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER finding_dimensions_audit_delete AFTER DELETE ON finding_dimensions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'finding_dimensions', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'finding_id', OLD.finding_id, 'dimension_id', OLD.dimension_id),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- finding_links
CREATE TRIGGER finding_links_audit_insert AFTER INSERT ON finding_links
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'finding_links', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'finding_id', NEW.finding_id, 'target_kind', NEW.target_kind, 'target_id', NEW.target_id)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER finding_links_audit_update AFTER UPDATE ON finding_links
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'finding_links', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'finding_id', OLD.finding_id, 'target_kind', OLD.target_kind, 'target_id', OLD.target_id),
        json_object('id', NEW.id, 'finding_id', NEW.finding_id, 'target_kind', NEW.target_kind, 'target_id', NEW.target_id)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER finding_links_audit_delete AFTER DELETE ON finding_links
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'finding_links', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'finding_id', OLD.finding_id, 'target_kind', OLD.target_kind, 'target_id', OLD.target_id),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- finding_evidence
CREATE TRIGGER finding_evidence_audit_insert AFTER INSERT ON finding_evidence
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'finding_evidence', CAST(NEW.id AS TEXT),
        NULL,
        json_object('id', NEW.id, 'finding_id', NEW.finding_id, 'kind', NEW.kind, 'text', NEW.text, 'source', NEW.source, 'attachment_id', NEW.attachment_id)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER finding_evidence_audit_update AFTER UPDATE ON finding_evidence
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'finding_evidence', CAST(NEW.id AS TEXT),
        json_object('id', OLD.id, 'finding_id', OLD.finding_id, 'kind', OLD.kind, 'text', OLD.text, 'source', OLD.source, 'attachment_id', OLD.attachment_id),
        json_object('id', NEW.id, 'finding_id', NEW.finding_id, 'kind', NEW.kind, 'text', NEW.text, 'source', NEW.source, 'attachment_id', NEW.attachment_id)
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER finding_evidence_audit_delete AFTER DELETE ON finding_evidence
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'finding_evidence', CAST(OLD.id AS TEXT),
        json_object('id', OLD.id, 'finding_id', OLD.finding_id, 'kind', OLD.kind, 'text', OLD.text, 'source', OLD.source, 'attachment_id', OLD.attachment_id),
        NULL
    FROM audit_context WHERE id = 1;
END;

