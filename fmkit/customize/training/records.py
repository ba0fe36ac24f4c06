"""Training records: JSONL, one example per line, every problem reported with its file and line.

Two kinds of line:

```json
{"id": "t-1", "prompt": "What is the code of apple?", "reference": "zulu", "system": "Answer briefly."}
{"id": "t-2", "messages": [{"role": "user", "content": "…"}, {"role": "assistant", "content": "…"},
                           {"role": "user", "content": "…"}], "reference": "the answer to learn"}
{"text": "Unlabelled domain text, learned as a whole (domain adaptation)."}
```

A chat line has the shape of an `fmkit eval` dataset item (`prompt` or `messages`, `system`,
`reference`, `tags`), so one file of labelled examples can be split into training data and an
evaluation holdout. `reference` is the answer the model learns. An item marked
`"split": "holdout"` is refused: holdout items measure the candidate and must never be trained on.

Standard library only: this module runs inside the training container, where fmkit (and
pydantic) is not installed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]
_CHAT_FIELDS = {"id", "prompt", "messages", "reference", "system", "tags", "split"}
_TEXT_FIELDS = {"id", "text", "tags", "split"}
SPLITS = ("train", "dev", "holdout")


@dataclass(frozen=True)
class Turn:
    role: Role
    content: str


@dataclass(frozen=True)
class ChatExample:
    """A conversation that ends with the user, and the assistant answer to learn."""

    source: str
    line: int
    id: str | None
    messages: tuple[Turn, ...]  # system first when given, then user/assistant turns ending with user
    answer: str

    def chat(self, *, with_answer: bool) -> list[dict[str, str]]:
        """Messages in the shape `tokenizer.apply_chat_template` takes."""
        turns = [{"role": t.role, "content": t.content} for t in self.messages]
        if with_answer:
            turns.append({"role": "assistant", "content": self.answer})
        return turns


@dataclass(frozen=True)
class TextExample:
    """Unlabelled text: every token is learned (continued pre-training on the domain)."""

    source: str
    line: int
    id: str | None
    text: str


Example = ChatExample | TextExample


@dataclass(frozen=True)
class RecordProblem:
    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class RecordError(ValueError):
    """The training data has problems; `problems` lists all of them, each with its line."""

    def __init__(self, problems: Sequence[RecordProblem]) -> None:
        self.problems = list(problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{len(self.problems)} {noun} in the training data:\n" + "\n".join(map(str, self.problems)))


def _text(value: Any, name: str, errors: list[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        errors.append(f"'{name}' must be a non-empty string")
        return None
    return value


def _turns(value: Any, errors: list[str]) -> list[Turn]:
    """Alternating user/assistant turns starting and ending with the user (what chat templates expect)."""
    if not isinstance(value, list) or not value:
        errors.append("'messages' must be a non-empty list of {role, content} objects")
        return []
    turns: list[Turn] = []
    for index, message in enumerate(value):
        expected: Role = "user" if index % 2 == 0 else "assistant"
        if not isinstance(message, dict) or set(message) != {"role", "content"}:
            errors.append(f"messages[{index}] must be an object with exactly 'role' and 'content'")
            continue
        content = _text(message["content"], f"messages[{index}].content", errors)
        if message["role"] != expected:
            errors.append(f"messages[{index}] has role {message['role']!r}, expected {expected!r}: turns must "
                          "alternate user/assistant starting with user (put a system prompt in 'system')")
        elif content is not None:
            turns.append(Turn(expected, content))
    if len(value) % 2 == 0:
        errors.append("the last message must come from the user ('reference' is the assistant's answer)")
    return turns


def _common(data: dict[str, Any], allowed: set[str], errors: list[str]) -> str | None:
    """Checks shared by both kinds of line; returns the id."""
    errors.extend(f"unknown field '{key}'" for key in sorted(set(data) - allowed))
    split = data.get("split")
    if split == "holdout":
        errors.append("a 'holdout' item must not be trained on: holdout items only evaluate the candidate")
    elif split is not None and split not in SPLITS:
        errors.append(f"'split' must be one of {', '.join(SPLITS)}")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        errors.append("'tags' must be a list of non-empty strings")
    return _text(data.get("id"), "id", errors)


def _chat(data: dict[str, Any], source: str, line: int, errors: list[str]) -> ChatExample | None:
    item_id = _common(data, _CHAT_FIELDS, errors)
    if ("prompt" in data) == ("messages" in data):
        errors.append("set exactly one of 'prompt', 'messages' or 'text'")
        return None
    if "reference" not in data:
        errors.append("missing required field 'reference' (the answer to learn)")
    answer = _text(data.get("reference"), "reference", errors)
    system = _text(data.get("system"), "system", errors)
    if "prompt" in data:
        prompt = _text(data["prompt"], "prompt", errors)
        turns = [Turn("user", prompt)] if prompt is not None else []
    else:
        turns = _turns(data["messages"], errors)
    if errors or answer is None:
        return None
    prefix = (Turn("system", system),) if system is not None else ()
    return ChatExample(source, line, item_id, (*prefix, *turns), answer)


def _text_example(data: dict[str, Any], source: str, line: int, errors: list[str]) -> TextExample | None:
    item_id = _common(data, _TEXT_FIELDS, errors)
    text = _text(data.get("text"), "text", errors)
    if errors or text is None:
        return None
    return TextExample(source, line, item_id, text)


def parse_line(raw: str, source: str, line: int) -> Example:
    """One example, or `RecordError` with every problem of the line."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RecordError([RecordProblem(source, line, f"invalid JSON: {exc.msg} (column {exc.colno})")]) from None
    if not isinstance(data, dict):
        raise RecordError([RecordProblem(source, line, "each line must be a JSON object")])
    errors: list[str] = []
    example: Example | None
    if "text" in data and not ({"prompt", "messages", "reference"} & set(data)):
        example = _text_example(data, source, line, errors)
    else:
        example = _chat(data, source, line, errors)
    if example is None:
        raise RecordError([RecordProblem(source, line, message) for message in errors or ["invalid record"]])
    return example


