"""`provider: sagemaker` config: the field-shape checks pydantic makes, and derived settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.config import ConfigError
from fmkit.config.errors import ConfigProblem
from fmkit.config.providers.sagemaker import SageMakerDeployment
from tests.helpers import load

QWEN = "huggingface-llm-qwen2-5-7b-instruct"
BGE = "huggingface-sentencesimilarity-bge-large-en-v1-5"


def jumpstart(model_id: str = QWEN, instance: str = "ml.g5.2xlarge", extra: str = "") -> str:
    """A model file; line 3 is model_id, line 4 the instance type, `extra` starts at line 5."""
    return (f"provider: sagemaker\nsource:\n  jumpstart: {{model_id: {model_id}}}\n"
            f"instance_type: {instance}\n{extra}")


def container(source: str, extra: str = "", instance: str = "ml.g5.xlarge") -> str:
    """`source` is the flow mapping under container (line 3); instance type is line 4."""
    return f"provider: sagemaker\nsource:\n  container: {source}\ninstance_type: {instance}\n{extra}"


def errors(tmp_path: Path, model: str, env: str | None = None) -> list[ConfigProblem]:
    files: dict[str, str | None] = {"models/m.yaml": model}
    if env is not None:
        files["environments/dev.yaml"] = env
    with pytest.raises(ConfigError) as info:
        load(tmp_path, files)
    return info.value.errors


def only(problems: list[ConfigProblem], rule: str | None = None) -> ConfigProblem:
    matching = [p for p in problems if rule is None or p.rule == rule]
    assert len(matching) == 1, [p.format() for p in problems]
    assert matching[0].hint, "every SageMaker problem carries a hint"
    return matching[0]


def at(problem: ConfigProblem, file: str, line: int) -> None:
    assert problem.location.file.as_posix().endswith(file), problem.format()
    assert problem.location.line == line, problem.format()


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
