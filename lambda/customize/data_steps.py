"""The workflow's first steps: check the data in S3, then record what the job produced.

`validate` reads the training, validation and holdout objects, checks them with the same code
as `fmkit customize check-data` (every problem with its line), refuses holdout prompts that are
also training prompts, writes the holdout as chat requests for the answering step, and resolves
what serves now (the pin, or the model configured before the first promotion). Problems fail
the run before any job is paid for.

`register` records the candidate the job (SageMaker + conversion) or Bedrock produced: as a new
version of the SSM `candidate` record, and under `registry/<customization>/`, which the stack's
custom resource reads to remove what the workflow created when the stack is destroyed.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fmkit.contracts.customization import CustomizationSettings, parse_pin
from fmkit.customize.data_check import (
    WITH_VALIDATION,
    DataReport,
    FormatSpec,
    check_counts,
    check_lines,
    check_size,
    estimated_counter,
    holdout_overlap,
    holdout_prompts,
)
from fmkit.customize.runs import RunKeys, holdout_requests, job_name
from fmkit.evaluate import DatasetError, parse_dataset

MAX_PROBLEMS_SHOWN = 50


class DataInvalid(Exception):
    """The data has problems (each with its line); the run stops before any job starts."""


def run_id(event: Mapping[str, Any]) -> str:
    value = str(event.get("run_id") or "")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,80}", value):
        raise ValueError(f"invalid run_id {value!r}")
    return value


def split_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def read_text(s3: Any, uri: str) -> tuple[str, int]:
    bucket, key = split_uri(uri)
    response = s3.get_object(Bucket=bucket, Key=key)
    return response["Body"].read().decode("utf-8"), int(response.get("ContentLength", 0))


def put_json(s3: Any, bucket: str, key: str, value: Any) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(value, indent=2, sort_keys=True).encode("utf-8"),
                  ContentType="application/json")


def _channel(s3: Any, uri: str, spec: FormatSpec, channel: str) -> DataReport:
    text, size = read_text(s3, uri)
    report = check_lines(text.splitlines(), uri, spec, estimated_counter())
    check_size(report, size, spec, channel=channel)
    return report


def _check(settings: CustomizationSettings, s3: Any) -> tuple[list[DataReport], dict[str, str]]:
    spec = FormatSpec.from_settings(settings.data_format, settings.limits)
    train = _channel(s3, settings.train_uri, spec, "train")
    reports = [train]
    if settings.validation_uri:
        validation = _channel(s3, settings.validation_uri, spec, "validation")
        check_counts(validation, spec, channel="validation")
        reports.append(validation)
    together = spec.limits.get(WITH_VALIDATION) and len(reports) > 1
    check_counts(train, spec, others=reports[1].records if together else 0)
    text, _ = read_text(s3, settings.evaluation_uri)
    try:
        dataset = parse_dataset(text, Path(split_uri(settings.evaluation_uri)[1]))
    except DatasetError as exc:
        raise DataInvalid(f"the holdout set has problems:\n{str(exc)[:4000]}") from None
    prompts = holdout_prompts(dataset)
    for report in reports:
        report.problems.extend(holdout_overlap(report, prompts))
    if len(prompts) < settings.min_items:
        raise DataInvalid(f"the holdout set has {len(prompts)} items, fewer than promotion.min_items "
                          f"({settings.min_items}): no candidate could be promoted")
    return reports, {"requests": "\n".join(json.dumps(r) for r in holdout_requests(dataset, settings.max_tokens))}


def served_now(settings: CustomizationSettings, ssm: Any) -> dict[str, str]:
    """What serves now: the pin's artifact and sha256, or the configured model before any promotion."""
    value = ssm.get_parameter(Name=settings.pin_parameter)["Parameter"]["Value"]
    pinned = parse_pin(value)
    if pinned is None:
        artifact, _, sha256 = settings.base_model.partition("|")
        return {"artifact": artifact, "sha256": sha256, "promoted": "no"}
    return {"artifact": pinned[0], "sha256": pinned[1], "promoted": "yes"}


