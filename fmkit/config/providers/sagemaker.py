"""`provider: sagemaker` — an open model on a SageMaker endpoint (real-time, serverless or async).

Field shapes are checked here; checks across fields, catalogs or the region live in
`fmkit/validate/sagemaker.py`, which can point at the exact offending key.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from fmkit.catalog.jumpstart import get_jumpstart_model
from fmkit.catalog.sagemaker_hosting import GPU_ONLY_FRAMEWORKS
from fmkit.catalog.sagemaker_images import ContainerImage, ImageSource, resolve_image
from fmkit.config.base import Strict, config_error
from fmkit.config.deployment_base import CapacityChange, DeploymentBase
from fmkit.config.schedules import NEW_SHAPE, CapacitySchedule, check_unique_names

Framework = Literal["tgi", "lmi", "vllm", "llama-cpp", "tei"]
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,1023}$")
S3_URI_RE = re.compile(r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$")
# Variable names that hold credentials (HF_TOKEN, API_KEY…), but not e.g. MAX_TOTAL_TOKENS.
SECRET_ENV_RE = re.compile(r"(^|_)(TOKEN|SECRET|PASSWORD|API_KEY|ACCESS_KEY)$")
# Secrets Manager: a full ARN or a name (letters, digits, /_+=.@-).
SECRET_RE = re.compile(r"^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+|[\w/+=.@-]{1,512})$")
# Application Auto Scaling cron: six fields (minutes hours day-of-month month day-of-week year).
SERVERLESS_MEMORY_MB = (1024, 2048, 3072, 4096, 5120, 6144)


class JumpStartSource(Strict):
    """A model from the SageMaker JumpStart catalog (artifacts pre-packed by AWS in S3)."""

    model_id: str = Field(description="JumpStart model id, e.g. huggingface-llm-qwen2-5-7b-instruct.")
    version: str | None = Field(default=None, description="Model version; omitted means the catalog snapshot's.")
    accept_eula: bool = Field(default=False, description="Required true for EULA-gated models (Llama, Gemma).")


class ContainerSource(Strict):
    """A Hugging Face / DJL serving container with a Hub model id or your own S3 artifacts."""

    framework: Framework = Field(description="Serving container: tgi, lmi, vllm, llama-cpp or tei.")
    version: str | None = Field(default=None, description="Container version; omitted means the newest known.")
    hf_model_id: str | None = Field(default=None, description="Hugging Face Hub model id (downloaded at start).")
    model_data_s3_uri: str | None = Field(
        default=None, description="s3:// prefix (ending '/') of uncompressed weights, or a .tar.gz archive."
    )
    env: dict[str, str] = Field(default_factory=dict, description="Extra container environment variables.")

    @field_validator("model_data_s3_uri")
    @classmethod
    def _s3_uri(cls, value: str | None) -> str | None:
        if value is not None and not S3_URI_RE.match(value):
            raise config_error(f"'{value}' is not an s3:// URI", "e.g. s3://my-models/llama-3-8b/")
        if value is not None and not (value.endswith("/") or value.endswith(".tar.gz")):
            raise config_error(
                f"'{value}' is neither a prefix nor an archive",
                "end a prefix of uncompressed weights with '/', or point at a model.tar.gz",
            )
        return value

    @field_validator("env")
    @classmethod
    def _env(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not ENV_NAME_RE.match(key):
                raise config_error(f"'{key}' is not a valid environment variable name", "use A-Z, 0-9 and _")
            if SECRET_ENV_RE.search(key.upper()):
                raise config_error(
                    f"'{key}' looks like a secret: never put secrets in config",
                    "reference it from Secrets Manager under 'secrets:' instead",
                )
        return value

    @model_validator(mode="after")
    def _one_model_source(self) -> ContainerSource:
        if (self.hf_model_id is None) == (self.model_data_s3_uri is None):
            raise config_error(
                "set exactly one of 'hf_model_id' or 'model_data_s3_uri'",
                "hf_model_id downloads from the Hub at start; model_data_s3_uri uses your own S3 copy",
            )
        return self


class Source(Strict):
    jumpstart: JumpStartSource | None = None
    container: ContainerSource | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Source:
        if (self.jumpstart is None) == (self.container is None):
            raise config_error("set exactly one of 'jumpstart' or 'container'",
                               "jumpstart: {model_id: …} or container: {framework: tgi, hf_model_id: …}")
        return self


class ServerlessConfig(Strict):
    """Serverless inference: CPU only, billed per request, cold starts."""

    memory_mb: int = Field(default=2048, description="1024-6144 in steps of 1024.")
    max_concurrency: int = Field(default=5, ge=1, le=200, description="Concurrent invocations (1-200).")

    @field_validator("memory_mb")
    @classmethod
    def _memory(cls, value: int) -> int:
        if value not in SERVERLESS_MEMORY_MB:
            raise config_error(f"{value} MB is not a serverless memory size",
                               f"use one of {', '.join(map(str, SERVERLESS_MEMORY_MB))}")
        return value


class AsyncConfig(Strict):
    """Asynchronous inference: requests queue, inputs and results live in an S3 bucket this kit creates."""

    max_concurrent_invocations_per_instance: int = Field(
        default=4, ge=1, le=1000, description="Requests one instance works on at once; the rest wait in the queue.")
    notifications: bool = Field(
        default=False, description="Create KMS-encrypted SNS topics the endpoint notifies on success and on error.")
    include_response_in_notification: bool = Field(
        default=False, description="Put the inference response (up to 128 KB) in the success notification too.")

    @model_validator(mode="after")
    def _response_needs_topic(self) -> AsyncConfig:
        if self.include_response_in_notification and not self.notifications:
            raise config_error("include_response_in_notification needs notifications: true",
                               "set notifications: true, or drop include_response_in_notification")
        return self


ScalingMetric = Literal["invocations_per_instance", "concurrent_requests", "backlog_per_instance"]


class Autoscaling(Strict):
    min: int = Field(default=1, ge=0,
                     description="Fewest instances (or copies with scale_to_zero); 0 needs scale_to_zero or async.")
    max: int = Field(default=1, ge=1, description="Most instances (or copies).")
    metric: ScalingMetric | None = Field(
        default=None,
        description="concurrent_requests (default for real-time) uses the 10-second high-resolution metric, "
        "better for LLMs; backlog_per_instance (default and recommended for async) tracks "
        "ApproximateBacklogSizePerInstance, the queued requests per instance.",
    )
    target: float = Field(default=4, gt=0, description="Target value per instance (or copy).")
    scale_in_cooldown_s: int = Field(default=300, ge=0, le=86400)
    scale_out_cooldown_s: int = Field(default=60, ge=0, le=86400)
    schedules: list[CapacitySchedule] = Field(
        default_factory=list, description="Scheduled capacity changes (five-field cron, converted for SageMaker).")
    scale_to_zero: bool = Field(
        default=False, description="Host as an inference component with managed instance scaling (min 0)."
    )

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "schedule" in data:
            raise config_error("'schedule' is now 'schedules', with the same shape on every provider", NEW_SHAPE)
        return data

    @field_validator("schedules")
    @classmethod
    def _unique(cls, value: list[CapacitySchedule]) -> list[CapacitySchedule]:
        check_unique_names(value)
        return value


class SecretRef(Strict):
    """A Secrets Manager secret resolved by CloudFormation at deploy time, never stored in config."""

    secret: str = Field(description="Secrets Manager secret name or full ARN.")
    json_key: str | None = Field(default=None, description="Key inside a JSON secret; omitted = whole string.")

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str) -> str:
        if not SECRET_RE.match(value) or value.startswith(("hf_", "sk-")):
            raise config_error("'secret' must be a Secrets Manager name or ARN, not a secret value",
                               "store the token in Secrets Manager and give its name, e.g. fmkit/hf-token")
        return value


class DataCapture(Strict):
    sampling_percent: int = Field(default=10, ge=1, le=100)
    capture: list[Literal["input", "output"]] = Field(default=["input", "output"], min_length=1)


class Alarms(Strict):
    latency_p95_ms: int = Field(default=30000, ge=1, description="ModelLatency p95 alarm threshold.")
    errors_5xx: int = Field(default=5, ge=1, description="5xx errors in 5 minutes that raise the alarm.")
    throttles_4xx: int = Field(default=20, ge=1, description="4xx (incl. throttled) errors in 5 minutes.")


class SageMakerDeployment(DeploymentBase):
    provider: Literal["sagemaker"]
    source: Source
    instance_type: str = Field(
        description="Hosting instance type, e.g. ml.g5.xlarge (for serverless: the size the plan compares with)."
    )
    initial_instance_count: int = Field(default=1, ge=1, le=100)
    volume_size_gb: int | None = Field(
        default=None, ge=1, le=512, description="EBS volume; only for instance types without local NVMe storage."
    )
    startup_timeout_s: int = Field(default=900, ge=60, le=3600, description="Container health-check timeout.")
    serverless: ServerlessConfig | None = None
    async_: AsyncConfig | None = Field(default=None, alias="async")
    autoscaling: Autoscaling | None = None
    secrets: dict[str, SecretRef] = Field(
        default_factory=dict, description="Container env var name -> Secrets Manager reference (e.g. HF_TOKEN)."
    )
    network_isolation: bool | None = Field(
        default=None, description="Block container egress; omitted = on unless the model comes from the Hub."
    )
    vpc: bool = Field(default=False, description="Attach to the platform VPC's private subnets.")
    data_capture: DataCapture | None = None
    alarms: Alarms = Field(default_factory=Alarms)

    @field_validator("secrets")
    @classmethod
    def _secret_names(cls, value: dict[str, SecretRef]) -> dict[str, SecretRef]:
        for key in value:
            if not ENV_NAME_RE.match(key):
                raise config_error(f"'{key}' is not a valid environment variable name", "e.g. HF_TOKEN")
        return value

    @property
    def mode(self) -> Literal["realtime", "serverless", "async", "inference-component"]:
        """How the model is hosted (decides the resources the stack creates)."""
        if self.serverless is not None:
            return "serverless"
        if self.async_ is not None:
            return "async"
        if self.autoscaling is not None and self.autoscaling.scale_to_zero:
            return "inference-component"
        return "realtime"

    @property
    def scaling_metric(self) -> ScalingMetric:
        """The autoscaling metric in effect: the configured one, else the mode's default."""
        if self.autoscaling is not None and self.autoscaling.metric is not None:
            return self.autoscaling.metric
        return "backlog_per_instance" if self.async_ is not None else "concurrent_requests"

    @property
    def scales_to_zero(self) -> bool:
        """Whether autoscaling may take the endpoint (async) or component to zero instances/copies."""
        scaling = self.autoscaling
        if scaling is None or self.serverless is not None:
            return False
        return scaling.min == 0 or any(action.min == 0 for action in scaling.schedules)

    @property
    def isolated(self) -> bool:
        """Effective network isolation: on by default unless the container pulls from the Hub."""
        if self.network_isolation is not None:
            return self.network_isolation
        return not (self.source.container is not None and self.source.container.hf_model_id)

    def capacity_bounds(self) -> tuple[int, int]:
        """Autoscaling min/max (instances, or copies with scale_to_zero), else the initial instance count."""
        scaling = self.autoscaling
        if scaling is None:
            return self.initial_instance_count, self.initial_instance_count
        return scaling.min, max(scaling.min, scaling.max)

    def capacity_schedule(self) -> tuple[CapacityChange, ...]:
        scaling = self.autoscaling
        return () if scaling is None else tuple(CapacityChange(a.cron, a.min, a.max) for a in scaling.schedules)

    def needs_gpu(self) -> bool:
        """The serving container ships CUDA builds only (TGI, LMI, vLLM), or the JumpStart model says so."""
        jumpstart, container = self.source.jumpstart, self.source.container
        if jumpstart is not None:
            entry = get_jumpstart_model(jumpstart.model_id)
            return entry is not None and entry.requires_gpu
        return container is not None and container.framework in GPU_ONLY_FRAMEWORKS

    def image_source(self) -> ImageSource:
        """The model source as the image catalog takes it."""
        jumpstart, container = self.source.jumpstart, self.source.container
        if jumpstart is not None:
            return ImageSource(jumpstart_model_id=jumpstart.model_id)
        assert container is not None  # Source validates exactly one
        return ImageSource(container_framework=container.framework, container_version=container.version)

    def serving_image(self, region: str) -> ContainerImage:
        """The serving image in `region`, resolved offline (raises `ImageError` when there is none)."""
        return resolve_image(self.image_source(), self.instance_type, region, serverless=self.serverless is not None)
