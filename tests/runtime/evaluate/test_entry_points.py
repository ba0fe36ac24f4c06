"""The three entry points (`prepare.handler`, `evaluate.handler`, `summarize.handler`): settings from the
environment, boto3 clients from the runtime, the work done by `logic`."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import pytest

from fmkit.evaluate.testing import FakeOpenAIServer
from tests.runtime.evaluate._function import BUCKET, DATASET_BUCKET, ITEMS, KEY, REGION, load, logic


def entry_points(monkeypatch: pytest.MonkeyPatch) -> dict[str, ModuleType]:
    """Fresh entry points (and client cache) importing `logic` and `wiring` as the asset does."""
    monkeypatch.setitem(sys.modules, "logic", logic)
    monkeypatch.setitem(sys.modules, "wiring", load("wiring", "fmkit_eval_wiring"))
    return {step: load(step) for step in ("prepare", "evaluate", "summarize")}


def test_entry_points_read_settings_from_the_environment(aws: dict[str, Any], server: FakeOpenAIServer,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"EVAL_BUCKET": BUCKET, "DATASET_BUCKET": DATASET_BUCKET, "DATASET_KEY": KEY, "FMKIT_PROJECT": "demo",
           "FMKIT_ENVIRONMENT": "dev", "EVAL_MODELS": '["echo"]', "EVAL_PRICES": "{}", "EVAL_MAX_TOKENS": "64",
           "EVAL_TIMEOUT_S": "5", "EVAL_PRIMARY_METRIC": "rougeL", "EVAL_CHECKS": "[]", "EVAL_RESAMPLES": "200",
           "EVAL_MIN_SCORES": '{"rougeL": 0.1}', "AWS_DEFAULT_REGION": REGION}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    steps = entry_points(monkeypatch)
    assert steps["prepare"].handler({"run_id": "run-3"}, None)["items"] == 3
    assert steps["evaluate"].handler({"Items": ITEMS, "BatchInput": {"run_id": "run-3"}}, None) == {
        "items": 3, "errors": {"echo": 0}}
    out = steps["summarize"].handler({"run_id": "run-3"}, None)
    assert out["thresholds_passed"] is True and out["winners"]["best_quality"] == "echo"


def test_a_missing_setting_fails_the_invocation_by_its_variable_name(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("EVAL_BUCKET", "EVAL_MODELS"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(ValueError, match="EVAL_BUCKET"):
        entry_points(monkeypatch)["prepare"].handler({"run_id": "run-4"}, None)
