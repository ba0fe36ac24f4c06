"""Line-aware YAML: plain Python data plus the file:line:col of every key and value.

ruamel.yaml's round-trip loader keeps positions (and comments, which `fmkit env new`
preserves); we flatten them into a map from document path to location, so validation
errors raised far away (pydantic, rules) can point back at the exact line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from fmkit.config.errors import ConfigProblem, Location
from fmkit.config.yaml_errors import explain
from fmkit.config.yaml_guard import check_size, scan

DocPath = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of a document came from."""

    values: dict[DocPath, Location] = field(default_factory=dict)
    keys: dict[DocPath, Location] = field(default_factory=dict)

    def replace_subtree(self, path: DocPath, other: SourceMap) -> None:
        """Forget what `path` had (a list or scalar was replaced), then take `other`'s entries."""
        for table in (self.values, self.keys):
            for existing in [p for p in table if p[: len(path)] == path and len(p) > len(path)]:
                del table[existing]
        self.update(other)

    def update(self, other: SourceMap) -> None:
        self.values.update(other.values)
        self.keys.update(other.keys)

    def subtree(self, path: DocPath) -> SourceMap:
        """Entries at or below `path`."""
        out = SourceMap()
        out.values = {p: loc for p, loc in self.values.items() if p[: len(path)] == path}
        out.keys = {p: loc for p, loc in self.keys.items() if p[: len(path)] == path}
        return out

    def locate(self, path: DocPath, *, prefer_key: bool = False) -> Location | None:
        """Best location for `path`: itself, else its nearest recorded ancestor."""
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            first, second = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            if prefix in first:
                return first[prefix]
            if prefix in second:
                return second[prefix]
        return None


@dataclass
class SourceDoc:
    file: Path
    data: Any
    source: SourceMap


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def _loc(file: Path, line0: int, col0: int) -> Location:
    return Location(file, line0 + 1, col0 + 1)


def _plain(node: Any, file: Path, path: DocPath, smap: SourceMap) -> Any:
    """Convert ruamel nodes to dict/list/scalars, recording positions under `path`."""
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key in node:
            child = (*path, str(key))
            kline, kcol = node.lc.key(key)
            smap.keys[child] = _loc(file, kline, kcol)
            vline, vcol = node.lc.value(key)
            smap.values[child] = _loc(file, vline, vcol)
            out[str(key)] = _plain(node[key], file, child, smap)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, item in enumerate(node):
            line, col = node.lc.item(index)
            smap.values[(*path, index)] = _loc(file, line, col)
            items.append(_plain(item, file, (*path, index), smap))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node  # dates and other YAML types: pydantic reports them as wrong types


def read_yaml(file: Path, prefix: DocPath = ()) -> tuple[SourceDoc | None, list[ConfigProblem]]:
    """Parse one file; on failure return the problems instead of raising.

    Hostile input (huge, deeply nested, alias bombs) is refused by `yaml_guard` before any
    document is built, so a bad file costs milliseconds, not gigabytes.
    """
    text, problems = _read_text(file)
    if text is None:
        return None, problems
    try:
        node = _yaml().load(text)
    except MarkedYAMLError as exc:
        why = explain(exc)
        return None, [ConfigProblem(Location(file, why.line, why.column), why.message, why.hint)]
    except YAMLError as exc:
        return None, [ConfigProblem(Location(file, 1, 1), f"invalid YAML: {exc}")]
    smap = SourceMap()
    if not isinstance(node, CommentedMap):
        kind = "a list" if isinstance(node, CommentedSeq) else f"a {type(node).__name__}"
        return None, [
            ConfigProblem(Location(file, 1, 1), f"the file holds {kind}, not a mapping of keys",
                          "write 'key: value' lines at the top level")
        ]
    smap.values[prefix] = _loc(file, node.lc.line, node.lc.col)
    return SourceDoc(file, _plain(node, file, prefix, smap), smap), []


def load_round_trip(file: Path) -> tuple[Any, list[ConfigProblem]]:
    """The file as ruamel round-trip data (comments kept, for editing), behind the same guard."""
    text, problems = _read_text(file)
    if text is None:
        return None, problems
    try:
        return _yaml().load(text), []
    except MarkedYAMLError as exc:
        why = explain(exc)
        return None, [ConfigProblem(Location(file, why.line, why.column), why.message, why.hint)]


def _read_text(file: Path) -> tuple[str | None, list[ConfigProblem]]:
    """The file's text if it is readable, not empty and within the guard's limits."""
    try:
        refusal = check_size(file.stat().st_size)
        text = None if refusal else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [ConfigProblem(Location(file, 1, 1), f"cannot read file: {exc}")]
    if text is not None:
        if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
            return None, [ConfigProblem(Location(file, 1, 1), "file is empty", "add the settings or delete it")]
        refusal = scan(text)
    if refusal is not None:
        return None, [ConfigProblem(Location(file, refusal.line, refusal.column), refusal.message, refusal.hint)]
    return text, []
