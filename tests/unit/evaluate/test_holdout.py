"""Dev vs holdout: a model that only does well on dev items is flagged; one that generalises is not."""

from __future__ import annotations

import json

import pytest

from fmkit.evaluate.dataset import Dataset
from fmkit.evaluate.report.html import render_html
from fmkit.evaluate.report.markdown import render_markdown
from fmkit.evaluate.summary import summarize
from tests.unit.evaluate import _runs as runs
from tests.unit.evaluate._helpers import make_dataset


def _split_dataset() -> Dataset:
    """The 24 items of `_runs`, every third one kept aside as holdout."""
    return make_dataset([{"id": item.id, "prompt": item.prompt, "reference": item.reference, "tags": list(item.tags),
                          "split": "holdout" if i % 3 == 0 else "dev"} for i, item in enumerate(runs.dataset().items)])


def test_a_drop_on_holdout_is_flagged_and_a_steady_model_is_not() -> None:
    dataset = _split_dataset()
    refs = [item.reference for item in dataset.items]
    answers: runs.Answers = {
        # overfit: the reference on dev items, a few words on holdout ones
        "overfit": [(r if i % 3 else " ".join(r.split()[:3]), 0.5) for i, r in enumerate(refs)],
        # steady: the same small edit everywhere
        "steady": [(r.replace("Lyon", "Paris"), 0.5) for r in refs],
    }
    summary = summarize(runs.result(dataset, answers, {}), n_resamples=400)
    section = summary.holdout
    assert section is not None and section.items == {"dev": 16, "holdout": 8} and section.metric == "rougeL"
    overfit, steady = section.models["overfit"]["rougeL"], section.models["steady"]["rougeL"]
    assert overfit.dev.value == pytest.approx(1.0) and overfit.holdout.value is not None
    assert overfit.drop.value == pytest.approx(1.0 - overfit.holdout.value)
    assert overfit.significant_drop and overfit.drop.low is not None and overfit.drop.low > 0
    assert not steady.significant_drop and steady.drop.value == pytest.approx(0.0, abs=0.02)
    assert section.flagged == ["overfit"]
    assert set(section.models["overfit"]) == {m.name for m in summary.metrics}  # every metric compared
    assert "Significant drop on the holdout items for overfit" in render_html(summary)
    assert "| `overfit` | 1.000 |" in render_markdown(summary) and "**significant drop**" in render_markdown(summary)
    assert json.loads(json.dumps(summary.to_dict()))["holdout"]["models"]["overfit"]["rougeL"]["significant_drop"]


def test_no_holdout_section_without_both_splits() -> None:
    dataset = runs.dataset()
    summary = summarize(runs.result(dataset, {"exact": runs.answers(dataset)["exact"]}, {}), n_resamples=50)
    assert summary.holdout is None and summary.dataset["splits"] == {"dev": runs.N}
    dev_only = _split_dataset().select("dev")
    answers: list[tuple[str | None, float]] = [(item.reference, 0.5) for item in dev_only.items]
    assert summarize(runs.result(dev_only, {"exact": answers}, {}), n_resamples=50).holdout is None
