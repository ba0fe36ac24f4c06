"""A panel's score per item, its agreement and the judges' cost, from hand-made verdicts."""

from __future__ import annotations

import pytest

from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.evaluate.judge.judging import JudgeRecord
from fmkit.evaluate.judge.panel import judge_outcome
from fmkit.evaluate.summary_model import JudgeSummary
from fmkit.evaluate.targets import OpenAICompatEndpoint, Target


def _verdict(judge: str, model: str, item: str, score: float | None, *, asked: bool = True, start: float = 0.0,
             tokens: tuple[int, int] = (1000, 100)) -> JudgeRecord:
    scores = None if score is None else {"correctness": int(score), "completeness": int(score), "faithfulness": None,
                                         "instruction_following": int(score), "tone": int(score)}
    return JudgeRecord(item_id=item, model=model, judge=judge, key="k", scores=scores, score=score,
                       rationale=f"{judge} says {score}", error=None if score is not None else "malformed",
                       asked=asked, attempts=1 if asked else 0, input_tokens=tokens[0] if asked else 0,
                       output_tokens=tokens[1] if asked else 0, started_at=start, finished_at=start + 2.0)


def _target(name: str, price: TokenPricing | InstancePricing | None) -> Target:
    return Target(name=name, endpoint=OpenAICompatEndpoint(base_url=f"http://127.0.0.1:1/{name}/v1"), price=price)


def test_panel_scores_agreement_and_cost() -> None:
    a_scores, b_scores = [5, 4, 2, 1], [5, 2, 3, None]
    verdicts = {
        "a": {"m": {f"i{i}": _verdict("a", "m", f"i{i}", s, start=10.0 * i) for i, s in enumerate(a_scores)}},
        "b": {"m": {f"i{i}": _verdict("b", "m", f"i{i}", s, start=10.0 * i) for i, s in enumerate(b_scores)}},
    }
    judges = [_target("a", TokenPricing(input_per_1k=0.003, output_per_1k=0.015)),
              _target("b", InstancePricing(per_hour=3.6, instances=2))]
    outcome = judge_outcome(verdicts, judges, ["m", "a"])
    # The item's score is the mean of the judges that scored it.
    assert outcome.metric.scores["m"] == {"i0": 5.0, "i1": 3.0, "i2": 2.5, "i3": 1.0}
    section = outcome.section
    assert isinstance(section, JudgeSummary)
    assert section.unscored == {"m": 0, "a": 0} and section.self_judged == ["a"]
    (pair,) = section.agreement
    # Items both scored: (5,5), (4,2), (2,3): same score once, within one point twice, mean |diff| 1.
    assert (pair.n_items, pair.exact, pair.within_one, pair.mean_abs_diff) == pytest.approx((3, 1 / 3, 2 / 3, 1.0))
    cost_a, cost_b = section.cost
    # a: 4 verdicts x (1,000 in + 100 out) tokens at $0.003/$0.015 per 1k = 4 x 0.0045.
    assert (cost_a.requests, cost_a.input_tokens, cost_a.usd) == (4, 4000, pytest.approx(0.018))
    # b: 4 requests of 2 s, none overlapping: 8 busy seconds x 2 instances at $3.60/h = $0.016.
    assert cost_b.usd == pytest.approx(8 / 3600 * 3.6 * 2) and "busy" in cost_b.note
    assert outcome.rationales["m"]["i1"] == "a: a says 4 · b: b says 2"
    assert section.by_model["m"]["correctness"] == pytest.approx((5 + 3 + 2.5 + 1) / 4)


def test_floor_verdicts_cost_nothing_and_unpriced_judges_say_so() -> None:
    verdicts = {"a": {"m": {"i0": _verdict("a", "m", "i0", 1.0, asked=False), "i1": _verdict("a", "m", "i1", None)}}}
    outcome = judge_outcome(verdicts, [_target("a", None)], ["m"])
    section = outcome.section
    assert isinstance(section, JudgeSummary)
    (cost,) = section.cost
    assert cost.requests == 1 and cost.usd is None and cost.note == "no price for the judge"
    assert section.unscored == {"m": 1} and outcome.metric.scores["m"] == {"i0": 1.0}
    assert section.agreement == [] and section.self_judged == []
