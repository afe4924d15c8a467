-- The registry: regions, households, people, groups, agencies, programs, enrollments.
--
-- Constraint names are part of the contract: src/error.rs maps each unique and foreign-key
-- violation to the field the user must fix. Vocabulary CHECKs list the domain's `code()`s
-- (a unit test compares them with the Rust vocabularies). Region codes and search keys use
-- the "C" collation: byte order, as on SQLite, and plain b-tree indexes serve prefix ranges
-- (`col >= 'x' AND col < 'x' || ...`) and subtree filters. Search keys (`*_key`) are the
-- lower-cased text, computed by the application so both backends fold case identically.

CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE regions (
    code     text COLLATE "C" NOT NULL,
    name     text NOT NULL,
    name_key text COLLATE "C" NOT NULL,
    kind     text NOT NULL,
    parent   text COLLATE "C",
    version  bigint NOT NULL DEFAULT 1,
    CONSTRAINT regions_pkey PRIMARY KEY (code),
    CONSTRAINT regions_parent_fkey FOREIGN KEY (parent) REFERENCES regions (code),
    CONSTRAINT regions_kind_check CHECK (kind IN ('province', 'regency', 'city', 'district', 'village', 'kelurahan', 'dusun', 'lingkungan', 'rw', 'rt'))
);
CREATE INDEX regions_parent_idx ON regions (parent, code);

CREATE TABLE households (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    kk            bigint NOT NULL,
    address       text NOT NULL,
    address_key   text NOT NULL,
    region        text COLLATE "C" NOT NULL,
    welfare_stage text NOT NULL,
    dtks_listed   boolean NOT NULL,
    dtks_since    date,
    version       bigint NOT NULL DEFAULT 1,
    CONSTRAINT households_pkey PRIMARY KEY (id),
    CONSTRAINT households_kk_key UNIQUE (kk),
    CONSTRAINT households_region_fkey FOREIGN KEY (region) REFERENCES regions (code),
    CONSTRAINT households_kk_check CHECK (kk BETWEEN 1000000000000000 AND 9999999999999999),
    CONSTRAINT households_welfare_stage_check CHECK (welfare_stage IN ('pra_sejahtera', 'sejahtera_1', 'sejahtera_2', 'sejahtera_3', 'sejahtera_3_plus'))
);
CREATE INDEX households_region_idx ON households (region, id);

CREATE TABLE people (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    nik          bigint NOT NULL,
    household_id bigint,
    name         text NOT NULL,
    name_key     text COLLATE "C" NOT NULL,
    sex          text NOT NULL,
    birth_date   date NOT NULL,
    relation     text NOT NULL,
    education    text NOT NULL,
    occupation   text,
    disability   text NOT NULL,
    version      bigint NOT NULL DEFAULT 1,
    CONSTRAINT people_pkey PRIMARY KEY (id),
    CONSTRAINT people_nik_key UNIQUE (nik),
    CONSTRAINT people_household_id_fkey FOREIGN KEY (household_id) REFERENCES households (id),
    CONSTRAINT people_nik_check CHECK (nik BETWEEN 1000000000000000 AND 9999999999999999),
    CONSTRAINT people_sex_check CHECK (sex IN ('male', 'female')),
    CONSTRAINT people_relation_check CHECK (relation IN ('head', 'spouse', 'child', 'child_in_law', 'grandchild', 'parent', 'parent_in_law', 'other_family', 'other')),
    CONSTRAINT people_education_check CHECK (education IN ('none', 'sd', 'smp', 'sma', 'diploma', 'bachelor', 'master', 'doctorate')),
    CONSTRAINT people_disability_check CHECK (disability IN ('none', 'physical', 'intellectual', 'mental', 'sensory', 'multiple'))
);
-- Name-prefix search and the listing order (name, then id) in one index.
CREATE INDEX people_name_idx ON people (name_key, id);
-- Household members, the export order, and the region filter through households.
CREATE INDEX people_household_idx ON people (household_id, id);

CREATE TABLE groups (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    name        text NOT NULL,
    name_key    text COLLATE "C" NOT NULL,
    kind        text NOT NULL,
    region      text COLLATE "C" NOT NULL,
    founded_on  date,
    description text,
    version     bigint NOT NULL DEFAULT 1,
    CONSTRAINT groups_pkey PRIMARY KEY (id),
    CONSTRAINT groups_region_fkey FOREIGN KEY (region) REFERENCES regions (code),
    CONSTRAINT groups_kind_check CHECK (kind IN ('farmer_group', 'women_farmer_group', 'ksm', 'kpp', 'lkm', 'kampung_tangguh', 'family_cohort'))
);
CREATE INDEX groups_name_idx ON groups (name_key, id);
CREATE INDEX groups_region_idx ON groups (region);

