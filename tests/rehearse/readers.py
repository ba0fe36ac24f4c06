"""Per resource type: the describe calls that read a deployed resource back, in its template's shape.

Each reader names the template keys it compares (`keys`); `extra` checks what has no template
counterpart of the same shape (a function's code against the published asset, user data).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from tests.rehearse.assembly import StackArtifact, literal_fragments
from tests.rehearse.compare import UNRESOLVED, Resolver, compare_properties

if TYPE_CHECKING:
    from tests.rehearse.emulator import Emulator

Extra = Callable[["Emulator", StackArtifact, dict[str, Any], dict[str, Any], str, Resolver], list[str]]


@dataclass(frozen=True)
class Reader:
    kind: str
    service: str
    keys: tuple[str, ...]
    read: Callable[[Any, str], dict[str, Any]]
    extra: Extra | None = None


def _optional(call: Callable[[], Any]) -> Any:
    """The call's answer, or None when the service says the configuration does not exist."""
    try:
        return call()
    except ClientError:
        return None


def read_bucket(s3: Any, name: str) -> dict[str, Any]:
    view: dict[str, Any] = {}
    encryption = _optional(lambda: s3.get_bucket_encryption(Bucket=name))
    if encryption:
        # The API calls the default `ApplyServerSideEncryptionByDefault`, the template `ServerSideEncryptionByDefault`.
        rules = [{"ServerSideEncryptionByDefault": rule.get("ApplyServerSideEncryptionByDefault", {}),
                  "BucketKeyEnabled": rule.get("BucketKeyEnabled", False)}
                 for rule in encryption["ServerSideEncryptionConfiguration"]["Rules"]]
        view["BucketEncryption"] = {"ServerSideEncryptionConfiguration": rules}
    versioning = s3.get_bucket_versioning(Bucket=name)
    if "Status" in versioning:
        view["VersioningConfiguration"] = {"Status": versioning["Status"]}
    block = _optional(lambda: s3.get_public_access_block(Bucket=name))
    if block:
        view["PublicAccessBlockConfiguration"] = block["PublicAccessBlockConfiguration"]
    tags = _optional(lambda: s3.get_bucket_tagging(Bucket=name))
    if tags:
        view["Tags"] = tags["TagSet"]
    return view


def read_function(lambda_client: Any, name: str) -> dict[str, Any]:
    answer = lambda_client.get_function(FunctionName=name)
    config = answer["Configuration"]
    return {
        "Runtime": config.get("Runtime"),
        "Handler": config.get("Handler"),
        "MemorySize": config.get("MemorySize"),
        "Timeout": config.get("Timeout"),
        "Architectures": config.get("Architectures"),
        "TracingConfig": config.get("TracingConfig"),
        "Environment": {"Variables": config.get("Environment", {}).get("Variables", {})},
        "_CodeLocation": answer["Code"].get("Location", ""),
        "_CodeSha256": config.get("CodeSha256"),
    }


def function_code_is_the_published_asset(emulator: Emulator, stack: StackArtifact, properties: dict[str, Any],
                                         actual: dict[str, Any], where: str, resolve: Resolver) -> list[str]:
    """The function runs the object the CLI published under the template's `Code.S3Key` (same bytes)."""
    code = properties.get("Code", {})
    if "S3Key" not in code:
        return []  # inline code (ZipFile): no asset to compare
    bucket = resolve(code["S3Bucket"]) if isinstance(code["S3Bucket"], dict) else code["S3Bucket"]
    if bucket is UNRESOLVED:
        return [f"{where}.Code.S3Bucket: cannot resolve {code['S3Bucket']!r}"]
    s3 = emulator.client("s3", stack.region)
    try:
        body = s3.get_object(Bucket=bucket, Key=code["S3Key"])["Body"].read()
    except ClientError as exc:
        return [f"{where}.Code: asset s3://{bucket}/{code['S3Key']} was not published ({exc})"]
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    problems = []
    if not actual["_CodeLocation"].endswith("/" + code["S3Key"]):
        problems.append(f"{where}.Code.S3Key: function code from {actual['_CodeLocation']!r}, "
                        f"template {code['S3Key']!r}")
    if digest != actual["_CodeSha256"]:
        problems.append(f"{where}.Code: CodeSha256 {actual['_CodeSha256']} is not the published asset's {digest}")
    return problems


def _name_of(arn_or_name: str) -> str:
    """SageMaker resources' physical ids are ARNs; the describe calls take names."""
    return arn_or_name.rsplit("/", 1)[-1]


def read_endpoint_config(sagemaker: Any, name: str) -> dict[str, Any]:
    answer = sagemaker.describe_endpoint_config(EndpointConfigName=_name_of(name))
    return {key: answer[key] for key in ("ProductionVariants", "KmsKeyId", "EnableNetworkIsolation") if key in answer}


def read_endpoint(sagemaker: Any, name: str) -> dict[str, Any]:
    return {"EndpointConfigName": sagemaker.describe_endpoint(EndpointName=_name_of(name))["EndpointConfigName"]}


