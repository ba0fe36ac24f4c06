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

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fmkit.evaluate.jsonl import LineProblem, parse_items, read_utf8, sha256_of
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


DatasetProblem = LineProblem  # the name this module's callers know


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


def parse_dataset(text: str, path: Path) -> Dataset:
    """Parse JSONL text; raise `DatasetError` listing every bad line."""
    items, problems = parse_items(text, path, EvalItem)
    if problems:
        raise DatasetError(problems)
    return Dataset(path=path, items=tuple(items), sha256=sha256_of(text))


def load_dataset(path: str | Path) -> Dataset:
    """Read and validate a JSONL dataset file."""
    file = Path(path)
    return parse_dataset(read_utf8(file, DatasetError), file)
