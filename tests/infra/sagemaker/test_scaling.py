"""EndpointScaling alone: the alarm that wakes an inference component from zero reads a
1-minute metric over 60 s with Sum, and any request that found no copy wakes it."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from fmkit.config.providers.sagemaker import SageMakerDeployment
from stacks.sagemaker.deployment import SageMakerModel
from tests.infra.constructs import NAMING, bare_stack, platform_resources

JUMPSTART = {"provider": "sagemaker", "instance_type": "ml.g5.2xlarge",
             "source": {"jumpstart": {"model_id": "huggingface-llm-qwen2-5-7b-instruct"}}}


def alarms(**fields: Any) -> dict[str, Any]:
    stack = bare_stack()
    deployment = SageMakerDeployment.model_validate({**JUMPSTART, **fields})
    SageMakerModel(stack, "Chat", name="chat", deployment=deployment, naming=NAMING,
                   platform=platform_resources(stack))
    return {k: v["Properties"] for k, v in Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").items()}


def test_no_capacity_alarm_sums_a_minute_of_failures() -> None:
    found = alarms(autoscaling={"min": 0, "max": 2, "target": 4, "scale_to_zero": True})
    (wake,) = [a for k, a in found.items() if k.startswith("ChatScalingNoCapacityAlarm")]
    assert wake["MetricName"] == "NoCapacityInvocationFailures"
    assert (wake["Period"], wake["Statistic"]) == (60, "Sum")
    assert (wake["Threshold"], wake["EvaluationPeriods"], wake["DatapointsToAlarm"]) == (1, 1, 1)
    assert wake["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert wake["TreatMissingData"] == "notBreaching"


def test_no_wake_alarm_without_scale_to_zero() -> None:
    found = alarms(autoscaling={"min": 1, "max": 2, "target": 4})
    assert not [k for k in found if "NoCapacity" in k or "Backlog" in k]
