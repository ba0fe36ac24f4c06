"""The `CreateTrainingJob` request that runs the kit's training script on SageMaker.

The request is built here, as plain data, and is what a Step Functions task
(`arn:aws:states:::sagemaker:createTrainingJob.sync`) or boto3 sends; tests validate it against
botocore's own model of the API, since the job itself cannot run without an AWS account.

- Image: the Hugging Face PyTorch *training* Deep Learning Container, resolved offline by
  sagemaker-core like the serving images in `fmkit.catalog.sagemaker_images`. Its transformers
  version is the one `training/requirements.txt` pins.
- Code: `sourcedir.tar.gz` from `source_archive`, named by the `sagemaker_program` and
  `sagemaker_submit_directory` hyperparameters; every hyperparameter is JSON-encoded, as the
  SageMaker Python SDK does, because the training toolkit JSON-decodes them before passing them
  to `train.py` as `--name value`.
- Data: channel `train` (and `validation`) from S3; the base model is a Hugging Face id (the
  container downloads it) or an S3 prefix given as channel `model` (no Hub access needed).
- Spot: managed spot training needs `MaxWaitTimeInSeconds` and a `CheckpointConfig`: SageMaker
  syncs `/opt/ml/checkpoints` to S3 and restores it on restart, and `train.py` resumes from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fmkit.catalog.sagemaker_images import ContainerImage, ImageError
from fmkit.customize.source_archive import ENTRY_POINT
from fmkit.customize.training.arguments import DEFAULT_CHECKPOINT_DIR, build_parser

# The newest Hugging Face PyTorch training image sagemaker-core ships (GPU only).
HF_TRAINING_FRAMEWORK = "huggingface"
TRANSFORMERS_VERSION = "5.3.0"
PYTORCH_VERSION = "pytorch2.9.0"
PY_VERSION = "py312"
# Paths the job's environment sets; everything else the script takes is a hyperparameter.
_PATH_ARGUMENTS = {"train_dir", "validation_dir", "model_dir", "output_data_dir", "checkpoint_dir", "base_model"}
METRIC_DEFINITIONS = (
    # The Trainer logs dicts such as {'loss': '0.4123', 'grad_norm': …}; values may be quoted.
    {"Name": "train:loss", "Regex": r"'loss': '?([0-9.eE+-]+)"},
    {"Name": "validation:loss", "Regex": r"'eval_loss': '?([0-9.eE+-]+)"},
)


def training_image(region: str, instance_type: str) -> ContainerImage:
    """The Hugging Face PyTorch training image for `instance_type` in `region` (offline)."""
    from sagemaker.core import image_uris  # heavy import: only when an image is needed

    try:
        uri = str(image_uris.retrieve(
            framework=HF_TRAINING_FRAMEWORK, region=region, version=TRANSFORMERS_VERSION,
            base_framework_version=PYTORCH_VERSION, py_version=PY_VERSION,
            instance_type=instance_type, image_scope="training",
        ))
    except (ValueError, KeyError) as exc:
        raise ImageError(f"no Hugging Face training image (transformers {TRANSFORMERS_VERSION}) for "
                         f"{instance_type} in {region}: {str(exc).splitlines()[0][:200]}") from exc
    return ContainerImage.from_uri(uri)


def known_hyperparameters() -> set[str]:
    """The script's own options minus the paths the environment provides."""
    parser = build_parser({})
    return {action.dest for action in parser._actions if action.dest != "help"} - _PATH_ARGUMENTS


@dataclass(frozen=True)
class TrainingJobSpec:
    job_name: str
    role_arn: str
    region: str
    instance_type: str
    source_uri: str  # s3://…/sourcedir.tar.gz (source_archive.write_source_archive)
    train_uri: str  # S3 prefix of the training JSONL
    output_uri: str  # S3 prefix; the job writes <job_name>/output/model.tar.gz under it
    base_model: str  # a Hugging Face model id, or an s3:// prefix of the model files
    validation_uri: str | None = None
    hyperparameters: Mapping[str, str | int | float | bool] = field(default_factory=dict)
    spot: bool = False
    checkpoint_uri: str | None = None
    max_runtime_seconds: int = 24 * 3600
    max_wait_seconds: int | None = None  # spot only: runtime plus time waiting for capacity
    volume_size_gb: int = 100
    instance_count: int = 1
    kms_key_id: str | None = None
    subnets: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.hyperparameters) - known_hyperparameters())
        if unknown:
            raise ValueError(f"unknown hyperparameter(s) {', '.join(unknown)}: train.py takes "
                             f"{', '.join(sorted(known_hyperparameters()))}")
        if self.spot and not self.checkpoint_uri:
            raise ValueError("spot training needs checkpoint_uri: without checkpoints an interrupted job restarts "
                             "from step 0")
        if self.max_wait_seconds is not None and not self.spot:
            raise ValueError("max_wait_seconds applies to spot training only")
        if self.spot and (self.max_wait_seconds or self.max_runtime_seconds) < self.max_runtime_seconds:
            raise ValueError("max_wait_seconds must be >= max_runtime_seconds")
        if bool(self.subnets) != bool(self.security_group_ids):
            raise ValueError("give both subnets and security_group_ids, or neither")

    @property
    def model_from_s3(self) -> bool:
        return self.base_model.startswith("s3://")


