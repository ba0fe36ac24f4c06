"""JSONL datasets: one pydantic item per line, every problem of the file collected with its line.

Benchmark and retrieval datasets are written by hand; reporting all problems in one pass
(`file:LINE: message`) lets them be fixed in one edit. Each dataset module keeps its own item
model and error type; the line parsing, the duplicate-id check and the messages live here once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

ItemT = TypeVar("ItemT", bound=BaseModel)


@dataclass(frozen=True)
class LineProblem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def validation_messages(exc: ValidationError) -> list[str]:
    """Pydantic errors as a dataset author reads them: the field, then what is wrong with it."""
    messages = []
    for err in exc.errors():
        location = ".".join(str(part) for part in err["loc"])
        text = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            text = f"missing required field '{location}'"
        elif err["type"] == "extra_forbidden":
            text = f"unknown field '{location}'"
        elif location:
            text = f"{location}: {text}"
        messages.append(text)
    return messages


def _parse_line(raw: str, line: int, model: type[ItemT],
                first_line_of: dict[str, int]) -> tuple[ItemT | None, list[str]]:
    """The line's item (None when it has problems) and its problems; registers the line's id."""
    try:
        data: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, [f"invalid JSON: {exc.msg} (column {exc.colno})"]
    if not isinstance(data, dict):
        return None, ["each line must be a JSON object"]
    # Checked even when the line has other problems, so every problem shows up in one run.
    problems: list[str] = []
    item_id = data.get("id")
    if isinstance(item_id, str) and item_id in first_line_of:
        problems.append(f"duplicate id {item_id!r} (first used on line {first_line_of[item_id]})")
    elif isinstance(item_id, str):
        first_line_of[item_id] = line
    try:
        item = model.model_validate(data)
    except ValidationError as exc:
        return None, problems + validation_messages(exc)
    return (None if problems else item), problems


def parse_items(text: str, path: Path, model: type[ItemT]) -> tuple[list[ItemT], list[LineProblem]]:
    """Every valid item of JSONL `text` and every problem (an empty file is one)."""
    items: list[ItemT] = []
    problems: list[LineProblem] = []
    first_line_of: dict[str, int] = {}
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        item, messages = _parse_line(raw, line, model, first_line_of)
        problems.extend(LineProblem(path, line, message) for message in messages)
        if item is not None:
            items.append(item)
    if not problems and not items:
        problems.append(LineProblem(path, 1, "the dataset has no items"))
    return items, problems


def sha256_of(text: str) -> str:
    """The digest recorded with results, so they can be traced to the exact file."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_utf8(file: Path, error: Callable[[Sequence[LineProblem]], Exception]) -> str:
    """The file's text, or `error` with the one problem when it is not UTF-8."""
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error([LineProblem(file, 1, f"file is not UTF-8 ({exc.reason})")]) from exc
