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
    """Parse one file; on failure return the problems instead of raising."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [ConfigProblem(Location(file, 1, 1), f"cannot read file: {exc}")]
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        return None, [ConfigProblem(Location(file, 1, 1), "file is empty", "add the settings or delete it")]
    try:
        node = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line, mark.column) if mark else (0, 0)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        hint = None
        if "duplicate key" in problem or "found duplicate key" in str(exc):
            problem = "duplicate key " + problem.split("duplicate key", 1)[-1].strip()
            hint = "each key may appear once in a mapping; remove or merge the repeated one"
        return None, [ConfigProblem(_loc(file, line, col), f"invalid YAML: {problem}", hint)]
    except YAMLError as exc:
        return None, [ConfigProblem(Location(file, 1, 1), f"invalid YAML: {exc}")]
    smap = SourceMap()
    if isinstance(node, CommentedMap):
        smap.values[prefix] = _loc(file, node.lc.line, node.lc.col)
    else:
        smap.values[prefix] = Location(file, 1, 1)
    if not isinstance(node, CommentedMap):
        kind = "a list" if isinstance(node, CommentedSeq) else f"a {type(node).__name__}"
        return None, [
            ConfigProblem(Location(file, 1, 1), f"the file holds {kind}, not a mapping of keys",
                          "write 'key: value' lines at the top level")
        ]
    return SourceDoc(file, _plain(node, file, prefix, smap), smap), []
