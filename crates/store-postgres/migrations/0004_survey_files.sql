-- A large responses file stays in the server's survey files directory: the row names it
-- (`responses_file`, a name made by the server) and its size, and `responses` is empty.
ALTER TABLE survey_analyses ADD COLUMN responses_file TEXT;
ALTER TABLE survey_analyses ADD COLUMN responses_size BIGINT
    CONSTRAINT survey_analyses_responses_size_check CHECK (responses_size >= 0);
