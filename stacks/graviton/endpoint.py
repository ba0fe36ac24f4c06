"""One Graviton deployment: launch template, Auto Scaling group, load balancer, scaling, alarms.

Instances boot from the kit's bucket (see model_store.py) and join the target group only
once llama-server answers /health, which it does after the model is loaded.
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
from stacks.graviton.alarms import endpoint_alarms
from stacks.graviton.instance_role import instance_role
from stacks.graviton.model_store import ModelStore
from stacks.graviton.scaling import configure_scaling, instance_refresh
from stacks.graviton.user_data import (
    ROOT_IOPS,
    ROOT_THROUGHPUT_MIBPS,
    BootSettings,
    boot_seconds,
    health_check_grace_seconds,
    model_file_name,
    render_user_data,
    root_volume_gib,
    server_args,
)
from stacks.nag import acknowledge
from stacks.platform import PlatformStack

IDLE_MARGIN_SECONDS = 30


class GravitonEndpoint(Construct):
    """llama.cpp on Graviton behind an ALB; exposes `base_url` and `consumer_security_group`."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, deployment: GravitonDeployment,
                 spec: InstanceSpec, config: EnvironmentConfig, platform: PlatformStack, store: ModelStore) -> None:
        super().__init__(scope, construct_id)
        server, scaling, exposure = deployment.server, deployment.autoscaling, deployment.exposure
        vpc = platform.vpc
        artifacts = store.artifacts(self, name, deployment, spec.processor)
        model_uri, model_arn = store.model_location(name, deployment)
        grace = health_check_grace_seconds(deployment.model.size_gib)

        self.log_group = logs.LogGroup(
            self, "Logs", log_group_name=f"/fmkit/{config.project.name}/{config.name}/graviton/{name}",
            retention=platform.log_retention, encryption_key=platform.key, removal_policy=platform.removal_policy)
        self.log_group.node.default_child.override_logical_id(  # type: ignore[union-attr]
            f"Logs{pascal(name)}")
        role = instance_role(self, name, deployment, platform_key=platform.key, log_group=self.log_group,
                             object_arns=[model_arn, store.llama_object_arn(deployment, spec.processor)])

        # Security groups: consumers -> ALB -> instances, nothing else.
        self.consumer_security_group = ec2.SecurityGroup(
            self, "ConsumerSg", vpc=vpc, allow_all_outbound=False,
            description=f"Attach to clients of Graviton model {name}")
        alb_sg = ec2.SecurityGroup(self, "AlbSg", vpc=vpc, allow_all_outbound=False,
                                   description=f"Load balancer of Graviton model {name}")
        instance_sg = ec2.SecurityGroup(self, "InstanceSg", vpc=vpc, allow_all_outbound=False,
                                        description=f"llama-server instances of {name} (HTTPS out to AWS APIs)")
        # S3, SSM, Secrets Manager, CloudWatch and the AL2023 package repos are all HTTPS.
        instance_sg.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs and dnf repos")
        listen_port = 443 if exposure.certificate_arn else 80
        alb_sg.add_ingress_rule(self.consumer_security_group, ec2.Port.tcp(listen_port), "Consumers")
        self.consumer_security_group.add_egress_rule(alb_sg, ec2.Port.tcp(listen_port), f"To the {name} endpoint")
        # Internal default: the VPC's CIDR from config (a literal, so cdk-nag can check the rule).
        cidrs = exposure.allowed_cidrs if exposure.allowed_cidrs is not None else (
            [config.platform.vpc.cidr] if exposure.mode == "internal" else [])
        for cidr in cidrs:
            alb_sg.add_ingress_rule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(listen_port), "Allowed clients")
        if "0.0.0.0/0" in cidrs:
            acknowledge(alb_sg, "AwsSolutions-EC23",
                        "exposure.allowed_cidrs lists 0.0.0.0/0 explicitly in config (fmkit validate warns about it)")
        alb_sg.add_egress_rule(instance_sg, ec2.Port.tcp(server.port), "To llama-server")
        instance_sg.add_ingress_rule(alb_sg, ec2.Port.tcp(server.port), "From the load balancer")

        settings = BootSettings(
            project=config.project.name, environment=config.name, deployment=name, region=config.region,
            llama_cpp_version=server.llama_cpp_version,
            llama_tarball_uri=store.llama_uri(deployment, spec.processor),
            model_uri=model_uri, model_file=model_file_name(deployment), port=server.port,
            args=server_args(name, deployment, spec.vcpus), log_group=self.log_group.log_group_name,
            boot_timeout_seconds=boot_seconds(deployment.model.size_gib) * 3,
            publish_concurrency=scaling.target_concurrent_requests is not None,
            api_key_secret_arn=server.api_key_secret_arn,
        )
        self.launch_template = ec2.LaunchTemplate(
            self, "LaunchTemplate",
            machine_image=ec2.MachineImage.latest_amazon_linux2023(cpu_type=ec2.AmazonLinuxCpuType.ARM_64),
            instance_type=ec2.InstanceType(deployment.instance_type),
            role=role,
            security_group=instance_sg,
            user_data=ec2.UserData.custom(render_user_data(settings)),
            require_imdsv2=True,
            http_put_response_hop_limit=1,
            block_devices=[ec2.BlockDevice(device_name="/dev/xvda", volume=ec2.BlockDeviceVolume.ebs(
                root_volume_gib(deployment.model.size_gib), volume_type=ec2.EbsDeviceVolumeType.GP3,
                encrypted=True, iops=ROOT_IOPS, throughput=ROOT_THROUGHPUT_MIBPS, delete_on_termination=True))],
            detailed_monitoring=True,
            version_description=f"fmkit {name}: {deployment.instance_type}, llama.cpp {server.llama_cpp_version}",
        )
        self.group = autoscaling.AutoScalingGroup(
            self, "Group",
            vpc=vpc, vpc_subnets=platform.network.private_subnets,
            launch_template=self.launch_template,
            min_capacity=scaling.min, max_capacity=scaling.max,
            health_checks=autoscaling.HealthChecks.with_additional_checks(
                additional_types=[autoscaling.AdditionalHealthCheckType.ELB],
                grace_period=cdk.Duration.seconds(grace)),
            default_instance_warmup=cdk.Duration.seconds(grace),
            group_metrics=[autoscaling.GroupMetrics.all()],
            capacity_rebalance=False,
        )
        self.group.node.add_dependency(artifacts)
        acknowledge(self.group, "AwsSolutions-AS3",
                    "Launch failures surface as unhealthy-host alarms on the platform topic; ASG notifications "
                    "cannot publish to that KMS-encrypted topic without granting the autoscaling role the platform key")

        self.load_balancer = self._load_balancer(name, deployment, platform, vpc, alb_sg)
        listener = self._listener(deployment, listen_port)
        self.target_group = listener.add_targets(
            "Llama", port=server.port, protocol=elbv2.ApplicationProtocol.HTTP, targets=[self.group],
            deregistration_delay=cdk.Duration.seconds(min(server.max_generation_seconds, 3600)),
            health_check=elbv2.HealthCheck(
                path="/health", healthy_http_codes="200", interval=cdk.Duration.seconds(15),
                timeout=cdk.Duration.seconds(5), healthy_threshold_count=2, unhealthy_threshold_count=3),
        )
        configure_scaling(self.group, scaling,
                          {"Project": config.project.name, "Environment": config.name, "Deployment": name})
        instance_refresh(self, self.group, self.launch_template, grace)
        endpoint_alarms(self, name, deployment.alarms, load_balancer=self.load_balancer,
                        target_group=self.target_group, topic=platform.alarm_topic)

        scheme = "https" if exposure.certificate_arn else "http"
        host = exposure.domain_name or self.load_balancer.load_balancer_dns_name
        self.base_url = f"{scheme}://{host}/v1"

    def _load_balancer(self, name: str, deployment: GravitonDeployment, platform: PlatformStack,
                       vpc: ec2.IVpc, alb_sg: ec2.SecurityGroup) -> elbv2.ApplicationLoadBalancer:
        public = deployment.exposure.mode == "public"
        alb = elbv2.ApplicationLoadBalancer(
            self, "LoadBalancer", vpc=vpc, internet_facing=public, security_group=alb_sg,
            vpc_subnets=(ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC) if public
                         else platform.network.private_subnets),
            idle_timeout=cdk.Duration.seconds(
                min(deployment.server.max_generation_seconds + IDLE_MARGIN_SECONDS, 4000)),
            drop_invalid_header_fields=True,
        )
        alb.log_access_logs(platform.logs_bucket, f"alb/{name}")
        return alb

    def _listener(self, deployment: GravitonDeployment, port: int) -> elbv2.ApplicationListener:
        arn = deployment.exposure.certificate_arn
        if arn:
            return self.load_balancer.add_listener(
                "Https", port=port, protocol=elbv2.ApplicationProtocol.HTTPS, open=False,
                certificates=[elbv2.ListenerCertificate.from_arn(arn)],
                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS)
        return self.load_balancer.add_listener("Http", port=port, protocol=elbv2.ApplicationProtocol.HTTP, open=False)