CREATE TABLE group_members (
    id        bigint GENERATED ALWAYS AS IDENTITY,
    group_id  bigint NOT NULL,
    person_id bigint NOT NULL,
    role      text NOT NULL,
    since     date,
    until     date,
    CONSTRAINT group_members_pkey PRIMARY KEY (id),
    CONSTRAINT group_members_group_id_fkey FOREIGN KEY (group_id) REFERENCES groups (id),
    CONSTRAINT group_members_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id),
    CONSTRAINT group_members_group_id_person_id_key UNIQUE (group_id, person_id),
    CONSTRAINT group_members_role_check CHECK (role IN ('chair', 'coordinator', 'secretary', 'treasurer', 'member')),
    CONSTRAINT group_members_dates_check CHECK (until IS NULL OR since IS NULL OR until >= since)
);
CREATE INDEX group_members_person_idx ON group_members (person_id);

CREATE TABLE agencies (
    id        bigint GENERATED ALWAYS AS IDENTITY,
    name      text NOT NULL,
    name_key  text COLLATE "C" NOT NULL,
    kind      text NOT NULL,
    region    text COLLATE "C" NOT NULL,
    parent_id bigint,
    version   bigint NOT NULL DEFAULT 1,
    CONSTRAINT agencies_pkey PRIMARY KEY (id),
    CONSTRAINT agencies_region_fkey FOREIGN KEY (region) REFERENCES regions (code),
    CONSTRAINT agencies_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES agencies (id),
    CONSTRAINT agencies_parent_id_check CHECK (parent_id IS DISTINCT FROM id),
    CONSTRAINT agencies_kind_check CHECK (kind IN ('agency', 'unit', 'ministry', 'village_government', 'other'))
);
CREATE INDEX agencies_name_idx ON agencies (name_key, id);
CREATE INDEX agencies_parent_idx ON agencies (parent_id);
CREATE INDEX agencies_region_idx ON agencies (region);

CREATE TABLE staff (
    id        bigint GENERATED ALWAYS AS IDENTITY,
    agency_id bigint NOT NULL,
    name      text NOT NULL,
    position  text NOT NULL,
    CONSTRAINT staff_pkey PRIMARY KEY (id),
    CONSTRAINT staff_agency_id_fkey FOREIGN KEY (agency_id) REFERENCES agencies (id)
);
CREATE INDEX staff_agency_idx ON staff (agency_id);

CREATE TABLE programs (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    name        text NOT NULL,
    name_key    text COLLATE "C" NOT NULL,
    agency_id   bigint NOT NULL,
    starts_on   date NOT NULL,
    ends_on     date,
    description text,
    version     bigint NOT NULL DEFAULT 1,
    CONSTRAINT programs_pkey PRIMARY KEY (id),
    CONSTRAINT programs_agency_id_fkey FOREIGN KEY (agency_id) REFERENCES agencies (id),
    CONSTRAINT programs_dates_check CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX programs_name_idx ON programs (name_key, id);
CREATE INDEX programs_agency_idx ON programs (agency_id);

CREATE TABLE program_regions (
    program_id bigint NOT NULL,
    region     text COLLATE "C" NOT NULL,
    position   integer NOT NULL,
    CONSTRAINT program_regions_pkey PRIMARY KEY (program_id, region),
    CONSTRAINT program_regions_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT program_regions_region_fkey FOREIGN KEY (region) REFERENCES regions (code)
);
CREATE INDEX program_regions_region_idx ON program_regions (region);

CREATE TABLE enrollments (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    program_id   bigint NOT NULL,
    household_id bigint,
    person_id    bigint,
    group_id     bigint,
    status       text NOT NULL,
    enrolled_on  date NOT NULL,
    ended_on     date,
    version      bigint NOT NULL DEFAULT 1,
    CONSTRAINT enrollments_pkey PRIMARY KEY (id),
    CONSTRAINT enrollments_program_id_fkey FOREIGN KEY (program_id) REFERENCES programs (id),
    CONSTRAINT enrollments_household_id_fkey FOREIGN KEY (household_id) REFERENCES households (id),
    CONSTRAINT enrollments_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id),
    CONSTRAINT enrollments_group_id_fkey FOREIGN KEY (group_id) REFERENCES groups (id),
    CONSTRAINT enrollments_one_subject_check CHECK (num_nonnulls(household_id, person_id, group_id) = 1),
    CONSTRAINT enrollments_program_id_household_id_key UNIQUE (program_id, household_id),
    CONSTRAINT enrollments_program_id_person_id_key UNIQUE (program_id, person_id),
    CONSTRAINT enrollments_program_id_group_id_key UNIQUE (program_id, group_id),
    CONSTRAINT enrollments_status_check CHECK (status IN ('active', 'suspended', 'terminated', 'graduated')),
    CONSTRAINT enrollments_dates_check CHECK (ended_on IS NULL OR ended_on >= enrolled_on)
);
CREATE INDEX enrollments_household_idx ON enrollments (household_id);
CREATE INDEX enrollments_person_idx ON enrollments (person_id);
CREATE INDEX enrollments_group_idx ON enrollments (group_id);
