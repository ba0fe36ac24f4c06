"""Ask the judge(s) about every stored answer; cache the verdicts next to the results.

Each verdict is appended to `OUT/judge/<judge>/<model>.jsonl` as it arrives and reused on a
rerun when its key still matches: the judge's identity (deployment, endpoint, model), the
rubric version, and the whole request it was shown (item, reference, context, answer). A new
answer, a changed reference or another judge means a new verdict; nothing else does.

A malformed verdict gets one reminder (the judge sees its reply and what was wrong with it);
a second malformed one, or a failed request, is recorded as a failure with its reason — an
unscored item, never a crash. A failed or empty *answer* gets the floor score without asking.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from fmkit.evaluate.adapters import AdapterOptions, build_adapter
from fmkit.evaluate.adapters.base import InvocationError, ModelAdapter
from fmkit.evaluate.dataset import EvalItem
from fmkit.evaluate.judge.rubric import (
    RUBRIC_VERSION,
    MalformedVerdict,
    Verdict,
    floor_verdict,
    judge_request,
    parse_verdict,
    reminder_request,
)
from fmkit.evaluate.records import ItemRecord
from fmkit.evaluate.runner import EvaluationResult, read_latest, results_path
from fmkit.evaluate.targets import Target


class JudgeRecord(BaseModel):
    """One judge's verdict on one model's answer to one item (a line of the verdicts file)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    item_id: str
    model: str
    judge: str
    key: str
    scores: dict[str, int | None] | None = None
    score: float | None = None  # mean of the applicable criteria, 1–5; None when not scored
    rationale: str | None = None
    error: str | None = None  # why there is no score
    asked: bool = True  # False: the floor score of a failed or empty answer, given without a request
    attempts: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    started_at: float = 0.0
    finished_at: float = 0.0


def verdicts_path(out_dir: Path, judge: str, model: str) -> Path:
    """`OUT/judge/<judge>/<model>.jsonl` (names sanitised like the results files)."""
    return out_dir / "judge" / results_path(out_dir, judge).stem / results_path(out_dir, model).name


def read_verdicts(path: Path) -> dict[str, JudgeRecord]:
    """Latest verdict per item id; a torn line is skipped."""
    return read_latest(path, JudgeRecord)


def _floor_reason(record: ItemRecord) -> str | None:
    if not record.ok:
        return f"not judged: the request failed ({record.error.kind if record.error else 'error'})"
    if not (record.output or "").strip():
        return "not judged: the answer is empty"
    return None


