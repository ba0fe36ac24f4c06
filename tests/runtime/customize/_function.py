"""The customization workflow's step modules, loaded from `lambda/customize` the way its asset imports them.

Their names (`data_steps`, `judge_steps`, `release_steps`) are the asset's top-level modules, so
they are registered under those names: the steps import each other that way.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from fmkit.contracts.customization import CustomizationSettings

LAMBDA_DIR = Path(__file__).resolve().parents[3] / "lambda"
REGION = "us-east-1"
BUCKET, DATA = "artifacts", "project-data"
PIN, SERVED = "/fmkit/demo/dev/customizations/tuned/pin", "/fmkit/demo/dev/customizations/tuned/served"
CANDIDATE = "/fmkit/demo/dev/customizations/tuned/candidate"
SHA = "b" * 64


def load(folder: str, module: str, name: str | None = None) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name or module, LAMBDA_DIR / folder / f"{module}.py")
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = loaded
    spec.loader.exec_module(loaded)
    return loaded


data_steps = load("customize", "data_steps")
judge_steps = load("customize", "judge_steps")
release_steps = load("customize", "release_steps")
registry = load("customize_registry", "handler", "fmkit_customize_registry_handler")


def settings(**overrides: Any) -> CustomizationSettings:
    values: dict[str, Any] = {
        "service_name": "customize", "project": "demo", "environment": "dev", "region": REGION,
        "customization": "tuned", "kind": "sagemaker-peft", "bucket": BUCKET,
        "train_uri": f"s3://{DATA}/train.jsonl", "evaluation_uri": f"s3://{DATA}/holdout.jsonl",
        "data_format": "sagemaker", "limits": {}, "metric": "exact_match", "margin": 0.2, "alpha": 0.05,
        "min_items": 10, "served_parameter": SERVED, "pin_parameter": PIN, "candidate_parameter": CANDIDATE,
        "topic_arn": f"arn:aws:sns:{REGION}:123456789012:alarms", "deploy_command": "npx cdk deploy -c env=dev",
        "tags": {"fmkit:project": "demo"}, "base_model": f"s3://models/base.gguf|{SHA}",
        "serving_stack": "demo-dev-graviton"}
    values.update(overrides)
    return CustomizationSettings(**values)
