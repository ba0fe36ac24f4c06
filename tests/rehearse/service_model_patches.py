"""Patches to moto's per-service CloudFormation models, applied in the emulator before it serves.

Each closes one gap met with fmkit's templates (moto 5.2.5) and says why. Where moto's model drops
a property the rehearsal reads back (bucket versioning, load balancer attributes, a function's
architecture), the patch applies it through the service's own backend after moto creates the
resource, so the read-back sees what a real deploy would set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.autoscaling.models import FakeScheduledAction
from moto.awslambda.models import LambdaFunction, LayerVersion
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.ec2.models.flow_logs import FlowLogsBackend
from moto.ec2.models.security_groups import SecurityGroupIngress
from moto.elbv2.models import FakeLoadBalancer, FakeTargetGroup, elbv2_backends
from moto.s3.models import FakeBucket, s3_backends
from moto.sagemaker.models import FakeEndpointConfig, SageMakerModelBackend

from fmkit.catalog.instances import all_instances
from tests.rehearse.cfn_engine_patches import PROPERTY_FIXES

AfterHook = Callable[[Any, dict[str, Any], str, str], None]


def _after_create_and_update(model_class: Any, hook: AfterHook) -> None:
    """Run `hook(resource, properties, account, region)` after moto creates or updates a resource."""
    create = model_class.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls: Any, /, name: str, cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str, **kwargs: Any) -> Any:
        resource = create(cls, name, cloudformation_json, account_id, region_name, **kwargs)
        hook(resource, cloudformation_json.get("Properties", {}), account_id, region_name)
        return resource

    model_class.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    update = model_class.update_from_cloudformation_json
    if hasattr(update, "__isabstractmethod__"):
        return
    update = update.__func__

    def update_from_cloudformation_json(cls: Any, /, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> Any:
        resource = update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        hook(resource, cloudformation_json.get("Properties", {}), account_id, region_name)
        return resource

    model_class.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)


def kms_tags(properties: dict[str, Any]) -> None:
    """KMS keys: CloudFormation takes tags as Key/Value, moto's KMS backend indexes TagKey/TagValue."""
    properties["Tags"] = [{"TagKey": tag["Key"], "TagValue": tag["Value"]} for tag in properties.get("Tags", [])]


def ssm_tags(properties: dict[str, Any]) -> None:
    """SSM parameters: CloudFormation takes tags as a map, moto's SSM backend wants a Key/Value list."""
    tags = properties.get("Tags")
    if isinstance(tags, dict):
        properties["Tags"] = [{"Key": key, "Value": value} for key, value in tags.items()]


