-- Qualitative evaluation (issue 16): studies linked to programs and groups, their informants
-- (pseudonym shown, real name personal), sources (text stored as given and normalised, positions
-- in Unicode code points), redactions, codebooks (codes under several parents, tied to framework
-- dimensions and to a factor role), codings by coders (blind phase for agreement, reconciled
-- codings), conclusions with supporting and contradicting codings and their history.
-- Source texts and codings are not copied into the audit log (texts are personal data and
-- codings are many); conclusions keep their own history.

CREATE TABLE qual_studies (
    id bigint GENERATED ALWAYS AS IDENTITY,
    title text NOT NULL,
    question text,
    region text,
    framework_id bigint,
    planned_roles text NOT NULL DEFAULT '',
    blind boolean NOT NULL DEFAULT false,
    guid text NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT qual_studies_pkey PRIMARY KEY (id),
    CONSTRAINT qual_studies_region_fkey FOREIGN KEY (region) REFERENCES regions (code),
    CONSTRAINT qual_studies_framework_id_fkey FOREIGN KEY (framework_id) REFERENCES frameworks (id)
);
CREATE INDEX qual_studies_region ON qual_studies (region);

CREATE TABLE qual_study_links (
    study_id bigint NOT NULL,
    kind text NOT NULL,
    ref_id bigint NOT NULL,
    CONSTRAINT qual_study_links_pkey PRIMARY KEY (study_id, kind, ref_id),
    CONSTRAINT qual_study_links_study_id_fkey FOREIGN KEY (study_id) REFERENCES qual_studies (id),
    CONSTRAINT qual_study_links_check1 CHECK (kind IN ('program', 'group'))
);
CREATE INDEX qual_study_links_kind_ref_id ON qual_study_links (kind, ref_id);

CREATE TABLE qual_coders (
    id bigint GENERATED ALWAYS AS IDENTITY,
    study_id bigint NOT NULL,
    name text NOT NULL,
    user_id bigint,
    guid text NOT NULL,
    CONSTRAINT qual_coders_pkey PRIMARY KEY (id),
    CONSTRAINT qual_coders_study_id_fkey FOREIGN KEY (study_id) REFERENCES qual_studies (id),
    CONSTRAINT qual_coders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT qual_coders_study_id_name_key UNIQUE (study_id, name)
);

CREATE TABLE qual_informants (
    id bigint GENERATED ALWAYS AS IDENTITY,
    study_id bigint NOT NULL,
    pseudonym text NOT NULL,
    real_name text,
    role text NOT NULL,
    sex text,
    organisation text,
    sampling_note text,
    consent_on date,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT qual_informants_pkey PRIMARY KEY (id),
    CONSTRAINT qual_informants_study_id_fkey FOREIGN KEY (study_id) REFERENCES qual_studies (id),
    CONSTRAINT qual_informants_study_id_pseudonym_key UNIQUE (study_id, pseudonym),
    CONSTRAINT qual_informants_check1 CHECK (sex IS NULL OR sex IN ('male', 'female'))
);

CREATE TABLE qual_sources (
    id bigint GENERATED ALWAYS AS IDENTITY,
    study_id bigint NOT NULL,
    title text NOT NULL,
    kind text NOT NULL,
    taken_on date,
    place text,
    body text NOT NULL,
    original text NOT NULL,
    file_name text,
    chars bigint NOT NULL,
    guid text NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT qual_sources_pkey PRIMARY KEY (id),
    CONSTRAINT qual_sources_study_id_fkey FOREIGN KEY (study_id) REFERENCES qual_studies (id),
    CONSTRAINT qual_sources_check1 CHECK (kind IN ('interview', 'observation', 'document'))
);
CREATE INDEX qual_sources_study_id ON qual_sources (study_id);

CREATE TABLE qual_source_informants (
    source_id bigint NOT NULL,
    informant_id bigint NOT NULL,
    CONSTRAINT qual_source_informants_pkey PRIMARY KEY (source_id, informant_id),
    CONSTRAINT qual_source_informants_source_id_fkey FOREIGN KEY (source_id) REFERENCES qual_sources (id),
    CONSTRAINT qual_source_informants_informant_id_fkey FOREIGN KEY (informant_id) REFERENCES qual_informants (id)
);
CREATE INDEX qual_source_informants_informant_id ON qual_source_informants (informant_id);

