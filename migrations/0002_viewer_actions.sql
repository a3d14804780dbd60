-- 0002: follows, shares and last-seen time in viewer stats.

ALTER TABLE story_viewer_stats ADD COLUMN follows INTEGER NOT NULL DEFAULT 0;
ALTER TABLE story_viewer_stats ADD COLUMN shares INTEGER NOT NULL DEFAULT 0;
ALTER TABLE story_viewer_stats ADD COLUMN last_seen REAL;
