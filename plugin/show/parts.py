"""What the show works with: the stores, the writer, the vote and the media, built once by the app."""

from __future__ import annotations

from dataclasses import dataclass

from plugin.clock import Clock
from plugin.events import Emit
from plugin.settings.live import ConfigService
from plugin.show.cast import AudienceCast
from plugin.show.ideas import AudienceIdeas
from plugin.show.media import MediaDirector
from plugin.show.prefetch import BranchPrefetcher
from plugin.show.timeline import ShowTimeline
from plugin.store.edits import EditRepo
from plugin.store.repo import StoryRepo
from plugin.store.votes import VoteRepo
from plugin.story.engine import StoryEngine
from plugin.story.keeper import MemoryKeeper
from plugin.voting.desk import VoteDesk
from plugin.voting.runner import VoteRunner
from plugin.writers.router import LLMService


@dataclass(frozen=True, slots=True)
class ShowParts:
    """The services of the show (the coordinator, its loop and the streamer's tools share them)."""

    config: ConfigService
    stories: StoryRepo
    votes: VoteRepo
    edits: EditRepo
    engine: StoryEngine
    keeper: MemoryKeeper
    desk: VoteDesk
    voter: VoteRunner
    prefetcher: BranchPrefetcher
    llm: LLMService
    emit: Emit
    clock: Clock
    timeline: ShowTimeline
    media: MediaDirector | None = None
    ideas: AudienceIdeas | None = None  # viewers' ideas (!idea) as notes or choices
    cast: AudienceCast | None = None  # viewers who joined (!join), brought in by notes
