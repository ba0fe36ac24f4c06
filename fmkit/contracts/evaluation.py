"""What the evaluation's config, library, stack and Lambda functions must agree on.

- `QUALITY_METRICS`: the standard metric names. The config checks `primary` and `min_scores`
  against them without importing the scoring libraries (numpy, sacrebleu, rouge-score).
- The check grammar (`CHECK_RE`, `parse_check_spec`, `check_name`): the config validates a
  check and names the metric it reports; `fmkit.evaluate` builds the check from the same parse.
- `MODEL_SCORED_METRICS`: metrics another model computes (a judge, an embedding model); the
  config accepts them as `primary` and in `min_scores`.
- `PlanCost`: what `fmkit plan` expects a deployment to cost at its configured traffic, decided
  from config (the CLI, the stack at synth time) and read by the evaluation, which has none.
- `EvaluationSettings`: everything the stack decides at synth time for the three evaluation
  functions. The stack renders it as environment variables (`to_environment`), the handlers
  parse them back (`from_environment`), so a renamed key fails a test instead of a cold start.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fmkit.contracts.pricing import PriceModel

QUALITY_METRICS: tuple[str, ...] = ("bleu", "chrf", "rouge1", "rouge2", "rougeL", "exact_match")
"""Metric names every evaluation reports (checks add their own names)."""

JUDGE_METRIC = "judge"
SEMANTIC_METRIC = "semantic_similarity"
MODEL_SCORED_METRICS: tuple[str, ...] = (JUDGE_METRIC, SEMANTIC_METRIC)
"""Metrics reported when a judge (1–5 rubric score) or an embedding model (cosine similarity to the
reference) is configured."""

CHECK_SYNTAX = "json[@TAGS], json-fenced[@TAGS] or regex[:NAME][@TAGS]=PATTERN"
CHECK_RE = re.compile(
    r"^(?P<json>json|json-fenced)(?:@(?P<json_tags>[\w, -]+))?$"
    r"|^regex(?::(?P<name>[A-Za-z0-9_]+))?(?:@(?P<regex_tags>[\w, -]+))?=(?P<pattern>.+)$"
)
"""A check: `json`, `json-fenced` or `regex[:NAME]=PATTERN`, each limited to tagged items by
`@TAG1,TAG2` (spaces after the commas allowed)."""


@dataclass(frozen=True)
class CheckSpec:
    """A parsed check: what to test, the metric name it reports under, the items it applies to."""

    kind: Literal["json", "json-fenced", "regex"]
    name: str
    tags: tuple[str, ...]
    pattern: str | None = None


def _tags(text: str | None) -> tuple[str, ...]:
    return tuple(tag.strip() for tag in (text or "").split(",") if tag.strip())


def parse_check_spec(spec: str) -> CheckSpec:
    """Parse `spec` by `CHECK_RE`; ValueError when it is not a check.

    The regular expression of a regex check is not compiled here: each side reports a bad one
    in its own way (a config error with file and line, a CLI error).
    """
    match = CHECK_RE.match(spec)
    if match is None:
        raise ValueError(f"unknown check {spec!r}: use {CHECK_SYNTAX}")
    if match["json"] is not None:
        kind: Literal["json", "json-fenced"] = "json" if match["json"] == "json" else "json-fenced"
        return CheckSpec(kind=kind, name="json_valid", tags=_tags(match["json_tags"]))
    return CheckSpec(kind="regex", name=match["name"] or "regex", tags=_tags(match["regex_tags"]),
                     pattern=match["pattern"])


def check_name(spec: str) -> str:
    """The metric name a valid check reports under (`json_valid`, or the regex check's NAME)."""
    return parse_check_spec(spec).name


class PlanCost(BaseModel):
    """A deployment's monthly cost at its `expected_traffic`, by the estimator behind `fmkit plan`.

    Dividing by the expected requests gives what one request really costs at that traffic: an
    instance kept at its minimum capacity is paid for whether it serves 10 or 10,000 requests,
    which a price divided by the throughput measured at saturation hides.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    usd_per_month: float = Field(ge=0, description="The plan's expected monthly USD for the deployment.")
    requests_per_month: float = Field(gt=0, description="Expected requests per month (expected_traffic).")
    basis: str = Field(description="How the plan got there, in words, for the report.")

    @property
    def usd_per_1k_requests(self) -> float:
        return self.usd_per_month / self.requests_per_month * 1000


class EvaluationSettings(BaseModel):
    """The evaluation functions' settings; each field travels as the environment variable in its alias.

    Lists and maps travel as JSON. Values may be CloudFormation tokens at synth time (the
    bucket name), so string fields are not validated beyond their type.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    bucket: str = Field(alias="EVAL_BUCKET", description="Bucket for runs and reports.")
    dataset_bucket: str = Field(alias="DATASET_BUCKET", description="Bucket holding the dataset.")
    dataset_key: str = Field(alias="DATASET_KEY", description="Key of the JSONL dataset.")
    project: str = Field(alias="FMKIT_PROJECT", description="Project name (SSM discovery paths).")
    environment: str = Field(alias="FMKIT_ENVIRONMENT", description="Environment name (SSM paths, metrics).")
    models: tuple[str, ...] = Field(alias="EVAL_MODELS", description="Deployments to benchmark.")
    prices: dict[str, PriceModel] = Field(default_factory=dict, alias="EVAL_PRICES",
                                          description="Price model per priced deployment.")
    max_tokens: int = Field(default=512, ge=1, alias="EVAL_MAX_TOKENS")
    timeout_s: float = Field(default=120.0, gt=0, alias="EVAL_TIMEOUT_S", description="Per-request timeout.")
    primary_metric: str = Field(default="rougeL", alias="EVAL_PRIMARY_METRIC")
    checks: tuple[str, ...] = Field(default=(), alias="EVAL_CHECKS", description="Check specs (CHECK_RE).")
    n_resamples: int = Field(default=1000, ge=1, alias="EVAL_RESAMPLES", description="Bootstrap resamples.")
    min_scores: dict[str, float] = Field(default_factory=dict, alias="EVAL_MIN_SCORES",
                                         description="Minimum per metric, checked on every model.")
    plan_costs: dict[str, PlanCost] = Field(default_factory=dict, alias="EVAL_PLAN_COSTS",
                                            description="`fmkit plan`'s cost at expected traffic, per deployment.")
    judges: tuple[str, ...] = Field(default=(), alias="EVAL_JUDGES",
                                    description="Deployments that score every answer 1-5 (two or more: a panel).")
    embedder: str | None = Field(default=None, alias="EVAL_EMBEDDER",
                                 description="Embedding deployment for semantic_similarity.")

    @field_validator("models", "prices", "checks", "min_scores", "plan_costs", "judges", mode="before")
    @classmethod
    def _decode_json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> EvaluationSettings:
        """Parse the variables `to_environment` wrote (other variables are ignored)."""
        return cls.model_validate(dict(env))

    def to_environment(self) -> dict[str, str]:
        """Environment variables, in field order: strings as they are, numbers as text, the rest as JSON.

        Unset optional values (None) are left out: an absent variable parses back as None.
        """
        return {key: _render(value) for key, value in self.model_dump(mode="json", by_alias=True).items()
                if value is not None}


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 120, not 120.0: the form the stack has always written
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=True)
