"""Bedrock customization requests, validated against botocore's model of the Bedrock API (no account needed)."""

from __future__ import annotations

import dataclasses

import botocore.session
import pytest
from botocore.validate import validate_parameters

from fmkit.customize.bedrock_job import (
    BedrockCustomizationSpec,
    ProvisionedThroughputSpec,
    create_model_customization_job_request,
    create_provisioned_throughput_request,
)

SPEC = BedrockCustomizationSpec(
    job_name="acme-dev-support-ft-20261128", custom_model_name="acme-dev-support-20261128",
    role_arn="arn:aws:iam::111111111111:role/acme-bedrock-customization",
    base_model_id="amazon.nova-lite-v1:0:300k", customization_type="FINE_TUNING",
    train_uri="s3://acme-data/support/train.jsonl", output_uri="s3://acme-models/bedrock/support/",
    validation_uri="s3://acme-data/support/validation.jsonl",
    hyperparameters={"epochCount": 2, "learningRate": 0.00001, "batchSize": 1},
    kms_key_id="arn:aws:kms:us-east-1:111111111111:key/abc", subnets=("subnet-1",), security_group_ids=("sg-1",),
    tags={"fmkit:project": "acme", "fmkit:environment": "dev"},
)


def validate(operation: str, request: dict[str, object]) -> None:
    shape = botocore.session.get_session().get_service_model("bedrock").operation_model(operation).input_shape
    assert shape is not None
    validate_parameters(request, shape)


def test_fine_tuning_job_request() -> None:
    request = create_model_customization_job_request(SPEC)
    validate("CreateModelCustomizationJob", request)
    assert request["hyperParameters"] == {"batchSize": "1", "epochCount": "2", "learningRate": "1e-05"}
    assert request["validationDataConfig"] == {"validators": [{"s3Uri": "s3://acme-data/support/validation.jsonl"}]}
    assert request["jobTags"] == request["customModelTags"] == [
        {"key": "fmkit:environment", "value": "dev"}, {"key": "fmkit:project", "value": "acme"}]
    assert request["vpcConfig"] == {"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]}
    assert "customizationConfig" not in request


def test_distillation_names_its_teacher() -> None:
    spec = dataclasses.replace(SPEC, customization_type="DISTILLATION", hyperparameters={},
                               teacher_model_id="us.amazon.nova-premier-v1:0", validation_uri=None)
    request = create_model_customization_job_request(spec)
    validate("CreateModelCustomizationJob", request)
    assert request["customizationConfig"]["distillationConfig"]["teacherModelConfig"] == {
        "teacherModelIdentifier": "us.amazon.nova-premier-v1:0", "maxResponseLengthForInference": 1000}


def test_provisioned_throughput_request() -> None:
    spec = ProvisionedThroughputSpec(name="acme-dev-support", model_id="arn:aws:bedrock:us-east-1:111111111111:"
                                     "custom-model/amazon.nova-lite-v1:0:300k/abc", model_units=1,
                                     tags={"fmkit:project": "acme"})
    request = create_provisioned_throughput_request(spec)
    validate("CreateProvisionedModelThroughput", request)
    assert "commitmentDuration" not in request  # no term: hourly, and deletable at any time
    committed = create_provisioned_throughput_request(dataclasses.replace(spec, commitment="OneMonth"))
    assert committed["commitmentDuration"] == "OneMonth"


@pytest.mark.parametrize(("changes", "message"), [
    ({"customization_type": "DISTILLATION"}, "teacher_model_id is required"),
    ({"teacher_model_id": "x"}, "teacher_model_id is required"),
    ({"security_group_ids": ()}, "give both"),
    ({"tags": {"owner": "Zoë"}}, "Bedrock rejects these tags"),
])
def test_requests_bedrock_would_reject_are_refused_here(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(SPEC, **changes)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="model_units"):
        ProvisionedThroughputSpec(name="n", model_id="m", model_units=0)
