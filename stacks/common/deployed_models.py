"""`DeployedModels`: what other capabilities may do with the environment's model deployments.

A capability that calls models (the evaluation today) asks this object, by deployment name,
to let its function invoke a model and for the security groups its function must join to
reach a model inside the VPC — without knowing which provider stack serves the model.
Each provider contributes one `ModelAccess` per deployment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam


class ModelAccess(Protocol):
    """One deployment, seen from a caller."""

    def grant_invoke(self, grantee: iam.IGrantable) -> None:
        """Let `grantee` (a function, a role) call the model."""
        ...

    @property
    def consumer_security_groups(self) -> Sequence[ec2.ISecurityGroup]:
        """Security groups a caller inside the VPC joins to reach the model (none for API endpoints)."""
        ...


def attach_managed_policy(grantee: iam.IGrantable, policy: iam.IManagedPolicy) -> None:
    """Attach `policy` to the role behind `grantee` (rendered in the role's ManagedPolicyArns)."""
    add_managed_policy = getattr(grantee.grant_principal, "add_managed_policy", None)
    if add_managed_policy is None:
        raise TypeError("granting a managed policy needs a role-backed grantee (e.g. a Lambda function)")
    add_managed_policy(policy)


@dataclass(frozen=True)
class VpcEndpointAccess:
    """A model served inside the VPC: callers join its consumer security group and, when the
    server requires an API key, may read the key's secret."""

    security_group: ec2.ISecurityGroup
    api_key_secret_arn: str | None = None

    def grant_invoke(self, grantee: iam.IGrantable) -> None:
        if self.api_key_secret_arn:
            grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"], resources=[self.api_key_secret_arn]))

    @property
    def consumer_security_groups(self) -> Sequence[ec2.ISecurityGroup]:
        return (self.security_group,)


class UnknownDeployment(KeyError):
    """A deployment no provider stack of this environment serves."""


class DeployedModels:
    """Deployment name → `ModelAccess`, filled by the stage as it builds the provider stacks."""

    def __init__(self) -> None:
        self._models: dict[str, ModelAccess] = {}

    def add(self, name: str, access: ModelAccess) -> None:
        if name in self._models:
            raise ValueError(f"deployment {name!r} is served twice")
        self._models[name] = access

    def __contains__(self, name: object) -> bool:
        return name in self._models

    @property
    def names(self) -> list[str]:
        return sorted(self._models)

    def access(self, name: str) -> ModelAccess:
        try:
            return self._models[name]
        except KeyError:
            raise UnknownDeployment(f"no provider stack serves deployment {name!r}") from None

    def grant_invoke(self, name: str, grantee: iam.IGrantable) -> None:
        """Let `grantee` call deployment `name`."""
        self.access(name).grant_invoke(grantee)

    def consumer_security_groups(self, names: Iterable[str]) -> list[ec2.ISecurityGroup]:
        """The security groups a caller of `names` joins, in the order of `names`."""
        return [group for name in names for group in self.access(name).consumer_security_groups]
