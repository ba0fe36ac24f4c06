"""Resource types moto cannot create from a template, stood in for by placeholders — listed here, once.

A placeholder accepts the resource's properties, gives it a physical id and answers `Fn::GetAtt`, so
the stacks that reference it deploy; nothing behind it exists in the emulator. Every type the dev
templates use must either be one moto creates or be listed below with the reason;
`tests/rehearse/test_placeholders.py` pins this list, and the patched server refuses any other
type instead of skipping it the way moto does by default.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

# `Custom::*` stands for every custom resource type (CDK names them `Custom::<Something>`).
CUSTOM_RESOURCES = "Custom::*"

PLACEHOLDERS: dict[str, str] = {
    "AWS::ApplicationAutoScaling::ScalableTarget": "moto has no CloudFormation model for Application Auto Scaling",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "moto has no CloudFormation model for Application Auto Scaling",
    "AWS::AutoScaling::ScalingPolicy": "moto has no CloudFormation model for EC2 Auto Scaling policies",
    "AWS::Bedrock::ApplicationInferenceProfile": "moto has no CloudFormation model for Bedrock",
    "AWS::Bedrock::Guardrail": "moto has no CloudFormation model for Bedrock",
    "AWS::Bedrock::GuardrailVersion": "moto has no CloudFormation model for Bedrock",
    "AWS::CDK::Metadata": "CDK's usage metadata; not a resource AWS creates for the account",
    "AWS::CloudWatch::Alarm": "moto has no CloudFormation model for CloudWatch alarms",
    "AWS::CodeBuild::Project": "moto has no CloudFormation model for CodeBuild",
    "AWS::EC2::SecurityGroupEgress": "moto has no CloudFormation model for standalone egress rules",
    "AWS::Lambda::Url": "moto has no CloudFormation model for function URLs",
    "AWS::S3::BucketPolicy": "moto has no CloudFormation model for bucket policies",
    "AWS::S3Vectors::Index": "moto has no S3 Vectors service",
    "AWS::S3Vectors::VectorBucket": "moto has no S3 Vectors service",
    "AWS::SNS::Subscription": "moto has no CloudFormation model for standalone SNS subscriptions",
    "AWS::SNS::TopicPolicy": "moto has no CloudFormation model for topic policies",
    "AWS::SQS::QueuePolicy": "moto has no CloudFormation model for queue policies",
    "AWS::SageMaker::InferenceComponent": "moto has no CloudFormation model for inference components",
    "AWS::SecretsManager::Secret": "moto has no CloudFormation model for Secrets Manager secrets",
    CUSTOM_RESOURCES: "a custom resource runs its Lambda handler, which moto can execute only in Docker",
}

# Placeholder types whose `Ref` is an ARN on AWS, with the ARN's resource type.
REF_IS_ARN = {"AWS::SecretsManager::Secret": "secret"}


def placeholder_entry(resource_type: str) -> str | None:
    """The PLACEHOLDERS key that covers `resource_type`, or None when moto must create it."""
    if resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource":
        return CUSTOM_RESOURCES
    return resource_type if resource_type in PLACEHOLDERS else None


class Placeholder(CloudFormationModel):
    """Stands in for one resource of a PLACEHOLDERS type: keeps its properties, answers Ref and GetAtt."""

    def __init__(self, name: str, resource_type: str, properties: dict[str, Any], account_id: str,
                 region_name: str) -> None:
        self.name = name
        self.resource_type = resource_type
        self.properties = properties
        self.account_id = account_id
        self.region_name = region_name

    @property
    def physical_resource_id(self) -> str:
        """What `Ref` answers: the ARN for types whose `Ref` is their ARN on AWS (IAM policies
        referencing them must see an ARN), the generated name otherwise."""
        kind = REF_IS_ARN.get(self.resource_type)
        if kind is not None:
            service = self.resource_type.split("::")[1].lower()
            return f"arn:aws:{service}:{self.region_name}:{self.account_id}:{kind}:{self.name}"
        return self.name

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "Fmkit::Rehearse::Placeholder"  # never in a template: moto's type map must not route to it

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> Placeholder:
        return cls(resource_name, cloudformation_json["Type"], cloudformation_json.get("Properties", {}),
                   account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource: Placeholder, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> Placeholder:
        # Updated in place: the physical id stays, as it does for most updates on AWS.
        return cls(original_resource.name, cloudformation_json["Type"], cloudformation_json.get("Properties", {}),
                   account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> None:
        return None

    def delete(self, account_id: str, region_name: str) -> None:
        return None

    def is_created(self) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> str:
        """An ARN-shaped value for `*Arn` attributes, otherwise `<physical id>.<attribute>`."""
        if attribute_name.endswith("Arn"):
            service = self.resource_type.split("::")[1].lower()
            return f"arn:aws:{service}:{self.region_name}:{self.account_id}:placeholder/{self.name}"
        return f"{self.name}.{attribute_name}"
