"""One Graviton deployment: launch template, Auto Scaling group, load balancer, scaling, alarms.

Instances boot from the kit's bucket (see model_store.py). A launch lifecycle hook holds each new
instance — into service or into the warm pool — until its boot script sees `/health` answer 200
(the model is loaded), so the load balancer only ever registers instances that serve.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from constructs import Construct

from fmkit.catalog.instances import InstanceSpec
from fmkit.config import EnvironmentConfig
from fmkit.config.providers.graviton import GravitonDeployment
from stacks.common.names import pascal
from stacks.customization.served import served_gguf
from stacks.graviton.alarms import endpoint_alarms
from stacks.graviton.api_key import api_key_secret_arn
from stacks.graviton.build import llama_build_id
from stacks.graviton.exposure import listener, load_balancer, security_groups
from stacks.graviton.instance_role import InstanceGrants, instance_role
from stacks.graviton.model_store import ModelStore
from stacks.graviton.scaling import configure_scaling, instance_refresh, launch_hook
from stacks.graviton.user_data import (
    HEALTH_INTERVAL_SECONDS,
    HEALTH_TIMEOUT_SECONDS,
    HEALTHY_THRESHOLD,
    LIFECYCLE_HOOK_NAME,
    ROOT_IOPS,
    ROOT_THROUGHPUT_MIBPS,
    UNHEALTHY_THRESHOLD,
    BootSettings,
    boot_timeout_seconds,
    health_check_grace_seconds,
    lifecycle_heartbeat_seconds,
    model_file_name,
    render_user_data,
    root_volume_gib,
    server_args,
)
from stacks.nag import acknowledge
from stacks.platform import PlatformStack


class GravitonEndpoint(Construct):
    """llama.cpp on Graviton behind an ALB; exposes `base_url`, `consumer_security_group` (callers
    join it) and `api_key_secret_arn` (callers read it; None when the key is turned off)."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, deployment: GravitonDeployment,
                 spec: InstanceSpec, config: EnvironmentConfig, platform: PlatformStack, store: ModelStore) -> None:
        super().__init__(scope, construct_id)
        server, scaling = deployment.server, deployment.autoscaling
        artifacts = store.artifacts(self, name, deployment, spec.processor)
        model_uri, model_arn = store.model_location(name, deployment)
        model_sha256, model_arns = deployment.model.sha256, [model_arn]
        served = None
        if deployment.model.customization is not None:  # serves the promoted candidate once there is one
            served = served_gguf(self, config, deployment, initial_uri=model_uri, initial_arn=model_arn)
            model_uri, model_sha256, model_arns = served.uri, served.sha256, served.object_arns
        self.group_name = f"{config.stack_prefix}-{name}"
        grace = health_check_grace_seconds()
        if config.platform.vpc.egress == "none":
            # The instances release their launch hook through the Auto Scaling API.
            platform.network.interface_endpoint("AutoScaling", ec2.InterfaceVpcEndpointAwsService.AUTOSCALING)

        self.log_group = logs.LogGroup(
            self, "Logs", log_group_name=f"/fmkit/{config.project.name}/{config.name}/graviton/{name}",
            retention=platform.log_retention, encryption_key=platform.key, removal_policy=platform.removal_policy)
        self.log_group.node.default_child.override_logical_id(  # type: ignore[union-attr]
            f"Logs{pascal(name)}")
        self.api_key_secret_arn = api_key_secret_arn(self, name, server, platform.removal_policy)
        role = instance_role(self, name, deployment, InstanceGrants(
            object_arns=[*model_arns, store.llama_object_arn(deployment, spec.processor)], group_name=self.group_name,
            api_key_secret_arn=self.api_key_secret_arn, platform_key=platform.key, log_group=self.log_group))
        if served is not None:
            served.acknowledge(role)
        groups = security_groups(self, name, deployment, platform.vpc)
        self.consumer_security_group = groups.consumer

        settings = BootSettings(
            project=config.project.name, environment=config.name, deployment=name, region=config.region,
            llama_cpp_version=server.llama_cpp_version,
            llama_build_id=llama_build_id(server.llama_cpp_version, spec.processor),
            llama_tarball_uri=store.llama_uri(deployment, spec.processor),
            model_uri=model_uri, model_file=model_file_name(deployment), model_sha256=model_sha256,
            port=server.port, args=server_args(name, deployment, spec.vcpus), log_group=self.log_group.log_group_name,
            boot_timeout_seconds=boot_timeout_seconds(deployment.model.size_gib),
            publish_concurrency=scaling.target_concurrent_requests is not None,
            group_name=self.group_name, api_key_secret_arn=self.api_key_secret_arn,
        )
        self.launch_template = ec2.LaunchTemplate(
            self, "LaunchTemplate",
            machine_image=ec2.MachineImage.latest_amazon_linux2023(cpu_type=ec2.AmazonLinuxCpuType.ARM_64),
            instance_type=ec2.InstanceType(deployment.instance_type),
            role=role,
            security_group=groups.instances,
            user_data=ec2.UserData.custom(render_user_data(settings)),
            require_imdsv2=True,
            http_put_response_hop_limit=1,
            block_devices=[ec2.BlockDevice(device_name="/dev/xvda", volume=ec2.BlockDeviceVolume.ebs(
                root_volume_gib(deployment.model.size_gib), volume_type=ec2.EbsDeviceVolumeType.GP3,
                encrypted=True, iops=ROOT_IOPS, throughput=ROOT_THROUGHPUT_MIBPS, delete_on_termination=True))],
            detailed_monitoring=True,
            version_description=f"fmkit {name}: {deployment.instance_type}, llama.cpp {server.llama_cpp_version}",
        )

        # Load balancer, target group and alarms first: the group's update policy watches the alarms.
        self.load_balancer = load_balancer(self, name, deployment, platform, groups.load_balancer)
        http = listener(self.load_balancer, deployment)
        self.target_group = elbv2.ApplicationTargetGroup(
            http, "LlamaGroup", vpc=platform.vpc, port=server.port, protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.INSTANCE,
            deregistration_delay=cdk.Duration.seconds(min(server.max_generation_seconds, 3600)),
            health_check=elbv2.HealthCheck(
                path="/health", healthy_http_codes="200", interval=cdk.Duration.seconds(HEALTH_INTERVAL_SECONDS),
                timeout=cdk.Duration.seconds(HEALTH_TIMEOUT_SECONDS), healthy_threshold_count=HEALTHY_THRESHOLD,
                unhealthy_threshold_count=UNHEALTHY_THRESHOLD),
        )
        http.add_target_groups("Llama", target_groups=[self.target_group])
        alarms = endpoint_alarms(self, name, deployment.alarms, load_balancer=self.load_balancer,
                                 target_group=self.target_group, topic=platform.alarm_topic)

        self.group = autoscaling.AutoScalingGroup(
            self, "Group",
            auto_scaling_group_name=self.group_name,
            vpc=platform.vpc, vpc_subnets=platform.network.private_subnets,
            launch_template=self.launch_template,
            min_capacity=scaling.min, max_capacity=scaling.max,
            health_checks=autoscaling.HealthChecks.with_additional_checks(
                additional_types=[autoscaling.AdditionalHealthCheckType.ELB],
                grace_period=cdk.Duration.seconds(grace)),
            default_instance_warmup=cdk.Duration.seconds(grace),
            group_metrics=[autoscaling.GroupMetrics.all()],
            capacity_rebalance=False,
            # A failed rollout (unhealthy targets, 5xx) fails the refresh and rolls the stack back.
            update_policy=instance_refresh(grace, [alarms.unhealthy, alarms.errors]),
        )
        launch_hook(self.group, LIFECYCLE_HOOK_NAME, lifecycle_heartbeat_seconds(deployment.model.size_gib))
        self.group.attach_to_application_target_group(self.target_group)
        self.group.node.add_dependency(artifacts)
        acknowledge(self.group, "AwsSolutions-AS3",
                    "Launch failures surface as unhealthy-host alarms on the platform topic; ASG notifications "
                    "cannot publish to that KMS-encrypted topic without granting the autoscaling role the platform key")
        configure_scaling(self.group, scaling,
                          {"Project": config.project.name, "Environment": config.name, "Deployment": name})

        scheme = "https" if deployment.exposure.certificate_arn else "http"
        host = deployment.exposure.domain_name or self.load_balancer.load_balancer_dns_name
        self.base_url = f"{scheme}://{host}/v1"
