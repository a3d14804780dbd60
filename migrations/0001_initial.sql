-- 0001: the story, its chapters, votes, ballots, viewers, memory, saved config and LLM usage.

CREATE TABLE story_sessions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    theme          TEXT    NOT NULL,
    custom_theme   TEXT,                         -- the streamer's own theme description
    title          TEXT    NOT NULL DEFAULT '',
    outline        TEXT,                         -- NULL until written
    language       TEXT    NOT NULL,
    mode           TEXT    NOT NULL,             -- auto | manual
    max_chapters   INTEGER NOT NULL,
    num_choices    INTEGER NOT NULL,
    provider       TEXT    NOT NULL DEFAULT '',
    model          TEXT    NOT NULL DEFAULT '',
    seed           INTEGER NOT NULL,
    state          TEXT    NOT NULL,             -- the story loop's state (see coordinator)
    end_requested  INTEGER NOT NULL DEFAULT 0,   -- 1: write a final chapter next
    error          TEXT,
    created_at     REAL    NOT NULL,
    updated_at     REAL    NOT NULL,
    ended_at       REAL
);
CREATE INDEX story_sessions_state ON story_sessions (state);

CREATE TABLE story_chapters (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id     INTEGER NOT NULL REFERENCES story_sessions (id) ON DELETE CASCADE,
    number         INTEGER NOT NULL,
    title          TEXT    NOT NULL,
    content        TEXT    NOT NULL,
    choices_json   TEXT    NOT NULL DEFAULT '[]',
    is_final       INTEGER NOT NULL DEFAULT 0,
    parent_choice  TEXT,                         -- the winning choice this chapter continues
    chosen_index   INTEGER,                      -- the choice viewers picked after it
    model          TEXT    NOT NULL DEFAULT '',
    created_at     REAL    NOT NULL,
    UNIQUE (session_id, number)
);

CREATE TABLE story_rounds (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id     INTEGER NOT NULL REFERENCES story_sessions (id) ON DELETE CASCADE,
    chapter_number INTEGER NOT NULL,
    choices_json   TEXT    NOT NULL,
    started_at     REAL    NOT NULL,
    ends_at        REAL    NOT NULL,             -- epoch seconds; survives a restart
    extensions     INTEGER NOT NULL DEFAULT 0,
    status         TEXT    NOT NULL DEFAULT 'open',  -- open | closed
    winner_index   INTEGER,
    winner_reason  TEXT,                         -- votes | tie | no_votes | admin
    closed_at      REAL,
    UNIQUE (session_id, chapter_number)
);

CREATE TABLE story_votes (
    session_id     INTEGER NOT NULL REFERENCES story_sessions (id) ON DELETE CASCADE,
    chapter_number INTEGER NOT NULL,
    choice_index   INTEGER NOT NULL,
    choice_text    TEXT    NOT NULL,
    votes          INTEGER NOT NULL,             -- ballots for this choice
    weight         REAL    NOT NULL,             -- weighted total (gifts, likes)
    PRIMARY KEY (session_id, chapter_number, choice_index)
);

CREATE TABLE story_ballots (
    round_id       INTEGER NOT NULL REFERENCES story_rounds (id) ON DELETE CASCADE,
    platform       TEXT    NOT NULL,
    user_id        TEXT    NOT NULL,
    nickname       TEXT    NOT NULL,
    choice_index   INTEGER NOT NULL,
    weight         REAL    NOT NULL DEFAULT 1,
    msg_id         TEXT,
    cast_at        REAL    NOT NULL,
    PRIMARY KEY (round_id, platform, user_id)    -- one ballot per viewer per round
) WITHOUT ROWID;

CREATE TABLE story_viewer_stats (
    platform       TEXT    NOT NULL,
    user_id        TEXT    NOT NULL,
    nickname       TEXT    NOT NULL,
    votes          INTEGER NOT NULL DEFAULT 0,
    gifts          INTEGER NOT NULL DEFAULT 0,
    diamonds       INTEGER NOT NULL DEFAULT 0,
    likes          INTEGER NOT NULL DEFAULT 0,
    joins          INTEGER NOT NULL DEFAULT 0,
    first_seen     REAL    NOT NULL,
    last_vote_at   REAL,
    PRIMARY KEY (platform, user_id)
) WITHOUT ROWID;
CREATE INDEX story_viewer_stats_votes ON story_viewer_stats (votes DESC);

CREATE TABLE story_memory (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id     INTEGER NOT NULL REFERENCES story_sessions (id) ON DELETE CASCADE,
    chapter_number INTEGER NOT NULL,
    memory_json    TEXT    NOT NULL,
    created_at     REAL    NOT NULL,
    UNIQUE (session_id, chapter_number)
);

CREATE TABLE story_config (
    key            TEXT PRIMARY KEY,             -- dotted setting name, e.g. story.max_chapters
    value_json     TEXT NOT NULL,
    updated_at     REAL NOT NULL
);

CREATE TABLE llm_usage (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             REAL    NOT NULL,
    session_id     INTEGER,
    purpose        TEXT    NOT NULL,             -- outline | chapter | final | repair ...
    provider       TEXT    NOT NULL,
    model          TEXT    NOT NULL,
    tokens_in      INTEGER NOT NULL DEFAULT 0,
    tokens_out     INTEGER NOT NULL DEFAULT 0,
    latency_ms     INTEGER NOT NULL,
    outcome        TEXT    NOT NULL,             -- ok | retry | failed | auth
    error          TEXT
);
CREATE INDEX llm_usage_at ON llm_usage (at);
