"""`PlatformResources`: what capability constructs use from the environment's platform stack.

The platform key, the access-logs bucket, the log retention, the removal policy of data,
the alarm topic and, on demand, the VPC. A construct that receives these (and its own
deployment and a `Naming`) instead of the whole `PlatformStack` can be built alone in a
test stack, as construct libraries build theirs; stacks compose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns

from stacks.network import PlatformVpc


class NoNetwork(RuntimeError):
    """A construct asked for the VPC of platform resources that have none."""


def no_network() -> PlatformVpc:
    raise NoNetwork("these platform resources have no VPC: pass network_on_demand")


@dataclass(frozen=True)
class PlatformResources:
    """Shared resources of one environment. `network` creates the VPC on first use (only the
    capabilities that need one ask for it, so a Bedrock-only environment pays for no NAT)."""

    key: kms.IKey
    logs_bucket: s3.IBucket
    log_retention: logs.RetentionDays
    removal_policy: cdk.RemovalPolicy
    alarm_topic: sns.ITopic
    network_on_demand: Callable[[], PlatformVpc] = no_network

    @property
    def network(self) -> PlatformVpc:
        return self.network_on_demand()

    @property
    def vpc(self) -> ec2.Vpc:
        return self.network.vpc
