"""The environment VPC: private subnets across ≥2 AZs, flow logs, and the endpoints it needs."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from fmkit.config.platform import VpcConfig

# With egress "none", instances and functions reach AWS only through these.
INTERFACE_ENDPOINTS = {
    "Ssm": ec2.InterfaceVpcEndpointAwsService.SSM,
    "SsmMessages": ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
    "Ec2Messages": ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "Monitoring": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
    "Sts": ec2.InterfaceVpcEndpointAwsService.STS,
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "EcrApi": ec2.InterfaceVpcEndpointAwsService.ECR,
    "EcrDocker": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
    "BedrockRuntime": ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME,
    "SageMakerRuntime": ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME,
}


class PlatformVpc(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: VpcConfig, zones: list[str],
                 flow_logs_bucket: s3.IBucket) -> None:
        super().__init__(scope, construct_id)
        private_type = (ec2.SubnetType.PRIVATE_WITH_EGRESS if config.egress == "nat"
                        else ec2.SubnetType.PRIVATE_ISOLATED)
        subnets = [ec2.SubnetConfiguration(name="private", subnet_type=private_type, cidr_mask=20)]
        if config.egress == "nat":
            subnets.insert(0, ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC,
                                                      cidr_mask=24))
        self.private_subnet_type = private_type
        self.vpc = ec2.Vpc(
            self, "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(config.cidr),
            # Given explicitly (see PlatformStack.availability_zones): with a concrete account and
            # region CDK would otherwise look them up in the account, which needs credentials.
            availability_zones=zones,
            nat_gateways=config.nat_gateways if config.egress == "nat" else 0,
            subnet_configuration=subnets,
            restrict_default_security_group=True,
        )
        self.vpc.add_flow_log("FlowLogs", destination=ec2.FlowLogDestination.to_s3(
            flow_logs_bucket, "vpc-flow-logs/"), traffic_type=ec2.FlowLogTrafficType.ALL)
        # Gateway endpoints are free and keep S3/DynamoDB traffic off the NAT gateway.
        self.vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3)
        self.vpc.add_gateway_endpoint("DynamoDb", service=ec2.GatewayVpcEndpointAwsService.DYNAMODB)
        self.endpoint_security_group: ec2.SecurityGroup | None = None
        if config.egress == "none":
            self.endpoint_security_group = ec2.SecurityGroup(
                self, "EndpointSg", vpc=self.vpc, allow_all_outbound=False,
                description="Interface endpoints: HTTPS from inside the VPC only",
            )
            # The configured CIDR literal (not the VPC's token), so cdk-nag can evaluate the rule.
            self.endpoint_security_group.add_ingress_rule(
                ec2.Peer.ipv4(config.cidr), ec2.Port.tcp(443), "HTTPS from the VPC")
            for name, service in INTERFACE_ENDPOINTS.items():
                self.vpc.add_interface_endpoint(
                    name, service=service, private_dns_enabled=True,
                    open=False,  # the security group above already allows HTTPS from the VPC
                    security_groups=[self.endpoint_security_group],
                    subnets=ec2.SubnetSelection(subnet_type=private_type),
                )

    def interface_endpoint(self, name: str,
                           service: ec2.InterfaceVpcEndpointAwsService) -> ec2.InterfaceVpcEndpoint | None:
        """One more interface endpoint a capability needs with egress "none" (created once, with the
        shared endpoints' security group); None when the VPC has egress and reaches the service anyway."""
        if self.endpoint_security_group is None:
            return None
        existing = self.vpc.node.try_find_child(name)
        if isinstance(existing, ec2.InterfaceVpcEndpoint):
            return existing
        return self.vpc.add_interface_endpoint(
            name, service=service, private_dns_enabled=True, open=False,
            security_groups=[self.endpoint_security_group],
            subnets=ec2.SubnetSelection(subnet_type=self.private_subnet_type),
        )

    @property
    def private_subnets(self) -> ec2.SubnetSelection:
        return ec2.SubnetSelection(subnet_type=self.private_subnet_type)
