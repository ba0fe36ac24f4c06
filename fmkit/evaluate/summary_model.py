"""The shapes of an evaluation summary: plain frozen dataclasses, so `report.json` is their `asdict`.

Kept apart from the code that fills them (`summary`, `verdicts`, `holdout`, the judge and the
embedder) so each of those can be read and tested alone and none imports another's logic.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from fmkit.evaluate.metrics.pricing import CostFigures
from fmkit.evaluate.metrics.scored import ScoredMetric

SCHEMA = "fmkit.evaluate.report/v2"
RETRY_FLAG_RATE = 0.05  # more requests retried than this and the model's card says so


@dataclass(frozen=True)
class Estimate:
    """A point value with an optional bootstrap confidence interval."""

    value: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class MetricInfo:
    name: str
    scale: float
    description: str


@dataclass(frozen=True)
class ModelSummary:
    model: str
    description: str
    n_items: int  # items with a result, failed or not
    n_ok: int
    n_errors: int
    n_missing: int  # items not run yet (interrupted run)
    error_rate: float | None
    errors_by_kind: dict[str, int]
    retried_items: int  # items that needed more than one attempt (throttling, 5xx)
    retry_rate: float | None
    quality: dict[str, Estimate]
    ttft_p50_s: float | None
    ttft_p95_s: Estimate
    latency_p50_s: float | None  # the final attempt only: how fast the endpoint answers
    latency_p95_s: Estimate
    latency_mean_s: float | None
    latency_with_retries_p50_s: float | None  # first attempt to answer, back-off included: what callers wait
    latency_with_retries_p95_s: Estimate
    output_tokens_per_s: float | None
    throughput_rps: float | None
    concurrency: int | None  # requests in flight during this run
    mean_input_tokens: float | None
    mean_output_tokens: float | None
    price: dict[str, Any] | None
    cost: CostFigures
    quality_per_dollar: float | None  # primary metric per expected USD per 1,000 requests
    guardrail_interventions: int
    flags: list[str] = field(default_factory=list)  # what a verdict card must say about this model


@dataclass(frozen=True)
class TagRow:
    tag: str
    n: int
    by_model: dict[str, dict[str, float | None]]  # model -> metric -> value (+ error_rate, latency)


@dataclass(frozen=True)
class Comparison:
    """`model_a` minus `model_b` on the items both answered."""

    metric: str
    model_a: str
    model_b: str
    difference: float
    low: float
    high: float
    p_value: float
    significant: bool
    n_items: int


@dataclass(frozen=True)
class Winner:
    category: Literal["best_quality", "fastest", "cheapest", "best_value"]
    model: str | None
    value: float | None
    unit: str
    tied_with: list[str]  # not significantly different from the winner
    note: str
    flags: list[str] = field(default_factory=list)  # the winner's own flags (e.g. many retries)


@dataclass(frozen=True)
class ItemExample:
    item_id: str
    model: str
    score: float
    prompt: str
    reference: str
    output: str | None
    error: str | None
    judge_rationale: str | None = None


@dataclass(frozen=True)
class HoldoutScore:
    """One model's metric on the dev and the holdout items, and the drop (dev − holdout) with its CI."""

    dev: Estimate
    holdout: Estimate
    drop: Estimate
    p_value: float | None
    significant_drop: bool  # the drop's interval lies above 0


@dataclass(frozen=True)
class HoldoutSection:
    """Dev vs holdout items per model: a significant drop means the prompts fit the dev items only."""

    items: dict[str, int]  # split -> items
    metric: str  # the primary metric: the one the flags are about
    models: dict[str, dict[str, HoldoutScore]]  # model -> metric -> scores
    flagged: list[str]  # models whose primary metric drops significantly on holdout


@dataclass(frozen=True)
class JudgeCost:
    """What judging cost, kept apart from the models' own cost."""

    judge: str
    requests: int
    input_tokens: int
    output_tokens: int
    usd: float | None
    note: str


@dataclass(frozen=True)
class JudgeAgreement:
    """Two judges on the items both scored (1–5 scale)."""

    judge_a: str
    judge_b: str
    n_items: int
    exact: float  # share of items with the same rounded score
    within_one: float  # share within one point
    mean_abs_diff: float


@dataclass(frozen=True)
class JudgeSummary:
    judges: list[str]
    criteria: list[str]
    rubric_version: str
    method: str
    by_model: dict[str, dict[str, float | None]]  # model -> criterion -> mean score
    unscored: dict[str, int]  # model -> items the judges could not score (malformed twice, failed)
    cost: list[JudgeCost]
    agreement: list[JudgeAgreement]
    self_judged: list[str]  # evaluated models that are also judges: they may favour their own answers


@dataclass(frozen=True)
class SemanticSummary:
    embedder: str
    description: str
    unscored: dict[str, int]  # model -> items that could not be embedded


@dataclass(frozen=True)
class EvaluationSummary:
    schema: str
    generated_at: str
    dataset: dict[str, Any]
    params: dict[str, Any]
    primary_metric: str
    metrics: list[MetricInfo]
    models: list[ModelSummary]
    tags: list[TagRow]
    comparisons: list[Comparison]
    winners: list[Winner]
    weakest_items: dict[str, list[ItemExample]]
    settings: dict[str, Any] = field(default_factory=dict)
    holdout: HoldoutSection | None = None
    judge: JudgeSummary | None = None
    semantic: SemanticSummary | None = None

    def model(self, name: str) -> ModelSummary:
        for summary in self.models:
            if summary.model == name:
                return summary
        raise KeyError(name)

    def metric(self, name: str) -> MetricInfo:
        for info in self.metrics:
            if info.name == name:
                return info
        raise KeyError(name)

    def winner(self, category: str) -> Winner:
        return next(w for w in self.winners if w.category == category)

    @property
    def answered(self) -> int:
        """Successful requests over every model: 0 means nothing could be measured."""
        return sum(m.n_ok for m in self.models)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN never appears: missing values are None); `models` keyed by model name."""
        data = asdict(self)
        data["models"] = {m["model"]: m for m in data["models"]}
        return data


@dataclass(frozen=True)
class ScoredOutcome:
    """What a judge or an embedder hands the summary: its metric's scores, its report section and,
    for a judge, each item's rationale (model -> item id -> text) to show next to weak answers."""

    metric: ScoredMetric
    section: JudgeSummary | SemanticSummary
    rationales: dict[str, dict[str, str]] = field(default_factory=dict)
