"""`SageMakerModel`: everything one `provider: sagemaker` deployment gets, wired together."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from fmkit.config import EnvironmentConfig
from fmkit.config.providers.sagemaker import SageMakerDeployment
from fmkit.sagemaker_images import resolve_image
from stacks.common.discovery import publish_endpoint
from stacks.platform import PlatformStack
from stacks.sagemaker.alarms import EndpointAlarms
from stacks.sagemaker.artifacts import model_artifacts, secret_environment
from stacks.sagemaker.hosting import Hosting, Network, security_group
from stacks.sagemaker.names import pascal, sagemaker_name
from stacks.sagemaker.role import ExecutionRole
from stacks.sagemaker.scaling import EndpointScaling
from stacks.sagemaker.storage import private_bucket
from stacks.tagging import MandatoryTags, mandatory_tags, tag_deployment


class SageMakerModel(Construct):
    """Role, model, endpoint (or inference component), scaling, alarms, outputs and discovery."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, deployment: SageMakerDeployment,
                 config: EnvironmentConfig, platform: PlatformStack) -> None:
        super().__init__(scope, construct_id)
        logical = pascal(name)
        self.endpoint_name = sagemaker_name(config.project.name, config.name, name)
        self.image = resolve_image(deployment, config.region)
        artifacts = model_artifacts(deployment, config.region)
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
        if capture is not None:
            self.execution.allow_bucket(capture, "data capture")
        if results is not None:
            self.execution.allow_bucket(results, "async result")
        self.hosting = Hosting(
            self, "Hosting", deployment=deployment, image=self.image, artifacts=artifacts, environment=environment,
            role_arn=self.execution.role.role_arn, key=platform.key, endpoint_name=self.endpoint_name,
            logical_prefix=logical, network=network, capture_bucket=capture, async_bucket=results,
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
        self.consumer_policy = self._consumer_policy(name, deployment)
        publish_endpoint(self, config, name, {
            "provider": "sagemaker", "endpoint_name": self.endpoint_name,
            "inference_component_name": self.hosting.component_name, "region": config.region,
        })
        self._outputs(logical, config.region)
        tag_deployment(self, name, deployment, config)
        # The MandatoryTags aspect sees only ITaggable; newer L1s (CfnInferenceComponent) are
        # ITaggableV2, which Tags.of() covers — same keys, values and priority.
        for key, value in mandatory_tags(config).items():
            cdk.Tags.of(self).add(key, value, priority=MandatoryTags.PRIORITY)

    def _bucket(self, kind: str, logical: str, platform: PlatformStack) -> s3.Bucket:
        return private_bucket(self, kind, key=platform.key, logs_bucket=platform.logs_bucket,
                              removal_policy=platform.removal_policy, logical_id=f"{logical}{kind}Bucket",
                              log_prefix=f"s3/{self.endpoint_name}-{kind.lower()}/")

    def _consumer_policy(self, name: str, deployment: SageMakerDeployment) -> iam.ManagedPolicy:
        actions = ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"]
        if deployment.async_ is not None:
            actions = ["sagemaker:InvokeEndpointAsync"]
        return iam.ManagedPolicy(
            self, "ConsumerPolicy", description=f"Invoke the fmkit SageMaker endpoint of {name} (only that)",
            statements=[iam.PolicyStatement(actions=actions, resources=[self.hosting.endpoint_arn])],
        )

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
