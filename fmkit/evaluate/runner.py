"""Run a dataset against several models with bounded concurrency, resumably.

Every finished item is appended to `OUT/results/<model>.jsonl` as soon as it completes, so an
interrupted or partly failed run loses nothing: a rerun skips (item, model) pairs that already
have a result under the same key — the same deployment, endpoint (URL or ARN, model, guardrail
version), prompt and decoding settings (`records.result_key`) — and re-invokes failed ones only
when asked (`retry_errors`), since errors are results too (a model that times out is slow).

Each model gets its own pool of workers and all models run at the same time: every endpoint
sees the same load, which keeps measured latency and throughput comparable. `concurrency` may
differ per model: a server with fewer parallel slots than requests in flight queues the rest,
and its time to first token would measure the queue.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar

from pydantic import ValidationError

from fmkit.evaluate.adapters import AdapterOptions, build_adapter
from fmkit.evaluate.adapters.base import InvocationError, ModelAdapter
from fmkit.evaluate.dataset import Dataset, EvalItem
from fmkit.evaluate.records import ChatRequest, ErrorInfo, GenerationParams, ItemRecord, result_key
from fmkit.evaluate.targets import Target

if TYPE_CHECKING:  # rich draws the CLI's progress bar; the cloud function never imports it
    from rich.console import Console
    from rich.progress import Progress, TaskID

RUN_MANIFEST = "run.json"


@dataclass
class EvaluationResult:
    """Everything the report needs: the dataset, the targets and the latest record per item."""

    dataset: Dataset
    targets: tuple[Target, ...]
    params: GenerationParams
    records: dict[str, dict[str, ItemRecord]]  # model -> item id -> latest matching record
    out_dir: Path | None = None
    requests_made: dict[str, int] = field(default_factory=dict)  # items invoked by this run
    resumed: dict[str, int] = field(default_factory=dict)  # items reused from earlier runs
    concurrency: dict[str, int] = field(default_factory=dict)  # requests in flight per model (this run)

    @property
    def models(self) -> list[str]:
        return [t.name for t in self.targets]

    def target(self, model: str) -> Target:
        return next(t for t in self.targets if t.name == model)

    def records_for(self, model: str) -> list[ItemRecord]:
        """Records in dataset order; items never run are absent."""
        by_id = self.records.get(model, {})
        return [by_id[item.id] for item in self.dataset.items if item.id in by_id]


def results_path(out_dir: Path, model: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", model)
    return out_dir / "results" / f"{safe}.jsonl"


class _Record(Protocol):
    """A line of the JSONL files a run appends to (results, verdicts, similarities): keyed by item."""

    @property
    def item_id(self) -> str: ...

    @classmethod
    def model_validate_json(cls, json_data: str) -> Self: ...


RecordT = TypeVar("RecordT", bound=_Record)


def read_latest(path: Path, record: type[RecordT]) -> dict[str, RecordT]:
    """Latest record per item id. A torn line (crash mid-write) or a blank one is skipped, not fatal."""
    records: dict[str, RecordT] = {}
    if not path.exists():
        return records
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                found = record.model_validate_json(line)
            except ValidationError:
                continue
            records[found.item_id] = found
    return records


def read_results(path: Path) -> dict[str, ItemRecord]:
    """Latest model answer per item id."""
    return read_latest(path, ItemRecord)


def _current_records(
    dataset: Dataset, target: Target, out_dir: Path, params: GenerationParams
) -> dict[str, ItemRecord]:
    """Stored records that still answer the current prompt, from the same endpoint, with the current settings."""
    stored = read_results(results_path(out_dir, target.name))
    identity = target.identity()
    current: dict[str, ItemRecord] = {}
    for item in dataset.items:
        record = stored.get(item.id)
        if record is not None and record.fingerprint == result_key(identity, item.to_request(params)):
            current[item.id] = record
    return current


class _ResultsWriter:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, record: ItemRecord) -> None:
        line = record.model_dump_json() + "\n"
        with self._lock:  # one write per line: lines from concurrent workers never interleave
            self._handle.write(line)
            self._handle.flush()

    def close(self) -> None:
        self._handle.close()


def invoke_item(adapter: ModelAdapter, model: str, request: ChatRequest, item_id: str, *,
                key: str | None = None) -> ItemRecord:
    """Call the adapter once (it retries internally); every failure becomes an item error.

    `key` is the record's `result_key`, what a rerun compares to reuse it (callers that resume
    pass it; the request's own fingerprint otherwise).
    """
    key = key or request.fingerprint()
    started = time.time()
    try:
        completion = adapter.invoke(request)
    except InvocationError as exc:
        error = ErrorInfo(kind=exc.kind, message=exc.message[:500], status=exc.status, attempts=exc.attempts)
        return ItemRecord(
            item_id=item_id,
            model=model,
            fingerprint=key,
            error=error,
            attempts=exc.attempts,
            started_at=started,
            finished_at=time.time(),
        )
    except Exception as exc:  # a bug must cost one item, not a two-hour run
        error = ErrorInfo(kind="internal", message=f"{type(exc).__name__}: {exc}"[:500])
        return ItemRecord(
            item_id=item_id,
            model=model,
            fingerprint=key,
            error=error,
            started_at=started,
            finished_at=time.time(),
        )
    return ItemRecord(
        item_id=item_id,
        model=model,
        fingerprint=key,
        output=completion.text,
        ttft_s=completion.ttft_s,
        latency_s=completion.latency_s,
        input_tokens=completion.input_tokens,
        output_tokens=completion.output_tokens,
        finish_reason=completion.finish_reason,
        attempts=completion.attempts,
        started_at=started,
        finished_at=time.time(),
    )


def _check_targets(targets: Sequence[Target], out_dir: Path) -> None:
    names = [t.name for t in targets]
    if not names:
        raise ValueError("no models to evaluate")
    if len(set(names)) != len(names):
        raise ValueError(f"model names must be unique: {names}")
    files = [results_path(out_dir, n) for n in names]
    if len(set(files)) != len(files):
        raise ValueError(f"model names collide after sanitising for file names: {names}")


def _write_manifest(out_dir: Path, dataset: Dataset, targets: Sequence[Target], params: GenerationParams,
                    concurrency: Mapping[str, int]) -> None:
    """`run.json`: what this run asked and of whom (the targets' keys are never in it)."""
    manifest = {
        "dataset": {"path": str(dataset.path), "sha256": dataset.sha256, "items": len(dataset)},
        "params": {**asdict(params), "stop": list(params.stop)},
        "concurrency": dict(concurrency),
        "targets": [t.model_dump(mode="json") for t in targets],
    }
    (out_dir / RUN_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _params_from_manifest(out_dir: Path) -> GenerationParams | None:
    path = out_dir / RUN_MANIFEST
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))["params"]
    return GenerationParams(
        max_tokens=data["max_tokens"],
        temperature=data["temperature"],
        top_p=data.get("top_p"),
        stop=tuple(data.get("stop", ())),
    )