def parse_records(lines: Iterable[str], source: str) -> list[Example]:
    """Every example of a JSONL stream, or `RecordError` listing every bad line (ids unique per stream)."""
    examples: list[Example] = []
    problems: list[RecordProblem] = []
    first_line_of: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            example = parse_line(raw, source, number)
        except RecordError as exc:
            problems.extend(exc.problems)
            continue
        if example.id is not None and example.id in first_line_of:
            first = first_line_of[example.id]
            problems.append(RecordProblem(source, number, f"duplicate id {example.id!r} (first used on line {first})"))
        elif example.id is not None:
            first_line_of[example.id] = number
        examples.append(example)
    if problems:
        raise RecordError(problems)
    return examples


def data_files(location: Path) -> list[Path]:
    """The JSONL files of a channel: the file itself, or every `*.jsonl` under a directory, sorted."""
    if location.is_file():
        return [location]
    files = sorted(p for p in location.rglob("*.jsonl") if p.is_file())
    if not files:
        raise RecordError([RecordProblem(str(location), 1, "no *.jsonl file here")])
    return files


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        yield from handle


def load_records(location: Path) -> list[Example]:
    """Examples from a file or a SageMaker channel directory; all problems of all files at once."""
    examples: list[Example] = []
    problems: list[RecordProblem] = []
    for path in data_files(location):
        try:
            examples.extend(parse_records(_lines(path), str(path)))
        except RecordError as exc:
            problems.extend(exc.problems)
        except UnicodeDecodeError as exc:
            problems.append(RecordProblem(str(path), 1, f"file is not UTF-8 ({exc.reason})"))
    if problems:
        raise RecordError(problems)
    if not examples:
        raise RecordError([RecordProblem(str(location), 1, "the training data has no examples")])
    return examples