CREATE TABLE qual_source_links (
    source_id bigint NOT NULL,
    kind text NOT NULL,
    ref_id bigint NOT NULL,
    CONSTRAINT qual_source_links_pkey PRIMARY KEY (source_id, kind, ref_id),
    CONSTRAINT qual_source_links_source_id_fkey FOREIGN KEY (source_id) REFERENCES qual_sources (id),
    CONSTRAINT qual_source_links_check1 CHECK (kind IN ('program', 'group', 'activity'))
);

CREATE TABLE qual_redactions (
    id bigint GENERATED ALWAYS AS IDENTITY,
    source_id bigint NOT NULL,
    start_pos bigint NOT NULL,
    end_pos bigint NOT NULL,
    label text NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT qual_redactions_pkey PRIMARY KEY (id),
    CONSTRAINT qual_redactions_source_id_fkey FOREIGN KEY (source_id) REFERENCES qual_sources (id)
);
CREATE INDEX qual_redactions_source_id ON qual_redactions (source_id);

CREATE TABLE qual_codes (
    id bigint GENERATED ALWAYS AS IDENTITY,
    study_id bigint NOT NULL,
    name text NOT NULL,
    name_key text NOT NULL,
    description text,
    color text NOT NULL,
    role text,
    guid text NOT NULL,
    position bigint NOT NULL DEFAULT 0,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT qual_codes_pkey PRIMARY KEY (id),
    CONSTRAINT qual_codes_study_id_fkey FOREIGN KEY (study_id) REFERENCES qual_studies (id),
    CONSTRAINT qual_codes_study_id_name_key_key UNIQUE (study_id, name_key),
    CONSTRAINT qual_codes_check1 CHECK (role IS NULL OR role IN ('inhibiting', 'supporting', 'effort'))
);

CREATE TABLE qual_sets (
    id bigint GENERATED ALWAYS AS IDENTITY,
    study_id bigint NOT NULL,
    guid text NOT NULL,
    name text NOT NULL,
    description text,
    key text,
    CONSTRAINT qual_sets_pkey PRIMARY KEY (id),
    CONSTRAINT qual_sets_study_id_fkey FOREIGN KEY (study_id) REFERENCES qual_studies (id),
    CONSTRAINT qual_sets_study_id_guid_key UNIQUE (study_id, guid)
);

CREATE TABLE qual_set_members (
    set_id bigint NOT NULL,
    code_id bigint NOT NULL,
    CONSTRAINT qual_set_members_pkey PRIMARY KEY (set_id, code_id),
    CONSTRAINT qual_set_members_set_id_fkey FOREIGN KEY (set_id) REFERENCES qual_sets (id),
    CONSTRAINT qual_set_members_code_id_fkey FOREIGN KEY (code_id) REFERENCES qual_codes (id)
);

CREATE TABLE qual_code_parents (
    code_id bigint NOT NULL,
    parent_id bigint NOT NULL,
    CONSTRAINT qual_code_parents_pkey PRIMARY KEY (code_id, parent_id),
    CONSTRAINT qual_code_parents_code_id_fkey FOREIGN KEY (code_id) REFERENCES qual_codes (id),
    CONSTRAINT qual_code_parents_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES qual_codes (id),
    CONSTRAINT qual_code_parents_check1 CHECK (code_id <> parent_id)
);

CREATE TABLE qual_code_dimensions (
    code_id bigint NOT NULL,
    dimension_id bigint NOT NULL,
    CONSTRAINT qual_code_dimensions_pkey PRIMARY KEY (code_id, dimension_id),
    CONSTRAINT qual_code_dimensions_code_id_fkey FOREIGN KEY (code_id) REFERENCES qual_codes (id),
    CONSTRAINT qual_code_dimensions_dimension_id_fkey FOREIGN KEY (dimension_id) REFERENCES framework_dimensions (id)
);
CREATE INDEX qual_code_dimensions_dimension_id ON qual_code_dimensions (dimension_id);

