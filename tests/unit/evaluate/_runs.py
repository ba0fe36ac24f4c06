"""Synthetic evaluation results with known answers, for the summary and report tests.

Four models answer the same 24 tagged items: `exact` (the references, fast), `twin` (nearly
the same, not significantly different), `weak` (a few words, slow) and `down` (every request
failed); three of them are priced, with `fmkit plan` costs (`PLANS`) of $3, $0.50 and $20 per
1,000 requests.
"""

from __future__ import annotations

from typing import Any

from fmkit.contracts.evaluation import PlanCost
from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.evaluate.dataset import Dataset
from fmkit.evaluate.records import ErrorInfo, GenerationParams, ItemRecord
from fmkit.evaluate.runner import EvaluationResult
from fmkit.evaluate.targets import OpenAICompatEndpoint, Target
from tests.unit.evaluate._helpers import make_dataset

N = 24
Answers = dict[str, list[tuple[str | None, float]]]


def dataset() -> Dataset:
    return make_dataset(
        [
            {
                "id": f"i{i}",
                "prompt": f"Question {i} about {'billing' if i % 2 else 'shipping'}?",
                "reference": f"The answer to question {i} is that parcels ship within {i + 1} days from Lyon.",
                "tags": ["billing" if i % 2 else "shipping"],
            }
            for i in range(N)
        ]
    )


def result(dataset: Dataset, answers: Answers, prices: dict[str, Any], plans: dict[str, PlanCost] | None = None,
           attempts: dict[str, int] | None = None) -> EvaluationResult:
    """Records from (answer or None for a failure, latency) per item, one request per second.

    `attempts[model]` > 1 makes every request of that model need retries: each took that many
    attempts and its wall time is `attempts` seconds of back-off longer than its latency.
    """
    plans = plans or {}
    attempts = attempts or {}
    records: dict[str, dict[str, ItemRecord]] = {}
    for model, rows in answers.items():
        by_id = {}
        for index, (item, (answer, latency)) in enumerate(zip(dataset.items, rows, strict=True)):
            by_id[item.id] = ItemRecord(
                item_id=item.id,
                model=model,
                fingerprint="f",
                output=answer,
                error=None if answer is not None else ErrorInfo(kind="server_error", message="HTTP 500", status=500),
                ttft_s=latency / 4 if answer is not None else None,
                latency_s=latency if answer is not None else None,
                input_tokens=200 if answer is not None else None,
                output_tokens=40 if answer is not None else None,
                attempts=attempts.get(model, 1),
                started_at=float(index),
                # The request's span: its latency, plus a second of back-off per retry.
                finished_at=float(index) + (latency if answer is not None else 1.0) + attempts.get(model, 1) - 1,
            )
        records[model] = by_id
    targets = tuple(
        Target(name=m, endpoint=OpenAICompatEndpoint(base_url=f"http://127.0.0.1:1/{m}/v1"), price=prices.get(m),
               plan_cost=plans.get(m))
        for m in answers
    )
    return EvaluationResult(dataset=dataset, targets=targets, params=GenerationParams(), records=records)


def answers(dataset: Dataset) -> Answers:
    """The four models' answers and latencies."""
    refs = [item.reference for item in dataset.items]
    return {
        # exact: the reference; fast
        "exact": [(r, 0.5 + 0.01 * i) for i, r in enumerate(refs)],
        # twin: the reference with one word changed on a few items -> not significantly different
        # (latency jitters ±20 ms around exact's: no systematic difference)
        "twin": [
            ((r.replace("Lyon", "Paris") if i % 8 == 0 else r), 0.5 + 0.01 * i + (0.02 if i % 2 else -0.02))
            for i, r in enumerate(refs)
        ],
        # weak: drops most of the answer, slow
        "weak": [(" ".join(r.split()[:4]), 2.0 + 0.05 * i) for i, r in enumerate(refs)],
        # down: every request failed
        "down": [(None, 0.0) for _ in refs],
    }


PRICES = {
    "exact": TokenPricing(input_per_1k=0.003, output_per_1k=0.015),
    "twin": TokenPricing(input_per_1k=0.0005, output_per_1k=0.0015),
    "weak": InstancePricing(per_hour=3.6),
}
PLANS = {
    "exact": PlanCost(usd_per_month=300.0, requests_per_month=100_000, basis="plan: exact"),
    "twin": PlanCost(usd_per_month=50.0, requests_per_month=100_000, basis="plan: twin"),
    "weak": PlanCost(usd_per_month=2000.0, requests_per_month=100_000, basis="plan: weak"),
}
