-- 0009: viewers' story ideas (!idea), who proposed each, and what became of it.

CREATE TABLE story_ideas (
    id              INTEGER PRIMARY KEY,          -- given by the server (ideas are counted in memory first)
    session_id      INTEGER REFERENCES story_sessions (id) ON DELETE CASCADE,  -- NULL: proposed between stories
    text            TEXT    NOT NULL,             -- cleaned and checked: no links, mentions, markup or blocked words
    status          TEXT    NOT NULL DEFAULT 'pending',  -- pending | approved | rejected | used
    proposers       INTEGER NOT NULL DEFAULT 1,   -- viewers who proposed it (near-duplicates merged)
    created_at      REAL    NOT NULL,
    decided_at      REAL,                         -- when the streamer approved or rejected it
    note_id         INTEGER,                      -- note mode: the director's note it became
    used_as         TEXT,                         -- note | choice
    used_in_chapter INTEGER,                      -- the chapter it steered, or whose vote it was on
    choice_index    INTEGER                       -- ballot mode: its place on that vote (0 = A)
);
CREATE INDEX story_ideas_session ON story_ideas (session_id, status);

CREATE TABLE story_idea_authors (
    idea_id         INTEGER NOT NULL REFERENCES story_ideas (id) ON DELETE CASCADE,
    platform        TEXT    NOT NULL,
    user_id         TEXT    NOT NULL,
    nickname        TEXT    NOT NULL,
    handle          TEXT    NOT NULL DEFAULT '',
    text            TEXT    NOT NULL,             -- what this viewer wrote (cleaned)
    proposed_at     REAL    NOT NULL,
    PRIMARY KEY (idea_id, platform, user_id)
) WITHOUT ROWID;
