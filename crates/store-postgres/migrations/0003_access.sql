-- Access: accounts, sessions, API tokens, facilitator assignments, and the audit log.
--
-- Constraint names are part of the contract (src/error.rs maps them to fields), as in
-- 0001_registry. The audit log is kept by one trigger function on every audited table; it
-- reads who acts from transaction-local settings the store sets when it opens a write
-- transaction (`berdaya.actor`, `berdaya.actor_id`) and stays silent while
-- `berdaya.bulk` is '1' (a registry import records one entry of its own). The store seals
-- new entries (seq, prev_hash, hash) before it commits; guards keep sealed entries as they
-- are and refuse every delete.

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    username      text COLLATE "C" NOT NULL,
    display_name  text NOT NULL,
    role          text NOT NULL,
    area          text COLLATE "C",
    agency_id     bigint,
    group_id      bigint,
    password_hash text NOT NULL,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    version       bigint NOT NULL DEFAULT 1,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_area_fkey FOREIGN KEY (area) REFERENCES regions (code),
    CONSTRAINT users_agency_id_fkey FOREIGN KEY (agency_id) REFERENCES agencies (id),
    CONSTRAINT users_group_id_fkey FOREIGN KEY (group_id) REFERENCES groups (id),
    CONSTRAINT users_role_check CHECK (role IN ('administrator', 'program_officer', 'facilitator', 'group_officer', 'evaluator', 'viewer'))
);

-- Not audited: a session is a login, and logins are recorded as events.
CREATE TABLE sessions (
    id_hash    text NOT NULL,
    user_id    bigint NOT NULL,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    CONSTRAINT sessions_pkey PRIMARY KEY (id_hash),
    CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_tokens (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    user_id     bigint NOT NULL,
    name        text NOT NULL,
    prefix      text NOT NULL,
    secret_hash text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked_at  timestamptz,
    CONSTRAINT api_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT api_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT api_tokens_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, created_at);

CREATE TABLE assignments (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    user_id      bigint NOT NULL,
    household_id bigint,
    group_id     bigint,
    CONSTRAINT assignments_pkey PRIMARY KEY (id),
    CONSTRAINT assignments_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT assignments_household_id_fkey FOREIGN KEY (household_id) REFERENCES households (id),
    CONSTRAINT assignments_group_id_fkey FOREIGN KEY (group_id) REFERENCES groups (id),
    CONSTRAINT assignments_one_subject_check CHECK (num_nonnulls(household_id, group_id) = 1),
    CONSTRAINT assignments_user_id_household_id_key UNIQUE (user_id, household_id),
    CONSTRAINT assignments_user_id_group_id_key UNIQUE (user_id, group_id)
);
CREATE INDEX assignments_household_idx ON assignments (household_id);
CREATE INDEX assignments_group_idx ON assignments (group_id);

-- `id` is insertion order; `seq` is the chain position, given when the entry is sealed.
-- `before` and `after` are JSON text: the hash covers these exact bytes.
CREATE TABLE audit_log (
    id        bigint GENERATED ALWAYS AS IDENTITY,
    seq       bigint,
    at        text COLLATE "C" NOT NULL,
    actor_id  bigint,
    actor     text NOT NULL,
    action    text NOT NULL,
    entity    text NOT NULL,
    entity_id text,
    before    text,
    after     text,
    prev_hash text,
    hash      text,
    CONSTRAINT audit_log_pkey PRIMARY KEY (id),
    CONSTRAINT audit_log_seq_key UNIQUE (seq)
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor);
CREATE INDEX audit_log_at_idx ON audit_log (at);
-- What the next commit must seal: found without reading the sealed log.
CREATE INDEX audit_log_unsealed_idx ON audit_log (id) WHERE hash IS NULL;

-- Records one row change. TG_ARGV[0] names the column that identifies the row. The row is
-- stored as jsonb's text form, without password_hash and secret_hash.
CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
BEGIN
    IF current_setting('berdaya.bulk', true) = '1' THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_row := to_jsonb(OLD) - 'password_hash' - 'secret_hash';
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_row := to_jsonb(NEW) - 'password_hash' - 'secret_hash';
    END IF;
    -- Uploaded files are recorded by their size, not their bytes.
    IF TG_TABLE_NAME = 'survey_analyses' THEN
        IF old_row IS NOT NULL THEN
            old_row := old_row - 'instrument' - 'responses' || jsonb_build_object(
                'instrument_bytes', octet_length(OLD.instrument), 'responses_bytes', octet_length(OLD.responses));
        END IF;
        IF new_row IS NOT NULL THEN
            new_row := new_row - 'instrument' - 'responses' || jsonb_build_object(
                'instrument_bytes', octet_length(NEW.instrument), 'responses_bytes', octet_length(NEW.responses));
        END IF;
    END IF;
    INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
    VALUES (
        to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        NULLIF(current_setting('berdaya.actor_id', true), '')::bigint,
        -- A change made outside Berdaya (psql) is attributed to the database role.
        COALESCE(NULLIF(current_setting('berdaya.actor', true), ''), session_user::text),
        CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
        TG_TABLE_NAME,
        COALESCE(new_row, old_row) ->> TG_ARGV[0],
        old_row::text,
        new_row::text
    );
    RETURN NULL;
END
$$;

CREATE TRIGGER regions_audit AFTER INSERT OR UPDATE OR DELETE ON regions
    FOR EACH ROW EXECUTE FUNCTION audit_row('code');
CREATE TRIGGER households_audit AFTER INSERT OR UPDATE OR DELETE ON households
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER people_audit AFTER INSERT OR UPDATE OR DELETE ON people
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER groups_audit AFTER INSERT OR UPDATE OR DELETE ON groups
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER group_members_audit AFTER INSERT OR UPDATE OR DELETE ON group_members
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER agencies_audit AFTER INSERT OR UPDATE OR DELETE ON agencies
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER staff_audit AFTER INSERT OR UPDATE OR DELETE ON staff
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER programs_audit AFTER INSERT OR UPDATE OR DELETE ON programs
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER program_regions_audit AFTER INSERT OR UPDATE OR DELETE ON program_regions
    FOR EACH ROW EXECUTE FUNCTION audit_row('program_id');
CREATE TRIGGER enrollments_audit AFTER INSERT OR UPDATE OR DELETE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER survey_analyses_audit AFTER INSERT OR UPDATE OR DELETE ON survey_analyses
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER users_audit AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER api_tokens_audit AFTER INSERT OR UPDATE OR DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');
CREATE TRIGGER assignments_audit AFTER INSERT OR UPDATE OR DELETE ON assignments
    FOR EACH ROW EXECUTE FUNCTION audit_row('id');

-- The log is append-only: entries arrive unsealed, sealing may set seq, prev_hash and hash
-- once, and nothing else may change or go.
CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.seq IS NULL AND NEW.prev_hash IS NULL AND NEW.hash IS NULL THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only: entries are added unsealed';
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.hash IS NULL
           AND (NEW.id, NEW.at, NEW.actor_id, NEW.actor, NEW.action, NEW.entity, NEW.entity_id, NEW.before, NEW.after)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.at, OLD.actor_id, OLD.actor, OLD.action, OLD.entity, OLD.entity_id, OLD.before, OLD.after)
        THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only: a sealed entry cannot be changed';
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: entries cannot be deleted';
END
$$;

CREATE TRIGGER audit_log_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_log_guard_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();
