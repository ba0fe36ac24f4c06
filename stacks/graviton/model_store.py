"""The kit's model bucket and the deploy-time job that fills it (llama.cpp build, Hub GGUF copy).

Doing this once per deploy (not per boot) keeps boot fast and internet-free, keeps the Hub
token off the instances, and makes every instance serve byte-identical files. The bucket is
versioned and the build role may read and write only the objects its deployments name (the
llama.cpp tarball and the Hub GGUF), so a build can neither delete nor replace anything else.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from fmkit.config.providers.graviton import GravitonDeployment
from stacks.common.buckets import encrypted_bucket_props
from stacks.common.python_lambda import PythonFunction
from stacks.graviton.build import build_environment, buildspec, hf_model_key, llama_key
from stacks.nag import acknowledge
from stacks.platform import PlatformStack

# A CloudFormation custom resource waits at most one hour (CDK Provider total_timeout cap):
# the build gets 50 minutes, the waiter 60.
BUILD_MINUTES = 50
BUILD_TIMEOUT = cdk.Duration.minutes(BUILD_MINUTES)
# An overwritten or deleted artifact stays recoverable this long.
NONCURRENT_VERSIONS = cdk.Duration.days(30)


class ModelStore(Construct):
    """Bucket + CodeBuild project + custom-resource provider shared by a stack's deployments."""

    def __init__(self, scope: Construct, construct_id: str, *, platform: PlatformStack) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self, "Bucket",
            **encrypted_bucket_props(key=platform.key, access_logs=platform.logs_bucket,
                                     log_prefix="s3/graviton-models/"),
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                                              noncurrent_version_expiration=NONCURRENT_VERSIONS)],
            removal_policy=platform.removal_policy,
        )
        # Stateful: pin the logical id so refactoring the construct tree never replaces it.
        self.bucket.node.default_child.override_logical_id("GravitonModelBucket")  # type: ignore[union-attr]

        build_logs = logs.LogGroup(self, "BuildLogs", retention=platform.log_retention,
                                   encryption_key=platform.key, removal_policy=cdk.RemovalPolicy.DESTROY)
        self.project = codebuild.Project(
            self, "Build",
            description="fmkit: build llama-server for Graviton and copy Hub GGUFs into the model bucket",
            build_spec=codebuild.BuildSpec.from_object(buildspec()),
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0,
                compute_type=codebuild.ComputeType.LARGE,
            ),
            encryption_key=platform.key,
            timeout=BUILD_TIMEOUT,
            logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=build_logs)),
        )
        stack = cdk.Stack.of(self)
        arn_prefix = f"arn:{stack.partition}"
        acknowledge(self.project, "AwsSolutions-IAM5",
                    "CodeBuild writes generated log streams and reports under this project's own log group and "
                    "report-group prefix; the GenerateDataKey*/ReEncrypt* actions come from CodeBuild's grant on "
                    "its encryption key (the platform key, which also encrypts the model bucket's objects)",
                    applies_to=[f"Resource::{arn_prefix}:logs:{stack.region}:{stack.account}:log-group:/aws/codebuild/"
                                f"<{_id(self.project)}>:*",
                                f"Resource::{arn_prefix}:codebuild:{stack.region}:{stack.account}:report-group/"
                                f"<{_id(self.project)}>-*",
                                "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*"])

        on_event = PythonFunction(self, "StartBuild", entry="graviton_artifacts", handler="handler.on_event",
                                  key=platform.key, log_retention=platform.log_retention,
                                  description="fmkit: start the Graviton artifact build")
        is_complete = PythonFunction(self, "PollBuild", entry="graviton_artifacts", handler="handler.is_complete",
                                     key=platform.key, log_retention=platform.log_retention,
                                     description="fmkit: wait for the Graviton artifact build")
        for fn in (on_event, is_complete):
            acknowledge(fn, "AwsSolutions-IAM5", "X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) "
                        "have no resource-level permissions", applies_to=["Resource::*"])
        on_event.function.add_to_role_policy(iam.PolicyStatement(
            actions=["codebuild:StartBuild"], resources=[self.project.project_arn]))
        is_complete.function.add_to_role_policy(iam.PolicyStatement(
            actions=["codebuild:BatchGetBuilds"], resources=[self.project.project_arn]))
        self.provider = cr.Provider(
            self, "Provider",
            on_event_handler=on_event.function,
            is_complete_handler=is_complete.function,
            query_interval=cdk.Duration.seconds(30),
            total_timeout=cdk.Duration.minutes(60),
            log_group=logs.LogGroup(self, "ProviderLogs", retention=platform.log_retention,
                                    encryption_key=platform.key, removal_policy=cdk.RemovalPolicy.DESTROY),
            provider_function_env_encryption=platform.key,
        )
        acknowledge(self.provider, "AwsSolutions-IAM4",
                    "The CDK Provider framework's own functions use AWSLambdaBasicExecutionRole for their logs",
                    applies_to=["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"])
        acknowledge(self.provider, "AwsSolutions-IAM5",
                    "The CDK Provider framework invokes the handler versions (':*') and its waiter state machine",
                    applies_to=[f"Resource::<{_fn_id(on_event)}.Arn>:*", f"Resource::<{_fn_id(is_complete)}.Arn>:*",
                                *(f"Resource::<{_id(self.provider.node.find_child(child))}.Arn>:*"
                                  for child in ("framework-isComplete", "framework-onTimeout"))])
        acknowledge(self.provider, "AwsSolutions-SF1",
                    "The Provider framework's waiter only polls the build; the build's own logs go to BuildLogs")
        acknowledge(self.provider, "AwsSolutions-SF2",
                    "The Provider framework's waiter state machine is a retry loop; the handlers are traced")
        acknowledge(self.provider, "AwsSolutions-L1",
                    "The Provider framework functions' runtime is chosen and maintained by aws-cdk-lib")

    def artifacts(self, scope: Construct, name: str, deployment: GravitonDeployment,
                  processor: str) -> cdk.CustomResource:
        """Run the job for one deployment; depend on the result before launching instances."""
        variables = build_environment(name, deployment, processor)
        props: dict[str, object] = {
            "ProjectName": self.project.project_name,
            "Bucket": self.bucket.bucket_name,
            "Variables": variables,
        }
        # Exactly the objects this run writes (HeadObject, to skip existing ones, needs GetObject).
        keys = [variables[key] for key in ("LLAMA_KEY", "MODEL_KEY") if key in variables]
        self.project.add_to_role_policy(iam.PolicyStatement(
            actions=["s3:GetObject", "s3:PutObject"], resources=[self.bucket.arn_for_objects(key) for key in keys]))
        hf = deployment.model.hf
        if hf is not None and hf.token_secret_arn:
            props["HfTokenSecretArn"] = hf.token_secret_arn
            self.project.add_to_role_policy(iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"], resources=[hf.token_secret_arn]))
        return cdk.CustomResource(scope, "Artifacts", service_token=self.provider.service_token,
                                  resource_type="Custom::FmkitGravitonArtifacts", properties=props)

    def llama_uri(self, deployment: GravitonDeployment, processor: str) -> str:
        return f"s3://{self.bucket.bucket_name}/{llama_key(deployment.server.llama_cpp_version, processor)}"

    def llama_object_arn(self, deployment: GravitonDeployment, processor: str) -> str:
        return self.bucket.arn_for_objects(llama_key(deployment.server.llama_cpp_version, processor))

    def model_location(self, name: str, deployment: GravitonDeployment) -> tuple[str, str]:
        """(s3:// URI, object ARN) of the GGUF this deployment serves."""
        key = hf_model_key(name, deployment)
        if key is not None:
            return f"s3://{self.bucket.bucket_name}/{key}", self.bucket.arn_for_objects(key)
        uri = str(deployment.model.s3_uri)
        bucket, object_key = uri.removeprefix("s3://").split("/", 1)
        partition = cdk.Stack.of(self).partition
        return uri, f"arn:{partition}:s3:::{bucket}/{object_key}"


def _id(construct: IConstruct) -> str:
    """Logical id of a construct's main CloudFormation resource (for nag applies_to)."""
    child = construct.node.default_child
    return str(cdk.Stack.of(construct).resolve(child.logical_id))  # type: ignore[union-attr]


def _fn_id(fn: PythonFunction) -> str:
    return _id(fn.function)
