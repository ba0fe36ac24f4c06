"""The cloud evaluation run: the same fmkit.evaluate code as `fmkit eval`, with S3 instead of a folder.

S3 layout under the evaluation bucket, per run (the Step Functions execution name):
  runs/<run>/run.json                    targets (prices, plan costs), judges, embedder, decoding settings,
                                         dataset hash (written by prepare)
  runs/<run>/results/<model>/<batch>.jsonl   ItemRecords, one object per Map batch (idempotent on retry)
  runs/<run>/judge/<judge>/<model>/<batch>.jsonl   the judges' verdicts on that batch's answers
  runs/<run>/report.{json,md,html}       the report; also copied to reports/latest/

The stack computed each deployment's `fmkit plan` cost at synth time (`settings.plan_costs`):
this function has no config, and needs none to report the expected cost.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fmkit.contracts.evaluation import EvaluationSettings
from fmkit.contracts.metrics import EVALUATION_NAMESPACE
from fmkit.evaluate import (
    AdapterOptions,
    Dataset,
    DatasetError,
    EvalItem,
    EvaluationResult,
    EvaluationSummary,
    GenerationParams,
    ItemRecord,
    ModelAdapter,
    Target,
    build_adapter,
    check_thresholds,
    parse_check,
    parse_dataset,
    render_html,
    render_json,
    render_markdown,
    resolve_targets,
    summarize,
)
from fmkit.evaluate.judge import JudgeRecord, judge_item, judge_outcome
from fmkit.evaluate.records import result_key
from fmkit.evaluate.runner import invoke_item
from fmkit.evaluate.semantic import build_embedder, semantic_outcome, semantic_scores
from fmkit.evaluate.summary import ScoredOutcome


class DatasetInvalid(Exception):
    """The dataset has problems (every line listed); the workflow fails fast, before any model call."""


def _params(settings: EvaluationSettings) -> GenerationParams:
    return GenerationParams(max_tokens=settings.max_tokens)


def _run_id(event: Mapping[str, Any]) -> str:
    run_id = str(event.get("run_id") or event.get("BatchInput", {}).get("run_id") or "")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,80}", run_id):
        raise ValueError(f"invalid run_id {run_id!r}")
    return run_id


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def _read_text(s3: Any, bucket: str, key: str) -> str:
    return str(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))


def _put(s3: Any, bucket: str, key: str, body: str, content_type: str) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"), ContentType=content_type)


def _load_dataset(settings: EvaluationSettings, s3: Any) -> Dataset:
    text = _read_text(s3, settings.dataset_bucket, settings.dataset_key)
    try:
        # The key, not an s3:// URI: Path would fold its '//' (reports show the dataset's name).
        return parse_dataset(text, Path(settings.dataset_key))
    except DatasetError as exc:
        raise DatasetInvalid(str(exc)[:4000]) from None


def prepare(event: Mapping[str, Any], settings: EvaluationSettings, *, s3: Any, ssm: Any) -> dict[str, Any]:
    """Validate the dataset and resolve the targets once, so every batch calls the same endpoints."""
    run_id = _run_id(event)
    dataset = _load_dataset(settings, s3)
    targets = resolve_targets(names=settings.models, prices=settings.prices, plan_costs=settings.plan_costs,
                              ssm_client=ssm, project=settings.project, env=settings.environment)
    judges = resolve_targets(names=settings.judges, ssm_client=ssm, project=settings.project, env=settings.environment,
                             prices={n: p for n, p in settings.prices.items() if n in settings.judges}
                             ) if settings.judges else []
    embedder = resolve_targets(names=[settings.embedder], ssm_client=ssm, project=settings.project,
                               env=settings.environment) if settings.embedder else []
    manifest = {
        "run_id": run_id,
        "dataset": {"bucket": settings.dataset_bucket, "key": settings.dataset_key, "sha256": dataset.sha256,
                    "items": len(dataset)},
        "params": {**asdict(_params(settings)), "stop": []},
        "targets": [t.model_dump(mode="json") for t in targets],
        "judges": [t.model_dump(mode="json") for t in judges],
        "embedder": embedder[0].model_dump(mode="json") if embedder else None,
    }
    _put(s3, settings.bucket, f"runs/{run_id}/run.json", json.dumps(manifest, indent=2), "application/json")
    _manifests.pop(run_id, None)  # a warm environment forgets a manifest this run id had before
    for key in [k for k in _adapters if k[0] == run_id]:
        del _adapters[key]
    return {"run_id": run_id, "items": len(dataset), "models": [t.name for t in targets]}


_adapters: dict[tuple[str, str], ModelAdapter] = {}  # (run, model or judge) -> adapter, reused while warm
_manifests: dict[str, dict[str, Any]] = {}


def _manifest(run_id: str, settings: EvaluationSettings, s3: Any) -> dict[str, Any]:
    if run_id not in _manifests:
        _manifests[run_id] = json.loads(_read_text(s3, settings.bucket, f"runs/{run_id}/run.json"))
    return _manifests[run_id]


def _targets(run_id: str, settings: EvaluationSettings, s3: Any, key: str = "targets") -> list[Target]:
    return [Target.model_validate(t) for t in _manifest(run_id, settings, s3).get(key) or []]


def _adapter(run_id: str, target: Target, options: AdapterOptions, given: Mapping[str, ModelAdapter]
             ) -> ModelAdapter:
    if target.name in given:
        _adapters[(run_id, target.name)] = given[target.name]
    elif (run_id, target.name) not in _adapters:
        _adapters[(run_id, target.name)] = build_adapter(target, options)
    return _adapters[(run_id, target.name)]


def evaluate_batch(event: Mapping[str, Any], settings: EvaluationSettings, *, s3: Any,
                   adapters: Mapping[str, ModelAdapter] | None = None) -> dict[str, Any]:
    """One Distributed Map batch: every model answers every item; one results object per model.

    Models run in parallel, each one item at a time, so with `max_concurrency` batches in flight
    every model sees the same load (comparable latency and throughput). Failed requests are
    results (recorded with their error kind), never a failed batch.
    """
    run_id = _run_id(event)
    items = [EvalItem.model_validate(raw) for raw in event["Items"]]
    targets, judges = _targets(run_id, settings, s3), _targets(run_id, settings, s3, "judges")
    options = AdapterOptions(timeout_s=settings.timeout_s)
    given = adapters or {}
    for target in [*targets, *judges]:
        _adapter(run_id, target, options, given)
    params = _params(settings)

    def answer_all(target: Target) -> tuple[list[ItemRecord], list[JudgeRecord]]:
        adapter, identity = _adapters[(run_id, target.name)], target.identity()
        answers, verdicts = [], []
        for item in items:
            request = item.to_request(params)
            record = invoke_item(adapter, target.name, request, item.id, key=result_key(identity, request))
            answers.append(record)
            verdicts += [judge_item(_adapters[(run_id, judge.name)], judge, item, record) for judge in judges]
        return answers, verdicts

    with ThreadPoolExecutor(max_workers=max(1, len(targets))) as pool:
        outcomes = list(pool.map(answer_all, targets))
    batch = hashlib.sha256("\n".join(i.id for i in items).encode()).hexdigest()[:16]
    errors: dict[str, int] = {}
    for target, (answers, verdicts) in zip(targets, outcomes, strict=True):
        errors[target.name] = sum(1 for r in answers if not r.ok)
        _put(s3, settings.bucket, f"runs/{run_id}/results/{_safe(target.name)}/{batch}.jsonl",
             "".join(r.model_dump_json() + "\n" for r in answers), "application/x-ndjson")
        for judge in judges:
            mine = [v for v in verdicts if v.judge == judge.name]
            _put(s3, settings.bucket, f"runs/{run_id}/judge/{_safe(judge.name)}/{_safe(target.name)}/{batch}.jsonl",
                 "".join(v.model_dump_json() + "\n" for v in mine), "application/x-ndjson")
    return {"items": len(items), "errors": errors}


def _lines(s3: Any, bucket: str, prefix: str) -> list[str]:
    lines: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in sorted(page.get("Contents", []), key=lambda o: o["Key"]):
            lines += [line for line in _read_text(s3, bucket, obj["Key"]).splitlines() if line.strip()]
    return lines


def _records(s3: Any, bucket: str, prefix: str) -> dict[str, ItemRecord]:
    return {r.item_id: r for r in map(ItemRecord.model_validate_json, _lines(s3, bucket, prefix))}


def headline_metrics(summary: EvaluationSummary, environment: str) -> list[dict[str, Any]]:
    """CloudWatch datums: quality metrics (their own scale) and operational headline values."""
    data = []
    for model in summary.models:
        values = {name: est.value for name, est in model.quality.items()}
        values.update(error_rate=model.error_rate, latency_p95_s=model.latency_p95_s.value,
                      latency_with_retries_p95_s=model.latency_with_retries_p95_s.value,
                      ttft_p95_s=model.ttft_p95_s.value,
                      usd_per_1k_requests_expected=model.cost.usd_per_1k_requests_expected,
                      usd_per_1k_requests_marginal=model.cost.usd_per_1k_requests_marginal)
        for metric, value in values.items():
            if value is None:
                continue
            data.append({"MetricName": "Value", "Value": float(value), "Unit": "None", "Dimensions": [
                {"Name": "Environment", "Value": environment}, {"Name": "Model", "Value": model.model},
                {"Name": "Metric", "Value": metric}]})
    return data


def _result(run_id: str, settings: EvaluationSettings, s3: Any) -> EvaluationResult:
    """The run's targets and every stored answer to the dataset's prompts as they are now."""
    manifest = json.loads(_read_text(s3, settings.bucket, f"runs/{run_id}/run.json"))
    dataset = _load_dataset(settings, s3)
    targets = tuple(Target.model_validate(t) for t in manifest["targets"])
    params = _params(settings)
    records = {}
    for target in targets:
        identity = target.identity()
        current = {item.id: result_key(identity, item.to_request(params)) for item in dataset.items}
        found = _records(s3, settings.bucket, f"runs/{run_id}/results/{_safe(target.name)}/")
        # Only answers to the prompts as they are now (the dataset may change between runs).
        records[target.name] = {i: r for i, r in found.items() if current.get(i) == r.fingerprint}
    return EvaluationResult(dataset=dataset, targets=targets, params=params, records=records,
                            requests_made={t.name: len(records[t.name]) for t in targets})


def _verdicts(run_id: str, judge: Target, models: list[str], settings: EvaluationSettings, s3: Any
              ) -> dict[str, dict[str, JudgeRecord]]:
    """One judge's verdicts per model and item, from every batch."""
    found: dict[str, dict[str, JudgeRecord]] = {}
    for model in models:
        lines = _lines(s3, settings.bucket, f"runs/{run_id}/judge/{_safe(judge.name)}/{_safe(model)}/")
        found[model] = {v.item_id: v for v in map(JudgeRecord.model_validate_json, lines)}
    return found


