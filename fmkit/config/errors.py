"""Config problems as values: collected everywhere, printed together at the edge (the CLI)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True, order=True)
class Location:
    """1-based line and column in a config file."""

    file: Path
    line: int
    col: int

    def display(self, root: Path | None = None) -> str:
        path = self.file
        if root is not None:
            with contextlib.suppress(ValueError):
                path = self.file.resolve().relative_to(root.resolve())
        return f"{path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class ConfigProblem:
    location: Location
    message: str
    hint: str | None = None
    severity: Literal["error", "warning"] = "error"
    rule: str | None = None

    def format(self, root: Path | None = None) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        text = f"{self.location.display(root)}: {prefix}{self.message}"
        return f"{text} — {self.hint}" if self.hint else text

    def sort_key(self) -> tuple[str, int, int, str]:
        return (str(self.location.file), self.location.line, self.location.col, self.message)


class ConfigError(Exception):
    """Raised with every problem found; the only exception bad config input may produce."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = sorted(set(problems), key=ConfigProblem.sort_key)
        super().__init__("\n".join(p.format() for p in self.problems))

    @property
    def errors(self) -> list[ConfigProblem]:
        return [p for p in self.problems if p.severity == "error"]
