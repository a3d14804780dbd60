-- 0010: viewers who joined a story (!join): the minor character named after each, and what became of it.

CREATE TABLE story_cast (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES story_sessions (id) ON DELETE CASCADE,
    platform     TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    name         TEXT    NOT NULL,              -- the character's name: the viewer's nickname, cleaned and checked
    handle       TEXT    NOT NULL DEFAULT '',   -- their @name, without the @
    status       TEXT    NOT NULL DEFAULT 'waiting',  -- waiting (join.mode pick) | cast | declined
    asked_at     REAL    NOT NULL,
    decided_at   REAL,                          -- when they were cast or declined
    note_id      INTEGER,                       -- the director's note that asks the writer to bring them in
    featured_in  INTEGER,                       -- the chapter that brought the character in
    tries        INTEGER NOT NULL DEFAULT 0,    -- chapters asked to bring them in
    UNIQUE (session_id, platform, user_id)
);
