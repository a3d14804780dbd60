"""Shared bits for the benchmarks: a real server process, percentiles, JSON output."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.process import TOKEN, ServerProcess

QUIET: dict[str, Any] = {"chat": {"source": "none"}, "voting": {"duration_s": 3600, "opens": "with_chapter"},
                         "show": {"result_hold_s": 0, "final_hold_s": 0}, "llm": {"offline_words_per_s": 0},
                         "story": {"prefetch": "off"}, "tts": {"provider": "off"}, "images": {"provider": "off"}}
AUTH = {"Authorization": f"Bearer {TOKEN}"}
API = "/api/interactive-story"


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values fall."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary_ms(values: list[float]) -> dict[str, float]:
    """p50/p90/p99/max of seconds, in milliseconds."""
    return {"p50_ms": round(percentile(values, 0.5) * 1000, 1), "p90_ms": round(percentile(values, 0.9) * 1000, 1),
            "p99_ms": round(percentile(values, 0.99) * 1000, 1), "max_ms": round(max(values) * 1000, 1),
            "mean_ms": round(statistics.fmean(values) * 1000, 1)}


def report(figures: dict[str, Any]) -> None:
    """Print the benchmark's JSON."""
    print(json.dumps(figures, indent=2))


__all__ = ["API", "AUTH", "QUIET", "ServerProcess", "TOKEN", "percentile", "report", "summary_ms"]
