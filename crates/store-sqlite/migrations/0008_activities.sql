-- Activities of a program (counseling, training, meetings…), the staff who ran them, the
-- groups invited, their tags (framework dimensions), who attended, and attached files.
-- Attached files keep their bytes in `attachment_contents`; the audit log records the
-- attachment's name, type, size and SHA-256, and of the contents only their length.

CREATE TABLE activities (
    id           INTEGER PRIMARY KEY,
    program_id   INTEGER NOT NULL REFERENCES programs(id),
    kind         TEXT NOT NULL
                 CONSTRAINT activities_kind_check CHECK (kind IN ('counseling','training','mentoring','socialization','demo_plot','field_school','exhibition','deliberation','other')),
    title        TEXT NOT NULL,
    title_key    TEXT NOT NULL,
    topic        TEXT,
    held_on      TEXT NOT NULL,
    starts_min   INTEGER CHECK (starts_min >= 0 AND starts_min < 1440),
    duration_min INTEGER NOT NULL CHECK (duration_min > 0 AND duration_min <= 10080),
    region       TEXT NOT NULL REFERENCES regions(code),
    place        TEXT,
    materials    TEXT,
    report       TEXT,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX activities_program ON activities(program_id, held_on);
CREATE INDEX activities_held_on ON activities(held_on);
CREATE INDEX activities_region ON activities(region);

CREATE TABLE activity_staff (
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    staff_id    INTEGER NOT NULL REFERENCES staff(id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (activity_id, staff_id)
);
CREATE INDEX activity_staff_staff ON activity_staff(staff_id);

CREATE TABLE activity_groups (
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    group_id    INTEGER NOT NULL REFERENCES groups(id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (activity_id, group_id)
);
CREATE INDEX activity_groups_group ON activity_groups(group_id);

-- A tag names a framework dimension.
CREATE TABLE activity_tags (
    activity_id  INTEGER NOT NULL REFERENCES activities(id),
    dimension_id INTEGER NOT NULL REFERENCES framework_dimensions(id),
    position     INTEGER NOT NULL,
    PRIMARY KEY (activity_id, dimension_id)
);
CREATE INDEX activity_tags_dimension ON activity_tags(dimension_id);

CREATE TABLE attendance (
    id          INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    person_id   INTEGER NOT NULL REFERENCES people(id),
    status      TEXT NOT NULL CONSTRAINT attendance_status_check CHECK (status IN ('present','excused','absent')),
    CONSTRAINT attendance_key UNIQUE (activity_id, person_id)
);
CREATE INDEX attendance_person ON attendance(person_id);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    entity       TEXT NOT NULL,
    entity_id    INTEGER NOT NULL,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size > 0),
    sha256       TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL
);
CREATE INDEX attachments_entity ON attachments(entity, entity_id);

CREATE TABLE attachment_contents (
    attachment_id INTEGER PRIMARY KEY REFERENCES attachments(id),
    bytes         BLOB NOT NULL
);

-- activities
CREATE TRIGGER activities_audit_insert AFTER INSERT ON activities
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'activities', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'program_id', NEW.program_id, 'kind', NEW.kind, 'title', NEW.title,
            'title_key', NEW.title_key, 'topic', NEW.topic, 'held_on', NEW.held_on,
            'starts_min', NEW.starts_min, 'duration_min', NEW.duration_min, 'region', NEW.region,
            'place', NEW.place, 'materials', NEW.materials, 'report', NEW.report, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER activities_audit_update AFTER UPDATE ON activities
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'activities', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'program_id', OLD.program_id, 'kind', OLD.kind, 'title', OLD.title,
            'title_key', OLD.title_key, 'topic', OLD.topic, 'held_on', OLD.held_on,
            'starts_min', OLD.starts_min, 'duration_min', OLD.duration_min, 'region', OLD.region,
            'place', OLD.place, 'materials', OLD.materials, 'report', OLD.report, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'program_id', NEW.program_id, 'kind', NEW.kind, 'title', NEW.title,
            'title_key', NEW.title_key, 'topic', NEW.topic, 'held_on', NEW.held_on,
            'starts_min', NEW.starts_min, 'duration_min', NEW.duration_min, 'region', NEW.region,
            'place', NEW.place, 'materials', NEW.materials, 'report', NEW.report, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER activities_audit_delete AFTER DELETE ON activities
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'activities', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'program_id', OLD.program_id, 'kind', OLD.kind, 'title', OLD.title,
            'title_key', OLD.title_key, 'topic', OLD.topic, 'held_on', OLD.held_on,
            'starts_min', OLD.starts_min, 'duration_min', OLD.duration_min, 'region', OLD.region,
            'place', OLD.place, 'materials', OLD.materials, 'report', OLD.report, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;


-- activity_staff
CREATE TRIGGER activity_staff_audit_insert AFTER INSERT ON activity_staff
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'activity_staff', CAST(NEW.activity_id || ':' || NEW.staff_id AS TEXT),
        NULL,
        json_object(
            'activity_id', NEW.activity_id, 'staff_id', NEW.staff_id, 'position', NEW.position
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER activity_staff_audit_update AFTER UPDATE ON activity_staff
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'activity_staff', CAST(NEW.activity_id || ':' || NEW.staff_id AS TEXT),
        json_object(
            'activity_id', OLD.activity_id, 'staff_id', OLD.staff_id, 'position', OLD.position
        ),
        json_object(
            'activity_id', NEW.activity_id, 'staff_id', NEW.staff_id, 'position', NEW.position
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER activity_staff_audit_delete AFTER DELETE ON activity_staff
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'activity_staff', CAST(OLD.activity_id || ':' || OLD.staff_id AS TEXT),
        json_object(
            'activity_id', OLD.activity_id, 'staff_id', OLD.staff_id, 'position', OLD.position
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;


-- activity_groups
CREATE TRIGGER activity_groups_audit_insert AFTER INSERT ON activity_groups
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'activity_groups', CAST(NEW.activity_id || ':' || NEW.group_id AS TEXT),
        NULL,
        json_object(
            'activity_id', NEW.activity_id, 'group_id', NEW.group_id, 'position', NEW.position
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER activity_groups_audit_update AFTER UPDATE ON activity_groups
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'activity_groups', CAST(NEW.activity_id || ':' || NEW.group_id AS TEXT),
        json_object(
            'activity_id', OLD.activity_id, 'group_id', OLD.group_id, 'position', OLD.position
        ),
        json_object(
            'activity_id', NEW.activity_id, 'group_id', NEW.group_id, 'position', NEW.position
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER activity_groups_audit_delete AFTER DELETE ON activity_groups
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'activity_groups', CAST(OLD.activity_id || ':' || OLD.group_id AS TEXT),
        json_object(
            'activity_id', OLD.activity_id, 'group_id', OLD.group_id, 'position', OLD.position
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;


-- activity_tags
CREATE TRIGGER activity_tags_audit_insert AFTER INSERT ON activity_tags
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'activity_tags', CAST(NEW.activity_id || ':' || NEW.dimension_id AS TEXT),
        NULL,
        json_object(
            'activity_id', NEW.activity_id, 'dimension_id', NEW.dimension_id, 'position', NEW.position
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER activity_tags_audit_update AFTER UPDATE ON activity_tags
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'activity_tags', CAST(NEW.activity_id || ':' || NEW.dimension_id AS TEXT),
        json_object(
            'activity_id', OLD.activity_id, 'dimension_id', OLD.dimension_id, 'position', OLD.position
        ),
        json_object(
            'activity_id', NEW.activity_id, 'dimension_id', NEW.dimension_id, 'position', NEW.position
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER activity_tags_audit_delete AFTER DELETE ON activity_tags
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'activity_tags', CAST(OLD.activity_id || ':' || OLD.dimension_id AS TEXT),
        json_object(
            'activity_id', OLD.activity_id, 'dimension_id', OLD.dimension_id, 'position', OLD.position
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;


-- attendance
CREATE TRIGGER attendance_audit_insert AFTER INSERT ON attendance
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'attendance', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'activity_id', NEW.activity_id, 'person_id', NEW.person_id, 'status', NEW.status
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER attendance_audit_update AFTER UPDATE ON attendance
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'attendance', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'activity_id', OLD.activity_id, 'person_id', OLD.person_id, 'status', OLD.status
        ),
        json_object(
            'id', NEW.id, 'activity_id', NEW.activity_id, 'person_id', NEW.person_id, 'status', NEW.status
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER attendance_audit_delete AFTER DELETE ON attendance
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'attendance', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'activity_id', OLD.activity_id, 'person_id', OLD.person_id, 'status', OLD.status
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;


-- attachments
CREATE TRIGGER attachments_audit_insert AFTER INSERT ON attachments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'attachments', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'entity', NEW.entity, 'entity_id', NEW.entity_id, 'file_name', NEW.file_name,
            'content_type', NEW.content_type, 'size', NEW.size, 'sha256', NEW.sha256,
            'uploaded_at', NEW.uploaded_at
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER attachments_audit_update AFTER UPDATE ON attachments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'attachments', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'entity', OLD.entity, 'entity_id', OLD.entity_id, 'file_name', OLD.file_name,
            'content_type', OLD.content_type, 'size', OLD.size, 'sha256', OLD.sha256,
            'uploaded_at', OLD.uploaded_at
        ),
        json_object(
            'id', NEW.id, 'entity', NEW.entity, 'entity_id', NEW.entity_id, 'file_name', NEW.file_name,
            'content_type', NEW.content_type, 'size', NEW.size, 'sha256', NEW.sha256,
            'uploaded_at', NEW.uploaded_at
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER attachments_audit_delete AFTER DELETE ON attachments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'attachments', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'entity', OLD.entity, 'entity_id', OLD.entity_id, 'file_name', OLD.file_name,
            'content_type', OLD.content_type, 'size', OLD.size, 'sha256', OLD.sha256,
            'uploaded_at', OLD.uploaded_at
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;


-- attachment_contents
CREATE TRIGGER attachment_contents_audit_insert AFTER INSERT ON attachment_contents
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'attachment_contents', CAST(NEW.attachment_id AS TEXT),
        NULL,
        json_object(
            'attachment_id', NEW.attachment_id, 'bytes', length(NEW.bytes)
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER attachment_contents_audit_update AFTER UPDATE ON attachment_contents
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'attachment_contents', CAST(NEW.attachment_id AS TEXT),
        json_object(
            'attachment_id', OLD.attachment_id, 'bytes', length(OLD.bytes)
        ),
        json_object(
            'attachment_id', NEW.attachment_id, 'bytes', length(NEW.bytes)
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER attachment_contents_audit_delete AFTER DELETE ON attachment_contents
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'attachment_contents', CAST(OLD.attachment_id AS TEXT),
        json_object(
            'attachment_id', OLD.attachment_id, 'bytes', length(OLD.bytes)
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;
