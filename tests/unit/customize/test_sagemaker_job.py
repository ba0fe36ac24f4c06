"""The CreateTrainingJob request: it cannot run here, so it is checked against botocore's API model.

botocore ships the SageMaker API definition; `validate_parameters` is the check boto3 applies
before sending, so a request that passes here has the right names, types and nesting.
"""

from __future__ import annotations

import dataclasses
import json

import botocore.session
import pytest
from botocore.validate import validate_parameters

from fmkit.catalog.sagemaker_images import ImageError
from fmkit.customize.sagemaker_job import (
    TRANSFORMERS_VERSION,
    TrainingJobSpec,
    create_training_job_request,
    known_hyperparameters,
    training_image,
)
from fmkit.customize.source_archive import TRAINING_DIR

SPEC = TrainingJobSpec(
    job_name="acme-dev-support-lora-20261128", role_arn="arn:aws:iam::111111111111:role/acme-training",
    region="eu-west-1", instance_type="ml.g5.2xlarge", source_uri="s3://acme-models/code/sourcedir.tar.gz",
    train_uri="s3://acme-data/support/train/", output_uri="s3://acme-models/customizations/support/",
    base_model="HuggingFaceTB/SmolLM2-135M-Instruct", validation_uri="s3://acme-data/support/validation/",
    hyperparameters={"method": "lora", "lora_r": 16, "epochs": 3, "learning_rate": 0.0002, "merge": True},
    spot=True, checkpoint_uri="s3://acme-models/checkpoints/support/", max_runtime_seconds=7200,
    max_wait_seconds=14400, kms_key_id="arn:aws:kms:eu-west-1:111111111111:key/abc",
    subnets=("subnet-1",), security_group_ids=("sg-1",), tags={"fmkit:project": "acme", "fmkit:environment": "dev"},
)


def validate(request: dict[str, object]) -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    shape = model.operation_model("CreateTrainingJob").input_shape
    assert shape is not None
    validate_parameters(request, shape)


def test_spot_request_with_checkpoints_is_a_valid_create_training_job() -> None:
    request = create_training_job_request(SPEC)
    validate(request)
    assert request["AlgorithmSpecification"]["TrainingImage"] == (
        "763104351884.dkr.ecr.eu-west-1.amazonaws.com/huggingface-pytorch-training:"
        "2.9.0-transformers5.3.0-gpu-py312-cu130-ubuntu22.04")
    assert request["EnableManagedSpotTraining"] is True
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 14400}
    assert request["CheckpointConfig"] == {"S3Uri": "s3://acme-models/checkpoints/support/",
                                           "LocalPath": "/opt/ml/checkpoints"}
    assert [c["ChannelName"] for c in request["InputDataConfig"]] == ["train", "validation"]
    assert request["OutputDataConfig"]["KmsKeyId"] == request["ResourceConfig"]["VolumeKmsKeyId"]
    assert request["VpcConfig"] == {"Subnets": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}
    assert {"Key": "fmkit:project", "Value": "acme"} in request["Tags"]


def test_hyperparameters_are_json_encoded_for_the_training_toolkit() -> None:
    hyperparameters = create_training_job_request(SPEC)["HyperParameters"]
    decoded = {key: json.loads(value) for key, value in hyperparameters.items()}  # what the toolkit does
    assert decoded["sagemaker_program"] == "train.py"
    assert decoded["sagemaker_submit_directory"] == "s3://acme-models/code/sourcedir.tar.gz"
    assert decoded["base_model"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert (decoded["lora_r"], decoded["learning_rate"], decoded["merge"]) == (16, 0.0002, True)
    assert all(isinstance(value, str) for value in hyperparameters.values())


def test_a_base_model_in_s3_is_the_model_channel() -> None:
    spec = dataclasses.replace(SPEC, base_model="s3://acme-models/base/smollm2/", spot=False, checkpoint_uri=None,
                               max_wait_seconds=None, subnets=(), security_group_ids=())
    request = create_training_job_request(spec)
    validate(request)
    assert request["InputDataConfig"][-1]["ChannelName"] == "model"
    assert "base_model" not in request["HyperParameters"]  # the script defaults to SM_CHANNEL_MODEL
    assert request["Environment"]["HF_HUB_OFFLINE"] == "1"
    assert "CheckpointConfig" not in request and "MaxWaitTimeInSeconds" not in request["StoppingCondition"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"hyperparameters": {"lora_rank": 8}}, "unknown hyperparameter"),
    ({"hyperparameters": {"train_dir": "/x"}}, "unknown hyperparameter"),
    ({"checkpoint_uri": None}, "spot training needs checkpoint_uri"),
    ({"max_wait_seconds": 60}, "max_wait_seconds must be >= max_runtime_seconds"),
    ({"spot": False, "checkpoint_uri": None}, "max_wait_seconds applies to spot training only"),
    ({"security_group_ids": ()}, "give both subnets and security_group_ids"),
])
def test_requests_that_cannot_work_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(SPEC, **changes)  # type: ignore[arg-type]


def test_known_hyperparameters_are_the_scripts_options_without_paths() -> None:
    known = known_hyperparameters()
    assert {"method", "lora_r", "max_steps", "merge", "merged_dtype"} <= known
    assert not known & {"train_dir", "model_dir", "checkpoint_dir", "base_model", "help"}


def test_the_image_is_gpu_only_and_matches_the_pinned_transformers() -> None:
    with pytest.raises(ImageError, match="no Hugging Face training image"):
        training_image("eu-west-1", "ml.c7i.4xlarge")
    assert f"transformers{TRANSFORMERS_VERSION}" in training_image("us-east-1", "ml.g6.xlarge").tag
    assert f"transformers=={TRANSFORMERS_VERSION}" in (TRAINING_DIR / "requirements.txt").read_text()
