"""`customizations:` in project.yaml: adapt a model, and replace the served one only when it is better.

Two kinds, selected by `kind`:

- `bedrock`: Bedrock fine-tuning, continued pre-training or distillation of a base model the
  catalog marks as customizable in the environment's region; the custom model is served on
  demand (a custom model deployment) or with provisioned throughput.
- `sagemaker-peft`: LoRA/QLoRA of an open model (a Hugging Face id, or a JumpStart model) on a
  SageMaker training job running the kit's script; the merged model is converted to a quantized
  GGUF for Graviton serving.

Both name their data (`train`, optional `validation`, and the `evaluation` holdout set in
`fmkit eval`'s format, which never reaches training) and the promotion gate (`metric`,
`margin`, `alpha`). Environments override any value under `project: {customizations: …}`.
Field shapes are checked here; what needs the catalogs or the region is a rule
(`fmkit/validate/customization.py`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, PositiveFloat, PositiveInt, Tag, field_validator, model_validator

from fmkit.config.base import Name, Strict, TagKey, TagValue, config_error
from fmkit.contracts.evaluation import QUALITY_METRICS

# s3://bucket/key.jsonl: bucket 3-63 characters, a key ending in .jsonl (Bedrock and the training
# script read one JSONL file per channel).
S3_JSONL_RE = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(\S+\.jsonl)$")
HF_MODEL_RE = re.compile(r"^[A-Za-z0-9][\w.\-]{0,95}/[\w.\-]{1,96}$")
BEDROCK_BASE_RE = re.compile(r"^[a-z0-9-]+\.[a-z0-9.:-]+$")
MAX_TRAINING_HOURS = 28 * 24  # SageMaker's MaxRuntimeInSeconds limit: 28 days
# fmkit.contracts.customization.GGUF_QUANT_TYPES (a test keeps them equal).
QuantType = Literal["Q8_0", "Q6_K", "Q5_K_M", "Q5_0", "Q4_K_M", "Q4_1", "Q4_0"]


def _s3_jsonl(value: str | None) -> str | None:
    if value is not None and not S3_JSONL_RE.match(value):
        raise config_error(f"'{value}' is not an s3://bucket/key.jsonl URI", "each data set is one JSONL file in S3")
    return value


class CustomizationData(Strict):
    """Training data, and the holdout set that decides promotion (never trained on)."""

    train: str = Field(description="s3://bucket/key.jsonl: the training data in the format of the kind "
                                   "(`fmkit customize check-data` checks it locally).")
    validation: str | None = Field(default=None, description="s3://…jsonl: validation data (optional).")
    evaluation: str = Field(description="s3://…jsonl: the holdout set, in fmkit eval's dataset format (items with "
                                        "split: holdout, or the whole file): the served model and the candidate "
                                        "answer it, and it never reaches training.")

    @field_validator("train", "validation", "evaluation")
    @classmethod
    def _uris(cls, value: str | None) -> str | None:
        return _s3_jsonl(value)

    def uris(self) -> dict[str, str]:
        """Channel → URI of every data set given."""
        found = {"train": self.train, "validation": self.validation, "evaluation": self.evaluation}
        return {name: uri for name, uri in found.items() if uri is not None}


class PromotionConfig(Strict):
    """The gate: promote only if `metric` improves by `margin` with a significant paired test."""

    metric: str = Field(default="exact_match",
                        description=f"Quality metric of the holdout items: {', '.join(QUALITY_METRICS)}.")
    margin: float = Field(default=0.0, ge=0, le=100,
                          description="Least improvement of the mean, in the metric's own units (0.05 = 5 points "
                                      "of exact_match).")
    alpha: float = Field(default=0.05, gt=0, lt=0.5, description="Significance level of the paired bootstrap.")
    min_items: int = Field(default=10, ge=1, description="Fewer paired holdout items than this never promote.")

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        if value not in QUALITY_METRICS:
            raise config_error(f"'{value}' is not a holdout metric", f"one of {', '.join(QUALITY_METRICS)}")
        return value


class PlanAssumptions(Strict):
    """What `fmkit plan` assumes about a run (`fmkit customize check-data` prints the token count)."""

    training_tokens: PositiveInt | None = Field(
        default=None, description="Tokens in the training data (Bedrock bills tokens x epochs).")
    training_hours: PositiveFloat | None = Field(
        default=None, description="Expected hours of the training job (sagemaker-peft); omitted: the plan "
                                  "shows max_runtime_hours as the high value.")
    runs_per_month: float = Field(default=1.0, ge=0, le=1000, description="Runs per month the plan counts.")


class CustomizationBase(Strict):
    """Fields both kinds share."""

    description: str = ""
    enabled: bool = Field(default=True, description="Set false (e.g. in an environment overlay) to skip.")
    environments: list[Name] | None = Field(
        default=None, description="Environments that run this customization; omitted means all.")
    tags: dict[TagKey, TagValue] = Field(default_factory=dict, description="Extra tags for its resources.")
    license_ack: str | None = Field(
        default=None, min_length=10,
        description="Why the base model's restricted (or unknown) license is fine for this project.")
    data: CustomizationData
    promotion: PromotionConfig = Field(default_factory=PromotionConfig)
    expected: PlanAssumptions = Field(default_factory=PlanAssumptions)

    def runs_in(self, environment: str) -> bool:
        return self.enabled and (self.environments is None or environment in self.environments)


class ProvisionedThroughput(Strict):
    model_units: PositiveInt = Field(description="Model units to buy (billed per hour until deleted).")
    commitment: Literal["none", "1-month", "6-months"] = Field(
        default="none", description="Term: none (hourly, deletable any time), 1-month or 6-months.")

    @property
    def api_commitment(self) -> Literal["OneMonth", "SixMonths"] | None:
        terms: dict[str, Literal["OneMonth", "SixMonths"] | None] = {"none": None, "1-month": "OneMonth",
                                                                     "6-months": "SixMonths"}
        return terms[self.commitment]


class BedrockOutput(Strict):
    """How the custom model is served once promoted (and while the candidate is evaluated)."""

    serving: Literal["on-demand", "provisioned"] = Field(
        default="on-demand", description="on-demand: a custom model deployment billed per token (where the "
                                         "catalog offers it); provisioned: model units billed per hour.")
    provisioned: ProvisionedThroughput | None = None

    @model_validator(mode="after")
    def _units(self) -> BedrockOutput:
        if (self.serving == "provisioned") != (self.provisioned is not None):
            raise config_error("'provisioned' goes with serving: provisioned, and only with it",
                               "serving: provisioned + provisioned: {model_units: 1}, or serving: on-demand")
        return self


class BedrockCustomization(CustomizationBase):
    kind: Literal["bedrock"]
    method: Literal["fine-tuning", "continued-pretraining", "distillation"] = Field(
        description="fine-tuning (labelled examples), continued-pretraining (unlabelled domain text) or "
                    "distillation (a teacher's answers to your prompts).")
    base_model: str = Field(description="Bedrock base model id, e.g. amazon.nova-micro-v1:0.")
    teacher_model: str | None = Field(default=None, description="Distillation only: the teacher model id.")
    hyperparameters: dict[str, int | float] = Field(
        default_factory=dict, description="Bedrock's names (epochCount, learningRate…), checked against the "
                                          "documented ranges of the base model.")
    output: BedrockOutput = Field(default_factory=BedrockOutput)

    @field_validator("base_model", "teacher_model")
    @classmethod
    def _model_id(cls, value: str | None) -> str | None:
        if value is not None and not BEDROCK_BASE_RE.match(value):
            raise config_error(f"'{value}' is not a Bedrock model id", "e.g. amazon.nova-micro-v1:0")
        return value

    @model_validator(mode="after")
    def _teacher(self) -> BedrockCustomization:
        if (self.method == "distillation") != (self.teacher_model is not None):
            raise config_error("teacher_model goes with method: distillation, and only with it",
                               "name the teacher, e.g. teacher_model: amazon.nova-pro-v1:0")
        return self


class PeftBase(Strict):
    """The open model to adapt: a Hugging Face id, or a JumpStart model (its weights from AWS's S3)."""

    hf_model_id: str | None = Field(default=None, description="Hub id, e.g. Qwen/Qwen2.5-1.5B-Instruct (the job "
                                                               "downloads it).")
    jumpstart_model_id: str | None = Field(default=None, description="JumpStart model marked fine-tunable.")

    @field_validator("hf_model_id")
    @classmethod
    def _hf(cls, value: str | None) -> str | None:
        if value is not None and not HF_MODEL_RE.match(value):
            raise config_error(f"'{value}' is not a Hugging Face model id", "write owner/name, e.g. Qwen/Qwen2.5-1.5B")
        return value

    @model_validator(mode="after")
    def _one(self) -> PeftBase:
        if (self.hf_model_id is None) == (self.jumpstart_model_id is None):
            raise config_error("set exactly one of 'hf_model_id' or 'jumpstart_model_id'",
                               "hf_model_id: Qwen/Qwen2.5-1.5B-Instruct, or jumpstart_model_id: …")
        return self

    @property
    def named(self) -> str:
        return str(self.hf_model_id or self.jumpstart_model_id)


class TrainingJob(Strict):
    instance_type: str = Field(default="ml.g5.2xlarge", description="SageMaker training instance (a GPU).")
    spot: bool = Field(default=False, description="Managed spot training; checkpoints make it resumable.")
    max_runtime_hours: float = Field(default=4.0, gt=0, le=MAX_TRAINING_HOURS,
                                     description="Stop the job after this long (MaxRuntimeInSeconds).")
    max_wait_hours: float | None = Field(
        default=None, gt=0, le=MAX_TRAINING_HOURS,
        description="Spot only: runtime plus waiting for capacity (default: twice max_runtime_hours).")
    volume_gb: int = Field(default=100, ge=1, le=16384, description="Training volume (the base model and data).")

    @model_validator(mode="after")
    def _spot(self) -> TrainingJob:
        if self.max_wait_hours is not None and not self.spot:
            raise config_error("max_wait_hours applies to spot training only", "set spot: true or remove it")
        if self.max_wait_hours is not None and self.max_wait_hours < self.max_runtime_hours:
            raise config_error("max_wait_hours must be at least max_runtime_hours",
                               "spot waits for capacity on top of the runtime")
        return self

    @property
    def wait_hours(self) -> float | None:
        if not self.spot:
            return None
        return self.max_wait_hours or min(2 * self.max_runtime_hours, MAX_TRAINING_HOURS)


class GgufOutput(Strict):
    quantization: QuantType = Field(default="Q4_0", description="llama-quantize type of the served GGUF.")


class PeftOutput(Strict):
    """What the job's merged model becomes: a quantized GGUF for Graviton serving."""

    gguf: GgufOutput = Field(default_factory=GgufOutput)


class SageMakerPeftCustomization(CustomizationBase):
    kind: Literal["sagemaker-peft"]
    method: Literal["lora", "qlora"] = Field(default="lora", description="qlora loads the base in 4-bit (GPU).")
    base: PeftBase
    training: TrainingJob = Field(default_factory=TrainingJob)
    hyperparameters: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="The training script's options (lora_r, epochs, learning_rate…).")
    output: PeftOutput = Field(default_factory=PeftOutput)


def _kind(value: Any) -> str | None:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return kind if kind in ("bedrock", "sagemaker-peft") else None


Customization = Annotated[
    Annotated[BedrockCustomization, Tag("bedrock")] | Annotated[SageMakerPeftCustomization, Tag("sagemaker-peft")],
    Discriminator(_kind, custom_error_type="fmkit",
                  custom_error_message="missing or unknown customization kind",
                  custom_error_context={"hint": "kind: bedrock or kind: sagemaker-peft"}),
]
KINDS = ("bedrock", "sagemaker-peft")
