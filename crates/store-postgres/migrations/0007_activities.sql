-- Activities of a program (counseling, training, meetings…), the staff who ran them, the
-- groups invited, their tags (framework dimensions), who attended, and attached files.
-- Attached files keep their bytes in `attachment_contents`; the audit log records the
-- attachment's name, type, size and SHA-256, and of the contents only their length.

CREATE TABLE activities (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    program_id   bigint NOT NULL,
    kind         text NOT NULL,
    title        text NOT NULL,
    title_key    text COLLATE "C" NOT NULL,
    topic        text,
    held_on      date NOT NULL,
    starts_min   bigint,
    duration_min bigint NOT NULL,
    region       text NOT NULL,
    place        text,
    materials    text,
    report       text,
    version      bigint NOT NULL DEFAULT 1,
    CONSTRAINT activities_pkey PRIMARY KEY (id),
    CONSTRAINT activities_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT activities_region_fkey FOREIGN KEY (region) REFERENCES regions (code),
    CONSTRAINT activities_kind_check CHECK (kind IN ('counseling','training','mentoring','socialization','demo_plot','field_school','exhibition','deliberation','other')),
    CONSTRAINT activities_starts_min_check CHECK (starts_min >= 0 AND starts_min < 1440),
    CONSTRAINT activities_duration_min_check CHECK (duration_min > 0 AND duration_min <= 10080)
);
CREATE INDEX activities_program_idx ON activities (program_id, held_on);
CREATE INDEX activities_held_on_idx ON activities (held_on);
CREATE INDEX activities_region_idx ON activities (region);

CREATE TABLE activity_staff (
    activity_id bigint NOT NULL,
    staff_id    bigint NOT NULL,
    position    bigint NOT NULL,
    CONSTRAINT activity_staff_pkey PRIMARY KEY (activity_id, staff_id),
    CONSTRAINT activity_staff_activity_id_fkey FOREIGN KEY (activity_id) REFERENCES activities (id),
    CONSTRAINT activity_staff_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES staff (id)
);
CREATE INDEX activity_staff_staff_idx ON activity_staff (staff_id);

CREATE TABLE activity_groups (
    activity_id bigint NOT NULL,
    group_id    bigint NOT NULL,
    position    bigint NOT NULL,
    CONSTRAINT activity_groups_pkey PRIMARY KEY (activity_id, group_id),
    CONSTRAINT activity_groups_activity_id_fkey FOREIGN KEY (activity_id) REFERENCES activities (id),
    CONSTRAINT activity_groups_group_id_fkey FOREIGN KEY (group_id) REFERENCES groups (id)
);
CREATE INDEX activity_groups_group_idx ON activity_groups (group_id);

-- A tag names a framework dimension.
CREATE TABLE activity_tags (
    activity_id  bigint NOT NULL,
    dimension_id bigint NOT NULL,
    position     bigint NOT NULL,
    CONSTRAINT activity_tags_pkey PRIMARY KEY (activity_id, dimension_id),
    CONSTRAINT activity_tags_activity_id_fkey FOREIGN KEY (activity_id) REFERENCES activities (id),
    CONSTRAINT activity_tags_dimension_id_fkey FOREIGN KEY (dimension_id) REFERENCES framework_dimensions (id)
);
CREATE INDEX activity_tags_dimension_idx ON activity_tags (dimension_id);

CREATE TABLE attendance (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    activity_id bigint NOT NULL,
    person_id   bigint NOT NULL,
    status      text NOT NULL,
    CONSTRAINT attendance_pkey PRIMARY KEY (id),
    CONSTRAINT attendance_activity_id_fkey FOREIGN KEY (activity_id) REFERENCES activities (id),
    CONSTRAINT attendance_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id),
    CONSTRAINT attendance_status_check CHECK (status IN ('present','excused','absent')),
    CONSTRAINT attendance_key UNIQUE (activity_id, person_id)
);
CREATE INDEX attendance_person_idx ON attendance (person_id);

CREATE TABLE attachments (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    entity       text NOT NULL,
    entity_id    bigint NOT NULL,
    file_name    text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    sha256       text NOT NULL,
    uploaded_at  timestamptz NOT NULL,
    CONSTRAINT attachments_pkey PRIMARY KEY (id),
    CONSTRAINT attachments_size_check CHECK (size > 0)
);
CREATE INDEX attachments_entity_idx ON attachments (entity, entity_id);

CREATE TABLE attachment_contents (
    attachment_id bigint NOT NULL,
    bytes         bytea NOT NULL,
    CONSTRAINT attachment_contents_pkey PRIMARY KEY (attachment_id),
    CONSTRAINT attachment_contents_attachment_id_fkey FOREIGN KEY (attachment_id) REFERENCES attachments (id)
);

CREATE TRIGGER activities_audit AFTER INSERT OR UPDATE OR DELETE ON activities
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER activity_staff_audit AFTER INSERT OR UPDATE OR DELETE ON activity_staff
    FOR EACH ROW EXECUTE FUNCTION audit_row('activity_id');
CREATE TRIGGER activity_groups_audit AFTER INSERT OR UPDATE OR DELETE ON activity_groups
    FOR EACH ROW EXECUTE FUNCTION audit_row('activity_id');
CREATE TRIGGER activity_tags_audit AFTER INSERT OR UPDATE OR DELETE ON activity_tags
    FOR EACH ROW EXECUTE FUNCTION audit_row('activity_id');
CREATE TRIGGER attendance_audit AFTER INSERT OR UPDATE OR DELETE ON attendance
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER attachments_audit AFTER INSERT OR UPDATE OR DELETE ON attachments
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');

-- The contents are recorded by their length, not their bytes.
CREATE FUNCTION audit_attachment_contents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('berdaya.bulk', true) = '1' THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    VALUES (
        to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        NULLIF(current_setting('berdaya.actor_id', true), '')::bigint,
        COALESCE(NULLIF(current_setting('berdaya.actor', true), ''), session_user::text),
        CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
        TG_TABLE_NAME,
        CASE WHEN TG_OP = 'DELETE' THEN OLD.attachment_id ELSE NEW.attachment_id END::text,
        CASE WHEN TG_OP = 'INSERT' THEN NULL
             ELSE jsonb_build_object('attachment_id', OLD.attachment_id, 'bytes', octet_length(OLD.bytes))::text END,
        CASE WHEN TG_OP = 'DELETE' THEN NULL
             ELSE jsonb_build_object('attachment_id', NEW.attachment_id, 'bytes', octet_length(NEW.bytes))::text END
    );
    RETURN NULL;
END
$$;
CREATE TRIGGER attachment_contents_audit AFTER INSERT OR UPDATE OR DELETE ON attachment_contents
    FOR EACH ROW EXECUTE FUNCTION audit_attachment_contents();
