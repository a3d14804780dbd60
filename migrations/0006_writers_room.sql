-- 0006: stories prepared before going live, background jobs with a result cache, the writers' chat.

CREATE TABLE story_drafts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    theme          TEXT    NOT NULL,
    custom_theme   TEXT,
    wishes         TEXT,                         -- the streamer's own ideas for the story
    style_json     TEXT    NOT NULL DEFAULT '{}',
    language       TEXT    NOT NULL,
    max_chapters   INTEGER NOT NULL,
    num_choices    INTEGER NOT NULL,
    seed           INTEGER NOT NULL,
    title          TEXT    NOT NULL DEFAULT '',
    premise        TEXT,
    outline        TEXT,
    opening_json   TEXT,                         -- {"title", "content", "choices"}
    phase          TEXT    NOT NULL DEFAULT 'setup',  -- setup | premise | outline | opening | live
    session_id     INTEGER,                      -- the live session it became
    created_at     REAL    NOT NULL,
    updated_at     REAL    NOT NULL
);

CREATE TABLE story_jobs (
    id             TEXT    PRIMARY KEY,          -- random, unguessable
    kind           TEXT    NOT NULL,             -- full-story
    params_json    TEXT    NOT NULL,
    cache_key      TEXT    NOT NULL,
    status         TEXT    NOT NULL,             -- pending | running | done | failed
    progress       INTEGER NOT NULL DEFAULT 0,   -- 0-100
    state_json     TEXT    NOT NULL DEFAULT '{}', -- work done so far (a restarted job picks up from here)
    result_json    TEXT,
    error          TEXT,
    resumed        INTEGER NOT NULL DEFAULT 0,
    from_cache     INTEGER NOT NULL DEFAULT 0,
    created_at     REAL    NOT NULL,
    updated_at     REAL    NOT NULL
);
CREATE INDEX story_jobs_status ON story_jobs (status, updated_at);

CREATE TABLE story_result_cache (
    cache_key      TEXT    PRIMARY KEY,
    result_json    TEXT    NOT NULL,
    hits           INTEGER NOT NULL DEFAULT 0,
    created_at     REAL    NOT NULL
);

CREATE TABLE story_writers_chat (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id     INTEGER,                      -- the story it was about (NULL: no story)
    role           TEXT    NOT NULL,             -- user | assistant
    content        TEXT    NOT NULL,
    model          TEXT    NOT NULL DEFAULT '',
    created_at     REAL    NOT NULL
);
CREATE INDEX story_writers_chat_session ON story_writers_chat (session_id, id);