def load_evaluation(
    dataset: Dataset, targets: Sequence[Target], out_dir: str | Path, params: GenerationParams | None = None
) -> EvaluationResult:
    """Rebuild a result from `OUT/results` without calling any model (to re-render a report).

    `params` default to those of the last run recorded in `OUT/run.json`.
    """
    out = Path(out_dir)
    _check_targets(targets, out)
    params = params or _params_from_manifest(out) or GenerationParams()
    records = {t.name: _current_records(dataset, t, out, params) for t in targets}
    return EvaluationResult(
        dataset=dataset,
        targets=tuple(targets),
        params=params,
        records=records,
        out_dir=out,
        requests_made={t.name: 0 for t in targets},
        resumed={t.name: len(records[t.name]) for t in targets},
    )


def _concurrency_per_model(targets: Sequence[Target], concurrency: int | Mapping[str, int]) -> dict[str, int]:
    """Workers per model: one number for all, or a number per model name (4 for a model not listed)."""
    per_model = {t.name: (concurrency if isinstance(concurrency, int) else concurrency.get(t.name, 4))
                 for t in targets}
    if any(value < 1 for value in per_model.values()):
        raise ValueError("concurrency must be >= 1")
    return per_model


def run_evaluation(
    dataset: Dataset,
    targets: Sequence[Target],
    *,
    out_dir: str | Path,
    concurrency: int | Mapping[str, int] = 4,
    params: GenerationParams | None = None,
    retry_errors: bool = False,
    adapters: Mapping[str, ModelAdapter] | None = None,
    adapter_options: AdapterOptions | None = None,
    session: Any = None,
    progress: bool = True,
    console: Console | None = None,
) -> EvaluationResult:
    """Invoke every target on every dataset item that has no current result yet.

    `adapters` replaces `build_adapter(target)` per model name (tests, custom clients).
    Adapters are only built for models with pending items, so a fully resumed run needs no
    credentials. `concurrency` is requests in flight per model, or a mapping model -> requests.
    """
    workers = _concurrency_per_model(targets, concurrency)
    out = Path(out_dir)
    _check_targets(targets, out)
    params = params or GenerationParams()
    out.mkdir(parents=True, exist_ok=True)
    _write_manifest(out, dataset, targets, params, workers)

    records: dict[str, dict[str, ItemRecord]] = {}
    pending: dict[str, list[EvalItem]] = {}
    for target in targets:
        current = _current_records(dataset, target, out, params)
        records[target.name] = current
        pending[target.name] = [
            item for item in dataset.items if item.id not in current or (retry_errors and not current[item.id].ok)
        ]
    resumed = {t.name: len(dataset) - len(pending[t.name]) for t in targets}
    chosen = _adapters_for(targets, pending, adapters, adapter_options, session)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress_bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[errors]} errors"),
        TimeElapsedColumn(),
        console=console,
        disable=not progress,
    )
    requests_made = _run_pending(
        _Run(dataset=dataset, targets=targets, out=out, params=params, pending=pending, records=records,
             resumed=resumed, adapters=chosen, concurrency=workers),
        progress_bar,
    )
    ordered = {t.name: {i.id: records[t.name][i.id] for i in dataset.items if i.id in records[t.name]} for t in targets}
    return EvaluationResult(
        dataset=dataset,
        targets=tuple(targets),
        params=params,
        records=ordered,
        out_dir=out,
        requests_made=requests_made,
        resumed=resumed,
        concurrency=workers,
    )


