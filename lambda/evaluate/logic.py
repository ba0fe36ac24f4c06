"""The cloud evaluation run: the same fmkit.evaluate code as `fmkit eval`, with S3 instead of a folder.

S3 layout under the evaluation bucket, per run (the Step Functions execution name):
  runs/<run>/run.json                    targets, decoding settings, dataset hash (written by prepare)
  runs/<run>/results/<model>/<batch>.jsonl   ItemRecords, one object per Map batch (idempotent on retry)
  runs/<run>/report.{json,md,html}       the report; also copied to reports/latest/
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
from fmkit.evaluate.runner import invoke_item


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
    targets = resolve_targets(names=settings.models, prices=settings.prices, ssm_client=ssm,
                              project=settings.project, env=settings.environment)
    manifest = {
        "run_id": run_id,
        "dataset": {"bucket": settings.dataset_bucket, "key": settings.dataset_key, "sha256": dataset.sha256,
                    "items": len(dataset)},
        "params": {**asdict(_params(settings)), "stop": []},
        "targets": [t.model_dump(mode="json") for t in targets],
    }
    _put(s3, settings.bucket, f"runs/{run_id}/run.json", json.dumps(manifest, indent=2), "application/json")
    return {"run_id": run_id, "items": len(dataset), "models": [t.name for t in targets]}


_adapters: dict[tuple[str, str], ModelAdapter] = {}  # (run, model) -> adapter, reused while warm
_manifests: dict[str, list[Target]] = {}


def _targets(run_id: str, settings: EvaluationSettings, s3: Any) -> list[Target]:
    if run_id not in _manifests:
        manifest = json.loads(_read_text(s3, settings.bucket, f"runs/{run_id}/run.json"))
        _manifests[run_id] = [Target.model_validate(t) for t in manifest["targets"]]
    return _manifests[run_id]


def evaluate_batch(event: Mapping[str, Any], settings: EvaluationSettings, *, s3: Any,
                   adapters: Mapping[str, ModelAdapter] | None = None) -> dict[str, Any]:
    """One Distributed Map batch: every model answers every item; one results object per model.

    Models run in parallel, each one item at a time, so with `max_concurrency` batches in flight
    every model sees the same load (comparable latency and throughput). Failed requests are
    results (recorded with their error kind), never a failed batch.
    """
    run_id = _run_id(event)
    items = [EvalItem.model_validate(raw) for raw in event["Items"]]
    targets = _targets(run_id, settings, s3)
    options = AdapterOptions(timeout_s=settings.timeout_s)
    given = adapters or {}
    for target in targets:
        if target.name in given:
            _adapters[(run_id, target.name)] = given[target.name]
        elif (run_id, target.name) not in _adapters:
            _adapters[(run_id, target.name)] = build_adapter(target, options)

    params = _params(settings)

    def answer_all(model: str) -> list[ItemRecord]:
        adapter = _adapters[(run_id, model)]
        return [invoke_item(adapter, model, item.to_request(params), item.id) for item in items]

    with ThreadPoolExecutor(max_workers=max(1, len(targets))) as pool:
        records = [r for model_records in pool.map(answer_all, [t.name for t in targets]) for r in model_records]
    batch = hashlib.sha256("\n".join(i.id for i in items).encode()).hexdigest()[:16]
    errors: dict[str, int] = {}
    for target in targets:
        mine = [r for r in records if r.model == target.name]
        errors[target.name] = sum(1 for r in mine if not r.ok)
        body = "".join(r.model_dump_json() + "\n" for r in mine)
        _put(s3, settings.bucket, f"runs/{run_id}/results/{_safe(target.name)}/{batch}.jsonl", body,
             "application/x-ndjson")
    return {"items": len(items), "errors": errors}


def _records(s3: Any, bucket: str, prefix: str) -> dict[str, ItemRecord]:
    records: dict[str, ItemRecord] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in sorted(page.get("Contents", []), key=lambda o: o["Key"]):
            for line in _read_text(s3, bucket, obj["Key"]).splitlines():
                if line.strip():
                    record = ItemRecord.model_validate_json(line)
                    records[record.item_id] = record
    return records


def headline_metrics(summary: EvaluationSummary, environment: str) -> list[dict[str, Any]]:
    """CloudWatch datums: quality metrics (their own scale) and operational headline values."""
    data = []
    for model in summary.models:
        values = {name: est.value for name, est in model.quality.items()}
        values.update(error_rate=model.error_rate, latency_p95_s=model.latency_p95_s.value,
                      ttft_p95_s=model.ttft_p95_s.value, cost_per_1k_requests=model.cost_per_1k_requests)
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
    current = {item.id: item.to_request(params).fingerprint() for item in dataset.items}
    records = {}
    for target in targets:
        found = _records(s3, settings.bucket, f"runs/{run_id}/results/{_safe(target.name)}/")
        # Only answers to the prompts as they are now (the dataset may change between runs).
        records[target.name] = {i: r for i, r in found.items() if current.get(i) == r.fingerprint}
    return EvaluationResult(dataset=dataset, targets=targets, params=params, records=records,
                            requests_made={t.name: len(records[t.name]) for t in targets})


def summarize_run(event: Mapping[str, Any], settings: EvaluationSettings, *, s3: Any,
                  cloudwatch: Any) -> dict[str, Any]:
    """Score the run, write the reports, publish the headline metrics, report threshold checks."""
    run_id = _run_id(event)
    result = _result(run_id, settings, s3)
    checks = [parse_check(spec) for spec in settings.checks]
    summary = summarize(result, checks=checks, primary_metric=settings.primary_metric,
                        n_resamples=settings.n_resamples)
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
        "metrics_published": len(datums),
        "thresholds_passed": thresholds.passed if thresholds else None,
        "threshold_failures": thresholds.lines() if thresholds and not thresholds.passed else [],
    }
