"""From verdicts to the `judge` metric: one score per item, the panel's agreement, the judges' cost.

With several judges (a panel) an item's score is the mean of the judges that scored it, and how
far they agree is reported per pair: judges that often disagree by more than a point are not
measuring the same thing, and their mean should be read with care. Judging has its own cost
(tokens or instance time), reported apart so the models' costs stay comparable.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np

from fmkit.contracts.evaluation import JUDGE_METRIC
from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.evaluate.judge.judging import JudgeRecord
from fmkit.evaluate.judge.rubric import CRITERIA, RUBRIC_VERSION
from fmkit.evaluate.metrics.operational import busy_seconds
from fmkit.evaluate.metrics.scored import ScoredMetric
from fmkit.evaluate.summary_model import JudgeAgreement, JudgeCost, JudgeSummary, ScoredOutcome
from fmkit.evaluate.targets import Target

Verdicts = Mapping[str, Mapping[str, Mapping[str, JudgeRecord]]]  # judge -> model -> item id -> verdict

METHOD = ("Each answer is graded alone against the reference (never beside another answer, so its position "
          "cannot favour it), 1-5 per criterion; the item's score is the mean of the criteria that apply, "
          "averaged over the judges. A failed or empty answer gets 1 without asking; a verdict still malformed "
          "after one reminder leaves the item unscored.")


def _cost(judge: Target, records: Sequence[JudgeRecord]) -> JudgeCost:
    asked = [r for r in records if r.asked]
    tokens_in, tokens_out = sum(r.input_tokens for r in asked), sum(r.output_tokens for r in asked)
    price = judge.price
    if isinstance(price, TokenPricing):
        usd: float | None = tokens_in / 1000 * price.input_per_1k + tokens_out / 1000 * price.output_per_1k
        note = f"{tokens_in:,} input + {tokens_out:,} output tokens at the judge's token prices"
    elif isinstance(price, InstancePricing):
        busy = busy_seconds((r.started_at, r.finished_at) for r in asked)
        usd = busy / 3600 * price.per_hour * price.instances
        note = f"{busy:.0f} s busy × {price.instances} × ${price.per_hour:g}/h (marginal: the instances run anyway)"
    else:
        usd, note = None, "no price for the judge"
    return JudgeCost(judge=judge.name, requests=sum(r.attempts for r in asked), input_tokens=tokens_in,
                     output_tokens=tokens_out, usd=usd, note=note)


def _agreement(verdicts: Verdicts, judges: Sequence[str]) -> list[JudgeAgreement]:
    pairs = []
    for a, b in itertools.combinations(judges, 2):
        both = [(ra.score, rb.score) for model, by_item in verdicts[a].items() for item, ra in by_item.items()
                if (rb := verdicts[b].get(model, {}).get(item)) is not None
                and ra.score is not None and rb.score is not None]
        if not both:
            continue
        arr = np.asarray(both, dtype=np.float64)
        diff = np.abs(arr[:, 0] - arr[:, 1])
        pairs.append(JudgeAgreement(judge_a=a, judge_b=b, n_items=len(both),
                                    exact=float(np.mean(np.round(arr[:, 0]) == np.round(arr[:, 1]))),
                                    within_one=float(np.mean(diff <= 1.0)), mean_abs_diff=float(diff.mean())))
    return pairs


def _per_item(verdicts: Verdicts, judges: Sequence[str], model: str) -> dict[str, list[JudgeRecord]]:
    """Item id -> the scored verdicts of every judge."""
    found: dict[str, list[JudgeRecord]] = {}
    for judge in judges:
        for item_id, record in verdicts[judge].get(model, {}).items():
            if record.score is not None:
                found.setdefault(item_id, []).append(record)
    return found


def _criteria_means(per_item: Mapping[str, list[JudgeRecord]]) -> dict[str, float | None]:
    means: dict[str, float | None] = {}
    for criterion in CRITERIA:
        values = [float(np.mean(given)) for records in per_item.values()
                  if (given := [float(v) for r in records if r.scores and (v := r.scores.get(criterion)) is not None])]
        means[criterion] = float(np.mean(values)) if values else None
    return means


def _rationale(records: Sequence[JudgeRecord], panel: bool) -> str:
    if not panel:
        return records[0].rationale or ""
    return " · ".join(f"{r.judge}: {r.rationale}" for r in records if r.rationale)


def judge_outcome(verdicts: Verdicts, judges: Sequence[Target], evaluated: Sequence[str]) -> ScoredOutcome:
    """The `judge` metric and its report section from every judge's verdicts."""
    names = [j.name for j in judges]
    scores: dict[str, dict[str, float]] = {}
    by_model: dict[str, dict[str, float | None]] = {}
    unscored: dict[str, int] = {}
    rationales: dict[str, dict[str, str]] = {}
    for model in evaluated:
        per_item = _per_item(verdicts, names, model)
        scores[model] = {item: float(np.mean([r.score for r in records if r.score is not None]))
                         for item, records in per_item.items()}
        by_model[model] = _criteria_means(per_item)
        judged = {item for judge in names for item in verdicts[judge].get(model, {})}
        unscored[model] = len(judged - set(per_item))
        rationales[model] = {item: _rationale(records, len(names) > 1) for item, records in per_item.items()}
    metric = ScoredMetric(
        name=JUDGE_METRIC, scale=5.0, scores=scores,
        description=f"judge score 1-5 (mean of {', '.join(CRITERIA)}) from {', '.join(names)}")
    section = JudgeSummary(
        judges=names, criteria=list(CRITERIA), rubric_version=RUBRIC_VERSION, method=METHOD, by_model=by_model,
        unscored=unscored,
        cost=[_cost(j, [r for by_item in verdicts[j.name].values() for r in by_item.values()]) for j in judges],
        agreement=_agreement(verdicts, names), self_judged=[n for n in names if n in evaluated])
    return ScoredOutcome(metric=metric, section=section, rationales=rationales)
