"""Refuse hostile YAML before it is built: huge files, deep nesting, alias bombs.

A few lines of nested anchors and aliases (the "billion laughs") expand to billions of values
once turned into Python data, and deeply nested brackets exhaust the recursion of every
consumer after the parser. The guard streams the parser's *events* — no document is built,
no alias is expanded — and keeps, for each anchor, how many values it stands for. Expanding
an alias adds that count, so the size of the document a user would get is known exactly, in
one linear pass over the text, and refused at the line where it crosses the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    ScalarEvent,
)

MAX_FILE_BYTES = 256 * 1024
"""Config files are a few kilobytes; long lists (guardrail words) live in their own text files."""
MAX_DEPTH = 32
"""Nesting of mappings and lists; the deepest fmkit key path is 6 levels."""
MAX_VALUES = 50_000
"""Values in the document with every alias expanded (a full config has a few hundred)."""


@dataclass(frozen=True)
class Refusal:
    """Why a file is refused, where (1-based line and column), and what to do instead."""

    line: int
    column: int
    message: str
    hint: str


def check_size(size: int) -> Refusal | None:
    if size > MAX_FILE_BYTES:
        return Refusal(1, 1, f"file is {size:,} bytes, over the {MAX_FILE_BYTES // 1024} KiB limit for config files",
                       "config files are small; keep long lists (e.g. guardrail words) in a words file")
    return None


class _Expansion:
    """Running count of the values a document expands to, per open collection and per anchor."""

    def __init__(self) -> None:
        self.anchors: dict[str, int] = {}
        self.stack: list[tuple[str | None, int]] = []  # (anchor, values so far) per open collection
        self.total = 0

    def feed(self, event: object) -> Refusal | None:
        if isinstance(event, CollectionStartEvent):
            self.stack.append((event.anchor, 1))
            self.total += 1
            if len(self.stack) > MAX_DEPTH:
                return _refuse(event, f"nesting deeper than {MAX_DEPTH} levels",
                               "config values are at most a few levels deep; flatten the structure")
            return None
        self._add_to_parent(self._size(event))
        if self.total > MAX_VALUES:
            return _refuse(event, f"the document expands to more than {MAX_VALUES:,} values"
                           + (" through aliases" if isinstance(event, AliasEvent) else ""),
                           "anchors and aliases may share a block, not multiply it; write the values out")
        return None

    def _size(self, event: object) -> int:
        """Values this event closes or stands for (0 for stream/document events)."""
        if isinstance(event, CollectionEndEvent):
            anchor, size = self.stack.pop()
            if anchor is not None:
                self.anchors[anchor] = size
            return size
        if isinstance(event, ScalarEvent):
            self.total += 1
            if event.anchor is not None:
                self.anchors[event.anchor] = 1
            return 1
        if isinstance(event, AliasEvent):
            size = self.anchors.get(str(event.anchor), 1)  # an undefined alias is the loader's to report
            self.total += size
            return size
        return 0

    def _add_to_parent(self, size: int) -> None:
        if self.stack:
            anchor, count = self.stack[-1]
            self.stack[-1] = (anchor, count + size)


def scan(text: str) -> Refusal | None:
    """The first limit the document breaks, or None (syntax errors are left to the loader)."""
    expansion = _Expansion()
    try:
        for event in YAML(typ="rt").parse(text):
            refusal = expansion.feed(event)
            if refusal is not None:
                return refusal
    except YAMLError:
        return None
    except RecursionError:
        return Refusal(1, 1, "the document is nested too deeply to read", f"keep nesting under {MAX_DEPTH} levels")
    return None


def _refuse(event: object, message: str, hint: str) -> Refusal:
    mark = getattr(event, "start_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return Refusal(line, column, message, hint)