def _scored(run_id: str, result: EvaluationResult, settings: EvaluationSettings, s3: Any,
            embedder: Any = None) -> list[ScoredOutcome]:
    """The judge's metric (verdicts written by the batches) and the embedder's (computed here)."""
    scored = []
    judges = _targets(run_id, settings, s3, "judges")
    if judges:
        verdicts = {judge.name: _verdicts(run_id, judge, result.models, settings, s3) for judge in judges}
        scored.append(judge_outcome(verdicts, judges, result.models))
    raw = _manifest(run_id, settings, s3).get("embedder")
    if raw:
        target = Target.model_validate(raw)
        client = embedder or build_embedder(target, AdapterOptions(timeout_s=settings.timeout_s))
        scored.append(semantic_outcome(semantic_scores(result, target, client), target))
    return scored


def summarize_run(event: Mapping[str, Any], settings: EvaluationSettings, *, s3: Any,
                  cloudwatch: Any, embedder: Any = None) -> dict[str, Any]:
    """Score the run, write the reports, publish the headline metrics, report threshold checks.

    `embedder` replaces the one built from the manifest (tests).
    """
    run_id = _run_id(event)
    result = _result(run_id, settings, s3)
    checks = [parse_check(spec) for spec in settings.checks]
    summary = summarize(result, checks=checks, scored=_scored(run_id, result, settings, s3, embedder),
                        primary_metric=settings.primary_metric, n_resamples=settings.n_resamples)
    reports = {"report.json": (render_json(summary), "application/json"),
               "report.md": (render_markdown(summary), "text/markdown; charset=utf-8"),
               "report.html": (render_html(summary), "text/html; charset=utf-8")}
    for name, (body, content_type) in reports.items():
        _put(s3, settings.bucket, f"runs/{run_id}/{name}", body, content_type)
        _put(s3, settings.bucket, f"reports/latest/{name}", body, content_type)
    datums = headline_metrics(summary, settings.environment)
    for start in range(0, len(datums), 500):
        cloudwatch.put_metric_data(Namespace=EVALUATION_NAMESPACE, MetricData=datums[start:start + 500])
    thresholds = check_thresholds(summary, settings.min_scores) if settings.min_scores else None
    return {
        "run_id": run_id,
        "report": f"s3://{settings.bucket}/runs/{run_id}/report.html",
        "winners": {w.category: w.model for w in summary.winners},
        "answered": summary.answered,
        "metrics_published": len(datums),
        "thresholds_passed": thresholds.passed if thresholds else None,
        "threshold_failures": thresholds.lines() if thresholds and not thresholds.passed else [],
    }
