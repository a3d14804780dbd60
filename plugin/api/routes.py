"""Every HTTP route in one table: method, path, handler and a name (URLs are built with url_for(name))."""

from __future__ import annotations

from aiohttp import web

from plugin.api import cast, config, edits, ideas, layout, llm_proxy, media, pages, room, story, stream

API = "/api/interactive-story"


def route_table() -> list[web.RouteDef]:
    """The routes, grouped by what they are for."""
    return [
        # the story
        web.get(f"{API}/status", story.status, name="status"),
        web.get(f"{API}/themes", story.themes, name="themes"),
        web.post(f"{API}/start", story.start, name="start"),
        web.post(f"{API}/next-chapter", story.next_chapter, name="next-chapter"),
        web.post(f"{API}/vote/{{action:open|extend|close}}", story.vote, name="vote"),
        web.post(f"{API}/end", story.end, name="end"),
        web.get(f"{API}/memory", story.memory, name="memory"),
        web.get(f"{API}/sessions", story.sessions, name="sessions"),
        web.get(f"{API}/session/{{session_id}}", story.session_detail, name="session"),
        web.get(f"{API}/top-voters", story.top_voters, name="top-voters"),
        web.post(f"{API}/chat", story.chat, name="chat"),
        # settings, the writer, the chat source
        web.get(f"{API}/config", config.get_config, name="config"),
        web.post(f"{API}/config", config.post_config, name="config"),
        web.get(f"{API}/llm/status", config.llm_status, name="llm-status"),
        web.get(f"{API}/llm/models", config.llm_models, name="llm-models"),
        web.post(f"{API}/llm/test", config.llm_test, name="llm-test"),
        web.post(f"{API}/llm/grade", config.llm_grade, name="llm-grade"),
        web.get(f"{API}/chat/status", config.chat_status, name="chat-status"),
        web.post(f"{API}/chat/connect", config.chat_connect, name="chat-connect"),
        web.post(f"{API}/chat/disconnect", config.chat_disconnect, name="chat-disconnect"),
        # the streamer's tools
        web.post(f"{API}/chapter/regenerate", edits.regenerate, name="regenerate"),
        web.post(f"{API}/chapter/rewrite", edits.rewrite, name="rewrite"),
        web.post(f"{API}/director-note", edits.director_note, name="director-note"),
        web.get(f"{API}/director-notes", edits.director_notes, name="director-notes"),
        web.post(f"{API}/choice", edits.edit_choice, name="choice"),
        # pictures and voices
        web.get(f"{API}/image/{{filename}}", media.image, name="image"),
        web.get(f"{API}/audio/{{filename}}", media.audio, name="audio"),
        web.post(f"{API}/chapter/image", media.regenerate_image, name="chapter-image"),
        web.get(f"{API}/tts/voices", media.voices, name="tts-voices"),
        web.post(f"{API}/tts/sample", media.sample, name="tts-sample"),
        web.post(f"{API}/voices", media.set_voices, name="voices"),
        # the overlay's layout editor (?edit=1)
        web.get(f"{API}/overlay-layout", layout.get_layouts, name="overlay-layouts"),
        web.post(f"{API}/overlay-layout/{{layout}}", layout.save_layout, name="overlay-layout"),
        web.delete(f"{API}/overlay-layout/{{layout}}", layout.reset_layout, name="overlay-layout"),
        # the writer's room, background stories, exports
        web.get(f"{API}/drafts", room.list_drafts, name="drafts"),
        web.post(f"{API}/drafts", room.create_draft, name="drafts"),
        web.get(f"{API}/drafts/{{draft_id}}", room.get_draft, name="draft"),
        web.patch(f"{API}/drafts/{{draft_id}}", room.edit_draft, name="draft"),
        web.delete(f"{API}/drafts/{{draft_id}}", room.delete_draft, name="draft"),
        web.post(f"{API}/drafts/{{draft_id}}/{{step:premise|outline|opening}}", room.write_step, name="draft-step"),
        web.post(f"{API}/drafts/{{draft_id}}/start", room.go_live, name="draft-start"),
        web.post(f"{API}/tasks/full-story", room.full_story, name="tasks"),
        web.get(f"{API}/tasks/{{task_id}}", room.task_status, name="task"),
        web.get(f"{API}/tasks/{{task_id}}/result", room.task_result, name="task-result"),
        web.get(f"{API}/cache/stats", room.cache_stats, name="cache-stats"),
        web.post(f"{API}/cache/clear", room.cache_clear, name="cache-clear"),
        web.get(f"{API}/writers-chat", room.writers_chat_history, name="writers-chat"),
        web.post(f"{API}/writers-chat", room.writers_chat, name="writers-chat"),
        web.get(f"{API}/export/{{session_id}}", room.export, name="export"),
        web.post(f"{API}/stream", stream.stream, name="stream"),
        # viewers' ideas (!idea in chat): the streamer's review
        web.get(f"{API}/ideas", ideas.list_ideas, name="ideas"),
        web.post(f"{API}/ideas/{{idea_id}}/approve", ideas.approve, name="idea-approve"),
        web.post(f"{API}/ideas/{{idea_id}}/reject", ideas.reject, name="idea-reject"),
        # viewers who asked to join the story (!join): the cast and the streamer's picks
        web.get(f"{API}/cast", cast.list_cast, name="cast"),
        web.post(f"{API}/cast/{{member_id}}/pick", cast.pick, name="cast-pick"),
        web.post(f"{API}/cast/{{member_id}}/decline", cast.decline, name="cast-decline"),
        # the LLM proxy for the panel's AI buttons (status and models are the same answers as above)
        web.get("/api/llm/status", config.llm_status, name="proxy-status"),
        web.get("/api/llm/models", config.llm_models, name="proxy-models"),
        web.post("/api/llm/chat/completions", llm_proxy.chat_completions, name="proxy-completions"),
        # pages
        web.get("/health", pages.health, name="health"),
        web.get("/", pages.index, name="index"),
        web.get("/overlay", pages.overlay, name="overlay"),
        web.get("/admin", pages.admin, name="admin"),
        web.get("/overlay/{path:.+}", pages.overlay_asset, name="overlay-asset"),
        web.get("/admin/{path:.+}", pages.admin_asset, name="admin-asset"),
    ]
