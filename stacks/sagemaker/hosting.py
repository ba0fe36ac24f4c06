"""Model → endpoint config → endpoint (→ inference component) for one deployment.

Model and endpoint config are immutable in SageMaker, so CloudFormation names them and
replaces them on change; the endpoint keeps a name derived from config and a pinned
logical id, so clients and alarms survive updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from fmkit.catalog.instances import get_instance
from fmkit.catalog.sagemaker_hosting import has_local_nvme
from fmkit.catalog.sagemaker_images import ContainerImage
from fmkit.config.providers.sagemaker import SageMakerDeployment
from stacks.sagemaker.artifacts import ModelArtifacts

VARIANT = "AllTraffic"


# Where async requests and their outcomes live inside the deployment's own bucket.
ASYNC_INPUTS, ASYNC_RESULTS, ASYNC_FAILURES = "inputs", "results", "failures"


@dataclass(frozen=True)
class AsyncTopics:
    """SNS topics an async endpoint notifies when a request succeeds or fails."""

    success: sns.ITopic
    error: sns.ITopic


@dataclass(frozen=True)
class Network:
    subnet_ids: list[str]
    security_group_ids: list[str]


class Hosting(Construct):
    """The SageMaker resources that serve one deployment (mode decides which ones)."""

    def __init__(self, scope: Construct, construct_id: str, *, deployment: SageMakerDeployment,
                 image: ContainerImage, artifacts: ModelArtifacts, environment: dict[str, str],
                 role_arn: str, key: kms.IKey, endpoint_name: str, logical_prefix: str,
                 network: Network | None, capture_bucket: s3.IBucket | None,
                 async_bucket: s3.IBucket | None, async_topics: AsyncTopics | None = None) -> None:
        super().__init__(scope, construct_id)
        self.deployment = deployment
        self.endpoint_name = endpoint_name
        self.variant_name = VARIANT
        vpc_config = (sagemaker.CfnModel.VpcConfigProperty(subnets=network.subnet_ids,
                                                           security_group_ids=network.security_group_ids)
                      if network else None)
        self.model = sagemaker.CfnModel(
            self, "Model",
            execution_role_arn=role_arn,
            primary_container=self._container(image, artifacts, environment),
            enable_network_isolation=deployment.isolated and deployment.serverless is None,
            vpc_config=vpc_config,
        )
        self.config = sagemaker.CfnEndpointConfig(
            self, "Config",
            production_variants=[self._variant()],
            kms_key_id=key.key_arn if self._volume_encryptable() else None,
            data_capture_config=self._data_capture(capture_bucket, key),
            async_inference_config=self._async(async_bucket, key, async_topics),
            **self._component_host_props(role_arn, network),
        )
        self.endpoint = sagemaker.CfnEndpoint(self, "Endpoint", endpoint_name=endpoint_name,
                                              endpoint_config_name=self.config.attr_endpoint_config_name)
        self.endpoint.override_logical_id(f"{logical_prefix}Endpoint")
        self.component: sagemaker.CfnInferenceComponent | None = None
        self.component_name: str | None = None
        if deployment.mode == "inference-component":
            self._inference_component()

    def _container(self, image: ContainerImage, artifacts: ModelArtifacts,
                   environment: dict[str, str]) -> sagemaker.CfnModel.ContainerDefinitionProperty:
        data_source = None
        if artifacts.s3_uri and not artifacts.compressed:
            data_source = sagemaker.CfnModel.ModelDataSourceProperty(
                s3_data_source=sagemaker.CfnModel.S3DataSourceProperty(
                    s3_uri=artifacts.s3_uri, s3_data_type="S3Prefix", compression_type="None",
                    model_access_config=(sagemaker.CfnModel.ModelAccessConfigProperty(accept_eula=True)
                                         if artifacts.accept_eula else None),
                ))
        return sagemaker.CfnModel.ContainerDefinitionProperty(
            image=image.uri,
            environment=environment or None,
            model_data_source=data_source,
            model_data_url=artifacts.s3_uri if artifacts.compressed else None,
        )

    def _volume_encryptable(self) -> bool:
        """SageMaker rejects a KMS key for serverless and for instances with local NVMe storage."""
        return self.deployment.serverless is None and not has_local_nvme(self.deployment.instance_type)

    def _variant(self) -> sagemaker.CfnEndpointConfig.ProductionVariantProperty:
        d = self.deployment
        if d.serverless is not None:
            return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                variant_name=VARIANT, model_name=self.model.attr_model_name,
                serverless_config=sagemaker.CfnEndpointConfig.ServerlessConfigProperty(
                    memory_size_in_mb=d.serverless.memory_mb, max_concurrency=d.serverless.max_concurrency))
        component = d.mode == "inference-component"
        scaling = d.autoscaling
        return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=VARIANT,
            model_name=None if component else self.model.attr_model_name,
            instance_type=d.instance_type,
            initial_instance_count=max(1, scaling.min) if component and scaling else d.initial_instance_count,
            volume_size_in_gb=d.volume_size_gb,
            container_startup_health_check_timeout_in_seconds=None if component else d.startup_timeout_s,
            model_data_download_timeout_in_seconds=None if component else d.startup_timeout_s,
            routing_config=(sagemaker.CfnEndpointConfig.RoutingConfigProperty(
                routing_strategy="LEAST_OUTSTANDING_REQUESTS") if d.async_ is None else None),
            managed_instance_scaling=(sagemaker.CfnEndpointConfig.ManagedInstanceScalingProperty(
                status="ENABLED", min_instance_count=scaling.min, max_instance_count=scaling.max)
                if component and scaling else None),
        )

    def _component_host_props(self, role_arn: str, network: Network | None) -> dict[str, Any]:
        """Inference-component endpoints carry role, isolation and VPC on the endpoint config."""
        if self.deployment.mode != "inference-component":
            return {}
        return {
            "execution_role_arn": role_arn,
            "enable_network_isolation": self.deployment.isolated,
            "vpc_config": (sagemaker.CfnEndpointConfig.VpcConfigProperty(
                subnets=network.subnet_ids, security_group_ids=network.security_group_ids) if network else None),
        }

    def _data_capture(self, bucket: s3.IBucket | None,
                      key: kms.IKey) -> sagemaker.CfnEndpointConfig.DataCaptureConfigProperty | None:
        capture = self.deployment.data_capture
        if capture is None or bucket is None:
            return None
        return sagemaker.CfnEndpointConfig.DataCaptureConfigProperty(
            enable_capture=True,
            initial_sampling_percentage=capture.sampling_percent,
            destination_s3_uri=bucket.s3_url_for_object("data-capture"),
            kms_key_id=key.key_arn,
            capture_options=[sagemaker.CfnEndpointConfig.CaptureOptionProperty(capture_mode=mode.capitalize())
                             for mode in capture.capture],
        )

    def _async(self, bucket: s3.IBucket | None, key: kms.IKey,
               topics: AsyncTopics | None) -> sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty | None:
        config = self.deployment.async_
        if config is None or bucket is None:
            return None
        notification = None
        if topics is not None:
            notification = sagemaker.CfnEndpointConfig.AsyncInferenceNotificationConfigProperty(
                success_topic=topics.success.topic_arn, error_topic=topics.error.topic_arn,
                include_inference_response_in=(["SUCCESS_NOTIFICATION_TOPIC"]
                                               if config.include_response_in_notification else None))
        return sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty(
            output_config=sagemaker.CfnEndpointConfig.AsyncInferenceOutputConfigProperty(
                s3_output_path=bucket.s3_url_for_object(ASYNC_RESULTS),
                s3_failure_path=bucket.s3_url_for_object(ASYNC_FAILURES),
                kms_key_id=key.key_arn,
                notification_config=notification),
            client_config=sagemaker.CfnEndpointConfig.AsyncInferenceClientConfigProperty(
                max_concurrent_invocations_per_instance=config.max_concurrent_invocations_per_instance),
        )

    def _inference_component(self) -> None:
        d = self.deployment
        spec = get_instance(d.instance_type)
        gpus = spec.gpus if spec is not None else 0
        scaling = d.autoscaling
        self.component_name = f"{self.endpoint_name[:60]}-ic"
        self.component = sagemaker.CfnInferenceComponent(
            self, "Component",
            inference_component_name=self.component_name,
            endpoint_name=self.endpoint.attr_endpoint_name,
            variant_name=VARIANT,
            specification=sagemaker.CfnInferenceComponent.InferenceComponentSpecificationProperty(
                model_name=self.model.attr_model_name,
                compute_resource_requirements=(
                    sagemaker.CfnInferenceComponent.InferenceComponentComputeResourceRequirementsProperty(
                        number_of_accelerator_devices_required=gpus or None,
                        number_of_cpu_cores_required=None if gpus else 1,
                        min_memory_required_in_mb=1024)),
                startup_parameters=sagemaker.CfnInferenceComponent.InferenceComponentStartupParametersProperty(
                    container_startup_health_check_timeout_in_seconds=d.startup_timeout_s,
                    model_data_download_timeout_in_seconds=d.startup_timeout_s),
            ),
            runtime_config=sagemaker.CfnInferenceComponent.InferenceComponentRuntimeConfigProperty(
                copy_count=max(1, scaling.min) if scaling else 1),
        )

    @property
    def endpoint_arn(self) -> str:
        return cdk.Stack.of(self).format_arn(service="sagemaker", resource="endpoint",
                                             resource_name=self.endpoint_name.lower())


def security_group(scope: Construct, vpc: ec2.IVpc) -> ec2.SecurityGroup:
    """Egress only: SageMaker calls into the instance through its own control plane, not via the SG."""
    return ec2.SecurityGroup(scope, "SecurityGroup", vpc=vpc, allow_all_outbound=True,
                             description="SageMaker endpoint instances (egress only)")
