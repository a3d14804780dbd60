-- 0008: the streamer's own placement of the overlay's panels, per layout (landscape, portrait),
-- saved from the overlay's layout editor (?edit=1) so every OBS source picks it up.

CREATE TABLE overlay_layouts (
    layout TEXT PRIMARY KEY,
    panels_json TEXT NOT NULL,
    updated_at REAL NOT NULL
);
