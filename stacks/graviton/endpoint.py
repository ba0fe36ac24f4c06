"""One Graviton deployment: launch template, Auto Scaling group, load balancer, scaling, alarms.

Instances boot from the kit's bucket (see model_store.py) and join the target group only
once llama-server answers /health, which it does after the model is loaded.
"""

from __future__ import annotations

from typing import cast as typing_cast

import aws_cdk as cdk
import jsii
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from fmkit.catalog.instances import InstanceSpec
from fmkit.config import EnvironmentConfig
from fmkit.config.providers.graviton import GravitonDeployment
from stacks.graviton.model_store import ModelStore
from stacks.graviton.user_data import (
    METRIC_NAMESPACE,
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
# Construct id of the singleton Lambda behind every AwsCustomResource in a stack (aws-cdk-lib).
SDK_CALL_FUNCTION_ID = "AWS679f53fac002430cb0da5b7982bd2287"
POOL_STATES = {"stopped": autoscaling.PoolState.STOPPED, "running": autoscaling.PoolState.RUNNING,
               "hibernated": autoscaling.PoolState.HIBERNATED}


class _LaunchTemplate(ec2.LaunchTemplate):
    """LaunchTemplate whose TagManager is visible from Python.

    jsii does not expose `LaunchTemplate.tags`, yet `TagManager.is_taggable` is true for it, so
    the MandatoryTags aspect (which reads `node.tags`) would fail on a plain LaunchTemplate.
    """

    @property
    def tags(self) -> cdk.TagManager:
        return typing_cast(cdk.TagManager, jsii.get(self, "tags"))


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
            f"Logs{_pascal(name)}")
        role = self._instance_role(name, deployment, platform, store, spec.processor, model_arn)

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
        cidrs = exposure.allowed_cidrs if exposure.allowed_cidrs is not None else (
            [vpc.vpc_cidr_block] if exposure.mode == "internal" else [])
        for cidr in cidrs:
            alb_sg.add_ingress_rule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(listen_port), "Allowed clients")
        if exposure.allowed_cidrs is None and exposure.mode == "internal":
            acknowledge(alb_sg, "AwsSolutions-EC23",
                        "Internal load balancer: ingress is the VPC CIDR (a token nag cannot evaluate), not 0.0.0.0/0")
        elif "0.0.0.0/0" in cidrs:
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
        self.launch_template = _LaunchTemplate(
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
        self._scaling(name, deployment, config)
        self._instance_refresh(grace)
        self._alarms(name, deployment, platform)

        scheme = "https" if exposure.certificate_arn else "http"
        host = exposure.domain_name or self.load_balancer.load_balancer_dns_name
        self.base_url = f"{scheme}://{host}/v1"

    def _instance_role(self, name: str, deployment: GravitonDeployment, platform: PlatformStack,
                       store: ModelStore, processor: str, model_arn: str) -> iam.Role:
        """Read the two objects it serves, write its logs and metric, talk to SSM. Nothing else."""
        role = iam.Role(self, "InstanceRole", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
                        description=f"fmkit Graviton instances of {name}")
        role.add_to_policy(iam.PolicyStatement(
            sid="ReadModelAndServer", actions=["s3:GetObject"],
            resources=[model_arn, store.llama_object_arn(deployment, processor)]))
        platform.key.grant_decrypt(role)
        if deployment.model.kms_key_arn:
            role.add_to_policy(iam.PolicyStatement(sid="DecryptOwnModel", actions=["kms:Decrypt"],
                                                   resources=[deployment.model.kms_key_arn]))
        if deployment.server.api_key_secret_arn:
            role.add_to_policy(iam.PolicyStatement(sid="ReadApiKey", actions=["secretsmanager:GetSecretValue"],
                                                   resources=[deployment.server.api_key_secret_arn]))
        self.log_group.grant_write(role)
        role.add_to_policy(iam.PolicyStatement(
            sid="PublishConcurrency", actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": METRIC_NAMESPACE}}))
        role.add_to_policy(iam.PolicyStatement(
            sid="SessionManager",
            actions=["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel",
                     "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
                     "ssmmessages:OpenDataChannel", "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage",
                     "ec2messages:FailMessage", "ec2messages:GetEndpoint", "ec2messages:GetMessages",
                     "ec2messages:SendReply"],
            resources=["*"]))
        acknowledge(role, "AwsSolutions-IAM5",
                    "SSM agent and PutMetricData do not support resource-level permissions (the metric is "
                    "restricted to the fmkit/Graviton namespace by condition); KMS grants use the platform key only",
                    applies_to=["Resource::*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*"])
        return role

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

    def _scaling(self, name: str, deployment: GravitonDeployment, config: EnvironmentConfig) -> None:
        """Track requests or concurrency, never CPU: generation pins every core at any load."""
        scaling = deployment.autoscaling
        if scaling.requests_target is not None:
            self.group.scale_on_request_count("RequestsPerInstance",
                                              target_requests_per_minute=scaling.requests_target)
        else:
            self.group.scale_to_track_metric(
                "ConcurrencyPerInstance",
                metric=cloudwatch.Metric(
                    namespace=METRIC_NAMESPACE, metric_name="ConcurrentRequests", statistic="Average",
                    period=cdk.Duration.minutes(1),
                    dimensions_map={"Project": config.project.name, "Environment": config.name, "Deployment": name}),
                target_value=float(scaling.target_concurrent_requests or 1))
        if scaling.warm_pool is not None:
            self.group.add_warm_pool(min_size=scaling.warm_pool.min_size,
                                     pool_state=POOL_STATES[scaling.warm_pool.state], reuse_on_scale_in=True)
        for schedule in scaling.schedules:
            self.group.scale_on_schedule(
                f"Schedule{_pascal(schedule.name)}", schedule=autoscaling.Schedule.expression(schedule.cron),
                time_zone=schedule.time_zone, min_capacity=schedule.min, max_capacity=schedule.max,
                desired_capacity=schedule.desired)

    def _instance_refresh(self, warmup_seconds: int) -> None:
        """Replace instances when the launch template changes (new AMI, model, flags), capacity first."""
        # The version is part of the call, so a new launch template version changes the resource's
        # properties and CloudFormation runs on_update (nothing runs on create: instances are new).
        version = self.launch_template.latest_version_number
        call = cr.AwsSdkCall(
            service="AutoScaling", action="startInstanceRefresh",
            parameters={"AutoScalingGroupName": self.group.auto_scaling_group_name, "Strategy": "Rolling",
                        "Preferences": {"MinHealthyPercentage": 100, "MaxHealthyPercentage": 200,
                                        "InstanceWarmup": warmup_seconds, "SkipMatching": True}},
            physical_resource_id=cr.PhysicalResourceId.of(f"refresh-{version}"),
        )
        stack = cdk.Stack.of(self)
        # On create the instances are new: only look at the group (the SDK call needs some call).
        look = cr.AwsSdkCall(
            service="AutoScaling", action="describeInstanceRefreshes",
            parameters={"AutoScalingGroupName": self.group.auto_scaling_group_name, "MaxRecords": 1},
            physical_resource_id=cr.PhysicalResourceId.of(f"refresh-{version}"),
        )
        refresh = cr.AwsCustomResource(
            self, "InstanceRefresh", on_create=look, on_update=call, install_latest_aws_sdk=False,
            policy=cr.AwsCustomResourcePolicy.from_statements([
                iam.PolicyStatement(
                    actions=["autoscaling:StartInstanceRefresh"],
                    resources=[stack.format_arn(
                        service="autoscaling", resource="autoScalingGroup",
                        resource_name=f"*:autoScalingGroupName/{self.group.auto_scaling_group_name}",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)]),
                iam.PolicyStatement(actions=["autoscaling:DescribeInstanceRefreshes"], resources=["*"]),
            ]),
        )
        group_id = stack.resolve(self.group.node.default_child.logical_id)  # type: ignore[union-attr]
        acknowledge(refresh, "AwsSolutions-IAM5",
                    "An Auto Scaling group ARN contains a generated id, so StartInstanceRefresh is pinned to this "
                    "group's name; DescribeInstanceRefreshes has no resource-level permissions",
                    applies_to=["Resource::*",
                                f"Resource::arn:{stack.partition}:autoscaling:{stack.region}:{stack.account}:"
                                f"autoScalingGroup:*:autoScalingGroupName/<{group_id}>"])
        singleton = stack.node.try_find_child(SDK_CALL_FUNCTION_ID)
        if singleton is not None:
            acknowledge(singleton, "AwsSolutions-IAM4",
                        "CDK's AwsCustomResource function uses AWSLambdaBasicExecutionRole for its own logs",
                        applies_to=["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                                    "AWSLambdaBasicExecutionRole"])

    def _alarms(self, name: str, deployment: GravitonDeployment, platform: PlatformStack) -> None:
        action = cw_actions.SnsAction(platform.alarm_topic)
        five = cdk.Duration.minutes(5)
        unhealthy = self.target_group.metrics.unhealthy_host_count(period=cdk.Duration.minutes(1)).create_alarm(
            self, "UnhealthyHosts", threshold=1, evaluation_periods=3,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"{name}: a llama-server target failed /health for 3 minutes")
        errors = cloudwatch.MathExpression(
            expression="FILL(target, 0) + FILL(elb, 0)", period=five,
            using_metrics={
                "target": self.load_balancer.metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT,
                                                                      period=five),
                "elb": self.load_balancer.metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=five),
            }).create_alarm(
            self, "Errors5xx", threshold=deployment.alarms.errors_5xx, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"{name}: 5xx responses from the load balancer or llama-server")
        latency = self.load_balancer.metrics.target_response_time(statistic="p95", period=five).create_alarm(
            self, "LatencyP95", threshold=deployment.alarms.p95_response_seconds, evaluation_periods=3,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"{name}: p95 response time above {deployment.alarms.p95_response_seconds:g}s")
        for alarm in (unhealthy, errors, latency):
            alarm.add_alarm_action(action)


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
