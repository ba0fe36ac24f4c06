"""Check a customization's training data before a job is paid for: format, limits, tokens.

One checker for both kinds: `sagemaker` (the training script's own format, parsed by
`training.records`) and the Bedrock formats (`bedrock_records`). Every problem carries its file
and line. Token counts are **estimated** (4 characters a token, the convention `fmkit eval`
uses) unless a tokenizer is available offline (`tokenizer_counter`, for open models): limits
checked on estimates are warnings, on exact counts errors. Bedrock's tokenizers are not public,
so Bedrock limits are always checked on estimates.

`fmkit customize check-data` runs it on a local file; the workflow's validation step runs it on
the S3 objects (same code, bundled in the function).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fmkit.customize.bedrock_records import RecordInvalid, RecordRules, parse_record
from fmkit.customize.holdout import holdout_items
from fmkit.customize.training.records import ChatExample, RecordError, RecordProblem, parse_line
from fmkit.evaluate import Dataset

CHARS_PER_TOKEN = 4
SAGEMAKER = "sagemaker"
# Flags of RecordRules travel with the limits (as 0/1) in the workflow's settings.
RULE_FLAGS = ("reserved_words", "answer_optional", "single_turn")
# Set (1) when the record limits count training and validation records together (Llama).
WITH_VALIDATION = "records_count_with_validation"


@dataclass(frozen=True)
class TokenCounter:
    name: str
    exact: bool
    count: Callable[[str], int]


def estimated_counter() -> TokenCounter:
    return TokenCounter(f"estimated ({CHARS_PER_TOKEN} characters a token)", False,
                        lambda text: math.ceil(len(text) / CHARS_PER_TOKEN))


def tokenizer_counter(path: Path) -> TokenCounter:
    """Exact counts from a local `tokenizer.json` (the `tokenizers` package; never downloads)."""
    file = path / "tokenizer.json" if path.is_dir() else path
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise RuntimeError("exact token counts need the 'tokenizers' package (pip install tokenizers)") from exc
    if not file.is_file():
        raise RuntimeError(f"no tokenizer.json at {file}")
    tokenizer = Tokenizer.from_file(str(file))
    return TokenCounter(f"exact ({file})", True, lambda text: len(tokenizer.encode(text).ids))


@dataclass(frozen=True)
class FormatSpec:
    """A data format and the limits that apply to it (keys of `catalog.DataLimits`, as integers)."""

    data_format: str
    limits: Mapping[str, int] = field(default_factory=dict)
    rules: RecordRules = field(default_factory=RecordRules)
    label: str = ""

    def settings_limits(self) -> dict[str, int]:
        """Limits and rule flags in one mapping of integers (how the workflow's settings carry them)."""
        flags = {flag: int(getattr(self.rules, flag)) for flag in RULE_FLAGS if getattr(self.rules, flag)}
        return {**dict(self.limits), **flags}

    @classmethod
    def from_settings(cls, data_format: str, limits: Mapping[str, int]) -> FormatSpec:
        rules = RecordRules(**{flag: bool(limits.get(flag)) for flag in RULE_FLAGS})
        return cls(data_format, {k: v for k, v in limits.items() if k not in RULE_FLAGS}, rules, data_format)


def bedrock_format_spec(base_model: str, method: str) -> FormatSpec:
    """The format and limits of `method` for a Bedrock base model, from the customization catalog."""
    from fmkit.catalog.bedrock_customization import method_of

    found = method_of(base_model, method)  # type: ignore[arg-type]
    if found is None:
        raise KeyError(f"the catalog has no {method} of {base_model}")
    limits = {k: v for k, v in found.limits.model_dump().items() if isinstance(v, int) and not isinstance(v, bool)}
    if "validation" in found.limits.records_count:
        limits[WITH_VALIDATION] = 1
    rules = RecordRules(reserved_words=base_model.startswith("amazon.nova"),
                        answer_optional=method == "distillation", single_turn=found.single_turn_only)
    return FormatSpec(found.data_format, limits, rules, f"bedrock:{base_model} {method} ({found.data_format})")


@dataclass
class DataReport:
    """Per-record token counts and every problem (errors) and warning, each with its line."""

    source: str
    counter: str
    exact: bool
    records: int = 0
    tokens: list[int] = field(default_factory=list)
    problems: list[RecordProblem] = field(default_factory=list)
    warnings: list[RecordProblem] = field(default_factory=list)
    prompts: dict[str, int] = field(default_factory=dict)  # normalized first user turn → line

    @property
    def total_tokens(self) -> int:
        return sum(self.tokens)

    @property
    def max_tokens(self) -> int:
        return max(self.tokens, default=0)

    def summary(self) -> dict[str, object]:
        return {"source": self.source, "records": self.records, "tokens_total": self.total_tokens,
                "tokens_max": self.max_tokens,
                "tokens_mean": round(self.total_tokens / self.records, 1) if self.records else 0,
                "token_counts": self.counter, "errors": len(self.problems), "warnings": len(self.warnings)}


def normalize(text: str) -> str:
    """Prompt text compared across files: case and whitespace do not make a prompt new."""
    return re.sub(r"\s+", " ", text).strip().lower()


def _sagemaker_record(raw: str, source: str, line: int) -> tuple[str, str, str]:
    example = parse_line(raw, source, line)
    if isinstance(example, ChatExample):
        prompt = "\n".join(turn.content for turn in example.messages)
        first_user = next(turn.content for turn in example.messages if turn.role == "user")
        return prompt, example.answer, first_user
    return "", example.text, ""


def _parse(raw: str, source: str, line: int, spec: FormatSpec) -> tuple[str, str, str]:
    """(prompt, answer, first user turn) of one line; raises RecordError with the line's problems."""
    if spec.data_format == SAGEMAKER:
        return _sagemaker_record(raw, source, line)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RecordError([RecordProblem(source, line, f"invalid JSON: {exc.msg} (column {exc.colno})")]) from None
    try:
        record = parse_record(data, spec.data_format, spec.rules)
    except RecordInvalid as exc:
        raise RecordError([RecordProblem(source, line, message) for message in exc.problems]) from None
    return record.prompt, record.answer, record.first_user


def _token_limits(report: DataReport, line: int, spec: FormatSpec, counts: tuple[int, int]) -> None:
    prompt, answer = counts
    checks = (("max_tokens_per_record", prompt + answer, "tokens"), ("max_input_tokens", prompt, "input tokens"),
              ("max_output_tokens", answer, "output tokens"))
    for key, value, what in checks:
        limit = spec.limits.get(key)
        if limit is not None and value > limit:
            how = "" if report.exact else " (estimated: check with an exact count or shorten it)"
            problem = RecordProblem(report.source, line, f"{value} {what}, more than the {limit} allowed{how}")
            (report.problems if report.exact else report.warnings).append(problem)


def check_lines(lines: Iterable[str], source: str, spec: FormatSpec, counter: TokenCounter) -> DataReport:
    """Every record of a JSONL stream: its problems, token counts and prompts."""
    report = DataReport(source, counter.name, counter.exact)
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            prompt, answer, first_user = _parse(raw, source, number, spec)
        except RecordError as exc:
            report.problems.extend(exc.problems)
            continue
        report.records += 1
        counts = (counter.count(prompt), counter.count(answer))
        report.tokens.append(sum(counts))
        _token_limits(report, number, spec, counts)
        if first_user:
            report.prompts.setdefault(normalize(first_user), number)
    return report


def check_counts(report: DataReport, spec: FormatSpec, *, channel: str = "train", others: int = 0) -> None:
    """Record-count limits of a channel (`others`: records of the channels counted with it)."""
    count = report.records + others
    if channel == "train" and count == 0:
        report.problems.append(RecordProblem(report.source, 1, "the training data has no records"))
        return
    minimum = spec.limits.get("min_records") if channel == "train" else None
    maximum = spec.limits.get("max_records" if channel == "train" else "max_validation_records")
    if minimum is not None and count < minimum:
        report.problems.append(RecordProblem(report.source, 1, f"{count} records, fewer than the {minimum} required"))
    if maximum is not None and count > maximum:
        report.problems.append(RecordProblem(report.source, 1, f"{count} records, more than the {maximum} allowed"))


def check_size(report: DataReport, size_bytes: int, spec: FormatSpec, *, channel: str = "train") -> None:
    limit = spec.limits.get("train_file_max_bytes" if channel == "train" else "validation_file_max_bytes")
    if limit is not None and size_bytes > limit:
        report.problems.append(RecordProblem(report.source, 1, f"{size_bytes} bytes, more than the {limit} allowed"))


def check_file(path: Path, spec: FormatSpec, counter: TokenCounter, *, channel: str = "train") -> DataReport:
    """A local JSONL file: format, tokens, record count and size."""
    try:
        with path.open(encoding="utf-8") as handle:
            report = check_lines(handle, str(path), spec, counter)
    except UnicodeDecodeError as exc:
        report = DataReport(str(path), counter.name, counter.exact)
        report.problems.append(RecordProblem(str(path), 1, f"file is not UTF-8 ({exc.reason})"))
        return report
    check_counts(report, spec, channel=channel)
    check_size(report, path.stat().st_size, spec, channel=channel)
    return report


def holdout_overlap(training: DataReport, holdout_prompts: Mapping[str, str]) -> list[RecordProblem]:
    """Holdout items (id → prompt) whose prompt is also a training prompt: they would be trained on."""
    return [RecordProblem(training.source, training.prompts[normalize(prompt)],
                          f"the holdout item '{item_id}' has this prompt: a holdout item must never be trained on")
            for item_id, prompt in holdout_prompts.items() if normalize(prompt) in training.prompts]


def holdout_prompts(dataset: Dataset) -> dict[str, str]:
    """Item id → first user turn of the dataset's holdout items (all items when none is marked)."""
    prompts = {}
    for item in holdout_items(dataset).items:
        turns = [m.content for m in item.messages or () if m.role == "user"]
        prompts[item.id] = turns[0] if turns else (item.prompt or "")
    return prompts
