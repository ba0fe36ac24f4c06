"""A run's names, layout, holdout requests, per-item scores and report."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.customize.promotion import PromotionPolicy, decide
from fmkit.customize.runs import (
    RunKeys,
    holdout_requests,
    item_scores,
    job_name,
    parse_answers,
    report_markdown,
)
from fmkit.evaluate import parse_dataset


def test_job_names_keep_the_customization_and_fit() -> None:
    name = job_name("support-qwen", "0b5c7a5e-1d5b-4c8e-9b7a-6f1e2d3c4b5a")
    assert name == "support-qwen-0b5c7a5e-1d5b-4c8e-9b7a-6f1e2d3c4b5a"
    long = job_name("a" * 40, "x" * 80)
    assert len(long) == 63 and long.startswith("a" * 40 + "-")
    assert job_name("tuned", "run with spaces!") == "tuned-run-with-spaces"
    with pytest.raises(ValueError):
        job_name("a" * 60, "run")


def test_layout() -> None:
    keys = RunKeys("tuned", "r1")
    assert keys.holdout == "customizations/tuned/runs/r1/holdout.jsonl"
    assert keys.answers("candidate") == "customizations/tuned/runs/r1/answers/candidate.jsonl"
    assert keys.gguf_prefix == "customizations/tuned/gguf/r1" and keys.checkpoints == "checkpoints/tuned/r1"
    with pytest.raises(ValueError):
        keys.answers("other")


def test_holdout_requests_are_greedy_chat_requests_with_the_system_first() -> None:
    dataset = parse_dataset('{"id": "a", "prompt": "Q?", "reference": "R", "system": "S", "split": "holdout"}\n'
                            '{"id": "b", "prompt": "dev", "reference": "x"}\n', Path("d.jsonl"))
    assert holdout_requests(dataset, 64) == [{"id": "a", "messages": [
        {"role": "system", "content": "S"}, {"role": "user", "content": "Q?"}], "max_tokens": 64, "temperature": 0,
        "reference": "R"}]


def test_failed_answers_score_as_empty_and_the_report_says_why() -> None:
    requests = [{"id": str(i), "reference": "zulu"} for i in range(12)]
    served = parse_answers("".join(f'{{"id": "{i}", "output": "no", "error": null}}\n' for i in range(12)))
    candidate = parse_answers("".join(f'{{"id": "{i}", "output": "zulu", "error": null}}\n' for i in range(11))
                              + '{"id": "11", "output": "zulu", "error": "timeout"}\n')
    scores = {"served": item_scores(requests, served, "exact_match"),
              "candidate": item_scores(requests, candidate, "exact_match")}
    assert scores["candidate"]["11"] == 0.0 and sum(scores["candidate"].values()) == 11
    decision = decide(scores["served"], scores["candidate"], PromotionPolicy(min_improvement=0.5, min_items=10))
    assert decision.promoted
    report = report_markdown("tuned", "r1", decision, "s3://b/served.gguf", "s3://b/cand.gguf")
    assert report.startswith("# tuned: run r1 — promoted") and "| candidate | s3://b/cand.gguf |" in report
    with pytest.raises(ValueError):
        item_scores(requests, served, "nope")
