-- Runs, their log chunks and full-text search.
CREATE TABLE executions (
    id                 TEXT PRIMARY KEY,
    trigger_id         TEXT,
    trigger_type       TEXT NOT NULL,
    trigger_snapshot   TEXT,
    backend            TEXT NOT NULL,
    model              TEXT,
    account_id         TEXT,
    cli_version        TEXT,
    argv               TEXT,
    prompt             TEXT NOT NULL,
    working_dir        TEXT,
    status             TEXT NOT NULL,
    queued_at          TEXT NOT NULL,
    not_before         TEXT,
    started_at         TEXT,
    finished_at        TEXT,
    duration_ms        BIGINT,
    exit_code          BIGINT,
    error_message      TEXT,
    input_tokens       BIGINT NOT NULL DEFAULT 0,
    output_tokens      BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens  BIGINT NOT NULL DEFAULT 0,
    cache_write_tokens BIGINT NOT NULL DEFAULT 0,
    total_cost_usd     DOUBLE PRECISION,
    session_id         TEXT,
    replay_of          TEXT,
    timeout_secs       BIGINT NOT NULL,
    pid                BIGINT,
    pgid               BIGINT,
    proc_start_time    BIGINT,
    log_lines          BIGINT NOT NULL DEFAULT 0,
    log_bytes          BIGINT NOT NULL DEFAULT 0,
    log_truncated      BIGINT NOT NULL DEFAULT 0,
    created_by         TEXT
);
CREATE INDEX executions_status ON executions (status, queued_at);
CREATE INDEX executions_trigger ON executions (trigger_id, queued_at);
CREATE INDEX executions_queued_at ON executions (queued_at);

CREATE TABLE execution_log_chunks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    first_seq    BIGINT NOT NULL,
    last_seq     BIGINT NOT NULL,
    lines        TEXT NOT NULL,
    body         TEXT NOT NULL,
    UNIQUE (execution_id, first_seq)
);
CREATE INDEX execution_log_chunks_last ON execution_log_chunks (execution_id, last_seq);

CREATE VIRTUAL TABLE execution_log_fts USING fts5 (body, content = 'execution_log_chunks', content_rowid = 'id');
CREATE TRIGGER execution_log_chunks_ai AFTER INSERT ON execution_log_chunks BEGIN
    INSERT INTO execution_log_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER execution_log_chunks_ad AFTER DELETE ON execution_log_chunks BEGIN
    INSERT INTO execution_log_fts (execution_log_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;

CREATE VIRTUAL TABLE execution_prompt_fts USING fts5 (execution_id UNINDEXED, prompt);
CREATE TRIGGER executions_prompt_ai AFTER INSERT ON executions BEGIN
    INSERT INTO execution_prompt_fts (execution_id, prompt) VALUES (new.id, new.prompt);
END;
CREATE TRIGGER executions_prompt_ad AFTER DELETE ON executions BEGIN
    DELETE FROM execution_prompt_fts WHERE execution_id = old.id;
END;
