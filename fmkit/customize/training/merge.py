"""Merge a LoRA adapter into its base weights and save a standalone model directory.

llama.cpp serves whole models, not base + adapter, and a merged model costs nothing extra at
inference. The base is loaded unquantized even after QLoRA: merging into 4-bit weights would
round the adapter's small updates away, so the adapter is added to the full-precision weights.
The tokenizer is saved beside the weights, with `tokenizer.model` copied from the base when it
has one, because llama.cpp's converter reads SentencePiece vocabularies from that file.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

LOG = logging.getLogger("fmkit.train")
TOKENIZER_FILES = ("tokenizer.model",)  # what save_pretrained may not write but the GGUF converter reads


def _torch_dtype(name: str) -> Any:
    import torch

    return {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}[name]


def copy_tokenizer_files(base_model: str, out_dir: Path) -> list[str]:
    """Copy the base's SentencePiece model next to the merged weights; names of the files copied."""
    copied = []
    for name in TOKENIZER_FILES:
        target = out_dir / name
        if target.exists():
            continue
        source = Path(base_model) / name
        if source.is_file():
            shutil.copyfile(source, target)
            copied.append(name)
            continue
        if Path(base_model).is_dir():
            continue
        try:  # a Hugging Face model id: the file is in the local hub cache after loading
            from huggingface_hub import hf_hub_download

            shutil.copyfile(hf_hub_download(base_model, name), target)
            copied.append(name)
        except Exception:  # most BPE tokenizers have no tokenizer.model
            LOG.info("no %s for %s (not a SentencePiece tokenizer)", name, base_model)
    return copied


def merge_adapter(base_model: str, adapter_dir: Path, out_dir: Path, dtype: str = "float16") -> Path:
    """Write `out_dir` with the merged weights (safetensors), config and tokenizer; returns it."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = AutoModelForCausalLM.from_pretrained(base_model, dtype=_torch_dtype(dtype))
    merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    out_dir.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(str(out_dir), safe_serialization=True)
    AutoTokenizer.from_pretrained(base_model).save_pretrained(str(out_dir))
    copied = copy_tokenizer_files(base_model, out_dir)
    LOG.info("merged %s + %s into %s (%s; copied %s)", base_model, adapter_dir, out_dir, dtype, copied or "nothing")
    return out_dir