def _channel(name: str, uri: str, content_type: str | None) -> dict[str, Any]:
    channel: dict[str, Any] = {
        "ChannelName": name,
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri,
                                        "S3DataDistributionType": "FullyReplicated"}},
        "InputMode": "File",
    }
    if content_type:
        channel["ContentType"] = content_type
    return channel


def encoded_hyperparameters(spec: TrainingJobSpec) -> dict[str, str]:
    """Every hyperparameter JSON-encoded (strings quoted), plus the toolkit's own."""
    values: dict[str, Any] = {
        "sagemaker_program": ENTRY_POINT,
        "sagemaker_submit_directory": spec.source_uri,
        "sagemaker_region": spec.region,
        "sagemaker_container_log_level": 20,
        **dict(spec.hyperparameters),
    }
    if not spec.model_from_s3:
        values["base_model"] = spec.base_model
    return {key: json.dumps(value) for key, value in sorted(values.items())}


def create_training_job_request(spec: TrainingJobSpec, image: ContainerImage | None = None) -> dict[str, Any]:
    """The `CreateTrainingJob` parameters (PascalCase, as the API and Step Functions take them)."""
    image = image or training_image(spec.region, spec.instance_type)
    channels = [_channel("train", spec.train_uri, "application/jsonlines")]
    if spec.validation_uri:
        channels.append(_channel("validation", spec.validation_uri, "application/jsonlines"))
    if spec.model_from_s3:
        channels.append(_channel("model", spec.base_model, None))
    output: dict[str, Any] = {"S3OutputPath": spec.output_uri}
    resources: dict[str, Any] = {"InstanceType": spec.instance_type, "InstanceCount": spec.instance_count,
                                 "VolumeSizeInGB": spec.volume_size_gb}
    if spec.kms_key_id:
        output["KmsKeyId"] = spec.kms_key_id
        resources["VolumeKmsKeyId"] = spec.kms_key_id
    stopping: dict[str, Any] = {"MaxRuntimeInSeconds": spec.max_runtime_seconds}
    if spec.spot:
        stopping["MaxWaitTimeInSeconds"] = spec.max_wait_seconds or spec.max_runtime_seconds
    request: dict[str, Any] = {
        "TrainingJobName": spec.job_name,
        "RoleArn": spec.role_arn,
        "AlgorithmSpecification": {"TrainingImage": image.uri, "TrainingInputMode": "File",
                                   "MetricDefinitions": [dict(m) for m in METRIC_DEFINITIONS]},
        "HyperParameters": encoded_hyperparameters(spec),
        "InputDataConfig": channels,
        "OutputDataConfig": output,
        "ResourceConfig": resources,
        "StoppingCondition": stopping,
        "EnableManagedSpotTraining": spec.spot,
        # The toolkit pip-installs requirements.txt (and a Hub model is downloaded): the job needs egress.
        "EnableNetworkIsolation": False,
        "EnableInterContainerTrafficEncryption": spec.instance_count > 1,
        "Environment": {"HF_HUB_DISABLE_TELEMETRY": "1", **({"HF_HUB_OFFLINE": "1"} if spec.model_from_s3 else {})},
    }
    if spec.checkpoint_uri:
        request["CheckpointConfig"] = {"S3Uri": spec.checkpoint_uri, "LocalPath": DEFAULT_CHECKPOINT_DIR}
    if spec.subnets:
        request["VpcConfig"] = {"Subnets": list(spec.subnets), "SecurityGroupIds": list(spec.security_group_ids)}
    if spec.tags:
        request["Tags"] = [{"Key": key, "Value": value} for key, value in sorted(spec.tags.items())]
    return request
