"""The opt-in cloud evaluation stack: benchmarks the configured models on a dataset in S3.

Metric names and the check grammar come from `fmkit.contracts.evaluation`, which the
evaluation library builds its metrics from too, so loading a config never imports numpy or
the scoring libraries and the two cannot drift.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator, model_validator

from fmkit.config.base import Name, Strict, config_error
from fmkit.contracts.evaluation import (
    CHECK_RE,
    JUDGE_METRIC,
    MODEL_SCORED_METRICS,
    QUALITY_METRICS,
    SEMANTIC_METRIC,
    check_name,
)

LAMBDA_BUDGET_S = 840  # each model answers a batch's items one by one within Lambda's 900 s
S3_URI_RE = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/\S+\.jsonl$")
KEY_RE = re.compile(r"^[A-Za-z0-9!_.*'()/-]+\.jsonl$")
RATE_RE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
CRON_FIELD_RE = re.compile(r"^[0-9A-Za-z*?,/#L W-]+$")


def check_schedule(value: str) -> str:
    """EventBridge `rate(N unit)` or six-field `cron(min hour dom month dow year)`."""
    rate = RATE_RE.match(value)
    if rate:
        count, unit = int(rate.group(1)), rate.group(2)
        if count < 1 or (count == 1) != (not unit.endswith("s")):
            raise config_error(f"'{value}': use 'rate(1 day)' for one and 'rate(N days)' for more",
                               "EventBridge rejects rate(1 days) and rate(2 day)")
        return value
    if value.startswith("cron(") and value.endswith(")"):
        fields = value[5:-1].split()
        if len(fields) != 6 or not all(CRON_FIELD_RE.match(f) for f in fields):
            raise config_error(f"'{value}' is not a six-field EventBridge cron expression",
                               "cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 6 ? * MON *)")
        if fields[2] != "?" and fields[4] != "?":
            raise config_error(f"'{value}': day-of-month and day-of-week cannot both be set",
                               "put '?' in one of them, e.g. cron(0 6 ? * MON *)")
        return value
    raise config_error(f"'{value}' is not an EventBridge schedule expression",
                       "use rate(7 days) or cron(0 6 ? * MON *) (UTC)")


Schedule = Annotated[str, AfterValidator(check_schedule)]


def _check_spec(value: str) -> str:
    if not CHECK_RE.match(value):
        raise config_error(f"'{value}' is not a check",
                           "use json[@TAGS], json-fenced[@TAGS] or regex[:NAME][@TAGS]=PATTERN")
    if value.startswith("regex"):
        try:
            re.compile(value.partition("=")[2])
        except re.error as exc:
            raise config_error(f"invalid regular expression in '{value}': {exc}") from None
    return value


class EvaluationMetrics(Strict):
    primary: str = Field(default="rougeL", description="Metric that ranks models and drives 'best value'.")
    checks: list[Annotated[str, AfterValidator(_check_spec)]] = Field(
        default_factory=list, description="Extra checks, e.g. json@triage or regex:order_id=ORD-\\d+.")
    bootstrap_resamples: int = Field(default=1000, ge=100, le=10000, description="Resamples for the CIs.")

    def names(self) -> list[str]:
        """Every metric a run may report: the standard ones, the checks', the judge's and the embedder's."""
        return [*QUALITY_METRICS, *(check_name(c) for c in self.checks), *MODEL_SCORED_METRICS]

    @model_validator(mode="after")
    def _primary_known(self) -> EvaluationMetrics:
        if self.primary not in self.names():
            raise config_error(f"unknown primary metric '{self.primary}'", f"choose from {', '.join(self.names())}")
        return self


