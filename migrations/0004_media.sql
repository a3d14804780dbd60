-- 0004: each chapter's picture, and the voice given to each character for the whole story.

ALTER TABLE story_chapters ADD COLUMN image_file TEXT;           -- a name in the image cache
ALTER TABLE story_chapters ADD COLUMN image_prompt TEXT;
ALTER TABLE story_chapters ADD COLUMN image_status TEXT NOT NULL DEFAULT 'none';  -- none | pending | ready | failed
ALTER TABLE story_sessions ADD COLUMN voices_json TEXT NOT NULL DEFAULT '{}';     -- {"Mara": "en-gb+f3", ...}