def judge_key(judge: Target, item: EvalItem, record: ItemRecord) -> str:
    """What a verdict is reused on (see the module docstring)."""
    reason = _floor_reason(record)
    request = judge_request(item, record.output or "").fingerprint() if reason is None else reason
    canonical = json.dumps({"judge": judge.identity(), "rubric": RUBRIC_VERSION, "request": request}, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _record(judge: Target, item: EvalItem, record: ItemRecord, **fields: Any) -> JudgeRecord:
    return JudgeRecord(item_id=item.id, model=record.model, judge=judge.name, key=judge_key(judge, item, record),
                       **fields)


def _verdict_fields(verdict: Verdict) -> dict[str, Any]:
    return {"scores": verdict.scores, "score": verdict.score, "rationale": verdict.rationale}


def _ask(adapter: ModelAdapter, item: EvalItem, answer: str) -> tuple[dict[str, Any], int, int, int]:
    """Ask, and once more after a malformed verdict: (fields, attempts, input tokens, output tokens)."""
    first = judge_request(item, answer)
    request, tokens_in, tokens_out = first, 0, 0
    has_context = item.context is not None
    for attempt in (1, 2):
        completion = adapter.invoke(request)
        tokens_in += completion.input_tokens or 0
        tokens_out += completion.output_tokens or 0
        try:
            return _verdict_fields(parse_verdict(completion.text, has_context=has_context)), attempt, tokens_in, \
                tokens_out
        except MalformedVerdict as exc:
            problem = str(exc)
            request = reminder_request(first, completion.text, problem, has_context=has_context)
    return {"error": f"malformed verdict twice: {problem}"}, 2, tokens_in, tokens_out


def judge_item(adapter: ModelAdapter, judge: Target, item: EvalItem, record: ItemRecord) -> JudgeRecord:
    """The judge's verdict on one answer; every failure becomes a recorded error, never an exception."""
    started = time.time()
    reason = _floor_reason(record)
    if reason is not None:
        verdict = floor_verdict(reason, has_context=item.context is not None)
        return _record(judge, item, record, asked=False, started_at=started, finished_at=started,
                       **_verdict_fields(verdict))
    try:
        fields, attempts, tokens_in, tokens_out = _ask(adapter, item, record.output or "")
    except InvocationError as exc:
        fields, attempts, tokens_in, tokens_out = ({"error": f"judge request failed: {exc.kind}: {exc.message[:300]}"},
                                                   exc.attempts, 0, 0)
    except Exception as exc:  # a bug must cost one verdict, not the run
        fields, attempts, tokens_in, tokens_out = {"error": f"internal: {type(exc).__name__}: {exc}"[:300]}, 1, 0, 0
    return _record(judge, item, record, attempts=attempts, input_tokens=tokens_in, output_tokens=tokens_out,
                   started_at=started, finished_at=time.time(), **fields)


class _Appender:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._lock = threading.Lock()

    def write(self, record: JudgeRecord) -> None:
        with self._lock, self._path.open("a", encoding="utf-8") as handle:
            handle.write(record.model_dump_json() + "\n")


def _pending(result: EvaluationResult, judge: Target, out_dir: Path, retry_errors: bool
             ) -> tuple[dict[str, dict[str, JudgeRecord]], list[tuple[EvalItem, ItemRecord]]]:
    """Verdicts still valid per model, and the (item, answer) pairs the judge must see."""
    items = {item.id: item for item in result.dataset.items}
    kept: dict[str, dict[str, JudgeRecord]] = {}
    todo: list[tuple[EvalItem, ItemRecord]] = []
    for model in result.models:
        stored = read_verdicts(verdicts_path(out_dir, judge.name, model))
        kept[model] = {}
        for record in result.records_for(model):
            item = items[record.item_id]
            verdict = stored.get(item.id)
            if verdict is not None and verdict.key == judge_key(judge, item, record) and not (
                    retry_errors and verdict.error):
                kept[model][item.id] = verdict
            else:
                todo.append((item, record))
    return kept, todo


def judge_answers(
    result: EvaluationResult,
    judges: Sequence[Target],
    *,
    out_dir: str | Path,
    concurrency: int = 4,
    adapters: Mapping[str, ModelAdapter] | None = None,
    adapter_options: AdapterOptions | None = None,
    session: Any = None,
    retry_errors: bool = False,
) -> dict[str, dict[str, dict[str, JudgeRecord]]]:
    """Every judge's verdict on every stored answer: judge -> model -> item id -> verdict.

    Cached verdicts are reused; an adapter is built only for a judge with something to judge.
    `retry_errors` asks again where a verdict is missing because of an error.
    """
    out = Path(out_dir)
    verdicts: dict[str, dict[str, dict[str, JudgeRecord]]] = {}
    for judge in judges:
        kept, todo = _pending(result, judge, out, retry_errors)
        verdicts[judge.name] = kept
        if not todo:
            continue
        adapter = (adapters or {}).get(judge.name) or build_adapter(judge, adapter_options, session=session)
        writers = {model: _Appender(verdicts_path(out, judge.name, model)) for model in result.models}
        for record in _judge_all(adapter, judge, todo, writers, concurrency):
            kept[record.model][record.item_id] = record
    return verdicts


def _judge_all(adapter: ModelAdapter, judge: Target, todo: Sequence[tuple[EvalItem, ItemRecord]],
               writers: Mapping[str, _Appender], concurrency: int) -> list[JudgeRecord]:
    """Judge every (item, answer) pair, `concurrency` at a time; each verdict is written as it arrives."""

    def run(pair: tuple[EvalItem, ItemRecord]) -> JudgeRecord:
        record = judge_item(adapter, judge, *pair)
        writers[record.model].write(record)
        return record

    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix=f"judge-{judge.name}") as pool:
        return list(pool.map(run, todo))
