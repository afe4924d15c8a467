-- Survey analyses: the uploaded instrument and responses (so an analysis can be re-run),
-- the options it ran with and its report as JSON text.
CREATE TABLE survey_analyses (
    id               INTEGER PRIMARY KEY,
    title            TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    instrument_name  TEXT    NOT NULL,
    instrument       BLOB    NOT NULL,
    responses_name   TEXT    NOT NULL,
    responses        BLOB    NOT NULL,
    alpha            REAL    NOT NULL CHECK (alpha > 0 AND alpha < 1),
    drop_incomplete  INTEGER NOT NULL CHECK (drop_incomplete IN (0, 1)),
    report_json      TEXT    NOT NULL,
    respondents      INTEGER NOT NULL CHECK (respondents >= 0),
    -- Microseconds since 1970-01-01 UTC: sorts as time does.
    created_at_us    INTEGER NOT NULL
);

CREATE INDEX survey_analyses_newest ON survey_analyses (created_at_us DESC, id DESC);
