-- 0007: the show's current beat (reveal, narrating, voting, result, finale), persisted with its
-- times so a restart or a reloaded overlay lands on the same beat with the right time left.

ALTER TABLE story_sessions ADD COLUMN beat TEXT NOT NULL DEFAULT '';
ALTER TABLE story_sessions ADD COLUMN beat_chapter INTEGER NOT NULL DEFAULT 0;
ALTER TABLE story_sessions ADD COLUMN beat_started_at REAL;
ALTER TABLE story_sessions ADD COLUMN beat_ends_at REAL;
