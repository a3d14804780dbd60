"""Background jobs: whole stories written without a live audience, persisted step by step and cached.

A job interrupted by a restart is resumed from its last finished chapter (and says so: `resumed`).
Identical requests (same parameters and writer) are answered from the result cache.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import secrets
import time
from dataclasses import replace
from typing import Any

from plugin import events
from plugin.errors import NotFound, StoryError
from plugin.room.writers_room import draft_session
from plugin.store.records import ChapterRecord
from plugin.store.room import RoomRepo
from plugin.story.drafts import ChapterDraft, NullSink
from plugin.story.engine import StoryEngine
from plugin.story.requests import Facts
from plugin.tasks import Tasks
from plugin.writers.router import LLMService

log = logging.getLogger(__name__)
KEEP_JOBS_S = 7 * 86_400




class JobRunner:
    """Runs one job at a time (so the live show keeps the writer's attention) and reports progress."""

    def __init__(self, engine: StoryEngine, room: RoomRepo, llm: LLMService, emit: events.Emit) -> None:
        self.engine, self.room, self.llm, self.emit = engine, room, llm, emit
        self._turn = asyncio.Lock()
        self._tasks = Tasks()
        self._progress = asyncio.Condition()
        self.misses = 0

    async def changed(self, last: dict[str, Any], timeout: float) -> dict[str, Any]:
        """The job's view once it differs from `last`; TimeoutError after `timeout`."""
        async with asyncio.timeout(timeout):
            while True:
                async with self._progress:
                    view = await self.view(last["id"])
                    if (view["status"], view["progress"]) != (last["status"], last["progress"]):
                        return view
                    await self._progress.wait()

    def cache_key(self, kind: str, params: dict[str, Any]) -> str:
        """Same request + same writer = same key."""
        choice = self.llm.choice()
        canonical = json.dumps({"kind": kind, "params": params, "writer": [choice.kind, choice.base_url, choice.model]},
                               sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()

    async def submit(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        """Queue a job (or answer it from the cache at once); returns its public view."""
        key = self.cache_key(kind, params)
        job_id = secrets.token_urlsafe(12)
        cached = await self.room.cached(key)
        await self.room.create_job(job_id, kind, params, key, "done" if cached else "pending", cached)
        if cached is None:
            self.misses += 1
            self._tasks.spawn(self._run(job_id), f"job-{job_id}")
        return await self.view(job_id)

    async def view(self, job_id: str) -> dict[str, Any]:
        """Status and progress of a job."""
        job = await self.room.job(job_id)
        if job is None:
            raise NotFound(f"no task {job_id}")
        return {"id": job["id"], "kind": job["kind"], "status": job["status"], "progress": job["progress"],
                "error": job["error"], "resumed": bool(job["resumed"]), "fromCache": bool(job["from_cache"]),
                "params": job["params"], "createdAt": job["created_at"], "updatedAt": job["updated_at"]}

    async def result(self, job_id: str) -> dict[str, Any] | None:
        """The finished story (None while it runs)."""
        job = await self.room.job(job_id)
        if job is None:
            raise NotFound(f"no task {job_id}")
        return job["result"] if job["status"] == "done" else None

    async def resume_unfinished(self) -> list[str]:
        """After a restart: pick up jobs that were pending or running (marked as resumed)."""
        unfinished = await self.room.unfinished_jobs()
        for job_id in unfinished:
            await self.room.update_job(job_id, status="pending", resumed=1)
            self._tasks.spawn(self._run(job_id), f"job-{job_id}")
        await self.room.forget_old_jobs(time.time() - KEEP_JOBS_S)
        return unfinished

    async def shutdown(self) -> None:
        """Stop running jobs; their progress is saved and they resume at the next start."""
        await self._tasks.close()

    async def _run(self, job_id: str) -> None:
        """Write the story, saving after every chapter; a failure is recorded, never raised."""
        async with self._turn:
            job = await self.room.job(job_id)
            if job is None or job["status"] not in ("pending", "running"):
                return
            await self.room.update_job(job_id, status="running")
            try:
                result = await self._full_story(job_id, job["params"], job["state"] or {})
            except asyncio.CancelledError:
                raise  # shutdown: the job stays "running" and resumes at the next start
            except Exception as exc:
                message = exc.message if isinstance(exc, StoryError) else "the task failed (details in the log)"
                if not isinstance(exc, StoryError):
                    log.exception("task %s failed", job_id)
                await self.room.update_job(job_id, status="failed", error=message)
                await self._tell(job_id)
                return
            await self.room.update_job(job_id, status="done", progress=100, result_json=result)
            await self.room.cache(job["cache_key"], result)
            await self._tell(job_id)

    async def _full_story(self, job_id: str, params: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
        """Outline, then every chapter; each choice is taken by a seeded coin, like a quiet audience."""
        draft = {"theme": params["theme"], "customTheme": params.get("customTheme"), "title": "", "premise": None,
                 "outline": params.get("outline"), "language": params["language"],
                 "maxChapters": params["chapters"], "numChoices": params["numChoices"], "seed": params["seed"],
                 "style": params.get("style") or {}}
        session = draft_session(draft, *self._writer())
        if not state.get("outline"):
            title, outline = await self.engine.plan("outline", Facts(session, direction=params.get("wishes")))
            state = {"title": title, "outline": outline, "chapters": []}
            await self._save(job_id, state, 1, params["chapters"])
        session = replace(session, outline=state["outline"], title=state["title"])
        rng = random.Random(params["seed"])
        chapters = [_record(c) for c in state["chapters"]]
        for number in range(len(chapters) + 1, params["chapters"] + 1):
            parent = chapters[-1].choices[chapters[-1].chosen_index or 0] if chapters else None
            final = number == params["chapters"]
            written = await self.engine.write_chapter(session, chapters, number, parent, final, NullSink(),
                                                      direction=params.get("wishes"))
            chosen = None if final else rng.randrange(len(written.choices))
            state["chapters"].append(_chapter_json(number, written, parent, chosen))
            chapters.append(_record(state["chapters"][-1]))
            await self._save(job_id, state, number + 1, params["chapters"])
        return {"title": state["title"], "outline": state["outline"], "theme": params["theme"],
                "language": params["language"], "chapters": state["chapters"]}

    def _writer(self) -> tuple[str, str]:
        """Provider and model the job writes with."""
        choice = self.llm.choice()
        return choice.kind, choice.model

    async def _save(self, job_id: str, state: dict[str, Any], done: int, chapters: int) -> None:
        """Persist progress so a restart resumes here."""
        await self.room.update_job(job_id, state_json=state, progress=min(99, int(done * 100 / (chapters + 1))))
        await self._tell(job_id)

    async def _tell(self, job_id: str) -> None:
        """Admins (and progress streams) see progress live."""
        async with self._progress:
            self._progress.notify_all()
        try:
            await self.emit(events.TaskProgress(await self.view(job_id)))
        except Exception:
            log.debug("could not report task progress", exc_info=True)


def _chapter_json(number: int, draft: ChapterDraft, parent: str | None, chosen: int | None) -> dict[str, Any]:
    """A written chapter as stored in a job."""
    return {"number": number, "title": draft.title, "content": draft.content, "choices": draft.choices,
            "isFinal": draft.is_final, "parentChoice": parent, "chosenIndex": chosen, "model": draft.model}


def _record(data: dict[str, Any]) -> ChapterRecord:
    """A stored job chapter as the engine's chapter record."""
    return ChapterRecord(id=0, session_id=0, number=data["number"], title=data["title"], content=data["content"],
                         choices=tuple(data["choices"]), is_final=data["isFinal"], parent_choice=data["parentChoice"],
                         chosen_index=data["chosenIndex"], model=data.get("model", ""), created_at=0.0)
