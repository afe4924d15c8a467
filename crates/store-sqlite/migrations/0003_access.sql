-- Access: accounts, sessions, API tokens, facilitator assignments, and the audit log.
--
-- Every audited table has three triggers that write an audit_log row in the same
-- transaction as the change, attributed to the actor the store's write helper puts in
-- audit_context. The store seals the rows (seq, prev_hash, hash) before it commits.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('administrator','program_officer','facilitator','group_officer','evaluator','viewer')),
    area          TEXT REFERENCES regions(code),
    agency_id     INTEGER REFERENCES agencies(id),
    group_id      INTEGER REFERENCES groups(id),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX users_username ON users(username);

-- Only the SHA-256 of a session id is kept. Times are UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`,
-- fixed width so that they compare as text.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    revoked_at  TEXT
);
CREATE UNIQUE INDEX api_tokens_secret ON api_tokens(secret_hash);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE assignments (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    household_id INTEGER REFERENCES households(id),
    group_id     INTEGER REFERENCES groups(id),
    CHECK ((household_id IS NOT NULL) + (group_id IS NOT NULL) = 1),
    UNIQUE (user_id, household_id),
    UNIQUE (user_id, group_id)
);
CREATE INDEX assignments_household ON assignments(household_id);
CREATE INDEX assignments_group ON assignments(group_id);

-- Who the current write transaction acts as; one row, set by the store at the start of each
-- write transaction (and put back to `system` before it commits). `bulk` turns the row
-- triggers off for a registry import, which records one `import` entry instead.
CREATE TABLE audit_context (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    actor_id INTEGER,
    actor    TEXT NOT NULL,
    bulk     INTEGER NOT NULL DEFAULT 0 CHECK (bulk IN (0, 1))
);
INSERT INTO audit_context (id, actor_id, actor, bulk) VALUES (1, NULL, 'system', 0);

CREATE TRIGGER audit_context_keep BEFORE DELETE ON audit_context
BEGIN
    SELECT RAISE(ABORT, 'the audit context cannot be deleted');
END;

-- The log. `id` is insertion order; `seq`, `prev_hash` and `hash` are set when the entry is
-- sealed. `before` and `after` are JSON text; the hash covers the stored bytes.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    seq       INTEGER UNIQUE,
    at        TEXT NOT NULL,
    actor_id  INTEGER,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT,
    before    TEXT,
    after     TEXT,
    prev_hash TEXT,
    hash      TEXT
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_actor ON audit_log(actor);
CREATE INDEX audit_log_at ON audit_log(at);
-- What the next seal has to number.
CREATE INDEX audit_log_unsealed ON audit_log(id) WHERE hash IS NULL;

-- Append-only: no entry is ever deleted, and an entry changes once, when it is sealed.
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be deleted');
END;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN OLD.hash IS NOT NULL
    OR NEW.id IS NOT OLD.id
    OR NEW.at IS NOT OLD.at
    OR NEW.actor_id IS NOT OLD.actor_id
    OR NEW.actor IS NOT OLD.actor
    OR NEW.action IS NOT OLD.action
    OR NEW.entity IS NOT OLD.entity
    OR NEW.entity_id IS NOT OLD.entity_id
    OR NEW.before IS NOT OLD.before
    OR NEW.after IS NOT OLD.after
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: sealed entries cannot be changed');
END;

-- Row triggers of every audited table. Generated: one json_object of the table's columns
-- (never password_hash or secret_hash; BLOBs as their size, since JSON cannot hold bytes).

-- regions
CREATE TRIGGER regions_audit_insert AFTER INSERT ON regions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'regions', CAST(NEW.code AS TEXT),
        NULL,
        json_object(
            'code', NEW.code, 'name', NEW.name, 'name_key', NEW.name_key, 'kind', NEW.kind,
            'parent', NEW.parent, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER regions_audit_update AFTER UPDATE ON regions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'regions', CAST(NEW.code AS TEXT),
        json_object(
            'code', OLD.code, 'name', OLD.name, 'name_key', OLD.name_key, 'kind', OLD.kind,
            'parent', OLD.parent, 'version', OLD.version
        ),
        json_object(
            'code', NEW.code, 'name', NEW.name, 'name_key', NEW.name_key, 'kind', NEW.kind,
            'parent', NEW.parent, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER regions_audit_delete AFTER DELETE ON regions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'regions', CAST(OLD.code AS TEXT),
        json_object(
            'code', OLD.code, 'name', OLD.name, 'name_key', OLD.name_key, 'kind', OLD.kind,
            'parent', OLD.parent, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- households
CREATE TRIGGER households_audit_insert AFTER INSERT ON households
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'households', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'kk', NEW.kk, 'address', NEW.address, 'address_key', NEW.address_key,
            'region', NEW.region, 'welfare_stage', NEW.welfare_stage, 'dtks_listed', NEW.dtks_listed,
            'dtks_since', NEW.dtks_since, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER households_audit_update AFTER UPDATE ON households
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'households', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'kk', OLD.kk, 'address', OLD.address, 'address_key', OLD.address_key,
            'region', OLD.region, 'welfare_stage', OLD.welfare_stage, 'dtks_listed', OLD.dtks_listed,
            'dtks_since', OLD.dtks_since, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'kk', NEW.kk, 'address', NEW.address, 'address_key', NEW.address_key,
            'region', NEW.region, 'welfare_stage', NEW.welfare_stage, 'dtks_listed', NEW.dtks_listed,
            'dtks_since', NEW.dtks_since, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER households_audit_delete AFTER DELETE ON households
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'households', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'kk', OLD.kk, 'address', OLD.address, 'address_key', OLD.address_key,
            'region', OLD.region, 'welfare_stage', OLD.welfare_stage, 'dtks_listed', OLD.dtks_listed,
            'dtks_since', OLD.dtks_since, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- people
CREATE TRIGGER people_audit_insert AFTER INSERT ON people
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'people', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'nik', NEW.nik, 'household_id', NEW.household_id, 'name', NEW.name,
            'name_key', NEW.name_key, 'sex', NEW.sex, 'birth_date', NEW.birth_date, 'relation', NEW.relation,
            'education', NEW.education, 'occupation', NEW.occupation, 'disability', NEW.disability,
            'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER people_audit_update AFTER UPDATE ON people
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'people', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'nik', OLD.nik, 'household_id', OLD.household_id, 'name', OLD.name,
            'name_key', OLD.name_key, 'sex', OLD.sex, 'birth_date', OLD.birth_date, 'relation', OLD.relation,
            'education', OLD.education, 'occupation', OLD.occupation, 'disability', OLD.disability,
            'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'nik', NEW.nik, 'household_id', NEW.household_id, 'name', NEW.name,
            'name_key', NEW.name_key, 'sex', NEW.sex, 'birth_date', NEW.birth_date, 'relation', NEW.relation,
            'education', NEW.education, 'occupation', NEW.occupation, 'disability', NEW.disability,
            'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER people_audit_delete AFTER DELETE ON people
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'people', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'nik', OLD.nik, 'household_id', OLD.household_id, 'name', OLD.name,
            'name_key', OLD.name_key, 'sex', OLD.sex, 'birth_date', OLD.birth_date, 'relation', OLD.relation,
            'education', OLD.education, 'occupation', OLD.occupation, 'disability', OLD.disability,
            'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- groups
CREATE TRIGGER groups_audit_insert AFTER INSERT ON groups
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'groups', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'name', NEW.name, 'name_key', NEW.name_key, 'kind', NEW.kind, 'region', NEW.region,
            'founded_on', NEW.founded_on, 'description', NEW.description, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER groups_audit_update AFTER UPDATE ON groups
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'groups', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'name', OLD.name, 'name_key', OLD.name_key, 'kind', OLD.kind, 'region', OLD.region,
            'founded_on', OLD.founded_on, 'description', OLD.description, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'name', NEW.name, 'name_key', NEW.name_key, 'kind', NEW.kind, 'region', NEW.region,
            'founded_on', NEW.founded_on, 'description', NEW.description, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER groups_audit_delete AFTER DELETE ON groups
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'groups', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'name', OLD.name, 'name_key', OLD.name_key, 'kind', OLD.kind, 'region', OLD.region,
            'founded_on', OLD.founded_on, 'description', OLD.description, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- group_members
CREATE TRIGGER group_members_audit_insert AFTER INSERT ON group_members
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'group_members', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'group_id', NEW.group_id, 'person_id', NEW.person_id, 'role', NEW.role,
            'since', NEW.since, 'until', NEW.until
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER group_members_audit_update AFTER UPDATE ON group_members
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'group_members', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'group_id', OLD.group_id, 'person_id', OLD.person_id, 'role', OLD.role,
            'since', OLD.since, 'until', OLD.until
        ),
        json_object(
            'id', NEW.id, 'group_id', NEW.group_id, 'person_id', NEW.person_id, 'role', NEW.role,
            'since', NEW.since, 'until', NEW.until
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER group_members_audit_delete AFTER DELETE ON group_members
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'group_members', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'group_id', OLD.group_id, 'person_id', OLD.person_id, 'role', OLD.role,
            'since', OLD.since, 'until', OLD.until
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- agencies
CREATE TRIGGER agencies_audit_insert AFTER INSERT ON agencies
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'agencies', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'name', NEW.name, 'name_key', NEW.name_key, 'kind', NEW.kind, 'region', NEW.region,
            'parent_id', NEW.parent_id, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER agencies_audit_update AFTER UPDATE ON agencies
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'agencies', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'name', OLD.name, 'name_key', OLD.name_key, 'kind', OLD.kind, 'region', OLD.region,
            'parent_id', OLD.parent_id, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'name', NEW.name, 'name_key', NEW.name_key, 'kind', NEW.kind, 'region', NEW.region,
            'parent_id', NEW.parent_id, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER agencies_audit_delete AFTER DELETE ON agencies
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'agencies', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'name', OLD.name, 'name_key', OLD.name_key, 'kind', OLD.kind, 'region', OLD.region,
            'parent_id', OLD.parent_id, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- staff
CREATE TRIGGER staff_audit_insert AFTER INSERT ON staff
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'staff', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'agency_id', NEW.agency_id, 'name', NEW.name, 'position', NEW.position
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER staff_audit_update AFTER UPDATE ON staff
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'staff', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'agency_id', OLD.agency_id, 'name', OLD.name, 'position', OLD.position
        ),
        json_object(
            'id', NEW.id, 'agency_id', NEW.agency_id, 'name', NEW.name, 'position', NEW.position
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER staff_audit_delete AFTER DELETE ON staff
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'staff', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'agency_id', OLD.agency_id, 'name', OLD.name, 'position', OLD.position
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- programs
CREATE TRIGGER programs_audit_insert AFTER INSERT ON programs
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'programs', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'name', NEW.name, 'name_key', NEW.name_key, 'agency_id', NEW.agency_id,
            'starts_on', NEW.starts_on, 'ends_on', NEW.ends_on, 'description', NEW.description,
            'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER programs_audit_update AFTER UPDATE ON programs
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'programs', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'name', OLD.name, 'name_key', OLD.name_key, 'agency_id', OLD.agency_id,
            'starts_on', OLD.starts_on, 'ends_on', OLD.ends_on, 'description', OLD.description,
            'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'name', NEW.name, 'name_key', NEW.name_key, 'agency_id', NEW.agency_id,
            'starts_on', NEW.starts_on, 'ends_on', NEW.ends_on, 'description', NEW.description,
            'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER programs_audit_delete AFTER DELETE ON programs
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'programs', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'name', OLD.name, 'name_key', OLD.name_key, 'agency_id', OLD.agency_id,
            'starts_on', OLD.starts_on, 'ends_on', OLD.ends_on, 'description', OLD.description,
            'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- program_regions
CREATE TRIGGER program_regions_audit_insert AFTER INSERT ON program_regions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'program_regions', CAST(NEW.program_id AS TEXT),
        NULL,
        json_object(
            'program_id', NEW.program_id, 'region', NEW.region, 'position', NEW.position
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER program_regions_audit_update AFTER UPDATE ON program_regions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'program_regions', CAST(NEW.program_id AS TEXT),
        json_object(
            'program_id', OLD.program_id, 'region', OLD.region, 'position', OLD.position
        ),
        json_object(
            'program_id', NEW.program_id, 'region', NEW.region, 'position', NEW.position
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER program_regions_audit_delete AFTER DELETE ON program_regions
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'program_regions', CAST(OLD.program_id AS TEXT),
        json_object(
            'program_id', OLD.program_id, 'region', OLD.region, 'position', OLD.position
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- enrollments
CREATE TRIGGER enrollments_audit_insert AFTER INSERT ON enrollments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'enrollments', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'program_id', NEW.program_id, 'household_id', NEW.household_id,
            'person_id', NEW.person_id, 'group_id', NEW.group_id, 'status', NEW.status,
            'enrolled_on', NEW.enrolled_on, 'ended_on', NEW.ended_on, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER enrollments_audit_update AFTER UPDATE ON enrollments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'enrollments', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'program_id', OLD.program_id, 'household_id', OLD.household_id,
            'person_id', OLD.person_id, 'group_id', OLD.group_id, 'status', OLD.status,
            'enrolled_on', OLD.enrolled_on, 'ended_on', OLD.ended_on, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'program_id', NEW.program_id, 'household_id', NEW.household_id,
            'person_id', NEW.person_id, 'group_id', NEW.group_id, 'status', NEW.status,
            'enrolled_on', NEW.enrolled_on, 'ended_on', NEW.ended_on, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER enrollments_audit_delete AFTER DELETE ON enrollments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'enrollments', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'program_id', OLD.program_id, 'household_id', OLD.household_id,
            'person_id', OLD.person_id, 'group_id', OLD.group_id, 'status', OLD.status,
            'enrolled_on', OLD.enrolled_on, 'ended_on', OLD.ended_on, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- survey_analyses
CREATE TRIGGER survey_analyses_audit_insert AFTER INSERT ON survey_analyses
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'survey_analyses', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'title', NEW.title, 'instrument_name', NEW.instrument_name,
            'instrument_bytes', length(NEW.instrument), 'responses_name', NEW.responses_name,
            'responses_bytes', length(NEW.responses), 'alpha', NEW.alpha,
            'drop_incomplete', NEW.drop_incomplete, 'report_json', NEW.report_json,
            'respondents', NEW.respondents, 'created_at_us', NEW.created_at_us
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER survey_analyses_audit_update AFTER UPDATE ON survey_analyses
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'survey_analyses', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'title', OLD.title, 'instrument_name', OLD.instrument_name,
            'instrument_bytes', length(OLD.instrument), 'responses_name', OLD.responses_name,
            'responses_bytes', length(OLD.responses), 'alpha', OLD.alpha,
            'drop_incomplete', OLD.drop_incomplete, 'report_json', OLD.report_json,
            'respondents', OLD.respondents, 'created_at_us', OLD.created_at_us
        ),
        json_object(
            'id', NEW.id, 'title', NEW.title, 'instrument_name', NEW.instrument_name,
            'instrument_bytes', length(NEW.instrument), 'responses_name', NEW.responses_name,
            'responses_bytes', length(NEW.responses), 'alpha', NEW.alpha,
            'drop_incomplete', NEW.drop_incomplete, 'report_json', NEW.report_json,
            'respondents', NEW.respondents, 'created_at_us', NEW.created_at_us
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER survey_analyses_audit_delete AFTER DELETE ON survey_analyses
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'survey_analyses', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'title', OLD.title, 'instrument_name', OLD.instrument_name,
            'instrument_bytes', length(OLD.instrument), 'responses_name', OLD.responses_name,
            'responses_bytes', length(OLD.responses), 'alpha', OLD.alpha,
            'drop_incomplete', OLD.drop_incomplete, 'report_json', OLD.report_json,
            'respondents', OLD.respondents, 'created_at_us', OLD.created_at_us
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- users
CREATE TRIGGER users_audit_insert AFTER INSERT ON users
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'users', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'username', NEW.username, 'display_name', NEW.display_name, 'role', NEW.role,
            'area', NEW.area, 'agency_id', NEW.agency_id, 'group_id', NEW.group_id, 'disabled', NEW.disabled,
            'created_at', NEW.created_at, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER users_audit_update AFTER UPDATE ON users
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'users', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'username', OLD.username, 'display_name', OLD.display_name, 'role', OLD.role,
            'area', OLD.area, 'agency_id', OLD.agency_id, 'group_id', OLD.group_id, 'disabled', OLD.disabled,
            'created_at', OLD.created_at, 'version', OLD.version
        ),
        json_object(
            'id', NEW.id, 'username', NEW.username, 'display_name', NEW.display_name, 'role', NEW.role,
            'area', NEW.area, 'agency_id', NEW.agency_id, 'group_id', NEW.group_id, 'disabled', NEW.disabled,
            'created_at', NEW.created_at, 'version', NEW.version
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER users_audit_delete AFTER DELETE ON users
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'users', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'username', OLD.username, 'display_name', OLD.display_name, 'role', OLD.role,
            'area', OLD.area, 'agency_id', OLD.agency_id, 'group_id', OLD.group_id, 'disabled', OLD.disabled,
            'created_at', OLD.created_at, 'version', OLD.version
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- api_tokens
CREATE TRIGGER api_tokens_audit_insert AFTER INSERT ON api_tokens
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'api_tokens', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'user_id', NEW.user_id, 'name', NEW.name, 'prefix', NEW.prefix,
            'created_at', NEW.created_at, 'expires_at', NEW.expires_at, 'revoked_at', NEW.revoked_at
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER api_tokens_audit_update AFTER UPDATE ON api_tokens
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'api_tokens', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'user_id', OLD.user_id, 'name', OLD.name, 'prefix', OLD.prefix,
            'created_at', OLD.created_at, 'expires_at', OLD.expires_at, 'revoked_at', OLD.revoked_at
        ),
        json_object(
            'id', NEW.id, 'user_id', NEW.user_id, 'name', NEW.name, 'prefix', NEW.prefix,
            'created_at', NEW.created_at, 'expires_at', NEW.expires_at, 'revoked_at', NEW.revoked_at
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER api_tokens_audit_delete AFTER DELETE ON api_tokens
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'api_tokens', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'user_id', OLD.user_id, 'name', OLD.name, 'prefix', OLD.prefix,
            'created_at', OLD.created_at, 'expires_at', OLD.expires_at, 'revoked_at', OLD.revoked_at
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

-- assignments
CREATE TRIGGER assignments_audit_insert AFTER INSERT ON assignments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'create', 'assignments', CAST(NEW.id AS TEXT),
        NULL,
        json_object(
            'id', NEW.id, 'user_id', NEW.user_id, 'household_id', NEW.household_id, 'group_id', NEW.group_id
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER assignments_audit_update AFTER UPDATE ON assignments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'update', 'assignments', CAST(NEW.id AS TEXT),
        json_object(
            'id', OLD.id, 'user_id', OLD.user_id, 'household_id', OLD.household_id, 'group_id', OLD.group_id
        ),
        json_object(
            'id', NEW.id, 'user_id', NEW.user_id, 'household_id', NEW.household_id, 'group_id', NEW.group_id
        )
    FROM audit_context WHERE id = 1;
END;

CREATE TRIGGER assignments_audit_delete AFTER DELETE ON assignments
WHEN NOT (SELECT bulk FROM audit_context WHERE id = 1)
BEGIN
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, 'delete', 'assignments', CAST(OLD.id AS TEXT),
        json_object(
            'id', OLD.id, 'user_id', OLD.user_id, 'household_id', OLD.household_id, 'group_id', OLD.group_id
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;

