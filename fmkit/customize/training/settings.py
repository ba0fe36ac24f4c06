"""What the hyperparameters mean for peft and the Hugging Face Trainer, as plain values.

Kept apart from `train.py` so the choices — which layers LoRA adapts, how often a spot job
checkpoints, when QLoRA is refused — are unit-tested without torch, and the CDK side can
check a configuration before it ever pays for an instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Method = Literal["lora", "qlora"]
METHODS: tuple[Method, ...] = ("lora", "qlora")
# The projections of Llama-family decoders (Llama, Mistral, Qwen, SmolLM…): every linear layer of
# attention and MLP. Adapting all of them is what the QLoRA paper found to match full fine-tuning.
DEFAULT_TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


class SettingsError(ValueError):
    """A hyperparameter combination that cannot train (message says which and why)."""


@dataclass(frozen=True)
class TrainingSettings:
    """Everything one training run needs, parsed from the command line (see `arguments`)."""

    base_model: str  # a directory (SageMaker "model" channel) or a Hugging Face model id
    train_dir: Path
    validation_dir: Path | None
    model_dir: Path  # SM_MODEL_DIR: uploaded to S3 as model.tar.gz when the job ends
    output_data_dir: Path  # SM_OUTPUT_DATA_DIR: metrics and the loss history
    checkpoint_dir: Path  # synced with S3 by the service: what a spot job resumes from
    method: Method = "lora"
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: tuple[str, ...] = DEFAULT_TARGET_MODULES
    epochs: float = 1.0
    max_steps: int = -1  # > 0 overrides epochs
    learning_rate: float = 2e-4
    batch_size: int = 4
    gradient_accumulation_steps: int = 1
    max_length: int = 1024
    warmup_steps: int = 0
    lr_scheduler: str = "linear"
    save_steps: int = 50
    save_total_limit: int = 2
    logging_steps: int = 10
    seed: int = 42
    merge: bool = True
    merged_dtype: Literal["float16", "bfloat16", "float32"] = "float16"

    def __post_init__(self) -> None:
        checks = (
            (self.method in METHODS, f"method must be one of {', '.join(METHODS)}, not {self.method!r}"),
            (self.lora_r >= 1 and self.lora_alpha >= 1, "lora_r and lora_alpha must be >= 1"),
            (0 <= self.lora_dropout < 1, "lora_dropout must be in [0, 1)"),
            (self.max_steps > 0 or (self.max_steps < 0 and self.epochs > 0),
             "set max_steps > 0 or epochs > 0 (max_steps 0 would train nothing)"),
            (self.batch_size >= 1 and self.gradient_accumulation_steps >= 1,
             "batch_size and gradient_accumulation_steps must be >= 1"),
            (self.max_length >= 8, "max_length must be >= 8 tokens"),
            (self.learning_rate > 0, "learning_rate must be > 0"),
            (self.save_steps >= 1 and self.logging_steps >= 1, "save_steps and logging_steps must be >= 1"),
            (bool(self.target_modules), "target_modules must name at least one module (or 'all-linear')"),
        )
        problems = [message for passed, message in checks if not passed]
        if problems:
            raise SettingsError("; ".join(problems))

    @property
    def adapter_dir(self) -> Path:
        return self.model_dir / "adapter"

    @property
    def merged_dir(self) -> Path:
        return self.model_dir / "merged"


def lora_config(settings: TrainingSettings) -> dict[str, Any]:
    """Keyword arguments of `peft.LoraConfig`."""
    targets: str | list[str] = (
        "all-linear" if settings.target_modules == ("all-linear",) else list(settings.target_modules)
    )
    return {
        "r": settings.lora_r,
        "lora_alpha": settings.lora_alpha,
        "lora_dropout": settings.lora_dropout,
        "target_modules": targets,
        "bias": "none",
        "task_type": "CAUSAL_LM",
    }


def trainer_arguments(settings: TrainingSettings, *, has_validation: bool, cuda: bool) -> dict[str, Any]:
    """Keyword arguments of `transformers.TrainingArguments`.

    Checkpoints go to the checkpoint directory every `save_steps` with optimizer state, which is
    what a spot job needs to resume where it was stopped instead of starting over; only the last
    `save_total_limit` are kept, since SageMaker copies the directory to S3.
    """
    arguments: dict[str, Any] = {
        "output_dir": str(settings.checkpoint_dir),
        "num_train_epochs": settings.epochs,
        "max_steps": settings.max_steps,
        "learning_rate": settings.learning_rate,
        "per_device_train_batch_size": settings.batch_size,
        "per_device_eval_batch_size": settings.batch_size,
        "gradient_accumulation_steps": settings.gradient_accumulation_steps,
        "warmup_steps": settings.warmup_steps,
        "lr_scheduler_type": settings.lr_scheduler,
        "logging_steps": settings.logging_steps,
        "save_strategy": "steps",
        "save_steps": settings.save_steps,
        "save_total_limit": settings.save_total_limit,
        "eval_strategy": "steps" if has_validation else "no",
        "seed": settings.seed,
        "report_to": "none",
        "remove_unused_columns": False,  # the collator reads input_ids/labels the dataset builds
        "use_cpu": not cuda,
        "bf16": cuda and settings.method == "qlora",
        "dataloader_num_workers": 0,
        "disable_tqdm": True,  # job logs are read in CloudWatch, where progress bars are noise
    }
    if has_validation:
        arguments["eval_steps"] = settings.save_steps
    return arguments


def check_method(settings: TrainingSettings, *, cuda: bool, bitsandbytes: bool) -> None:
    """Refuse QLoRA where it cannot run, before any weight is downloaded.

    QLoRA loads the base model in 4-bit with bitsandbytes, whose kernels need a CUDA GPU. Falling
    back silently to LoRA would train a different (and much larger in memory) job than the one
    the config asked for, so the script stops and says what to change.
    """
    if settings.method != "qlora":
        return
    missing = [name for name, present in (("a CUDA GPU", cuda), ("the bitsandbytes package", bitsandbytes))
               if not present]
    if missing:
        raise SettingsError(
            f"QLoRA needs {' and '.join(missing)}: 4-bit loading runs on CUDA only. "
            "Train on a GPU instance (e.g. ml.g5.2xlarge) or set method to 'lora'."
        )


def quantization_config(settings: TrainingSettings) -> dict[str, Any] | None:
    """Keyword arguments of `transformers.BitsAndBytesConfig` for QLoRA (NF4, double quantization)."""
    if settings.method != "qlora":
        return None
    return {
        "load_in_4bit": True,
        "bnb_4bit_quant_type": "nf4",
        "bnb_4bit_use_double_quant": True,
        "bnb_4bit_compute_dtype": "bfloat16",
    }
