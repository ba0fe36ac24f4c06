"""Everything one Bedrock model deployment gives its callers.

An application inference profile (tagged, so spend shows per app/model/environment), an
optional guardrail version, a managed policy allowing exactly the calls that profile
needs, the consumers it is attached to, and the endpoint published for apps and tools.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from fmkit.config.providers.bedrock import BedrockDeployment, BedrockRoute
from stacks.bedrock.guardrail import Guardrail
from stacks.bedrock.invoke_policy import (
    ANY_REGION,
    copy_from_arn,
    foundation_model_arn,
    guardrail_condition_values,
    invoke_statements,
)
from stacks.common.deployed_models import attach_managed_policy
from stacks.common.discovery import publish_endpoint
from stacks.common.names import bounded_name
from stacks.common.naming import Naming
from stacks.common.stack_env import stack_account, stack_region
from stacks.nag import acknowledge


class UnroutableModel(ValueError):
    """The config passed validation with a model the catalog cannot route (a programming error)."""


def profile_description(*words: str) -> str:
    """Bedrock allows only letters, digits, ':' '.' and single ' ', '_' or '-' between them."""
    text = re.sub(r"[^0-9a-zA-Z:. _-]+", " ", " ".join(words))
    text = re.sub(r"[ _-]{2,}", " ", text).strip(" _-")
    return text[:200].rstrip(" _-")


def profile_name(prefix: str, deployment: str, source: str) -> str:
    """A new source replaces the profile, and CloudFormation creates the replacement before
    deleting the old one: a suffix derived from the source keeps the two names distinct.

    `source` must be token-free (a model or profile id, not an ARN with `${Token[…]}`), or the
    name would change from one synthesis to the next.
    """
    suffix = hashlib.sha256(source.encode()).hexdigest()[:6]
    return f"{bounded_name(prefix, deployment, max_length=57)}-{suffix}"


def _source_identity(route: BedrockRoute) -> str:
    """What the profile copies from, without tokens: the system profile or the model + region."""
    return route.system_profile_id or f"{route.model_id}@{route.source_region}"


class BedrockModelAccess(Construct):
    """Profile, guardrail, invoke policy and consumers of deployment `name`, in the region and
    account of the stack it is built in."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, deployment: BedrockDeployment,
                 naming: Naming, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        region, account = stack_region(self), stack_account(self)
        route = deployment.route(region)
        if route is None:
            raise UnroutableModel(f"{deployment.model_id} ({deployment.cross_region}) from {region}")
        self.route: BedrockRoute = route

        copy_from = copy_from_arn(route, stack.partition, account)
        self.profile = bedrock.CfnApplicationInferenceProfile(
            self, "InferenceProfile",
            inference_profile_name=profile_name(naming.prefix, name, _source_identity(route)),
            description=profile_description("fmkit", naming.project, naming.environment, name, deployment.model_id),
            model_source=bedrock.CfnApplicationInferenceProfile.InferenceProfileModelSourceProperty(
                copy_from=copy_from),
        )
        self.profile_arn = self.profile.attr_inference_profile_arn

        self.guardrail: Guardrail | None = None
        if deployment.guardrail is not None:
            self.guardrail = Guardrail(
                self, "Guardrail", name=bounded_name(naming.prefix, name, max_length=50),
                description=f"fmkit guardrail of {name} in {naming.environment}", config=deployment.guardrail,
                key=key)

        required_guardrail: list[str] = []
        if self.guardrail is not None and deployment.guardrail is not None and deployment.guardrail.enforce:
            required_guardrail = guardrail_condition_values(
                self.guardrail.guardrail_arn, self.guardrail.guardrail_id, self.guardrail.version_number)
        self.required_guardrail = required_guardrail
        self.policy = iam.ManagedPolicy(
            self, "InvokePolicy",
            managed_policy_name=bounded_name(naming.prefix, name, "bedrock-invoke", max_length=128),
            description=f"Invoke {deployment.model_id} only through the {name} application inference profile"
                        + (" with its guardrail" if required_guardrail else ""),
            statements=invoke_statements(route, self.profile_arn, partition=stack.partition,
                                         account=account, required_guardrail=required_guardrail),
        )
        if route.system_profile_id and not route.is_global:
            acknowledge(self.policy, "AwsSolutions-IAM5",
                        "foundation-model ARN in any region: a geographic inference profile routes to destination "
                        "regions Bedrock chooses (and AWS adds); bedrock:InferenceProfileArn limits it to calls "
                        "through this deployment's profiles",
                        applies_to=[f"Resource::{foundation_model_arn(route.model_id, ANY_REGION, stack.partition)}"])
        if self.guardrail is not None:
            self.policy.add_statements(
                iam.PolicyStatement(sid="ApplyGuardrail", actions=["bedrock:ApplyGuardrail"],
                                    resources=[self.guardrail.guardrail_arn]),
                # The guardrail is encrypted with the platform key; Bedrock decrypts it on the caller's behalf.
                iam.PolicyStatement(sid="DecryptGuardrailViaBedrock", actions=["kms:Decrypt"],
                                    resources=[key.key_arn],
                                    conditions={"StringEquals": {"kms:ViaService":
                                                                 f"bedrock.{region}.amazonaws.com"}}),
            )

        self.app_role: iam.Role | None = None
        consumers = deployment.consumers
        if consumers.app_role is not None:
            self.app_role = iam.Role(
                self, "AppRole",
                assumed_by=iam.CompositePrincipal(*(iam.ServicePrincipal(s) for s in consumers.app_role.assumed_by)),
                description=f"Application role allowed to invoke {name} ({naming.environment})",
            )
            self.app_role.add_managed_policy(self.policy)
        for index, arn in enumerate(consumers.role_arns):
            existing = iam.Role.from_role_arn(self, f"Consumer{index}", arn, mutable=True)
            self.policy.attach_to_role(existing)

        payload: dict[str, Any] = {
            "provider": "bedrock",
            "model_id": deployment.model_id,
            "region": region,
            "inference_profile_arn": self.profile_arn,
            "guardrail_id": self.guardrail.guardrail_id if self.guardrail else None,
            "guardrail_version": self.guardrail.version_number if self.guardrail else None,
            "invoke_policy_arn": self.policy.managed_policy_arn,
        }
        self.endpoint_parameter = publish_endpoint(self, naming, name, payload)

        cdk.CfnOutput(self, "InferenceProfileArn", value=self.profile_arn,
                      description=f"Application inference profile of {name}: pass it as modelId")
        cdk.CfnOutput(self, "InvokePolicyArn", value=self.policy.managed_policy_arn,
                      description=f"Managed policy that allows invoking {name}")
        if self.guardrail is not None:
            cdk.CfnOutput(self, "GuardrailId", value=self.guardrail.guardrail_id,
                          description=f"Guardrail of {name} (guardrailIdentifier)")
            cdk.CfnOutput(self, "GuardrailVersion", value=self.guardrail.version_number,
                          description=f"Published guardrail version of {name} (guardrailVersion)")
        if self.app_role is not None:
            cdk.CfnOutput(self, "AppRoleArn", value=self.app_role.role_arn,
                          description=f"Role the application assumes to invoke {name}")

    def grant_invoke(self, grantee: iam.IGrantable) -> None:
        """Let a function or role of this kit call the model (attaches the managed policy)."""
        attach_managed_policy(grantee, self.policy)

    @property
    def consumer_security_groups(self) -> Sequence[ec2.ISecurityGroup]:
        """Bedrock is an AWS API: callers join no security group."""
        return ()
