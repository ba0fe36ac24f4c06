"""Reading sizes and bounds from the real provider models (GGUF size, nested JumpStart source, schedules)."""

from __future__ import annotations

import pytest

from fmkit.config import LoadedConfig
from fmkit.config.providers.sagemaker import SageMakerDeployment
from fmkit.estimate import fields
from fmkit.validate import load_validated
from tests.infra.conftest import ROOT


@pytest.fixture(scope="module")
def config() -> LoadedConfig:
    return load_validated(ROOT / "model_configs")


def test_gguf_size_gives_params(config: LoadedConfig) -> None:
    llama = config.environment("prod").models["llama-small"]
    assert fields.params_billion(llama) == pytest.approx(1.8 * 1.073741824 / 0.5625)  # 3.4B at Q4_0
    assert fields.quantization(llama) == "q4_0"


def test_jumpstart_source_gives_params() -> None:
    dep = SageMakerDeployment.model_validate({
        "provider": "sagemaker", "instance_type": "ml.g5.2xlarge",
        "source": {"jumpstart": {"model_id": "huggingface-llm-qwen2-5-7b-instruct"}}})
    assert fields.params_billion(dep) == pytest.approx(7.6)


def test_bounds_and_schedules_from_provider_models(config: LoadedConfig) -> None:
    assert fields.capacity_profile(config.environment("prod").models["qwen-chat"]) == ((1, 4, 1.0),)
    dev = fields.capacity_profile(config.environment("dev").models["llama-small"])
    assert sum(share for _, _, share in dev) == pytest.approx(1.0)
    assert min(lo for lo, _, _ in dev) == 0  # nights and weekends at zero


def test_unknown_quantization_falls_back_to_catalog_default() -> None:
    assert fields.known_quantization("IQ2_XXS") is None
    assert fields.known_quantization("Q8_0") == "q8_0"
    assert fields.normalise_quantization("F16") == "fp16"