class EvaluationConfig(Strict):
    """Scheduled benchmarks of this environment's models (Step Functions + Lambda, results in S3)."""

    enabled: bool = Field(default=False, description="Create the evaluation stack in this environment.")
    dataset_s3_uri: str | None = Field(
        default=None, description="s3://bucket/key.jsonl of the dataset in a bucket you own (read-only access).")
    dataset_key: str = Field(
        default="datasets/dataset.jsonl", description="Dataset key in the stack's own bucket (if no dataset_s3_uri).")
    models: list[Name] | None = Field(default=None, description="Deployments to benchmark; omitted means all enabled.")
    schedule: Schedule | None = Field(
        default=None, description="EventBridge rate(...) or cron(...) (UTC) for scheduled runs; omitted: on demand.")
    max_concurrency: int = Field(default=4, ge=1, le=100,
                                 description="Batches in flight = requests in flight per model.")
    batch_size: int = Field(default=5, ge=1, le=100, description="Dataset items per Lambda invocation (default 5; "
                            "with a judge, as many as fit the Lambda's 15 minutes, at most 5).")
    tolerated_failure_percentage: float = Field(
        default=10, ge=0, le=100, description="Failed batches (not failed items) tolerated before the run fails.")
    max_tokens: int = Field(default=512, ge=1, le=32768, description="max_tokens sent with every request.")
    timeout_s: int = Field(default=120, ge=5, le=840, description="Per-request timeout.")
    min_scores: dict[str, float] = Field(
        default_factory=dict, description="metric: minimum per model (metric scale) -> CloudWatch alarm.")
    metrics: EvaluationMetrics = Field(default_factory=EvaluationMetrics)
    judge: Name | list[Name] | None = Field(
        default=None, description="Chat deployment(s) that score every answer 1-5 against a rubric (metric "
                                  "'judge'); two or more form a panel whose agreement is reported.")
    embedder: Name | None = Field(
        default=None, description="Embedding deployment (Bedrock Titan/Cohere, SageMaker TEI) for the metric "
                                  "'semantic_similarity': cosine similarity of answer and reference.")
    results_retention_days: int = Field(default=365, ge=1, description="Expire run results and reports after.")

    @field_validator("dataset_s3_uri")
    @classmethod
    def _uri(cls, value: str | None) -> str | None:
        if value is not None and not S3_URI_RE.match(value):
            raise config_error(f"'{value}' is not an s3://bucket/key.jsonl URI", "the dataset is a JSONL file")
        return value

    @field_validator("dataset_key")
    @classmethod
    def _key(cls, value: str) -> str:
        if value.startswith("/") or not KEY_RE.match(value):
            raise config_error(f"'{value}' is not an S3 key of a .jsonl file", "e.g. datasets/support.jsonl")
        return value

    @model_validator(mode="before")
    @classmethod
    def _judged_batches_fit(cls, data: Any) -> Any:
        """With a judge and no batch_size, batches shrink so answers and verdicts fit one Lambda run."""
        if not isinstance(data, dict) or "batch_size" in data or not data.get("judge"):
            return data
        judge, timeout = data["judge"], data.get("timeout_s", 120)
        if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout <= 0:
            return data  # the field's own check reports it
        calls = 1 + (len(judge) if isinstance(judge, list) else 1)
        return {**data, "batch_size": max(1, min(5, LAMBDA_BUDGET_S // (timeout * calls)))}

    @property
    def judges(self) -> list[str]:
        """The judge deployments as a list (one judge, a panel, or none)."""
        if self.judge is None:
            return []
        return [self.judge] if isinstance(self.judge, str) else list(self.judge)

    @model_validator(mode="after")
    def _batch_fits_in_lambda(self) -> EvaluationConfig:
        # Each answer is judged in the same batch, by each judge in turn: one more call per judge.
        calls = 1 + len(self.judges)
        if self.batch_size * self.timeout_s * calls > LAMBDA_BUDGET_S:
            judged = f" x {calls} (the answer, then each judge's verdict)" if calls > 1 else ""
            raise config_error(
                f"a batch of {self.batch_size} items x timeout_s {self.timeout_s}{judged} may outlast a Lambda "
                "run (15 min)",
                f"keep batch_size x timeout_s{judged} <= {LAMBDA_BUDGET_S}, e.g. a smaller batch_size")
        return self

    @model_validator(mode="after")
    def _scorers_configured(self) -> EvaluationConfig:
        used = {self.metrics.primary, *self.min_scores}
        if JUDGE_METRIC in used and not self.judges:
            raise config_error(f"the metric '{JUDGE_METRIC}' needs a judge", "set evaluation.judge: <deployment>")
        if SEMANTIC_METRIC in used and self.embedder is None:
            raise config_error(f"the metric '{SEMANTIC_METRIC}' needs an embedding model",
                               "set evaluation.embedder: <embedding deployment>")
        if len(set(self.judges)) != len(self.judges):
            raise config_error("a judge is listed twice", "list each judge deployment once")
        return self

    @model_validator(mode="after")
    def _thresholds_known(self) -> EvaluationConfig:
        names = self.metrics.names()
        for metric in self.min_scores:
            if metric not in names:
                raise config_error(f"min_scores names unknown metric '{metric}'", f"known: {', '.join(names)}")
        return self

    @property
    def dataset_bucket_and_key(self) -> tuple[str | None, str]:
        """(external bucket, key); bucket None means the stack's own bucket."""
        if self.dataset_s3_uri is None:
            return None, self.dataset_key
        bucket, _, key = self.dataset_s3_uri.removeprefix("s3://").partition("/")
        return bucket, key

