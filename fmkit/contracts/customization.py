"""What a customization's config, stack, workflow functions and serving stacks must agree on.

- SSM names: the stack publishes its artifact bucket's name (`artifact-bucket`), and each
  customization publishes its versions under
  `/fmkit/<project>/<env>/customizations/<name>/`: `candidate` (JSON, one SSM version per run:
  the candidate's artifact, S3 version and sha256, promoted or not), `served` (JSON: the promoted version, its
  artifact, S3 version, sha256, the decision) and `pin` (`<artifact>|<sha256>`, or `initial`
  before the first promotion). A serving stack reads `pin` as a CloudFormation parameter, so a
  stack update resolves it again and what serves is always the pinned, checksummed artifact.
- `GGUF_QUANT_TYPES`: the quantizations the conversion offers (equal to
  `fmkit.customize.gguf.QUANT_TYPES`, kept apart so loading a config imports nothing heavy).
- `CustomizationSettings`: what the stack decides at synth time for the workflow functions; the
  stack renders it as environment variables, the handlers parse it back.
- `CustomizationRegistrySettings`: the custom resource that seeds `pin` and, when the stack is
  destroyed, deletes what the workflow created through the SDK (Bedrock custom models, custom
  model deployments, provisioned throughput: none has a CloudFormation type).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, field_validator

from fmkit.contracts.functions import FunctionSettings

GGUF_QUANT_TYPES: tuple[str, ...] = ("Q8_0", "Q6_K", "Q5_K_M", "Q5_0", "Q4_K_M", "Q4_1", "Q4_0")
INITIAL_PIN = "initial"
PIN_SEPARATOR = "|"
CustomizationKind = Literal["bedrock", "sagemaker-peft"]
DataFormatName = Literal["sagemaker", "bedrock-conversation-2024", "prompt-completion", "anthropic-messages",
                         "input"]
EVENT_SOURCE = "fmkit.customization"
"""EventBridge `source` of the events the workflow emits (promoted, rejected)."""


def customization_prefix(project: str, env: str, customization: str) -> str:
    return f"/fmkit/{project}/{env}/customizations/{customization}"


def bucket_parameter_name(project: str, env: str) -> str:
    """SSM parameter holding the customization stack's artifact bucket name (serving stacks resolve it)."""
    return f"/fmkit/{project}/{env}/customizations/artifact-bucket"


def served_parameter_name(project: str, env: str, customization: str) -> str:
    """SSM parameter (JSON) describing the promoted version; absent before the first promotion."""
    return f"{customization_prefix(project, env, customization)}/served"


def candidate_parameter_name(project: str, env: str, customization: str) -> str:
    """SSM parameter (JSON) of the latest candidate: each run writes a new version of it (SSM keeps them)."""
    return f"{customization_prefix(project, env, customization)}/candidate"


def pin_parameter_name(project: str, env: str, customization: str) -> str:
    """SSM parameter a serving stack resolves at deploy: `<artifact>|<sha256>` or `initial`."""
    return f"{customization_prefix(project, env, customization)}/pin"


def format_pin(artifact: str, sha256: str) -> str:
    if PIN_SEPARATOR in artifact or len(sha256) != 64:
        raise ValueError("a pin is an artifact URI or ARN without '|' and a 64-hex sha256")
    return f"{artifact}{PIN_SEPARATOR}{sha256}"


def parse_pin(value: str) -> tuple[str, str] | None:
    """(artifact, sha256), or None for `initial` (nothing promoted yet)."""
    if value == INITIAL_PIN:
        return None
    artifact, _, sha256 = value.partition(PIN_SEPARATOR)
    if not artifact or len(sha256) != 64:
        raise ValueError(f"not a pin: {value!r}")
    return artifact, sha256


class CustomizationSettings(FunctionSettings):
    """Environment of the `lambda/customize` workflow functions (one customization each)."""

    project: str = Field(alias="FMKIT_PROJECT")
    environment: str = Field(alias="FMKIT_ENVIRONMENT")
    region: str = Field(alias="FMKIT_REGION")
    customization: str = Field(alias="FMKIT_CUSTOMIZATION")
    kind: CustomizationKind = Field(alias="FMKIT_CUSTOMIZATION_KIND")
    bucket: str = Field(alias="FMKIT_ARTIFACT_BUCKET", description="The stack's artifact bucket.")
    train_uri: str = Field(alias="FMKIT_TRAIN_URI")
    validation_uri: str | None = Field(default=None, alias="FMKIT_VALIDATION_URI")
    evaluation_uri: str = Field(alias="FMKIT_EVALUATION_URI", description="The holdout set (fmkit eval's format).")
    data_format: DataFormatName = Field(alias="FMKIT_DATA_FORMAT")
    limits: Mapping[str, int] = Field(
        default_factory=dict, alias="FMKIT_DATA_LIMITS",
        description="min_records, max_records, max_tokens_per_record… from the catalog (JSON).")
    metric: str = Field(alias="FMKIT_PROMOTION_METRIC")
    margin: float = Field(alias="FMKIT_PROMOTION_MARGIN", ge=0)
    alpha: float = Field(alias="FMKIT_PROMOTION_ALPHA", gt=0, lt=1)
    min_items: int = Field(alias="FMKIT_PROMOTION_MIN_ITEMS", ge=1)
    max_tokens: int = Field(default=512, alias="FMKIT_MAX_TOKENS", ge=1)
    served_parameter: str = Field(alias="FMKIT_SERVED_PARAMETER")
    candidate_parameter: str = Field(alias="FMKIT_CANDIDATE_PARAMETER")
    pin_parameter: str = Field(alias="FMKIT_PIN_PARAMETER")
    topic_arn: str = Field(alias="FMKIT_TOPIC_ARN", description="The platform alarm topic: every decision.")
    pipeline_name: str | None = Field(default=None, alias="FMKIT_PIPELINE_NAME",
                                      description="Deploy pipeline started after a promotion (same account), if any.")
    pipeline_region: str | None = Field(default=None, alias="FMKIT_PIPELINE_REGION")
    serving_stack: str | None = Field(default=None, alias="FMKIT_SERVING_STACK",
                                      description="CloudFormation stack that serves the customization.")
    deploy_command: str = Field(alias="FMKIT_DEPLOY_COMMAND", description="What to run without a pipeline.")
    tags: Mapping[str, str] = Field(default_factory=dict, alias="FMKIT_TAGS",
                                    description="Tags for what the workflow creates through the SDK (JSON).")
    bedrock_serving: Literal["on-demand", "provisioned"] | None = Field(default=None, alias="FMKIT_BEDROCK_SERVING")
    model_units: int | None = Field(default=None, alias="FMKIT_MODEL_UNITS", ge=1)
    commitment: Literal["OneMonth", "SixMonths"] | None = Field(default=None, alias="FMKIT_COMMITMENT")
    base_model: str = Field(alias="FMKIT_BASE_MODEL", description="What serves before the first promotion.")

    @field_validator("limits", "tags", mode="before")
    @classmethod
    def _json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def to_environment(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for key, value in self.model_dump(by_alias=True).items():
            if value is None:
                continue
            values[key] = json.dumps(value, sort_keys=True) if isinstance(value, Mapping) else str(value)
        return values


class CustomizationRegistrySettings(FunctionSettings):
    """Environment of `lambda/customize_registry`: only the common settings (its input travels as
    resource properties: the pins, the bucket, the customizations, the alarm topic)."""
