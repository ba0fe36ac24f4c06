"""PlatformVpc alone: private subnets in the given zones, flow logs to the given bucket, free
gateway endpoints, and with egress "none" interface endpoints instead of a NAT gateway."""

from __future__ import annotations

from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from fmkit.config.platform import VpcConfig
from stacks.network import INTERFACE_ENDPOINTS, PlatformVpc
from tests.infra.constructs import bare_stack

ZONES = ["eu-west-1a", "eu-west-1b"]


def build(config: VpcConfig) -> tuple[Template, PlatformVpc]:
    stack = bare_stack()
    network = PlatformVpc(stack, "Network", config=config, zones=ZONES, flow_logs_bucket=s3.Bucket(stack, "Logs"))
    return Template.from_stack(stack), network


def test_nat_egress_has_public_and_private_subnets_and_flow_logs() -> None:
    template, network = build(VpcConfig(cidr="10.1.0.0/16", nat_gateways=1))
    template.resource_count_is("AWS::EC2::NatGateway", 1)
    subnets = [s["Properties"] for s in template.find_resources("AWS::EC2::Subnet").values()]
    assert sorted(s["AvailabilityZone"] for s in subnets) == sorted(ZONES * 2)
    template.has_resource_properties("AWS::EC2::FlowLog", {"LogDestinationType": "s3", "TrafficType": "ALL"})
    endpoints = template.find_resources("AWS::EC2::VPCEndpoint")
    assert sorted(e["Properties"]["VpcEndpointType"] for e in endpoints.values()) == ["Gateway", "Gateway"]
    assert network.endpoint_security_group is None


def test_no_egress_means_interface_endpoints_and_no_nat() -> None:
    template, network = build(VpcConfig(egress="none"))
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.resource_count_is("AWS::EC2::InternetGateway", 0)
    interfaces = [e for e in template.find_resources("AWS::EC2::VPCEndpoint").values()
                  if e["Properties"]["VpcEndpointType"] == "Interface"]
    assert len(interfaces) == len(INTERFACE_ENDPOINTS)
    assert network.endpoint_security_group is not None
    template.has_resource_properties("AWS::EC2::SecurityGroup", {"SecurityGroupIngress": [
        {"CidrIp": "10.0.0.0/16", "FromPort": 443, "ToPort": 443, "IpProtocol": "tcp",
         "Description": "HTTPS from the VPC"}]})
