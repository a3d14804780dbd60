"""The wire contract: typed payloads, their public forms, and docs/events.md generated from them."""

from __future__ import annotations

from plugin import events
from plugin.eventdocs import markdown
from plugin.paths import ROOT


def test_docs_events_md_is_generated_from_the_payloads() -> None:
    written = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    assert written == markdown(), "docs/events.md is stale: run `python -m plugin.eventdocs > docs/events.md`"


def test_payloads_go_out_in_camel_case_and_overlays_never_get_error_details() -> None:
    error = events.Error("provider error 503: https://me:pw@llm.example", "writing", 5.0)
    assert error.wire() == {"message": "provider error 503: https://me:pw@llm.example", "step": "writing",
                            "retryInS": 5.0}
    assert error.public()["message"] == events.PUBLIC_ERROR_MESSAGE and "pw" not in str(error.public())
    failed = events.ImageFailed(3, 2, "/home/streamer/secret.png: permission denied")
    assert failed.public() == {"sessionId": 3, "chapterNumber": 2}
    view = events.ChapterView(3, 2, "T", "text", ["a", "b"], False, "a", None, None, "none")
    ready = events.ChapterReady(view, "offline writer", False).wire()
    assert ready["chapterNumber"] == 2 and ready["fellBack"] is False and "chapter" not in ready
    assert {cls.name for cls in events.EVENTS if cls.admin_only} == {
        "story:task-progress", "story:ballots-saved", "story:branch-ready", "story:notes-updated",
        "story:memory-updated", "story:chat-status", "story:ideas-updated"}


def test_every_event_is_in_the_documented_contract_and_overlays_never_see_who_waits_for_a_role() -> None:
    defined = {c for c in vars(events).values()
               if isinstance(c, type) and issubclass(c, events.Event) and c is not events.Event}
    assert defined == set(events.EVENTS)  # docs/events.md is generated from EVENTS
    waiting = events.CastMember(2, "Kip", "kip_99", "twitch", "waiting", None)
    update = events.CastUpdated(7, [events.CastMember(1, "Nova", "nova_11", "tiktok", "cast", 3)], [waiting], 1)
    assert update.wire()["waiting"][0]["name"] == "Kip"
    assert update.public()["waiting"] == [] and update.public()["cast"][0]["featuredIn"] == 3