def _adapters_for(
    targets: Sequence[Target],
    pending: Mapping[str, list[EvalItem]],
    given: Mapping[str, ModelAdapter] | None,
    options: AdapterOptions | None,
    session: Any,
) -> dict[str, ModelAdapter]:
    """Adapters for the models with pending items, all built before any request is sent (a bad target fails first)."""
    chosen: dict[str, ModelAdapter] = {}
    for target in targets:
        if pending[target.name]:
            adapter = (given or {}).get(target.name)
            chosen[target.name] = adapter if adapter is not None else build_adapter(target, options, session=session)
    return chosen


@dataclass
class _Run:
    """What `_run_pending` works through; `records` is updated in place as answers arrive."""

    dataset: Dataset
    targets: Sequence[Target]
    out: Path
    params: GenerationParams
    pending: Mapping[str, list[EvalItem]]
    records: dict[str, dict[str, ItemRecord]]
    resumed: Mapping[str, int]
    adapters: Mapping[str, ModelAdapter]
    concurrency: Mapping[str, int]


def _run_pending(run: _Run, progress_bar: Progress) -> dict[str, int]:
    """Invoke every pending item, one thread pool per model; returns the requests made per model."""
    requests_made = {t.name: 0 for t in run.targets}
    writers = {name: _ResultsWriter(results_path(run.out, name)) for name in run.adapters}
    executors = {
        name: ThreadPoolExecutor(max_workers=run.concurrency[name], thread_name_prefix=f"eval-{name}")
        for name in run.adapters
    }
    try:
        with progress_bar:
            tasks: dict[str, TaskID] = {}
            error_counts: dict[str, int] = {}
            for target in run.targets:
                pending_ids = {item.id for item in run.pending[target.name]}
                kept = [r for i, r in run.records[target.name].items() if i not in pending_ids]
                error_counts[target.name] = sum(1 for r in kept if not r.ok)
                tasks[target.name] = progress_bar.add_task(
                    target.name,
                    total=len(run.dataset),
                    completed=run.resumed[target.name],
                    errors=error_counts[target.name],
                )
            futures: dict[Future[ItemRecord], str] = {}
            identities = {t.name: t.identity() for t in run.targets}
            for name, executor in executors.items():
                for item in run.pending[name]:
                    request = item.to_request(run.params)
                    adapter, writer = run.adapters[name], writers[name]
                    key = result_key(identities[name], request)
                    futures[executor.submit(_invoke_and_write, adapter, name, request, item.id, key, writer)] = name
            for future in as_completed(futures):
                name = futures[future]
                record = future.result()
                run.records[name][record.item_id] = record
                requests_made[name] += 1
                if not record.ok:
                    error_counts[name] += 1
                progress_bar.update(tasks[name], advance=1, errors=error_counts[name])
    finally:
        for executor in executors.values():
            # On Ctrl-C: drop queued items, let in-flight ones finish and be written.
            executor.shutdown(wait=True, cancel_futures=True)
        for writer in writers.values():
            writer.close()
    return requests_made


def _invoke_and_write(
    adapter: ModelAdapter, model: str, request: ChatRequest, item_id: str, key: str, writer: _ResultsWriter
) -> ItemRecord:
    record = invoke_item(adapter, model, request, item_id, key=key)
    writer.write(record)  # from the worker thread, so completed work survives an interrupt
    return record