CREATE TABLE qual_codings (
    id bigint GENERATED ALWAYS AS IDENTITY,
    source_id bigint NOT NULL,
    code_id bigint NOT NULL,
    coder_id bigint NOT NULL,
    start_pos bigint NOT NULL,
    end_pos bigint NOT NULL,
    quote text NOT NULL,
    memo text,
    phase text NOT NULL,
    guid text NOT NULL,
    selection_guid text NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT qual_codings_pkey PRIMARY KEY (id),
    CONSTRAINT qual_codings_source_id_fkey FOREIGN KEY (source_id) REFERENCES qual_sources (id),
    CONSTRAINT qual_codings_code_id_fkey FOREIGN KEY (code_id) REFERENCES qual_codes (id),
    CONSTRAINT qual_codings_coder_id_fkey FOREIGN KEY (coder_id) REFERENCES qual_coders (id),
    CONSTRAINT qual_codings_check1 CHECK (phase IN ('open', 'blind', 'reconciled')),
    CONSTRAINT qual_codings_check2 CHECK (start_pos >= 0 AND end_pos > start_pos)
);
CREATE INDEX qual_codings_source_id ON qual_codings (source_id);
CREATE INDEX qual_codings_code_id ON qual_codings (code_id);
CREATE INDEX qual_codings_coder_id ON qual_codings (coder_id);

CREATE TABLE qual_conclusions (
    id bigint GENERATED ALWAYS AS IDENTITY,
    study_id bigint NOT NULL,
    claim text NOT NULL,
    status text NOT NULL,
    guid text NOT NULL,
    finding_id bigint,
    created_at timestamptz NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT qual_conclusions_pkey PRIMARY KEY (id),
    CONSTRAINT qual_conclusions_study_id_fkey FOREIGN KEY (study_id) REFERENCES qual_studies (id),
    CONSTRAINT qual_conclusions_finding_id_fkey FOREIGN KEY (finding_id) REFERENCES findings (id),
    CONSTRAINT qual_conclusions_check1 CHECK (status IN ('tentative', 'verified', 'rejected'))
);
CREATE INDEX qual_conclusions_study_id ON qual_conclusions (study_id);

CREATE TABLE qual_conclusion_history (
    id bigint GENERATED ALWAYS AS IDENTITY,
    conclusion_id bigint NOT NULL,
    status text NOT NULL,
    claim text NOT NULL,
    note text,
    actor text NOT NULL,
    at timestamptz NOT NULL,
    CONSTRAINT qual_conclusion_history_pkey PRIMARY KEY (id),
    CONSTRAINT qual_conclusion_history_conclusion_id_fkey FOREIGN KEY (conclusion_id) REFERENCES qual_conclusions (id)
);
CREATE INDEX qual_conclusion_history_conclusion_id ON qual_conclusion_history (conclusion_id);

CREATE TABLE qual_evidence (
    conclusion_id bigint NOT NULL,
    coding_id bigint NOT NULL,
    stance text NOT NULL,
    CONSTRAINT qual_evidence_pkey PRIMARY KEY (conclusion_id, coding_id),
    CONSTRAINT qual_evidence_conclusion_id_fkey FOREIGN KEY (conclusion_id) REFERENCES qual_conclusions (id),
    CONSTRAINT qual_evidence_coding_id_fkey FOREIGN KEY (coding_id) REFERENCES qual_codings (id),
    CONSTRAINT qual_evidence_check1 CHECK (stance IN ('supports', 'contradicts'))
);
CREATE INDEX qual_evidence_coding_id ON qual_evidence (coding_id);

CREATE TRIGGER qual_studies_audit AFTER INSERT OR UPDATE OR DELETE ON qual_studies
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER qual_informants_audit AFTER INSERT OR UPDATE OR DELETE ON qual_informants
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER qual_redactions_audit AFTER INSERT OR UPDATE OR DELETE ON qual_redactions
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER qual_codes_audit AFTER INSERT OR UPDATE OR DELETE ON qual_codes
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER qual_conclusions_audit AFTER INSERT OR UPDATE OR DELETE ON qual_conclusions
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
