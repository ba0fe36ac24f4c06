"""PlatformResources: the VPC exists only once a construct asks for it, and platform resources
without a network say so instead of building one."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from fmkit.config.platform import VpcConfig
from stacks.common.platform_resources import NoNetwork, PlatformResources
from tests.infra.constructs import bare_stack, platform_resources


def test_the_vpc_is_created_on_first_use_only_once() -> None:
    stack = bare_stack()
    platform = platform_resources(stack, vpc=VpcConfig())
    Template.from_stack(stack).resource_count_is("AWS::EC2::VPC", 0)
    assert platform.vpc is platform.vpc


def test_resources_without_a_network_refuse_to_make_one() -> None:
    stack = bare_stack()
    given = platform_resources(stack)
    without = PlatformResources(key=given.key, logs_bucket=given.logs_bucket, log_retention=given.log_retention,
                                removal_policy=given.removal_policy, alarm_topic=given.alarm_topic)
    with pytest.raises(NoNetwork):
        _ = without.vpc
