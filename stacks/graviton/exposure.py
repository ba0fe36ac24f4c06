"""Who reaches a Graviton endpoint: security groups, the load balancer and its listener.

Traffic goes consumers -> load balancer -> instances, nothing else. The load balancer admits the
consumer group the kit creates (its own functions join it; others may attach it), the consumer
security groups the config names, and only the client networks the config lists — never a
whole VPC by default, so a workload does not reach the model just by running in the VPC.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

from fmkit.config.providers.graviton import GravitonDeployment
from stacks.nag import acknowledge
from stacks.platform import PlatformStack

# The load balancer's idle timeout exceeds the longest answer by this much.
IDLE_MARGIN_SECONDS = 30


@dataclass(frozen=True)
class EndpointSecurityGroups:
    consumer: ec2.SecurityGroup
    load_balancer: ec2.SecurityGroup
    instances: ec2.SecurityGroup


def listen_port(deployment: GravitonDeployment) -> int:
    return 443 if deployment.exposure.certificate_arn else 80


def security_groups(scope: Construct, name: str, deployment: GravitonDeployment,
                    vpc: ec2.IVpc) -> EndpointSecurityGroups:
    exposure, port = deployment.exposure, listen_port(deployment)
    consumer = ec2.SecurityGroup(scope, "ConsumerSg", vpc=vpc, allow_all_outbound=False,
                                 description=f"Attach to clients of Graviton model {name}")
    alb = ec2.SecurityGroup(scope, "AlbSg", vpc=vpc, allow_all_outbound=False,
                            description=f"Load balancer of Graviton model {name}")
    instances = ec2.SecurityGroup(scope, "InstanceSg", vpc=vpc, allow_all_outbound=False,
                                  description=f"llama-server instances of {name} (HTTPS out to AWS APIs)")
    # S3, SSM, Secrets Manager, CloudWatch, Auto Scaling and the AL2023 package repos are all HTTPS.
    instances.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs and dnf repos")
    alb.add_ingress_rule(consumer, ec2.Port.tcp(port), "Consumers")
    consumer.add_egress_rule(alb, ec2.Port.tcp(port), f"To the {name} endpoint")
    for group_id in exposure.consumer_security_group_ids:
        alb.add_ingress_rule(ec2.Peer.security_group_id(group_id), ec2.Port.tcp(port),
                             f"Consumer group {group_id} (exposure.consumer_security_group_ids)")
    cidrs = exposure.allowed_cidrs or []
    for cidr in cidrs:
        alb.add_ingress_rule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(port), "Allowed clients (exposure.allowed_cidrs)")
    if "0.0.0.0/0" in cidrs:
        acknowledge(alb, "AwsSolutions-EC23",
                    "exposure.allowed_cidrs lists 0.0.0.0/0 explicitly in config (fmkit validate warns about it)")
    alb.add_egress_rule(instances, ec2.Port.tcp(deployment.server.port), "To llama-server")
    instances.add_ingress_rule(alb, ec2.Port.tcp(deployment.server.port), "From the load balancer")
    return EndpointSecurityGroups(consumer=consumer, load_balancer=alb, instances=instances)


def load_balancer(scope: Construct, name: str, deployment: GravitonDeployment, platform: PlatformStack,
                  group: ec2.SecurityGroup) -> elbv2.ApplicationLoadBalancer:
    """Idle timeout above the longest answer (`max_generation_seconds`), which is all that setting sets
    besides the deregistration delay: generation itself is bounded by `--n-predict`."""
    public = deployment.exposure.mode == "public"
    alb = elbv2.ApplicationLoadBalancer(
        scope, "LoadBalancer", vpc=platform.vpc, internet_facing=public, security_group=group,
        vpc_subnets=(ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC) if public
                     else platform.network.private_subnets),
        idle_timeout=cdk.Duration.seconds(
            min(deployment.server.max_generation_seconds + IDLE_MARGIN_SECONDS, 4000)),
        drop_invalid_header_fields=True,
    )
    alb.log_access_logs(platform.logs_bucket, f"alb/{name}")
    return alb


def listener(alb: elbv2.ApplicationLoadBalancer, deployment: GravitonDeployment) -> elbv2.ApplicationListener:
    port, arn = listen_port(deployment), deployment.exposure.certificate_arn
    if arn:
        return alb.add_listener("Https", port=port, protocol=elbv2.ApplicationProtocol.HTTPS, open=False,
                                certificates=[elbv2.ListenerCertificate.from_arn(arn)],
                                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS)
    return alb.add_listener("Http", port=port, protocol=elbv2.ApplicationProtocol.HTTP, open=False)
