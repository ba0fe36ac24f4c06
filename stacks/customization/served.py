"""What a serving deployment serves when it names a customization: the pinned, promoted version.

The pin (`/fmkit/<project>/<env>/customizations/<name>/pin`, written by the workflow when it
promotes a candidate) is a CloudFormation parameter of type `AWS::SSM::Parameter::Value<String>`:
every stack update resolves it again (the CDK CLI always deploys a stack with such parameters),
so a promotion rolls out as an ordinary stack update — a new launch-template version whose user
data names the candidate's object and sha256, verified on every boot, replacing the instances
through the group's instance refresh (rolled back on its alarms). Until the first promotion the
pin says `initial` and the deployment serves its own configured GGUF.

A Bedrock deployment (`custom_model`) gets the same parameter: its invoke policy also allows the
promoted custom model's deployment or throughput, published as the `ServedModelArn` output.

The candidates live in the customization stack's artifact bucket (`customizations/<name>/gguf/`),
whose name the serving stack also resolves from SSM at deploy (no cross-stack export to lock
either stack); the instance role may read that prefix, and the serving stack is deployed after
the customization stack, which creates the pin and the bucket parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from fmkit.config import EnvironmentConfig
from fmkit.config.providers.bedrock import BedrockDeployment
from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.contracts.customization import INITIAL_PIN, PIN_SEPARATOR, bucket_parameter_name, pin_parameter_name
from fmkit.customize.runs import customization_root
from stacks.common.names import pascal
from stacks.nag import acknowledge

BUCKET_PARAMETER_ID = "CustomizationArtifactsBucket"


class NoCustomizationStack(RuntimeError):
    """A deployment names a customization but its stage has no customization stack."""


def _after_customization_stack(scope: IConstruct) -> None:
    """The pins and the bucket parameter must exist before the serving stack resolves them."""
    stage = cdk.Stage.of(scope)
    customization = getattr(stage, "customization", None)
    if not isinstance(customization, cdk.Stack):
        raise NoCustomizationStack(f"{scope.node.path}: names a customization, but the stage built no "
                                   "customization stack before it (fmkit validate checks the reference)")
    cdk.Stack.of(scope).add_stack_dependency(customization, "serves a promoted customization")


def artifacts_bucket_name(scope: IConstruct, config: EnvironmentConfig) -> str:
    """The artifact bucket's name, resolved at deploy from its SSM parameter (one stack parameter)."""
    stack = cdk.Stack.of(scope)
    existing = stack.node.try_find_child(BUCKET_PARAMETER_ID)
    if isinstance(existing, cdk.CfnParameter):
        return existing.value_as_string
    return cdk.CfnParameter(stack, BUCKET_PARAMETER_ID, type="AWS::SSM::Parameter::Value<String>",
                            default=bucket_parameter_name(config.project.name, config.name),
                            description="fmkit: the customization stack's artifact bucket").value_as_string


@dataclass(frozen=True)
class ServedGguf:
    """The served GGUF as tokens resolved at deploy time (pinned candidate, or the initial model)."""

    customization: str
    uri: str
    sha256: str
    object_arns: list[str]

    def acknowledge(self, role: iam.IRole) -> None:
        acknowledge(role, "AwsSolutions-IAM5",
                    f"the instances read the candidate GGUF that customization {self.customization} promotes: each "
                    "run writes its own object under the customization's gguf/ prefix, pinned by the deploy-time "
                    "SSM parameter and verified by sha256 at boot",
                    applies_to=[f"Resource::{arn}" for arn in self.object_arns if arn.endswith("*")])


def _pin(scope: IConstruct, config: EnvironmentConfig, name: str) -> tuple[cdk.CfnParameter, cdk.CfnCondition]:
    """The stack parameter resolving customization `name`'s pin, and the condition "nothing promoted yet"."""
    stack = cdk.Stack.of(scope)
    pin = cdk.CfnParameter(
        stack, f"CustomizationPin{pascal(name)}", type="AWS::SSM::Parameter::Value<String>",
        default=pin_parameter_name(config.project.name, config.name, name),
        description=f"fmkit: the promoted version of customization {name} (written by its workflow)")
    initial = cdk.CfnCondition(stack, f"CustomizationPin{pascal(name)}Initial",
                               expression=cdk.Fn.condition_equals(pin.value_as_string, INITIAL_PIN))
    return pin, initial


def _field(pin: cdk.CfnParameter, index: int) -> str:
    """Field `index` of `<artifact>|<sha256>`; the trailing separator keeps two fields even in `initial|`."""
    parts = cdk.Fn.split(PIN_SEPARATOR, cdk.Fn.join("", [pin.value_as_string, PIN_SEPARATOR]))
    return cdk.Fn.select(index, parts)


def served_gguf(scope: Construct, config: EnvironmentConfig, deployment: GravitonDeployment, *,
                initial_uri: str, initial_arn: str) -> ServedGguf:
    """The pin of `deployment.model.customization` as a stack parameter, and what it serves."""
    name = deployment.model.customization
    if name is None:
        raise ValueError("this deployment serves no customization")
    _after_customization_stack(scope)
    pin, initial = _pin(scope, config, name)
    uri = cdk.Fn.condition_if(initial.logical_id, initial_uri, _field(pin, 0)).to_string()
    sha256 = cdk.Fn.condition_if(initial.logical_id, deployment.model.sha256 or "", _field(pin, 1)).to_string()
    bucket = artifacts_bucket_name(scope, config)
    partition = cdk.Stack.of(scope).partition
    candidates = f"arn:{partition}:s3:::{bucket}/{customization_root(name)}/gguf/*"
    return ServedGguf(name, uri, sha256, [initial_arn, candidates])


def served_custom_model(scope: Construct, config: EnvironmentConfig, deployment: BedrockDeployment, *,
                        policy: iam.ManagedPolicy, profile_arn: str) -> str:
    """A Bedrock deployment naming a customization: its invoke policy also allows the promoted custom
    model's deployment or provisioned throughput (the pin's artifact), published as an output.

    Until the first promotion the pin says `initial` and the ARN is the deployment's own application
    inference profile, which the policy allows already: nothing is widened before there is a custom model.
    """
    name = deployment.custom_model
    if name is None:
        raise ValueError("this deployment serves no customization")
    _after_customization_stack(scope)
    pin, initial = _pin(scope, config, name)
    served = cdk.Fn.condition_if(initial.logical_id, profile_arn, _field(pin, 0)).to_string()
    policy.add_statements(iam.PolicyStatement(
        sid="InvokePromotedCustomModel", actions=["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
        resources=[served]))
    cdk.CfnOutput(scope, "ServedModelArn", value=served,
                  description=f"What to call for customization {name}: its promoted custom model deployment or "
                              "provisioned throughput (this deployment's inference profile until the first promotion)")
    return served
