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
        if config.enabled_by_provider("bedrock"):
            from stacks.bedrock.stack import BedrockStack

            self.stacks["Bedrock"] = BedrockStack(self, "Bedrock", config=config, platform=platform,
                                                  stack_name=f"{prefix}-bedrock")
        # --- sagemaker (issue 4) ---
        if config.enabled_by_provider("sagemaker"):
            from stacks.sagemaker.stack import SageMakerStack

            self.stacks["SageMaker"] = SageMakerStack(self, "SageMaker", config=config, platform=platform,
                                                      stack_name=f"{prefix}-sagemaker")
        # --- graviton (issue 5) ---
        if config.enabled_by_provider("ec2-graviton"):
            from stacks.graviton.stack import GravitonStack

            self.stacks["Graviton"] = GravitonStack(self, "Graviton", config=config, platform=platform,
                                                    stack_name=f"{prefix}-graviton")
        # --- knowledge (issue 6) ---
        if any(kb.enabled for kb in config.project.knowledge_bases.values()):
            from stacks.knowledge.stack import KnowledgeStack

            self.stacks["Knowledge"] = KnowledgeStack(self, "Knowledge", config=config, platform=platform,
                                                      stack_name=f"{prefix}-knowledge")
        # --- sustainability (issue 7) ---
        if config.project.sustainability.enabled:
            from stacks.sustainability.stack import SustainabilityStack

            self.stacks["Sustainability"] = SustainabilityStack(
                self, "Sustainability", config=config, platform=platform, stack_name=f"{prefix}-sustainability")
        # --- evaluation (issue 8) ---
        if config.project.evaluation.enabled:
            from stacks.evaluation.stack import EvaluationStack

            self.stacks["Evaluation"] = EvaluationStack(self, "Evaluation", config=config, platform=platform,
                                                        model_stacks=dict(self.stacks),
                                                        stack_name=f"{prefix}-evaluation")

        cdk.Aspects.of(self).add(MandatoryTags(config))
