"""SageMakerModel alone in a bare stack, from a Naming and PlatformResources: the endpoint name,
the VPC on demand, discovery under the naming, and what it gives callers (grant, no security group)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from fmkit.config.platform import VpcConfig
from fmkit.config.providers.sagemaker import SageMakerDeployment
from stacks.sagemaker.deployment import SageMakerModel
from tests.infra.constructs import NAMING, bare_stack, platform_resources, template_of

HUB = {"provider": "sagemaker", "instance_type": "ml.g5.xlarge",
       "source": {"container": {"framework": "tgi", "version": "2.4.0",
                                "hf_model_id": "mistralai/Mistral-7B-Instruct-v0.3"}},
       "autoscaling": {"min": 1, "max": 2, "metric": "invocations_per_instance", "target": 50}}


def deployment(**fields: Any) -> SageMakerDeployment:
    return SageMakerDeployment.model_validate({**HUB, **fields})


def test_a_model_outside_the_vpc_needs_no_network_and_passes_nag(tmp_path: Path) -> None:
    stack = bare_stack(tmp_path, nag=True)
    model = SageMakerModel(stack, "Chat", name="chat", deployment=deployment(), naming=NAMING,
                           platform=platform_resources(stack))  # no VPC: asking for one would fail
    template = template_of(stack, tmp_path)
    assert model.endpoint_name == "demo-dev-chat"
    template.has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": "demo-dev-chat"})
    template.has_resource_properties("AWS::SSM::Parameter", {"Name": "/fmkit/demo/dev/models/chat/endpoint"})
    template.resource_count_is("AWS::EC2::VPC", 0)
    assert "VpcConfig" not in next(iter(template.find_resources("AWS::SageMaker::Model").values()))["Properties"]


def test_a_vpc_model_asks_the_platform_for_its_network(tmp_path: Path) -> None:
    stack = bare_stack(tmp_path, nag=True)
    SageMakerModel(stack, "Chat", name="chat", deployment=deployment(vpc=True), naming=NAMING,
                   platform=platform_resources(stack, vpc=VpcConfig()))
    template = template_of(stack, tmp_path)
    template.resource_count_is("AWS::EC2::VPC", 1)
    (model,) = template.find_resources("AWS::SageMaker::Model").values()
    assert set(model["Properties"]["VpcConfig"]) == {"SecurityGroupIds", "Subnets"}


def test_alarms_go_to_the_platform_topic() -> None:
    stack = bare_stack()
    platform = platform_resources(stack)
    SageMakerModel(stack, "Chat", name="chat", deployment=deployment(), naming=NAMING, platform=platform)
    alarms = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    assert len(alarms) == 3
    topic = stack.resolve(platform.alarm_topic.topic_arn)
    assert all(a["Properties"]["AlarmActions"] == [topic] for a in alarms.values())


def test_grant_invoke_attaches_the_consumer_policy_and_needs_no_security_group() -> None:
    stack = bare_stack()
    model = SageMakerModel(stack, "Chat", name="chat", deployment=deployment(), naming=NAMING,
                           platform=platform_resources(stack))
    role = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    model.grant_invoke(role)
    assert model.consumer_security_groups == ()
    roles = Template.from_stack(stack).find_resources("AWS::IAM::Role")
    caller = next(r for k, r in roles.items() if k.startswith("Caller"))
    assert caller["Properties"]["ManagedPolicyArns"] == [stack.resolve(model.consumer_policy.managed_policy_arn)]
    with pytest.raises(TypeError):
        model.grant_invoke(iam.ServicePrincipal("lambda.amazonaws.com"))
