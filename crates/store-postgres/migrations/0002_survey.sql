-- Survey analyses: the uploaded instrument and responses (so an analysis can be re-run),
-- the options it ran with and its report as JSON text.
CREATE TABLE survey_analyses (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title            TEXT             NOT NULL CONSTRAINT survey_analyses_title_check CHECK (char_length(title) BETWEEN 1 AND 200),
    instrument_name  TEXT             NOT NULL,
    instrument       BYTEA            NOT NULL,
    responses_name   TEXT             NOT NULL,
    responses        BYTEA            NOT NULL,
    alpha            DOUBLE PRECISION NOT NULL CONSTRAINT survey_analyses_alpha_check CHECK (alpha > 0 AND alpha < 1),
    drop_incomplete  BOOLEAN          NOT NULL,
    report_json      TEXT             NOT NULL,
    respondents      BIGINT           NOT NULL CONSTRAINT survey_analyses_respondents_check CHECK (respondents >= 0),
    created_at       TIMESTAMPTZ      NOT NULL
);

CREATE INDEX survey_analyses_newest ON survey_analyses (created_at DESC, id DESC);
