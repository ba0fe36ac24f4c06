"""The script's command line: hyperparameters as `--name value`, paths from SageMaker's environment.

The training toolkit in SageMaker's framework containers runs the entry point as
`python train.py --lora_r 16 --epochs 3 …`, one argument per hyperparameter of the
`CreateTrainingJob` request (each JSON-decoded first, so `true` arrives as `True`), and tells the
script where things are through environment variables: `SM_CHANNEL_<NAME>` per input channel,
`SM_MODEL_DIR` (uploaded as the model artifact), `SM_OUTPUT_DATA_DIR`, and the checkpoint
directory (`/opt/ml/checkpoints` unless the request's `CheckpointConfig.LocalPath` says otherwise).
The same script runs locally by passing the paths as arguments.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path

from fmkit.customize.training.settings import DEFAULT_TARGET_MODULES, METHODS, SettingsError, TrainingSettings

DEFAULT_CHECKPOINT_DIR = "/opt/ml/checkpoints"
# SageMaker's framework containers set these; the names are the ones the training toolkit documents.
ENV_TRAIN = "SM_CHANNEL_TRAIN"
ENV_VALIDATION = "SM_CHANNEL_VALIDATION"
ENV_MODEL_CHANNEL = "SM_CHANNEL_MODEL"
ENV_MODEL_DIR = "SM_MODEL_DIR"
ENV_OUTPUT_DATA_DIR = "SM_OUTPUT_DATA_DIR"
ENV_CHECKPOINT_DIR = "SM_CHECKPOINT_DIR"


def parse_bool(value: str) -> bool:
    """`true`/`false` in any case, as hyperparameters arrive (`True` after the toolkit's JSON decode)."""
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, not {value!r}")


def parse_modules(value: str) -> tuple[str, ...]:
    """`q_proj,v_proj` or `all-linear` (peft's shortcut for every linear layer but the output head)."""
    modules = tuple(part.strip() for part in value.split(",") if part.strip())
    if not modules:
        raise argparse.ArgumentTypeError("name at least one module")
    return modules


def build_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="train.py", description="LoRA/QLoRA fine-tuning of a causal LM, then merge (fmkit)."
    )
    paths = parser.add_argument_group("paths (defaults from the SageMaker environment)")
    paths.add_argument("--base_model", default=environ.get(ENV_MODEL_CHANNEL),
                       help="model directory or Hugging Face model id (default: the 'model' channel)")
    paths.add_argument("--train_dir", type=Path, default=environ.get(ENV_TRAIN))
    paths.add_argument("--validation_dir", type=Path, default=environ.get(ENV_VALIDATION))
    paths.add_argument("--model_dir", type=Path, default=environ.get(ENV_MODEL_DIR))
    paths.add_argument("--output_data_dir", type=Path, default=environ.get(ENV_OUTPUT_DATA_DIR))
    paths.add_argument("--checkpoint_dir", type=Path,
                       default=environ.get(ENV_CHECKPOINT_DIR, DEFAULT_CHECKPOINT_DIR))
    hyper = parser.add_argument_group("hyperparameters")
    hyper.add_argument("--method", choices=METHODS, default="lora")
    hyper.add_argument("--lora_r", type=int, default=16)
    hyper.add_argument("--lora_alpha", type=int, default=32)
    hyper.add_argument("--lora_dropout", type=float, default=0.05)
    hyper.add_argument("--target_modules", type=parse_modules, default=DEFAULT_TARGET_MODULES)
    hyper.add_argument("--epochs", type=float, default=1.0)
    hyper.add_argument("--max_steps", type=int, default=-1)
    hyper.add_argument("--learning_rate", type=float, default=2e-4)
    hyper.add_argument("--batch_size", type=int, default=4)
    hyper.add_argument("--gradient_accumulation_steps", type=int, default=1)
    hyper.add_argument("--max_length", type=int, default=1024)
    hyper.add_argument("--warmup_steps", type=int, default=0)
    hyper.add_argument("--lr_scheduler", default="linear")
    hyper.add_argument("--save_steps", type=int, default=50)
    hyper.add_argument("--save_total_limit", type=int, default=2)
    hyper.add_argument("--logging_steps", type=int, default=10)
    hyper.add_argument("--seed", type=int, default=42)
    hyper.add_argument("--merge", type=parse_bool, default=True,
                       help="merge the adapter into the base weights and save the merged model")
    hyper.add_argument("--merged_dtype", choices=("float16", "bfloat16", "float32"), default="float16")
    return parser


_REQUIRED = {
    "base_model": f"--base_model or {ENV_MODEL_CHANNEL}",
    "train_dir": f"--train_dir or {ENV_TRAIN}",
    "model_dir": f"--model_dir or {ENV_MODEL_DIR}",
    "output_data_dir": f"--output_data_dir or {ENV_OUTPUT_DATA_DIR}",
}


def parse_args(argv: Sequence[str], environ: Mapping[str, str]) -> TrainingSettings:
    """Settings from the command line and environment; exits with status 2 and a message if unusable."""
    parser = build_parser(environ)
    namespace = parser.parse_args(list(argv))
    values = vars(namespace)
    missing = [hint for name, hint in _REQUIRED.items() if values.get(name) in (None, "")]
    if missing:
        parser.error("missing " + ", ".join(missing))
    try:
        return TrainingSettings(**values)
    except SettingsError as exc:
        parser.error(str(exc))
