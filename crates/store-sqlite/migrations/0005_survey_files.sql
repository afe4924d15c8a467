-- A large responses file stays in the server's survey files directory: the row names it
-- (`responses_file`, a name made by the server) and its size, and `responses` is empty.
ALTER TABLE survey_analyses ADD COLUMN responses_file TEXT;
ALTER TABLE survey_analyses ADD COLUMN responses_size INTEGER CHECK (responses_size >= 0);

-- The audit log names the stored file and its size (the row's bytes are empty then).
DROP TRIGGER survey_analyses_audit_insert;
DROP TRIGGER survey_analyses_audit_update;
DROP TRIGGER survey_analyses_audit_delete;

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
            'respondents', NEW.respondents, 'created_at_us', NEW.created_at, 'responses_file', NEW.responses_file,
            'responses_size', NEW.responses_size
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
            'respondents', OLD.respondents, 'created_at_us', OLD.created_at, 'responses_file', OLD.responses_file,
            'responses_size', OLD.responses_size
        ),
        json_object(
            'id', NEW.id, 'title', NEW.title, 'instrument_name', NEW.instrument_name,
            'instrument_bytes', length(NEW.instrument), 'responses_name', NEW.responses_name,
            'responses_bytes', length(NEW.responses), 'alpha', NEW.alpha,
            'drop_incomplete', NEW.drop_incomplete, 'report_json', NEW.report_json,
            'respondents', NEW.respondents, 'created_at_us', NEW.created_at, 'responses_file', NEW.responses_file,
            'responses_size', NEW.responses_size
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
            'respondents', OLD.respondents, 'created_at_us', OLD.created_at, 'responses_file', OLD.responses_file,
            'responses_size', OLD.responses_size
        ),
        NULL
    FROM audit_context WHERE id = 1;
END;
