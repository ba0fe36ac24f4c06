"""The workflow's Lambda steps for one customization, bundled with `fmkit.customize` and `fmkit.evaluate`.

Every function gets the customization's `CustomizationSettings` (rendered here, parsed by the
handlers) and a role with exactly what its step does: `validate` reads the data and writes the
run's report, `register` reads what the job wrote and records it, `decide` reads the answers
and writes the decision, `publish` writes the pin and starts the rollout; for Bedrock, `serve`
creates and polls the candidate's serving and `answer` invokes both models.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from fmkit.contracts.customization import CustomizationSettings
from fmkit.contracts.discovery import parameter_arn
from stacks.common.platform_resources import PlatformResources
from stacks.common.python_lambda import PythonFunction
from stacks.common.stack_env import stack_account, stack_region
from stacks.customization.access import read_data, read_write, use_key

# fmkit.customize (data checks, the gate) and fmkit.evaluate (datasets, metrics, adapters) from the
# repo; rouge_score is sdist-only on PyPI and pure Python, so it is copied too (as for the evaluation).
PACKAGES = ("fmkit.customize", "fmkit.evaluate", "fmkit.contracts", "rouge_score")
ENTRY = "customize"


class CustomizationFunctions(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: CustomizationSettings,
                 platform: PlatformResources, bucket: s3.IBucket) -> None:
        super().__init__(scope, construct_id)
        self.settings, self.bucket, self.key = settings, bucket, platform.key
        common: dict[str, Any] = {"entry": ENTRY, "packages": PACKAGES, "key": platform.key,
                                  "log_retention": platform.log_retention,
                                  "environment": settings.to_environment()}
        name = settings.customization

        def function(construct_id: str, handler: str, minutes: int, memory: int, what: str) -> PythonFunction:
            return PythonFunction(self, construct_id, handler=f"{handler}.handler", memory_size=memory,
                                  timeout=cdk.Duration.minutes(minutes),
                                  description=f"fmkit customization {name}: {what}", **common)

        self.validate = function("Validate", "validate", 10, 2048, "check the data")
        self.register = function("Register", "register", 1, 512, "record the candidate")
        self.decide = function("Decide", "decide", 5, 2048, "the promotion gate")
        self.publish = function("Publish", "publish", 1, 512, "publish the decision")
        self.serve: PythonFunction | None = None
        self.answer: PythonFunction | None = None
        if settings.kind == "bedrock":
            self.serve = function("Serve", "serve", 1, 512, "serve the candidate")
            self.answer = function("Answer", "answer", 15, 1024, "answer the holdout")
        self._grant_storage()
        self._grant_parameters()

    @property
    def all(self) -> list[PythonFunction]:
        optional = [fn for fn in (self.serve, self.answer) if fn is not None]
        return [self.validate, self.register, self.decide, self.publish, *optional]

    def _grant_storage(self) -> None:
        settings, bucket, name = self.settings, self.bucket, self.settings.customization
        data = [u for u in (settings.train_uri, settings.validation_uri, settings.evaluation_uri) if u]
        for statement in [*read_data(self, data), *read_write(bucket, name, write=["runs/*"])]:
            self.validate.role.add_to_policy(statement)
        registry = bucket.arn_for_objects(f"registry/{name}/*")
        for fn in (self.register, self.serve):
            if fn is not None:
                fn.role.add_to_policy(iam.PolicyStatement(actions=["s3:PutObject"], resources=[registry]))
        self.register.role.add_to_policy(iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[bucket.arn_for_objects(f"customizations/{name}/runs/*")]))
        for statement in read_write(bucket, name, read=["runs/*"], write=["runs/*"]):
            self.decide.role.add_to_policy(statement)
        if self.answer is not None:
            for statement in [*read_write(bucket, name, read=["runs/*"], write=["runs/*"])]:
                self.answer.role.add_to_policy(statement)
        for fn in self.all:
            fn.role.add_to_policy(use_key(self.key))

    def _grant_parameters(self) -> None:
        stack = cdk.Stack.of(self)
        region, account = stack_region(self), stack_account(self)

        def arn(name: str) -> str:
            return parameter_arn(name, partition=stack.partition, region=region, account=account)

        settings = self.settings
        self.validate.role.add_to_policy(iam.PolicyStatement(actions=["ssm:GetParameter"],
                                                             resources=[arn(settings.pin_parameter)]))
        self.register.role.add_to_policy(iam.PolicyStatement(actions=["ssm:PutParameter", "ssm:AddTagsToResource"],
                                                             resources=[arn(settings.candidate_parameter)]))
        self.publish.role.add_to_policy(iam.PolicyStatement(
            actions=["ssm:PutParameter", "ssm:AddTagsToResource"],
            resources=[arn(settings.pin_parameter), arn(settings.served_parameter)]))

    def grant_publish(self, *, topic_arn: str, key: kms.IKey, pipeline_arn: str | None) -> None:
        """The alarm topic (KMS-encrypted), EventBridge's default bus, and the deploy pipeline if any."""
        role = self.publish.role
        stack = cdk.Stack.of(self)
        role.add_to_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=[topic_arn]))
        role.add_to_policy(iam.PolicyStatement(actions=["kms:GenerateDataKey", "kms:Decrypt"],
                                               resources=[key.key_arn]))
        role.add_to_policy(iam.PolicyStatement(
            actions=["events:PutEvents"],
            resources=[f"arn:{stack.partition}:events:{stack_region(self)}:{stack_account(self)}:event-bus/default"]))
        if pipeline_arn is not None:
            role.add_to_policy(iam.PolicyStatement(actions=["codepipeline:StartPipelineExecution"],
                                                   resources=[pipeline_arn]))

    def grant_bedrock(self, *, base_model_arn: str) -> None:
        """Bedrock's custom models, deployments and throughput have generated ids: scoped by type and account."""
        stack = cdk.Stack.of(self)
        prefix = f"arn:{stack.partition}:bedrock:{stack_region(self)}:{stack_account(self)}"
        deployments, throughput = f"{prefix}:custom-model-deployment/*", f"{prefix}:provisioned-model/*"
        models = f"{prefix}:custom-model/*"
        self.register.role.add_to_policy(iam.PolicyStatement(
            actions=["bedrock:GetModelCustomizationJob"], resources=[f"{prefix}:model-customization-job/*"]))
        if self.serve is not None:
            for actions, resources in ((["bedrock:CreateCustomModelDeployment"], [models, deployments]),
                                       (["bedrock:CreateProvisionedModelThroughput"], [models, throughput]),
                                       (["bedrock:GetCustomModelDeployment"], [deployments]),
                                       (["bedrock:GetProvisionedModelThroughput"], [throughput]),
                                       (["bedrock:TagResource"], [deployments, throughput])):
                self.serve.role.add_to_policy(iam.PolicyStatement(actions=actions, resources=resources))
        if self.answer is not None:
            self.answer.role.add_to_policy(iam.PolicyStatement(
                actions=["bedrock:InvokeModel"], resources=[base_model_arn, deployments, throughput]))
        self.publish.role.add_to_policy(iam.PolicyStatement(
            actions=["bedrock:DeleteCustomModelDeployment", "bedrock:DeleteProvisionedModelThroughput"],
            resources=[deployments, throughput]))
