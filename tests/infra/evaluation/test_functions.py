"""EvaluationFunctions alone: three arm64 functions from PlatformResources, the VPC only when a
caller passes security groups, and the SSM grant built by the discovery contract."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from fmkit.config.platform import VpcConfig
from stacks.evaluation.functions import EvaluationFunctions
from tests.infra.constructs import NAMING, bare_stack, platform_resources, statements_by_sid

ENVIRONMENT = {"EVAL_BUCKET": "b", "DATASET_BUCKET": "b", "DATASET_KEY": "d.jsonl", "FMKIT_PROJECT": "demo",
               "FMKIT_ENVIRONMENT": "dev", "EVAL_MODELS": '["chat"]'}


def test_functions_run_outside_the_vpc_unless_given_security_groups() -> None:
    stack = bare_stack()
    EvaluationFunctions(stack, "Functions", platform=platform_resources(stack), environment=ENVIRONMENT)
    template = Template.from_stack(stack)
    functions = template.find_resources("AWS::Lambda::Function")
    assert sorted(f["Properties"]["Handler"] for f in functions.values()) == [
        "evaluate.handler", "prepare.handler", "summarize.handler"]
    assert all("VpcConfig" not in f["Properties"] for f in functions.values())
    assert all(f["Properties"]["Architectures"] == ["arm64"] for f in functions.values())
    template.resource_count_is("AWS::EC2::VPC", 0)


def test_only_the_evaluate_step_joins_the_vpc_with_the_given_groups() -> None:
    stack = bare_stack()
    platform = platform_resources(stack, vpc=VpcConfig())
    group = ec2.SecurityGroup(stack, "Consumer", vpc=platform.vpc)
    functions = EvaluationFunctions(stack, "Functions", platform=platform, environment=ENVIRONMENT,
                                    vpc_security_groups=[group])
    found = Template.from_stack(stack).find_resources("AWS::Lambda::Function")
    in_vpc = {f["Properties"]["Handler"]: f["Properties"]["VpcConfig"] for f in found.values()
              if "VpcConfig" in f["Properties"]}
    assert list(in_vpc) == ["evaluate.handler"]
    assert in_vpc["evaluate.handler"]["SecurityGroupIds"] == [stack.resolve(group.security_group_id)]
    assert functions.evaluate.function.connections.security_groups == [group]


def test_prepare_reads_exactly_the_evaluated_models_discovery_parameters() -> None:
    stack = bare_stack()
    functions = EvaluationFunctions(stack, "Functions", platform=platform_resources(stack), environment=ENVIRONMENT)
    functions.grant_endpoint_parameters(NAMING, ["chat", "embed"])
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    prepare = next(p for k, p in policies.items() if k.startswith("FunctionsPrepare"))
    ssm = [s for s in statements_by_sid(prepare).values() if "ssm:GetParameter" in s["Action"]]
    assert ssm == [{"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"], "Resource": [
        "arn:aws:ssm:eu-west-1:111111111111:parameter/fmkit/demo/dev/models/chat/endpoint",
        "arn:aws:ssm:eu-west-1:111111111111:parameter/fmkit/demo/dev/models/embed/endpoint"]}]