def read_launch_template(ec2: Any, template_id: str) -> dict[str, Any]:
    versions = ec2.describe_launch_template_versions(LaunchTemplateId=template_id, Versions=["$Latest"])
    return {"LaunchTemplateData": versions["LaunchTemplateVersions"][0]["LaunchTemplateData"]}


LAUNCH_TEMPLATE_DATA_KEYS = ("InstanceType", "ImageId", "MetadataOptions", "Monitoring", "BlockDeviceMappings",
                             "SecurityGroupIds")


def launch_template_data_and_user_data(emulator: Emulator, stack: StackArtifact, properties: dict[str, Any],
                                       actual: dict[str, Any], where: str, resolve: Resolver) -> list[str]:
    """LaunchTemplateData key by key, and every literal line of the template's user data, in order."""
    expected = properties.get("LaunchTemplateData", {})
    data = actual["LaunchTemplateData"]
    problems = compare_properties(expected, data, LAUNCH_TEMPLATE_DATA_KEYS, f"{where}.LaunchTemplateData", resolve)
    if "UserData" in expected:
        user_data = base64.b64decode(data.get("UserData", "")).decode(errors="replace")
        position = 0
        for fragment in literal_fragments(expected["UserData"]):
            found = user_data.find(fragment, position)
            if found < 0:
                problems.append(f"{where}.UserData: {fragment[:60]!r}… not in the deployed user data (in order)")
                break
            position = found + len(fragment)
    return problems


def read_load_balancer(elbv2: Any, arn: str) -> dict[str, Any]:
    balancer = elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]
    attributes = elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    return {
        "Scheme": balancer.get("Scheme"),
        "Type": balancer.get("Type"),
        "Subnets": [zone["SubnetId"] for zone in balancer.get("AvailabilityZones", [])],
        "SecurityGroups": balancer.get("SecurityGroups", []),
        "LoadBalancerAttributes": attributes,
    }


def read_target_group(elbv2: Any, arn: str) -> dict[str, Any]:
    group = elbv2.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
    group["TargetGroupAttributes"] = elbv2.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]
    return dict(group)


def read_listener(elbv2: Any, arn: str) -> dict[str, Any]:
    return dict(elbv2.describe_listeners(ListenerArns=[arn])["Listeners"][0])


def read_auto_scaling_group(autoscaling: Any, name: str) -> dict[str, Any]:
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
    group["VPCZoneIdentifier"] = [subnet for subnet in group.get("VPCZoneIdentifier", "").split(",") if subnet]
    return dict(group)


def read_scheduled_action(autoscaling: Any, name: str) -> dict[str, Any]:
    actions = autoscaling.describe_scheduled_actions(ScheduledActionNames=[name])["ScheduledUpdateGroupActions"]
    return dict(actions[0]) if actions else {}


READERS: dict[str, Reader] = {
    "AWS::S3::Bucket": Reader("bucket", "s3", ("BucketEncryption", "VersioningConfiguration",
                                               "PublicAccessBlockConfiguration", "Tags"), read_bucket),
    "AWS::Lambda::Function": Reader("function", "lambda", ("Runtime", "Handler", "MemorySize", "Timeout",
                                                           "Architectures", "TracingConfig", "Environment"),
                                    read_function, function_code_is_the_published_asset),
    "AWS::SageMaker::EndpointConfig": Reader("endpoint config", "sagemaker",
                                             ("ProductionVariants", "KmsKeyId", "EnableNetworkIsolation"),
                                             read_endpoint_config),
    "AWS::SageMaker::Endpoint": Reader("endpoint", "sagemaker", ("EndpointConfigName",), read_endpoint),
    "AWS::EC2::LaunchTemplate": Reader("launch template", "ec2", (), read_launch_template,
                                       launch_template_data_and_user_data),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": Reader("load balancer", "elbv2", (
        "Scheme", "Type", "Subnets", "SecurityGroups", "LoadBalancerAttributes"), read_load_balancer),
    "AWS::ElasticLoadBalancingV2::TargetGroup": Reader("target group", "elbv2", (
        "Port", "Protocol", "TargetType", "VpcId", "HealthCheckPath", "HealthCheckIntervalSeconds",
        "HealthCheckTimeoutSeconds", "HealthyThresholdCount", "UnhealthyThresholdCount", "Matcher",
        "TargetGroupAttributes"), read_target_group),
    "AWS::ElasticLoadBalancingV2::Listener": Reader("listener", "elbv2", ("Port", "Protocol", "DefaultActions"),
                                                    read_listener),
    "AWS::AutoScaling::AutoScalingGroup": Reader("auto scaling group", "autoscaling", (
        "MinSize", "MaxSize", "VPCZoneIdentifier", "LaunchTemplate", "HealthCheckType", "HealthCheckGracePeriod",
        "TargetGroupARNs"), read_auto_scaling_group),
    "AWS::AutoScaling::ScheduledAction": Reader("scheduled action", "autoscaling", (
        "MinSize", "MaxSize", "DesiredCapacity", "Recurrence", "TimeZone"), read_scheduled_action),
}
