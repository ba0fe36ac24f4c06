"""`provider: sagemaker` config: the field-shape checks pydantic makes, and derived settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.config.providers.sagemaker import SageMakerDeployment
from tests.helpers import load
from tests.unit.area_configs.sagemaker import BGE, at, container, errors, jumpstart, only


def test_valid_jumpstart_model_loads(tmp_path: Path) -> None:
    env = load(tmp_path, {"models/m.yaml": jumpstart()}).environment("dev")
    model = env.models["m"]
    assert isinstance(model, SageMakerDeployment)
    assert model.mode == "realtime" and model.isolated


@pytest.mark.parametrize(("source", "message"), [
    ("{framework: tgi}", "set exactly one of 'hf_model_id' or 'model_data_s3_uri'"),
    ("{framework: tgi, hf_model_id: a/b, env: {HF_TOKEN: x}}", "'HF_TOKEN' looks like a secret"),
    ("{framework: tgi, model_data_s3_uri: 'https://x/y'}", "is not an s3:// URI"),
    ("{framework: tgx, hf_model_id: a/b}", "'tgx' is not allowed"),
])
def test_container_shape_errors(tmp_path: Path, source: str, message: str) -> None:
    problem = only(errors(tmp_path, container(source, "network_isolation: false\n")))
    at(problem, "models/m.yaml", 3)
    assert message in problem.message


def test_secret_must_be_a_reference_not_a_value(tmp_path: Path) -> None:
    extra = "secrets:\n  HF_TOKEN: {secret: hf_abcdefghijklmnop}\n"
    problem = only(errors(tmp_path, jumpstart(extra=extra)))
    at(problem, "models/m.yaml", 6)
    assert "not a secret value" in problem.message


def test_source_needs_exactly_one_kind(tmp_path: Path) -> None:
    model = "provider: sagemaker\nsource: {}\ninstance_type: ml.g5.2xlarge\n"
    problem = only(errors(tmp_path, model))
    assert "set exactly one of 'jumpstart' or 'container'" in problem.message


def test_serverless_memory_sizes(tmp_path: Path) -> None:
    problem = only(errors(tmp_path, jumpstart(BGE, "ml.c6i.xlarge", "serverless: {memory_mb: 1500}\n")))
    at(problem, "models/m.yaml", 5)
    assert "1500 MB is not a serverless memory size" in problem.message


def test_realtime_default_metric_is_high_resolution_concurrency(tmp_path: Path) -> None:
    model = load(tmp_path, {"models/m.yaml": jumpstart(extra="autoscaling: {min: 1, max: 2}\n")}).environment("dev")
    deployment = model.models["m"]
    assert isinstance(deployment, SageMakerDeployment)
    assert deployment.scaling_metric == "concurrent_requests" and not deployment.scales_to_zero


def test_async_response_in_notification_needs_notifications(tmp_path: Path) -> None:
    extra = "async: {include_response_in_notification: true}\n"
    problem = only(errors(tmp_path, jumpstart(BGE, "ml.c6i.xlarge", extra)))
    at(problem, "models/m.yaml", 5)
    assert "include_response_in_notification needs notifications: true" in problem.message
