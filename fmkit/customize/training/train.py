"""The training job: validate the data, LoRA/QLoRA with the Hugging Face Trainer, save, merge.

Run as `python train.py --base_model … --train_dir …` (SageMaker passes hyperparameters as
arguments and paths as `SM_*` variables, see `arguments`). Exit status: 0 trained, 2 bad
arguments or data (every problem printed with file and line, before any weight is loaded).

What it writes:
- `<model_dir>/adapter/`: the LoRA adapter (small; kept for audit and re-merging).
- `<model_dir>/merged/`: base + adapter merged, with the tokenizer (what llama.cpp converts).
- `<output_data_dir>/training.json`: losses per logged step, examples used and dropped, the
  checkpoint it resumed from, seconds.
- `<checkpoint_dir>/checkpoint-<step>/`: resumable state, synced to S3 by SageMaker (spot).

torch, transformers and peft are imported inside the functions that use them, so the module
imports (and its argument handling is tested) without them.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

from fmkit.customize.training.arguments import parse_args
from fmkit.customize.training.checkpoints import latest_checkpoint
from fmkit.customize.training.merge import merge_adapter
from fmkit.customize.training.records import ChatExample, Example, RecordError, load_records
from fmkit.customize.training.settings import (
    SettingsError,
    TrainingSettings,
    check_method,
    lora_config,
    quantization_config,
    trainer_arguments,
)
from fmkit.customize.training.tokens import EncodedSet, Features, encode_all, pad_batch

LOG = logging.getLogger("fmkit.train")
RESULT_FILE = "training.json"


def encode_examples(tokenizer: Any, examples: Sequence[Example], max_length: int) -> EncodedSet:
    """Tokenize with the model's own tokenizer and chat template (see `tokens`)."""
    if any(isinstance(e, ChatExample) for e in examples) and not getattr(tokenizer, "chat_template", None):
        raise SettingsError("the base model's tokenizer has no chat template, which chat examples need "
                            "(use an instruct model, or train on {\"text\": …} records)")

    def render(messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
        return str(tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt))

    def encode(text: str, add_special_tokens: bool) -> list[int]:
        return list(tokenizer(text, add_special_tokens=add_special_tokens)["input_ids"])

    return encode_all(examples, render, encode, tokenizer.eos_token_id, max_length)


def _collator(pad_id: int) -> Any:
    import torch

    def collate(batch: Sequence[Features]) -> dict[str, Any]:
        return {key: torch.tensor(rows, dtype=torch.long) for key, rows in pad_batch(batch, pad_id).items()}

    return collate


def _load_model(settings: TrainingSettings, cuda: bool) -> Any:
    """The base model with LoRA adapters attached (4-bit base for QLoRA)."""
    import peft
    import torch
    import transformers
    from transformers import AutoModelForCausalLM

    # Typed as Any: both are untyped in some releases, typed in others, absent where torch is not installed.
    bits_and_bytes: Any = transformers.BitsAndBytesConfig
    prepare_for_kbit: Any = peft.prepare_model_for_kbit_training

    quantization = quantization_config(settings)
    kwargs: dict[str, Any] = {"dtype": torch.bfloat16 if cuda else torch.float32}
    if quantization is not None:
        quantization["bnb_4bit_compute_dtype"] = torch.bfloat16
        kwargs["quantization_config"] = bits_and_bytes(**quantization)
        kwargs["device_map"] = {"": 0}
    model = AutoModelForCausalLM.from_pretrained(settings.base_model, **kwargs)
    if quantization is not None:
        model = prepare_for_kbit(model)
    return peft.get_peft_model(model, peft.LoraConfig(**lora_config(settings)))


def _losses(log_history: Sequence[Mapping[str, Any]], key: str) -> list[tuple[int, float]]:
    return [(int(entry["step"]), float(entry[key])) for entry in log_history if key in entry]


def run(settings: TrainingSettings) -> dict[str, Any]:
    """Train, save the adapter and (unless `merge` is false) the merged model; returns the summary."""
    started = time.monotonic()
    # The data first: its problems are reported in seconds, before torch is even imported.
    train_examples = load_records(settings.train_dir)
    validation_examples = load_records(settings.validation_dir) if settings.validation_dir else []
    import torch
    from transformers import AutoTokenizer, Trainer, TrainingArguments

    cuda = torch.cuda.is_available()
    check_method(settings, cuda=cuda, bitsandbytes=importlib.util.find_spec("bitsandbytes") is not None)
    tokenizer = AutoTokenizer.from_pretrained(settings.base_model)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    train_set = encode_examples(tokenizer, train_examples, settings.max_length)
    validation_set = encode_examples(tokenizer, validation_examples, settings.max_length)
    if not train_set.features:
        raise SettingsError(f"no training example fits in max_length={settings.max_length} tokens")
    for where in train_set.dropped:
        LOG.warning("%s: dropped, the answer does not fit in max_length=%d tokens", where, settings.max_length)
    resume = latest_checkpoint(settings.checkpoint_dir)
    LOG.info("training %s with %s on %d examples (%s); resuming from %s", settings.base_model, settings.method,
             len(train_set.features), "cuda" if cuda else "cpu", resume or "the start")
    trainer: Any = Trainer(
        model=_load_model(settings, cuda),
        args=TrainingArguments(**trainer_arguments(settings, has_validation=bool(validation_set.features), cuda=cuda)),
        train_dataset=train_set.features,
        eval_dataset=validation_set.features or None,
        data_collator=_collator(pad_id),
    )
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    trainer.model.save_pretrained(str(settings.adapter_dir))
    tokenizer.save_pretrained(str(settings.adapter_dir))
    if settings.merge:
        merge_adapter(settings.base_model, settings.adapter_dir, settings.merged_dir, settings.merged_dtype)
    history = trainer.state.log_history
    train_losses = _losses(history, "loss")
    return {
        "base_model": settings.base_model,
        "method": settings.method,
        "examples": len(train_set.features),
        "dropped": train_set.dropped,
        "trained_tokens": sum(f.trained_tokens for f in train_set.features),
        "steps": trainer.state.global_step,
        "resumed_from": str(resume) if resume else None,
        "train_loss": train_losses,
        "eval_loss": _losses(history, "eval_loss"),
        "first_loss": train_losses[0][1] if train_losses else None,
        "last_loss": train_losses[-1][1] if train_losses else None,
        "adapter_dir": str(settings.adapter_dir),
        "merged_dir": str(settings.merged_dir) if settings.merge else None,
        "seconds": round(time.monotonic() - started, 3),
    }


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = parse_args(sys.argv[1:] if argv is None else argv, os.environ if environ is None else environ)
    try:
        summary = run(settings)
    except (RecordError, SettingsError) as exc:
        print(f"train.py: {exc}", file=sys.stderr)
        return 2
    settings.output_data_dir.mkdir(parents=True, exist_ok=True)
    (settings.output_data_dir / RESULT_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    LOG.info("done: %d steps, loss %s -> %s", summary["steps"], summary["first_loss"], summary["last_loss"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
