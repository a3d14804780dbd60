"""YAML loading that remembers the line of every key, so errors can point at it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from plugin.errors import SettingsError

LineMap = dict[str, int]
MAX_DEPTH = 20  # settings nest three levels; anything near this is a mistake or an attack


class _SettingsLoader(yaml.SafeLoader):
    """SafeLoader without aliases (a "billion laughs" file expands exponentially) and with bounded nesting."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """Refuse an alias (*name) and nodes nested deeper than MAX_DEPTH, pointing at their line."""
        event = self.peek_event()
        mark = event.start_mark if isinstance(event.start_mark, yaml.Mark) else None
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in settings files", mark)
        if self.depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _walk(node: yaml.Node, prefix: str, lines: LineMap) -> None:
    """Record the 1-based line of each mapping key and sequence item under `prefix`."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            lines[path] = key_node.start_mark.line + 1
            _walk(value_node, path, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = f"{prefix}.{index}" if prefix else str(index)
            lines[path] = item.start_mark.line + 1
            _walk(item, path, lines)


def parse_yaml(text: str, source: str) -> tuple[Any, LineMap]:
    """Parse YAML text; a syntax error becomes one SettingsError line with file and line."""
    loader = _SettingsLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        kind = "YAML error" if isinstance(exc, yaml.composer.ComposerError) else "YAML syntax error"
        raise SettingsError(f"{source}{line}: {kind}: {problem}") from None
    except yaml.YAMLError as exc:
        raise SettingsError(f"{source}: YAML error: {exc}") from None
    except RecursionError:
        raise SettingsError(f"{source}: YAML error: nested too deeply") from None
    finally:
        loader.dispose()
    lines: LineMap = {}
    if node is not None:
        _walk(node, "", lines)
    return data, lines


def load_yaml_file(path: Path) -> tuple[Any, LineMap]:
    """Read and parse a YAML file; a missing or unreadable file is a SettingsError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read settings file ({exc.strerror or exc})") from None
    return parse_yaml(text, str(path))
