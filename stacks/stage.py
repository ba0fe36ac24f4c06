"""EnvironmentStage: everything one environment gets, composed from its resolved config."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from fmkit.config import EnvironmentConfig
from stacks.common.deployed_models import DeployedModels, VpcEndpointAccess
from stacks.common.naming import Naming
from stacks.platform import PlatformStack
from stacks.tagging import MandatoryTags


class EnvironmentStage(cdk.Stage):
    """One environment = one Stage with its own account and region (from config, never guessed).

    Provider stacks (Bedrock, SageMaker, Graviton) register each deployment in `models`, which
    capabilities that call models (the evaluation) receive instead of the stacks themselves.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(
            scope, construct_id, env=cdk.Environment(account=config.account, region=config.region)
        )
        self.config = config
        self.stacks: dict[str, cdk.Stack] = {}
        self.models = DeployedModels()
        self.platform = PlatformStack(self, "Platform", config=config, stack_name=self._name("platform"))
        self.stacks["Platform"] = self.platform
        self.customization = self._customization_stack()  # before the serving stacks: they resolve its pins
        self._model_stacks()
        self._capability_stacks()
        MandatoryTags(config).apply(self)

    def _name(self, capability: str) -> str:
        return f"{self.config.stack_prefix}-{capability}"

    def _customization_stack(self) -> cdk.Stack | None:
        config = self.config
        if not any(c.runs_in(config.name) for c in config.project.customizations.values()):
            return None
        from stacks.customization.stack import CustomizationStack

        stack = CustomizationStack(self, "Customization", config=config, platform=self.platform.resources,
                                   stack_name=self._name("customization"))
        self.stacks["Customization"] = stack
        return stack

    def _model_stacks(self) -> None:
        config, platform = self.config, self.platform
        if config.enabled_by_provider("bedrock"):
            from stacks.bedrock.stack import BedrockStack

            bedrock = BedrockStack(self, "Bedrock", config=config, platform=platform.resources,
                                   stack_name=self._name("bedrock"))
            self.stacks["Bedrock"] = bedrock
            for name, access in bedrock.models.items():
                self.models.add(name, access)
        if config.enabled_by_provider("sagemaker"):
            from stacks.sagemaker.stack import SageMakerStack

            sagemaker = SageMakerStack(self, "SageMaker", config=config, platform=platform.resources,
                                       stack_name=self._name("sagemaker"))
            self.stacks["SageMaker"] = sagemaker
            for name, model in sagemaker.models.items():
                self.models.add(name, model)
        if config.enabled_by_provider("ec2-graviton"):
            from stacks.graviton.stack import GravitonStack

            graviton = GravitonStack(self, "Graviton", config=config, platform=platform,
                                     stack_name=self._name("graviton"))
            self.stacks["Graviton"] = graviton
            for name, endpoint in graviton.endpoints.items():
                self.models.add(name, VpcEndpointAccess(
                    security_group=endpoint.consumer_security_group,
                    api_key_secret_arn=endpoint.api_key_secret_arn))

    def _capability_stacks(self) -> None:
        config, platform = self.config, self.platform
        if any(kb.enabled for kb in config.project.knowledge_bases.values()):
            from stacks.knowledge.stack import KnowledgeStack

            self.stacks["Knowledge"] = KnowledgeStack(self, "Knowledge", config=config, platform=platform,
                                                      stack_name=self._name("knowledge"))
        if config.project.sustainability.enabled:
            from stacks.sustainability.stack import SustainabilityStack

            self.stacks["Sustainability"] = SustainabilityStack(
                self, "Sustainability", config=config, platform=platform.resources,
                stack_name=self._name("sustainability"))
        if config.project.evaluation.enabled:
            from stacks.evaluation.stack import EvaluationStack

            self.stacks["Evaluation"] = EvaluationStack(self, "Evaluation", config=config,
                                                        platform=platform.resources, models=self.models,
                                                        stack_name=self._name("evaluation"))
        self._operations_stack()

    def _operations_stack(self) -> None:
        """Last: the dashboard reads every stack built before it."""
        from stacks.operations.money import plan_of
        from stacks.operations.sources import collect_sources
        from stacks.operations.stack import OperationsStack

        self.stacks["Operations"] = OperationsStack(
            self, "Operations", naming=Naming.of(self.config), sources=collect_sources(self.config, self.stacks),
            plan=plan_of(self.config), stack_name=self._name("operations"))
