-- The registry: regions, households, people, groups, agencies, programs, enrollments.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE regions (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    name_key TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('province','regency','city','district','village','kelurahan','dusun','lingkungan','rw','rt')),
    parent   TEXT REFERENCES regions(code),
    version  INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;
CREATE INDEX regions_parent ON regions(parent, code);

CREATE TABLE households (
    id            INTEGER PRIMARY KEY,
    kk            INTEGER NOT NULL,
    address       TEXT NOT NULL,
    address_key   TEXT NOT NULL,
    region        TEXT NOT NULL REFERENCES regions(code),
    welfare_stage TEXT NOT NULL CHECK (welfare_stage IN ('pra_sejahtera','sejahtera_1','sejahtera_2','sejahtera_3','sejahtera_3_plus')),
    dtks_listed   INTEGER NOT NULL CHECK (dtks_listed IN (0, 1)),
    dtks_since    TEXT,
    version       INTEGER NOT NULL DEFAULT 1
);
-- Unique indexes declared by name rather than inline UNIQUE: a bulk import into empty
-- tables drops and rebuilds them, which SQLite allows only for named indexes.
CREATE UNIQUE INDEX households_kk ON households(kk);
CREATE INDEX households_region ON households(region);

CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    nik          INTEGER NOT NULL,
    household_id INTEGER REFERENCES households(id),
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    sex          TEXT NOT NULL CHECK (sex IN ('male','female')),
    birth_date   TEXT NOT NULL,
    relation     TEXT NOT NULL,
    education    TEXT NOT NULL,
    occupation   TEXT,
    disability   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX people_nik ON people(nik);
CREATE INDEX people_name ON people(name_key, id);
CREATE INDEX people_household ON people(household_id);

CREATE TABLE groups (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    region      TEXT NOT NULL REFERENCES regions(code),
    founded_on  TEXT,
    description TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX groups_name ON groups(name_key, id);
CREATE INDEX groups_region ON groups(region);

CREATE TABLE group_members (
    id        INTEGER PRIMARY KEY,
    group_id  INTEGER NOT NULL REFERENCES groups(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    role      TEXT NOT NULL,
    since     TEXT,
    until     TEXT,
    UNIQUE (group_id, person_id)
);
CREATE INDEX group_members_person ON group_members(person_id);

CREATE TABLE agencies (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    name_key  TEXT NOT NULL,
    kind      TEXT NOT NULL,
    region    TEXT NOT NULL REFERENCES regions(code),
    parent_id INTEGER REFERENCES agencies(id),
    version   INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX agencies_parent ON agencies(parent_id);

CREATE TABLE staff (
    id        INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    name      TEXT NOT NULL,
    position  TEXT NOT NULL
);
CREATE INDEX staff_agency ON staff(agency_id);

CREATE TABLE programs (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    starts_on   TEXT NOT NULL,
    ends_on     TEXT,
    description TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE program_regions (
    program_id INTEGER NOT NULL REFERENCES programs(id),
    region     TEXT NOT NULL REFERENCES regions(code),
    position   INTEGER NOT NULL,
    PRIMARY KEY (program_id, region)
) WITHOUT ROWID;

CREATE TABLE enrollments (
    id           INTEGER PRIMARY KEY,
    program_id   INTEGER NOT NULL REFERENCES programs(id),
    household_id INTEGER REFERENCES households(id),
    person_id    INTEGER REFERENCES people(id),
    group_id     INTEGER REFERENCES groups(id),
    status       TEXT NOT NULL CHECK (status IN ('active','suspended','terminated','graduated')),
    enrolled_on  TEXT NOT NULL,
    ended_on     TEXT,
    version      INTEGER NOT NULL DEFAULT 1,
    CHECK ((household_id IS NOT NULL) + (person_id IS NOT NULL) + (group_id IS NOT NULL) = 1),
    UNIQUE (program_id, household_id),
    UNIQUE (program_id, person_id),
    UNIQUE (program_id, group_id)
);
CREATE INDEX enrollments_household ON enrollments(household_id);
CREATE INDEX enrollments_person ON enrollments(person_id);
CREATE INDEX enrollments_group ON enrollments(group_id);
