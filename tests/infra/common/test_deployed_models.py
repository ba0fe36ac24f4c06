"""DeployedModels: deployment name → what a caller may do with it, whichever stack serves it."""

from __future__ import annotations

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from stacks.common.deployed_models import DeployedModels, UnknownDeployment, VpcEndpointAccess
from tests.infra.constructs import bare_stack

SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:fmkit/llama-key-AbCdEf"


def test_vpc_endpoint_access_joins_its_group_and_reads_only_its_key() -> None:
    stack = bare_stack()
    vpc = ec2.Vpc(stack, "Vpc", availability_zones=["eu-west-1a", "eu-west-1b"], nat_gateways=0)
    group = ec2.SecurityGroup(stack, "Consumers", vpc=vpc)
    role = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    models = DeployedModels()
    models.add("llama", VpcEndpointAccess(security_group=group, api_key_secret_arn=SECRET))
    models.add("open", VpcEndpointAccess(security_group=group))
    models.grant_invoke("llama", role)
    models.grant_invoke("open", role)
    assert models.consumer_security_groups(["llama", "open"]) == [group, group]
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET}]


def test_names_are_unique_and_unknown_names_fail_clearly() -> None:
    stack = bare_stack()
    vpc = ec2.Vpc(stack, "Vpc", availability_zones=["eu-west-1a", "eu-west-1b"], nat_gateways=0)
    access = VpcEndpointAccess(security_group=ec2.SecurityGroup(stack, "G", vpc=vpc))
    models = DeployedModels()
    models.add("b", access)
    models.add("a", access)
    assert models.names == ["a", "b"] and "a" in models and "c" not in models
    with pytest.raises(ValueError, match="served twice"):
        models.add("a", access)
    with pytest.raises(UnknownDeployment, match="'c'"):
        models.grant_invoke("c", iam.Role(stack, "R", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")))
    with pytest.raises(UnknownDeployment):
        models.consumer_security_groups(["a", "c"])
