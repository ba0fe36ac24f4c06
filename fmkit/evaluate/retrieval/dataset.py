"""Retrieval datasets: JSONL, one question per line, with what a good retriever should return.

```json
{"id": "vacation", "question": "How many vacation days do I get?",
 "expected_sources": ["hr/vacation.md"], "expected_passages": ["thirty days of paid vacation"],
 "reference": "Thirty days a year.", "tags": ["hr"]}
```

- `expected_sources`: object keys as the store records them (`hr/vacation.md`), full source keys
  (`s3://bucket/hr/vacation.md`) or folders ending in `/` (`hr/`): any chunk from there counts.
- `expected_passages`: text the answer needs; a chunk counts when it contains (most of) it.
- at least one of the two is required; `reference` (the ideal answer) and `tags` are optional
  (`reference` becomes `referenceResponses` in a Bedrock RAG-evaluation export).

Problems are collected for the whole file and raised together, `file:LINE: message`, as
`fmkit eval` datasets do: a hand-written file should be fixed in one pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fmkit.evaluate.jsonl import LineProblem, parse_items, read_utf8, sha256_of


class RetrievalItem(BaseModel):
    """One question and the sources or passages that answer it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1, max_length=8000)
    expected_sources: tuple[str, ...] = ()
    expected_passages: tuple[str, ...] = ()
    reference: str | None = None
    tags: tuple[str, ...] = ()

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("expected_sources", "expected_passages", "tags")
    @classmethod
    def _clean(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not entry.strip() for entry in value):
            raise ValueError("entries must be non-empty strings")
        return tuple(dict.fromkeys(entry.strip() for entry in value))

    @model_validator(mode="after")
    def _something_expected(self) -> RetrievalItem:
        if not self.expected_sources and not self.expected_passages:
            raise ValueError("set 'expected_sources' and/or 'expected_passages' (what a good retriever returns)")
        return self


RetrievalProblem = LineProblem  # the name this module's callers know


class RetrievalDatasetError(ValueError):
    """The dataset has problems; `problems` lists every one with its line."""

    def __init__(self, problems: Sequence[RetrievalProblem]) -> None:
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the retrieval dataset:\n"
                         + "\n".join(map(str, self.problems)))


@dataclass(frozen=True)
class RetrievalDataset:
    path: Path
    items: tuple[RetrievalItem, ...]
    sha256: str

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[RetrievalItem]:
        return iter(self.items)


def parse_retrieval_dataset(text: str, path: Path) -> RetrievalDataset:
    """Parse JSONL text; raise `RetrievalDatasetError` listing every bad line."""
    items, problems = parse_items(text, path, RetrievalItem)
    if problems:
        raise RetrievalDatasetError(problems)
    return RetrievalDataset(path=path, items=tuple(items), sha256=sha256_of(text))


def load_retrieval_dataset(path: str | Path) -> RetrievalDataset:
    """Read and validate a retrieval dataset (JSONL, UTF-8)."""
    file = Path(path)
    return parse_retrieval_dataset(read_utf8(file, RetrievalDatasetError), file)
