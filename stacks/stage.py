"""EnvironmentStage: everything one environment gets, composed from its resolved config."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from fmkit.config import EnvironmentConfig
from stacks.platform import PlatformStack
from stacks.tagging import MandatoryTags


class EnvironmentStage(cdk.Stage):
    """One environment = one Stage with its own account and region (from config, never guessed)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(
            scope, construct_id, env=cdk.Environment(account=config.account, region=config.region)
        )
        self.config = config
        self.stacks: dict[str, cdk.Stack] = {}
        prefix = config.stack_prefix

        platform = PlatformStack(self, "Platform", config=config, stack_name=f"{prefix}-platform")
        self.platform = platform
        self.stacks["Platform"] = platform

        # --- bedrock (issue 3) ---
        # --- sagemaker (issue 4) ---
        # --- graviton (issue 5) ---
        # --- knowledge (issue 6) ---
        # --- sustainability (issue 7) ---
        # --- evaluation (issue 8) ---

        cdk.Aspects.of(self).add(MandatoryTags(config))
