"""Per-item holdout scores from an evaluation result (what the gate pairs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmkit.customize.holdout import holdout_items, item_scores
from fmkit.evaluate import EvaluationResult, GenerationParams, ItemRecord, parse_dataset, parse_endpoint_override


def result() -> EvaluationResult:
    lines = [{"id": "a", "prompt": "code of apple?", "reference": "zulu"},
             {"id": "b", "prompt": "code of river?", "reference": "kilo"},
             {"id": "c", "prompt": "code of stone?", "reference": "bravo"},
             {"id": "d", "prompt": "code of cloud?", "reference": "delta"}]
    dataset = parse_dataset("\n".join(json.dumps(line) for line in lines), Path("holdout.jsonl"))
    target = parse_endpoint_override("cand=http://127.0.0.1:9/v1")

    def record(item_id: str, **fields: object) -> ItemRecord:
        return ItemRecord.model_validate({"item_id": item_id, "model": "cand", "fingerprint": "f",
                                          "started_at": 0.0, "finished_at": 1.0, **fields})

    records = {"a": record("a", output=" Zulu."), "b": record("b", output="kilo kilo"),
               "c": record("c", output="bravo", error={"kind": "timeout", "message": "slow"})}
    return EvaluationResult(dataset=dataset, targets=(target,), params=GenerationParams(), records={"cand": records})


def test_scores_per_item_with_failures_as_empty_answers() -> None:
    # exact match after SQuAD normalisation; "c" timed out (scored as ""), "d" was never run (absent).
    assert item_scores(result(), "cand", "exact_match") == {"a": 1.0, "b": 0.0, "c": 0.0}


def test_other_metrics_and_unknown_ones() -> None:
    rouge = item_scores(result(), "cand", "rouge1")
    assert rouge["a"] == 1.0 and 0.0 < rouge["b"] < 1.0
    with pytest.raises(ValueError, match="unknown metric 'accuracy'"):
        item_scores(result(), "cand", "accuracy")


def test_a_dataset_without_splits_is_all_holdout() -> None:
    dataset = result().dataset
    assert holdout_items(dataset) is dataset