def bucket_configuration(bucket: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
    """S3 buckets: moto's model applies the encryption algorithm and key but drops BucketKeyEnabled, and
    ignores VersioningConfiguration and PublicAccessBlockConfiguration."""
    backend = s3_backends[account_id]["aws"]
    rules = properties.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
    if rules and bucket.encryption and "BucketKeyEnabled" in rules[0]:
        bucket.encryption["Rule"]["BucketKeyEnabled"] = rules[0]["BucketKeyEnabled"]
    if "VersioningConfiguration" in properties:
        backend.put_bucket_versioning(bucket.name, properties["VersioningConfiguration"]["Status"])
    if "PublicAccessBlockConfiguration" in properties:
        block = {key: str(value).lower() for key, value in properties["PublicAccessBlockConfiguration"].items()}
        backend.put_public_access_block(bucket.name, block)


def load_balancer_attributes(balancer: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
    """ALBs: moto's model ignores LoadBalancerAttributes (idle timeout, access logs, header dropping)."""
    attributes = {item["Key"]: item["Value"] for item in properties.get("LoadBalancerAttributes", [])}
    if attributes:
        elbv2_backends[account_id][region_name].modify_load_balancer_attributes(balancer.arn, attributes)


def target_group_attributes(group: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
    """Target groups: moto's model ignores TargetGroupAttributes (deregistration delay, stickiness)."""
    attributes = {item["Key"]: item["Value"] for item in properties.get("TargetGroupAttributes", [])}
    if attributes:
        elbv2_backends[account_id][region_name].modify_target_group_attributes(group.arn, attributes)


def lambda_properties(function: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
    """Lambda functions: moto's model forwards a few properties to its backend and drops Architectures,
    TracingConfig and KmsKeyArn (every fmkit function is arm64)."""
    function.architectures = properties.get("Architectures", function.architectures)
    function.tracing_config = properties.get("TracingConfig", function.tracing_config)
    function.kms_key_arn = properties.get("KmsKeyArn", function.kms_key_arn)


def endpoint_config_properties(config: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
    """SageMaker endpoint configs: moto's model drops EnableNetworkIsolation and ExecutionRoleArn (set for
    inference-component endpoints); its describe call answers every attribute of the object."""
    for key, attribute in (("EnableNetworkIsolation", "enable_network_isolation"),
                           ("ExecutionRoleArn", "execution_role_arn")):
        if key in properties:
            setattr(config, attribute, properties[key])


def _target_group_get_att(target_group_class: Any) -> None:
    """`Fn::GetAtt` on a target group (CDK's request-count metrics use TargetGroupFullName): moto's target
    group answers no attribute. The values follow CloudFormation's documentation."""
    attributes: dict[str, Callable[[Any], Any]] = {
        "TargetGroupArn": lambda group: group.arn,
        "TargetGroupName": lambda group: group.name,
        "TargetGroupFullName": lambda group: group.arn.split(":", 5)[5],  # targetgroup/<name>/<id>
        "LoadBalancerArns": lambda group: list(getattr(group, "load_balancer_arns", [])),
    }

    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        if attribute_name not in attributes:
            raise UnformattedGetAttTemplateException()
        return attributes[attribute_name](self)

    target_group_class.get_cfn_attribute = get_cfn_attribute
    target_group_class.has_cfn_attr = classmethod(lambda cls, attribute: attribute in attributes)


def _load_balancer_full_name(load_balancer_class: Any) -> None:
    """`Fn::GetAtt LoadBalancerFullName` (CDK's load balancer metrics): not implemented by moto."""
    get = load_balancer_class.get_cfn_attribute

    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        if attribute_name == "LoadBalancerFullName":
            return self.arn.split(":", 5)[5].removeprefix("loadbalancer/")  # app/<name>/<id>
        return get(self, attribute_name)

    load_balancer_class.get_cfn_attribute = get_cfn_attribute


def _flow_logs_to_s3_prefix(backend_class: Any) -> None:
    """VPC flow logs to `arn:aws:s3:::bucket/prefix/`: moto looks the whole `bucket/prefix/` up as a bucket
    name. Check the bucket alone, then record the destination as sent."""
    create = backend_class.create_flow_logs

    def create_flow_logs(self: Any, resource_type: str, resource_ids: list[str], traffic_type: str,
                         permission_arn: str, destination_type: str, destination: str, *rest: Any) -> Any:
        if destination_type != "s3" or "/" not in (destination or ""):
            return create(self, resource_type, resource_ids, traffic_type, permission_arn, destination_type,
                          destination, *rest)
        flow_logs, unsuccessful = create(self, resource_type, resource_ids, traffic_type, permission_arn,
                                         destination_type, destination.split("/", 1)[0], *rest)
        for flow_log in flow_logs:
            flow_log.log_destination = destination
        return flow_logs, unsuccessful

    backend_class.create_flow_logs = create_flow_logs


def _sagemaker_instance_types_from_catalog(config_class: Any) -> None:
    """SageMaker endpoint configs: moto's instance-type list predates ml.g5/g6/c7g…; accept every type in
    fmkit's SageMaker catalog (what `fmkit validate` accepts) and keep moto's check for the rest."""
    validate = config_class.validate_instance_type
    known = set(all_instances("sagemaker"))

    def validate_instance_type(self: Any, instance_type: str) -> None:
        if instance_type not in known:
            validate(self, instance_type)

    config_class.validate_instance_type = validate_instance_type


def _variants_without_model(backend_class: Any) -> None:
    """Endpoint configs for inference components name no model in their variant (the component brings
    it); moto requires `ModelName` on every variant. Check the variants that name one."""
    validate = backend_class.validate_production_variants

    def validate_production_variants(self: Any, production_variants: list[dict[str, Any]]) -> None:
        validate(self, [variant for variant in production_variants if "ModelName" in variant])

    backend_class.validate_production_variants = validate_production_variants


def _physical_ids() -> None:
    """Resources moto creates without a physical id (CloudFormation reports one): a scheduled action is
    named by its name; an ingress rule by its group (moto keeps no rule id); a Lambda layer version by
    its version ARN (what `Ref` returns, so functions' `Layers` resolve)."""
    scheduled_action: Any = FakeScheduledAction
    ingress: Any = SecurityGroupIngress
    layer_version: Any = LayerVersion
    scheduled_action.physical_resource_id = property(lambda self: self.scheduled_action_name)
    ingress.physical_resource_id = property(lambda self: f"{self.security_group.id}/ingress")
    layer_version.physical_resource_id = property(lambda self: self.arn)


def apply() -> None:
    """Patch moto's service models in this process (once, before the server serves)."""
    PROPERTY_FIXES.setdefault("AWS::KMS::Key", []).append(kms_tags)
    PROPERTY_FIXES.setdefault("AWS::SSM::Parameter", []).append(ssm_tags)
    _after_create_and_update(FakeBucket, bucket_configuration)
    _after_create_and_update(FakeLoadBalancer, load_balancer_attributes)
    _after_create_and_update(FakeTargetGroup, target_group_attributes)
    _after_create_and_update(LambdaFunction, lambda_properties)
    _after_create_and_update(FakeEndpointConfig, endpoint_config_properties)
    _target_group_get_att(FakeTargetGroup)
    _load_balancer_full_name(FakeLoadBalancer)
    _flow_logs_to_s3_prefix(FlowLogsBackend)
    _sagemaker_instance_types_from_catalog(FakeEndpointConfig)
    _variants_without_model(SageMakerModelBackend)
    _physical_ids()
