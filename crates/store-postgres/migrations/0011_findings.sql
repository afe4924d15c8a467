-- Findings of a program: inhibiting factors (faktor penghambat), supporting factors (faktor
-- pendukung) and efforts (upaya) answering inhibiting factors; their framework-dimension tags,
-- generic links (target_kind 'group' now; 'activity' and 'machine' once those records exist,
-- checked by the store on write), and evidence (attachment_id names an activity attachment
-- once activities keep files: no foreign key until then).

CREATE TABLE findings (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    program_id  bigint NOT NULL,
    kind        text NOT NULL,
    title       text NOT NULL,
    description text,
    noted_on    date,
    version     bigint NOT NULL DEFAULT 1,
    CONSTRAINT findings_pkey PRIMARY KEY (id),
    CONSTRAINT findings_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT findings_kind_check CHECK (kind IN ('inhibiting','supporting','effort'))
);
CREATE INDEX findings_program ON findings (program_id);

CREATE TABLE finding_answers (
    id        bigint GENERATED ALWAYS AS IDENTITY,
    effort_id bigint NOT NULL,
    factor_id bigint NOT NULL,
    CONSTRAINT finding_answers_pkey PRIMARY KEY (id),
    CONSTRAINT finding_answers_effort_id_fkey FOREIGN KEY (effort_id) REFERENCES findings (id),
    CONSTRAINT finding_answers_factor_id_fkey FOREIGN KEY (factor_id) REFERENCES findings (id),
    CONSTRAINT finding_answers_key UNIQUE (effort_id, factor_id)
);

CREATE TABLE finding_dimensions (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    finding_id   bigint NOT NULL,
    dimension_id bigint NOT NULL,
    CONSTRAINT finding_dimensions_pkey PRIMARY KEY (id),
    CONSTRAINT finding_dimensions_finding_id_fkey FOREIGN KEY (finding_id) REFERENCES findings (id),
    CONSTRAINT finding_dimensions_dimension_id_fkey FOREIGN KEY (dimension_id) REFERENCES framework_dimensions (id),
    CONSTRAINT finding_dimensions_key UNIQUE (finding_id, dimension_id)
);

CREATE TABLE finding_links (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    finding_id  bigint NOT NULL,
    target_kind text NOT NULL,
    target_id   bigint NOT NULL,
    CONSTRAINT finding_links_pkey PRIMARY KEY (id),
    CONSTRAINT finding_links_finding_id_fkey FOREIGN KEY (finding_id) REFERENCES findings (id),
    CONSTRAINT finding_links_target_kind_check CHECK (target_kind IN ('group','activity','machine')),
    CONSTRAINT finding_links_key UNIQUE (finding_id, target_kind, target_id)
);
CREATE INDEX finding_links_target ON finding_links (target_kind, target_id);

CREATE TABLE finding_evidence (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    finding_id    bigint NOT NULL,
    kind          text NOT NULL,
    text          text NOT NULL,
    source        text,
    attachment_id bigint,
    CONSTRAINT finding_evidence_pkey PRIMARY KEY (id),
    CONSTRAINT finding_evidence_finding_id_fkey FOREIGN KEY (finding_id) REFERENCES findings (id),
    CONSTRAINT finding_evidence_kind_check CHECK (kind IN ('activity_report','document','quote','observation'))
);
CREATE INDEX finding_evidence_finding ON finding_evidence (finding_id);
CREATE TRIGGER findings_audit AFTER INSERT OR UPDATE OR DELETE ON findings
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER finding_answers_audit AFTER INSERT OR UPDATE OR DELETE ON finding_answers
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER finding_dimensions_audit AFTER INSERT OR UPDATE OR DELETE ON finding_dimensions
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER finding_links_audit AFTER INSERT OR UPDATE OR DELETE ON finding_links
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER finding_evidence_audit AFTER INSERT OR UPDATE OR DELETE ON finding_evidence
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
