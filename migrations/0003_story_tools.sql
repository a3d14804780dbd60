-- 0003: per-session story style, the director's notes, and every revision of a chapter.

ALTER TABLE story_sessions ADD COLUMN style_json TEXT NOT NULL DEFAULT '{}';

CREATE TABLE story_notes (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id     INTEGER NOT NULL REFERENCES story_sessions (id) ON DELETE CASCADE,
    note           TEXT    NOT NULL,
    created_at     REAL    NOT NULL,
    used_in_chapter INTEGER                      -- NULL while it waits for the next chapter
);
CREATE INDEX story_notes_session ON story_notes (session_id, used_in_chapter);

CREATE TABLE story_chapter_revisions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id     INTEGER NOT NULL REFERENCES story_sessions (id) ON DELETE CASCADE,
    number         INTEGER NOT NULL,
    title          TEXT    NOT NULL,
    content        TEXT    NOT NULL,
    choices_json   TEXT    NOT NULL,
    reason         TEXT    NOT NULL,             -- regenerate | rewrite | choice-edit
    instruction    TEXT,
    created_at     REAL    NOT NULL
);
CREATE INDEX story_chapter_revisions_chapter ON story_chapter_revisions (session_id, number);
