"""`SageMakerModel`: everything one `provider: sagemaker` deployment gets, wired together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from fmkit.config.providers.sagemaker import SageMakerDeployment
from stacks.common.deployed_models import attach_managed_policy
from stacks.common.discovery import publish_endpoint
from stacks.common.naming import Naming
from stacks.common.platform_resources import PlatformResources
from stacks.common.stack_env import stack_region
from stacks.nag import acknowledge
from stacks.sagemaker.alarms import EndpointAlarms
from stacks.sagemaker.artifacts import model_artifacts, secret_environment
from stacks.sagemaker.hosting import (
    ASYNC_FAILURES,
    ASYNC_INPUTS,
    ASYNC_RESULTS,
    AsyncTopics,
    Hosting,
    Network,
    security_group,
)
from stacks.sagemaker.names import pascal, sagemaker_name
from stacks.sagemaker.role import ExecutionRole
from stacks.sagemaker.scaling import EndpointScaling
from stacks.sagemaker.storage import private_bucket


class SageMakerModel(Construct):
    """Role, model, endpoint (or inference component), scaling, alarms, outputs and discovery."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, deployment: SageMakerDeployment,
                 naming: Naming, platform: PlatformResources) -> None:
        super().__init__(scope, construct_id)
        logical = pascal(name)
        region = stack_region(self)
        self.endpoint_name = sagemaker_name(naming.project, naming.environment, name)
        self.image = deployment.serving_image(region)
        artifacts = model_artifacts(deployment, region)
        environment = {**artifacts.environment, **secret_environment(deployment)}
        self.execution = ExecutionRole(self, "Execution", image=self.image, artifacts=artifacts,
                                       endpoint_name=self.endpoint_name, key=platform.key, vpc=deployment.vpc)
        network = None
        if deployment.vpc:
            sg = security_group(self, platform.vpc)
            subnets = platform.vpc.select_subnets(subnet_type=platform.network.private_subnet_type)
            network = Network(subnet_ids=subnets.subnet_ids, security_group_ids=[sg.security_group_id])
        capture = self._bucket("DataCapture", logical, platform) if deployment.data_capture else None
        results = self._bucket("AsyncResults", logical, platform) if deployment.async_ else None
        self.async_bucket = results
        if capture is not None:
            self.execution.allow_bucket(capture, "data capture")
        if results is not None:
            self.execution.allow_bucket(results, "async result")
        self.async_topics: AsyncTopics | None = None
        if deployment.async_ is not None and deployment.async_.notifications:
            self.async_topics = AsyncTopics(
                success=self._topic("AsyncSuccessTopic", f"{self.endpoint_name}: async request succeeded", platform),
                error=self._topic("AsyncErrorTopic", f"{self.endpoint_name}: async request failed", platform))
            self.execution.allow_publish([self.async_topics.success, self.async_topics.error])
        self.hosting = Hosting(
            self, "Hosting", deployment=deployment, image=self.image, artifacts=artifacts, environment=environment,
            role_arn=self.execution.role.role_arn, key=platform.key, endpoint_name=self.endpoint_name,
            logical_prefix=logical, network=network, capture_bucket=capture, async_bucket=results,
            async_topics=self.async_topics,
        )
        # SageMaker checks image and artifact access when the model is created.
        policy = self.execution.role.node.try_find_child("DefaultPolicy")
        if policy is not None:
            self.hosting.model.node.add_dependency(policy)
        if deployment.autoscaling is not None and deployment.serverless is None:
            self.scaling: EndpointScaling | None = EndpointScaling(self, "Scaling", hosting=self.hosting,
                                                                   config=deployment.autoscaling)
        else:
            self.scaling = None
        EndpointAlarms(self, "Alarms", hosting=self.hosting, config=deployment.alarms, topic=platform.alarm_topic)
        self.consumer_policy = self._consumer_policy(name, deployment, platform)
        payload: dict[str, Any] = {
            "provider": "sagemaker", "endpoint_name": self.endpoint_name,
            "inference_component_name": self.hosting.component_name, "region": region,
        }
        if results is not None:  # async: where callers put requests and find results
            payload["async_input_s3_uri"] = results.s3_url_for_object(f"{ASYNC_INPUTS}/")
            payload["async_output_s3_uri"] = results.s3_url_for_object(f"{ASYNC_RESULTS}/")
        publish_endpoint(self, naming, name, payload)
        self._outputs(logical, region)

    def _bucket(self, kind: str, logical: str, platform: PlatformResources) -> s3.Bucket:
        return private_bucket(self, kind, key=platform.key, logs_bucket=platform.logs_bucket,
                              removal_policy=platform.removal_policy, logical_id=f"{logical}{kind}Bucket",
                              log_prefix=f"s3/{self.endpoint_name}-{kind.lower()}/")

    def _topic(self, construct_id: str, display_name: str, platform: PlatformResources) -> sns.Topic:
        return sns.Topic(self, construct_id, display_name=display_name[:100], master_key=platform.key,
                         enforce_ssl=True)

    def _consumer_policy(self, name: str, deployment: SageMakerDeployment,
                         platform: PlatformResources) -> iam.ManagedPolicy:
        actions = ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"]
        if deployment.async_ is not None:
            actions = ["sagemaker:InvokeEndpointAsync"]
        policy = iam.ManagedPolicy(
            self, "ConsumerPolicy", description=f"Invoke the fmkit SageMaker endpoint of {name} (only that)",
            statements=[iam.PolicyStatement(actions=actions, resources=[self.hosting.endpoint_arn])],
        )
        bucket = self.async_bucket
        if bucket is not None:
            # Async callers upload the request to S3, pass its URI, and read the outcome from S3.
            inputs = bucket.arn_for_objects(f"{ASYNC_INPUTS}/*")
            outcomes = [bucket.arn_for_objects(f"{ASYNC_RESULTS}/*"), bucket.arn_for_objects(f"{ASYNC_FAILURES}/*")]
            policy.add_statements(
                iam.PolicyStatement(sid="UploadAsyncRequests", actions=["s3:PutObject"], resources=[inputs]),
                iam.PolicyStatement(sid="ReadAsyncOutcomes", actions=["s3:GetObject"], resources=outcomes),
                iam.PolicyStatement(sid="UseBucketKey", actions=["kms:GenerateDataKey", "kms:Decrypt"],
                                    resources=[platform.key.key_arn],
                                    conditions={"StringEquals": {"kms:ViaService": f"s3.{self.region}.amazonaws.com"}}),
            )
            bucket_id = cdk.Stack.of(bucket).resolve(_cfn_bucket(bucket).logical_id)
            acknowledge(policy, "AwsSolutions-IAM5",
                        "async requests and results are objects with caller- and SageMaker-generated keys under "
                        "fixed prefixes of this deployment's own bucket",
                        applies_to=[f"Resource::<{bucket_id}.Arn>/{prefix}/*"
                                    for prefix in (ASYNC_INPUTS, ASYNC_RESULTS, ASYNC_FAILURES)])
        return policy

    @property
    def region(self) -> str:
        return cdk.Stack.of(self).region

    def grant_invoke(self, grantee: iam.IGrantable) -> None:
        """Let a function or role of this kit call the endpoint (attaches the consumer policy)."""
        attach_managed_policy(grantee, self.consumer_policy)

    @property
    def consumer_security_groups(self) -> Sequence[ec2.ISecurityGroup]:
        """Callers reach the endpoint through the SageMaker runtime API: no security group."""
        return ()

    def _outputs(self, logical: str, region: str) -> None:
        suffix = "async-invocations" if self.hosting.deployment.async_ else "invocations"
        cdk.CfnOutput(self, "EndpointName", value=self.endpoint_name, key=f"{logical}EndpointName",
                      description="SageMaker endpoint name")
        cdk.CfnOutput(self, "InvokeUrl", key=f"{logical}InvokeUrl",
                      value=f"https://runtime.sagemaker.{region}.amazonaws.com/endpoints/{self.endpoint_name}/{suffix}",
                      description="SigV4-signed POST target")
        cdk.CfnOutput(self, "ConsumerPolicyArn", key=f"{logical}ConsumerPolicyArn",
                      value=self.consumer_policy.managed_policy_arn,
                      description="Attach to callers: sagemaker:InvokeEndpoint on this endpoint only")
        if self.async_bucket is not None:
            cdk.CfnOutput(self, "AsyncInputS3Uri", key=f"{logical}AsyncInputS3Uri",
                          value=self.async_bucket.s3_url_for_object(f"{ASYNC_INPUTS}/"),
                          description="Upload async requests here and pass the object URI as InputLocation")
        if self.async_topics is not None:
            cdk.CfnOutput(self, "AsyncSuccessTopicArn", key=f"{logical}AsyncSuccessTopicArn",
                          value=self.async_topics.success.topic_arn, description="Notified when a request succeeds")
            cdk.CfnOutput(self, "AsyncErrorTopicArn", key=f"{logical}AsyncErrorTopicArn",
                          value=self.async_topics.error.topic_arn, description="Notified when a request fails")


def _cfn_bucket(bucket: s3.IBucket) -> s3.CfnBucket:
    child = bucket.node.default_child
    assert isinstance(child, s3.CfnBucket)
    return child
