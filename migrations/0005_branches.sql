-- 0005: chapters written ahead for choices that did not win ("roads not taken").

CREATE TABLE story_branches (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id     INTEGER NOT NULL REFERENCES story_sessions (id) ON DELETE CASCADE,
    chapter_number INTEGER NOT NULL,             -- the chapter it would have been
    choice_index   INTEGER NOT NULL,
    choice_text    TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    content        TEXT    NOT NULL,
    choices_json   TEXT    NOT NULL DEFAULT '[]',
    created_at     REAL    NOT NULL
);
CREATE INDEX story_branches_session ON story_branches (session_id, chapter_number);