def validate(event: Mapping[str, Any], settings: CustomizationSettings, *, s3: Any, ssm: Any) -> dict[str, Any]:
    """Check every data set; write the report and the holdout requests; name the run's job."""
    run = run_id(event)
    keys = RunKeys(settings.customization, run)
    reports, holdout = _check(settings, s3)
    summary = {"run_id": run, "channels": [r.summary() for r in reports],
               "warnings": [str(w) for r in reports for w in r.warnings][:MAX_PROBLEMS_SHOWN]}
    problems = [str(p) for r in reports for p in sorted(r.problems, key=lambda p: p.line)]
    summary["problems"] = problems[:MAX_PROBLEMS_SHOWN]
    put_json(s3, settings.bucket, keys.validation, summary)
    if problems:
        more = f"\n… and {len(problems) - MAX_PROBLEMS_SHOWN} more" if len(problems) > MAX_PROBLEMS_SHOWN else ""
        raise DataInvalid("\n".join(problems[:MAX_PROBLEMS_SHOWN]) + more)
    s3.put_object(Bucket=settings.bucket, Key=keys.holdout, Body=holdout["requests"].encode("utf-8"),
                  ContentType="application/x-ndjson")
    name = job_name(settings.customization, run)
    return {"run_id": run, "job_name": name, "custom_model_name": name,
            "checkpoint_uri": f"s3://{settings.bucket}/{keys.checkpoints}/",
            "run_prefix": keys.prefix, "gguf_prefix": keys.gguf_prefix, "holdout_key": keys.holdout,
            "served": served_now(settings, ssm), "records": reports[0].records,
            "tokens": reports[0].total_tokens}


def _record(s3: Any, settings: CustomizationSettings, kind: str, run: str, value: Mapping[str, Any]) -> None:
    """One object per resource: the custom resource lists `registry/` to remove them on Delete."""
    put_json(s3, settings.bucket, f"registry/{settings.customization}/{kind}/{run}.json",
             {"customization": settings.customization, "run_id": run, "kind": kind, **value})


def register_version(ssm: Any, settings: CustomizationSettings, run: str, value: Mapping[str, Any]) -> int:
    """The candidate as a new version of the SSM `candidate` record (tagged when first created)."""
    body = json.dumps({"run_id": run, "registered_at": int(time.time()), **value}, sort_keys=True)
    try:
        tags = [{"Key": k, "Value": v} for k, v in sorted({**settings.tags,
                                                          "fmkit:customization": settings.customization}.items())]
        return int(ssm.put_parameter(Name=settings.candidate_parameter, Value=body, Type="String", Tags=tags)[
            "Version"])
    except ssm.exceptions.ParameterAlreadyExists:
        return int(ssm.put_parameter(Name=settings.candidate_parameter, Value=body, Type="String",
                                     Overwrite=True)["Version"])


def register_candidate(event: Mapping[str, Any], settings: CustomizationSettings, *, s3: Any,
                       ssm: Any) -> dict[str, Any]:
    """sagemaker-peft: the GGUF the conversion build wrote (URI, S3 version, sha256, size)."""
    run = run_id(event)
    text, _ = read_text(s3, f"s3://{settings.bucket}/{RunKeys(settings.customization, run).candidate}")
    candidate = json.loads(text)
    missing = {"uri", "version_id", "sha256", "size_bytes"} - set(candidate)
    if missing or not re.fullmatch(r"[0-9a-f]{64}", str(candidate.get("sha256", ""))):
        raise ValueError(f"candidate.json of run {run} is incomplete: {sorted(missing) or 'bad sha256'}")
    _record(s3, settings, "candidates", run, candidate)
    registered = {"artifact": candidate["uri"], "version_id": candidate["version_id"], "sha256": candidate["sha256"],
                  "size_bytes": candidate["size_bytes"]}
    return {**registered, "ssm_version": register_version(ssm, settings, run, registered)}


def register_custom_model(event: Mapping[str, Any], settings: CustomizationSettings, *, s3: Any, ssm: Any,
                          bedrock: Any) -> dict[str, Any]:
    """bedrock: the custom model the finished job created (recorded: it bills storage until deleted)."""
    run = run_id(event)
    job = bedrock.get_model_customization_job(jobIdentifier=event["validation"]["job_name"])
    if job["status"] != "Completed" or not job.get("outputModelArn"):
        raise RuntimeError(f"customization job {job.get('jobArn')} is {job['status']}: "
                           f"{job.get('failureMessage') or 'no custom model'}")
    _record(s3, settings, "custom-models", run, {"arn": job["outputModelArn"], "job_arn": job["jobArn"]})
    registered = {"custom_model_arn": job["outputModelArn"], "job_arn": job["jobArn"]}
    return {**registered, "ssm_version": register_version(ssm, settings, run, registered)}
