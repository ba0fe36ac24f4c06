"""stack_region / stack_account: literals from the stack's explicit environment, or a clear error."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from constructs import Construct

from stacks.common.stack_env import EnvironmentAgnosticStack, stack_account, stack_region
from tests.infra.constructs import bare_stack


def test_explicit_environment_gives_literals() -> None:
    inner = Construct(bare_stack(region="us-east-1", account="222222222222"), "Inner")
    assert (stack_region(inner), stack_account(inner)) == ("us-east-1", "222222222222")


def test_environment_agnostic_stack_is_refused_with_the_construct_path() -> None:
    inner = Construct(cdk.Stack(cdk.App(), "Agnostic"), "Inner")
    with pytest.raises(EnvironmentAgnosticStack, match=r"Agnostic/Inner: .*explicit region"):
        stack_region(inner)
    with pytest.raises(EnvironmentAgnosticStack, match="explicit account"):
        stack_account(inner)
