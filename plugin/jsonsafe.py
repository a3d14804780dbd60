"""JSON going out: never NaN or Infinity (no browser can read them). A value holding one is logged and sent
with null in its place, so a bad number can never make a whole answer unreadable."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

log = logging.getLogger(__name__)


def dumps(value: Any, **options: Any) -> str:
    """json.dumps that refuses to write NaN/Infinity: they become null (and a warning says where they came from)."""
    try:
        return json.dumps(value, allow_nan=False, **options)
    except ValueError:
        log.warning("a non-finite number was about to be sent as JSON; sending null instead")
        return json.dumps(_finite(value), allow_nan=False, **options)


def _finite(value: Any) -> Any:
    """A copy with every NaN/Infinity replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


class SocketJson:
    """The `json` module python-socketio encodes every packet with."""

    dumps = staticmethod(dumps)
    loads = staticmethod(json.loads)
