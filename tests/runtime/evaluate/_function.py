"""The evaluation function's modules, loaded from `lambda/evaluate` the way its asset imports them.

Every Lambda folder has modules with generic names (`handler`, `logic`), so they are loaded
under unique names here; the entry points' top-level `import logic` / `import wiring` are
pointed at these copies.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from fmkit.contracts.evaluation import EvaluationSettings

FUNCTION_DIR = Path(__file__).resolve().parents[3] / "lambda" / "evaluate"
REGION = "us-east-1"
BUCKET, DATASET_BUCKET, KEY = "eval-bucket", "datasets-bucket", "datasets/support.jsonl"
ITEMS: list[dict[str, Any]] = [
    {"id": "a", "prompt": "Say hello", "reference": "You said: Say hello", "tags": ["greet"]},
    {"id": "b", "prompt": "Say bye", "reference": "You said: Say bye"},
    {"id": "c", "prompt": "Count", "reference": "one two three"},
]


def load(module: str, name: str | None = None) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name or f"fmkit_eval_{module}", FUNCTION_DIR / f"{module}.py")
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = loaded  # dataclasses look their module up while the class is created
    spec.loader.exec_module(loaded)
    return loaded


logic = load("logic")


def settings(**overrides: Any) -> EvaluationSettings:
    values: dict[str, Any] = {
        "bucket": BUCKET, "dataset_bucket": DATASET_BUCKET, "dataset_key": KEY, "project": "demo",
        "environment": "dev", "models": ("echo", "broken"), "timeout_s": 5.0, "n_resamples": 200,
        "prices": {"echo": {"kind": "tokens", "input_per_1k": 0.001, "output_per_1k": 0.002}},
        "min_scores": {"exact_match": 0.5}, "checks": ("regex:says@greet=^You said",),
    }
    return EvaluationSettings(**{**values, **overrides})
