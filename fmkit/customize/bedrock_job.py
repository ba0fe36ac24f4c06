"""The Bedrock requests of a customization: the customization job and the throughput to serve it.

Bedrock custom models and provisioned throughput have no CloudFormation type, so the workflow
creates them through the SDK (a Step Functions task or a custom resource). The requests are
built here as plain data so they can be checked without an account: tests validate them
against botocore's model of the Bedrock API, the check boto3 applies before sending.

Both the job and the custom model it creates carry the tags (Bedrock's tag values are ASCII
only, checked here), so whatever bills can be found, attributed and removed.
Hyperparameter names and ranges differ per base model; the config rules check them against
the catalog before these requests are built. Bedrock takes them as strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

CustomizationType = Literal["FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION"]
Commitment = Literal["OneMonth", "SixMonths"]
# Bedrock's tag key/value pattern (TagKey/TagValue in the API reference): ASCII only.
TAG_PATTERN = re.compile(r"^[a-zA-Z0-9\s._:/=+@-]*$")


def _tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    bad = [f"{k}={v}" for k, v in tags.items() if not (TAG_PATTERN.match(k) and TAG_PATTERN.match(v))]
    if bad:
        raise ValueError(f"Bedrock rejects these tags (ASCII letters, digits, spaces and ._:/=+@- only): {bad}")
    return [{"key": key, "value": value} for key, value in sorted(tags.items())]


@dataclass(frozen=True)
class BedrockCustomizationSpec:
    job_name: str
    custom_model_name: str
    role_arn: str  # Bedrock assumes it to read the data and write the output (scoped to those prefixes)
    base_model_id: str  # a model the catalog marks customizable in the region
    customization_type: CustomizationType
    train_uri: str
    output_uri: str
    validation_uri: str | None = None
    hyperparameters: Mapping[str, str | int | float] = field(default_factory=dict)
    teacher_model_id: str | None = None  # distillation only
    max_response_tokens: int = 1000  # distillation: the teacher's answer length
    kms_key_id: str | None = None
    subnets: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.customization_type == "DISTILLATION") != (self.teacher_model_id is not None):
            raise ValueError("teacher_model_id is required for DISTILLATION and applies to it only")
        if bool(self.subnets) != bool(self.security_group_ids):
            raise ValueError("give both subnets and security_group_ids, or neither")
        _tags(self.tags)


def create_model_customization_job_request(spec: BedrockCustomizationSpec) -> dict[str, Any]:
    """`CreateModelCustomizationJob` parameters (camelCase, as the API and Step Functions take them)."""
    request: dict[str, Any] = {
        "jobName": spec.job_name,
        "customModelName": spec.custom_model_name,
        "roleArn": spec.role_arn,
        "baseModelIdentifier": spec.base_model_id,
        "customizationType": spec.customization_type,
        "trainingDataConfig": {"s3Uri": spec.train_uri},
        "outputDataConfig": {"s3Uri": spec.output_uri},
        "hyperParameters": {key: str(value) for key, value in sorted(spec.hyperparameters.items())},
    }
    if spec.validation_uri:
        request["validationDataConfig"] = {"validators": [{"s3Uri": spec.validation_uri}]}
    if spec.teacher_model_id:
        request["customizationConfig"] = {"distillationConfig": {"teacherModelConfig": {
            "teacherModelIdentifier": spec.teacher_model_id,
            "maxResponseLengthForInference": spec.max_response_tokens,
        }}}
    if spec.kms_key_id:
        request["customModelKmsKeyId"] = spec.kms_key_id
    if spec.subnets:
        request["vpcConfig"] = {"subnetIds": list(spec.subnets), "securityGroupIds": list(spec.security_group_ids)}
    if spec.tags:
        request["jobTags"] = _tags(spec.tags)
        request["customModelTags"] = _tags(spec.tags)
    return request


@dataclass(frozen=True)
class ProvisionedThroughputSpec:
    name: str
    model_id: str  # the custom model's ARN
    model_units: int
    commitment: Commitment | None = None  # None: no term, billed hourly until deleted
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.model_units < 1:
            raise ValueError("model_units must be >= 1")
        _tags(self.tags)


def create_provisioned_throughput_request(spec: ProvisionedThroughputSpec) -> dict[str, Any]:
    """`CreateProvisionedModelThroughput` parameters: what a custom model needs to be invoked."""
    request: dict[str, Any] = {"provisionedModelName": spec.name, "modelId": spec.model_id,
                               "modelUnits": spec.model_units}
    if spec.commitment:
        request["commitmentDuration"] = spec.commitment
    if spec.tags:
        request["tags"] = _tags(spec.tags)
    return request
