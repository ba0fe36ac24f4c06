"""Benchmark datasets: JSONL, one item per line, validated with every problem reported at once.

Lines look like:

```json
{"id": "refund-1", "prompt": "How do I get a refund?", "reference": "...", "tags": ["billing"]}
{"id": "chat-2", "messages": [{"role": "user", "content": "..."}, ...], "reference": "...",
 "system": "You are a support assistant.", "split": "holdout"}
```

`split` (`dev` or `holdout`, unmarked items are dev) keeps items aside that prompts are not tuned
on: the report compares the two, and a significant drop on the holdout items is the sign of a
prompt overfitted to its test set. `context` is what an answer must stay faithful to (retrieved
passages, a policy): the judge checks faithfulness against it; the model sees only the prompt.

Errors are collected for the whole file and raised together as `DatasetError`, formatted
`file:LINE: message`, because a benchmark file is usually written by hand and fixing one
typo per run is painful.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from fmkit.evaluate.records import ChatMessage, ChatRequest, GenerationParams, Role

Split = Literal["dev", "holdout"]
SPLITS: tuple[Split, ...] = ("dev", "holdout")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Message(_Strict):
    role: Role
    content: str = Field(min_length=1)


class EvalItem(_Strict):
    """One benchmark case. Exactly one of `prompt` or `messages` is set."""

    id: str = Field(min_length=1)
    prompt: str | None = None
    messages: tuple[Message, ...] | None = None
    reference: str
    system: str | None = None
    tags: tuple[str, ...] = ()
    split: Split | None = None  # None counts as dev
    context: str | None = None  # for the judge's faithfulness criterion; not sent to the model

    @property
    def split_name(self) -> Split:
        return self.split or "dev"

    @field_validator("reference")
    @classmethod
    def _reference_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty (metrics compare the answer with it)")
        return value

    @field_validator("prompt")
    @classmethod
    def _prompt_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("tags")
    @classmethod
    def _tags_clean(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not t.strip() for t in value):
            raise ValueError("must be non-empty strings")
        return tuple(dict.fromkeys(value))  # de-duplicate, keep order

    @model_validator(mode="after")
    def _prompt_xor_messages(self) -> EvalItem:
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("set exactly one of 'prompt' or 'messages'")
        if self.messages is not None:
            # Bedrock Converse (and most chat templates) require user/assistant turns that
            # alternate and start and end with the user; catching it here gives a line number
            # instead of a ValidationException per model at run time.
            if not self.messages:
                raise ValueError("'messages' must not be empty")
            for index, message in enumerate(self.messages):
                expected = "user" if index % 2 == 0 else "assistant"
                if message.role != expected:
                    raise ValueError(
                        f"messages[{index}] has role {message.role!r}, expected {expected!r}: turns must "
                        "alternate user/assistant starting with user (put a system prompt in 'system')"
                    )
            if self.messages[-1].role != "user":
                raise ValueError("the last message must come from the user")
        return self

    def to_request(self, params: GenerationParams) -> ChatRequest:
        if self.messages is not None:
            turns = tuple(ChatMessage(role=m.role, content=m.content) for m in self.messages)
        else:
            assert self.prompt is not None
            turns = (ChatMessage(role="user", content=self.prompt),)
        return ChatRequest(messages=turns, system=self.system, params=params)

    @property
    def prompt_text(self) -> str:
        """The last user turn, for display in reports."""
        if self.messages is not None:
            return self.messages[-1].content
        return self.prompt or ""


@dataclass(frozen=True)
class DatasetProblem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class DatasetError(ValueError):
    """The dataset file has problems; `problems` lists every one of them with its line."""

    def __init__(self, problems: Sequence[DatasetProblem]) -> None:
        self.problems = list(problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{len(self.problems)} {noun} in dataset:\n" + "\n".join(map(str, self.problems)))


@dataclass(frozen=True)
class Dataset:
    path: Path
    items: tuple[EvalItem, ...]
    sha256: str  # of the file bytes, recorded in the report so results can be traced to data

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[EvalItem]:
        return iter(self.items)

    def tags(self) -> list[str]:
        """Tags in first-seen order."""
        return list(dict.fromkeys(tag for item in self.items for tag in item.tags))

    def splits(self) -> dict[str, int]:
        """Items per split (`dev` includes unmarked items), only the splits present."""
        counts = {name: sum(1 for item in self.items if item.split_name == name) for name in SPLITS}
        return {name: count for name, count in counts.items() if count}

    def select(self, split: Split) -> Dataset:
        """Only the items of `split` (same path and file hash: results stay traceable to the file)."""
        return Dataset(path=self.path, items=tuple(i for i in self.items if i.split_name == split), sha256=self.sha256)


def _format_validation_error(exc: ValidationError) -> list[str]:
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


def _parse_line(raw: str, line_no: int, path: Path, first_line_of: dict[str, int]) -> EvalItem:
    """The item on one line, or `DatasetError` with all of the line's problems; registers the line's id."""
    try:
        data: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DatasetError([DatasetProblem(path, line_no, f"invalid JSON: {exc.msg} (column {exc.colno})")]) from None
    if not isinstance(data, dict):
        raise DatasetError([DatasetProblem(path, line_no, "each line must be a JSON object")])
    # Checked even when the line has other problems, so every problem shows up in one run.
    problems: list[DatasetProblem] = []
    item_id = data.get("id")
    if isinstance(item_id, str) and item_id in first_line_of:
        first = first_line_of[item_id]
        problems.append(DatasetProblem(path, line_no, f"duplicate id {item_id!r} (first used on line {first})"))
    elif isinstance(item_id, str):
        first_line_of[item_id] = line_no
    try:
        item = EvalItem.model_validate(data)
    except ValidationError as exc:
        problems.extend(DatasetProblem(path, line_no, m) for m in _format_validation_error(exc))
        raise DatasetError(problems) from None
    if problems:
        raise DatasetError(problems)
    return item


def parse_dataset(text: str, path: Path) -> Dataset:
    """Parse JSONL text; raise `DatasetError` listing every bad line."""
    problems: list[DatasetProblem] = []
    items: list[EvalItem] = []
    first_line_of: dict[str, int] = {}
    for line_no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            items.append(_parse_line(raw, line_no, path, first_line_of))
        except DatasetError as exc:
            problems.extend(exc.problems)
    if not problems and not items:
        problems.append(DatasetProblem(path, 1, "the dataset has no items"))
    if problems:
        raise DatasetError(problems)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Dataset(path=path, items=tuple(items), sha256=digest)


def load_dataset(path: str | Path) -> Dataset:
    """Read and validate a JSONL dataset file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DatasetError([DatasetProblem(file, 1, f"file is not UTF-8 ({exc.reason})")]) from exc
    return parse_dataset(text, file)
