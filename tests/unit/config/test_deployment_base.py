"""Capacity each provider defines once: bounds and scheduled changes the estimator reads."""

from __future__ import annotations

from typing import Any

from fmkit.config.deployment_base import CapacityChange
from fmkit.config.deployments import BedrockDeployment, GravitonDeployment, SageMakerDeployment

GGUF = {"s3_uri": "s3://models/llama/model-Q4_0.gguf", "size_gib": 1.8, "quantization": "Q4_0"}


def sagemaker(**fields: Any) -> SageMakerDeployment:
    return SageMakerDeployment.model_validate({
        "provider": "sagemaker", "instance_type": "ml.g5.xlarge",
        "source": {"jumpstart": {"model_id": "huggingface-llm-qwen2-5-7b-instruct"}}, **fields})


def test_bedrock_runs_one_fixed_unit() -> None:
    nova = BedrockDeployment.model_validate({"provider": "bedrock", "model_id": "amazon.nova-lite-v1:0"})
    assert (nova.capacity_bounds(), nova.capacity_schedule()) == ((1, 1), ())


def test_sagemaker_without_autoscaling_runs_its_initial_count() -> None:
    assert sagemaker(initial_instance_count=3).capacity_bounds() == (3, 3)
    assert sagemaker().capacity_schedule() == ()


def test_sagemaker_autoscaling_bounds_and_schedule() -> None:
    dep = sagemaker(autoscaling={"min": 0, "max": 4, "scale_to_zero": True, "schedules": [
        {"name": "open", "cron": "0 8 * * MON-FRI", "min": 1, "max": 4}]})
    assert dep.capacity_bounds() == (0, 4)
    assert dep.capacity_schedule() == (CapacityChange("0 8 * * MON-FRI", 1, 4),)


def test_graviton_group_bounds_and_partial_schedules() -> None:
    dep = GravitonDeployment.model_validate({
        "provider": "ec2-graviton", "instance_type": "c7g.xlarge", "model": GGUF,
        "autoscaling": {"min": 1, "max": 3, "schedules": [{"name": "night", "cron": "0 20 * * *", "min": 0}]}})
    assert dep.capacity_bounds() == (1, 3)
    assert dep.capacity_schedule() == (CapacityChange("0 20 * * *", 0, None),)
