"""The conversion build of a sagemaker-peft customization: CodeBuild on arm64 Amazon Linux 2023.

It turns the job's merged model into the quantized GGUF the Graviton deployment serves (with
llama.cpp's own tools from the pinned source the deployment runs), writes it with its sha256,
and has both the candidate and the served GGUF answer the holdout on the same llama-server —
the way the instances serve. Its role reads the job's output, the served GGUFs and the run's
holdout, and writes only the run's GGUF, answers and manifest (and the llama.cpp build cache).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from fmkit.config.customization import SageMakerPeftCustomization
from fmkit.config.providers.graviton import GravitonDeployment
from stacks.common.platform_resources import PlatformResources
from stacks.customization.access import data_object_arn, read_write, use_key
from stacks.customization.conversion_spec import buildspec, project_environment
from stacks.nag import acknowledge

BUILD_TIMEOUT = cdk.Duration.hours(4)
LLAMA_CACHE = "llama.cpp/*"


class ConversionBuild(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, name: str, custom: SageMakerPeftCustomization,
                 serving: GravitonDeployment, bucket: s3.IBucket, platform: PlatformResources) -> None:
        super().__init__(scope, construct_id)
        quantization = custom.output.gguf.quantization
        variables = {"BUCKET": codebuild.BuildEnvironmentVariable(value=bucket.bucket_name)}
        variables.update({key: codebuild.BuildEnvironmentVariable(value=value)
                          for key, value in project_environment(name, quantization, serving).items()})
        token = serving.model.hf.token_secret_arn if serving.model.hf is not None else None
        if token:
            variables["HF_TOKEN"] = codebuild.BuildEnvironmentVariable(
                value=token, type=codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER)
        log_group = logs.LogGroup(self, "Logs", retention=platform.log_retention, encryption_key=platform.key,
                                  removal_policy=cdk.RemovalPolicy.DESTROY)
        self.project = codebuild.Project(
            self, "Project",
            description=f"fmkit customization {name}: GGUF conversion and holdout answers (llama.cpp)",
            build_spec=codebuild.BuildSpec.from_object(buildspec(name, quantization)),
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0,
                compute_type=codebuild.ComputeType.LARGE, environment_variables=variables),
            encryption_key=platform.key, timeout=BUILD_TIMEOUT,
            logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=log_group)),
        )
        self._grant(name, serving, bucket, platform, token)

    def _grant(self, name: str, serving: GravitonDeployment, bucket: s3.IBucket, platform: PlatformResources,
               token: str | None) -> None:
        statements = [*read_write(bucket, name, read=["training/*", "gguf/*", "runs/*"],
                                  write=["gguf/*", "runs/*"]),
                      iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject"],
                                          resources=[bucket.arn_for_objects(LLAMA_CACHE)]),
                      use_key(platform.key)]
        if serving.model.s3_uri is not None:  # what serves before the first promotion
            statements.append(iam.PolicyStatement(actions=["s3:GetObject"],
                                                  resources=[data_object_arn(self, serving.model.s3_uri)]))
            if serving.model.kms_key_arn:
                statements.append(iam.PolicyStatement(actions=["kms:Decrypt"], resources=[serving.model.kms_key_arn]))
        if token:
            statements.append(iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[token]))
        for statement in statements:
            self.project.add_to_role_policy(statement)
        stack = cdk.Stack.of(self)
        project_id = stack.resolve(self.project.node.default_child.logical_id)  # type: ignore[union-attr]
        bucket_id = stack.resolve(bucket.node.default_child.logical_id)  # type: ignore[union-attr]
        acknowledge(self.project, "AwsSolutions-IAM5",
                    "CodeBuild writes generated log streams and reports under this project's own log group and "
                    "report-group prefix; objects are named per run under this customization's prefixes and the "
                    "llama.cpp build cache; GenerateDataKey*/ReEncrypt* come from CodeBuild's grant on its "
                    "encryption key (the platform key)",
                    applies_to=[f"Resource::arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:"
                                f"/aws/codebuild/<{project_id}>:*",
                                f"Resource::arn:{stack.partition}:codebuild:{stack.region}:{stack.account}:"
                                f"report-group/<{project_id}>-*",
                                *(f"Resource::<{bucket_id}.Arn>/customizations/{name}/{part}"
                                  for part in ("training/*", "gguf/*", "runs/*")),
                                f"Resource::<{bucket_id}.Arn>/{LLAMA_CACHE}",
                                "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*"])
