"""A tiny randomly initialised Llama and its SentencePiece tokenizer, built here: no download.

The tokenizer is trained on the fly from the task's text, so every word of the task is a piece of
the vocabulary. SentencePiece (not BPE) because llama.cpp's converter recognises a
`tokenizer.model` directly, whereas a BPE tokenizer needs its pre-tokenizer hash to be in the
converter's table. The chat template is deliberately plain (no special tokens but `eos_token`)
and is the one both transformers and llama.cpp's Jinja engine render.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHAT_TEMPLATE = (
    "{% for m in messages %}"
    "{% if m['role'] == 'system' %}{{ m['content'] }} "
    "{% elif m['role'] == 'user' %}Q: {{ m['content'] }} "
    "{% else %}A: {{ m['content'] }}{{ eos_token }} {% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}A:{% endif %}"
)

# A fixed mapping the base model cannot know: a made-up code per key word.
KEYS = ("apple", "river", "stone", "cloud", "tiger", "maple", "ocean", "candle", "piano", "lemon", "comet", "forest")
CODES = ("zulu", "kilo", "bravo", "delta", "echo", "golf", "hotel", "india", "juliet", "lima", "mike", "oscar")
TRAIN_TEMPLATES = ("code of {key}?", "the code of {key}?", "what is the code of {key}?", "tell the code of {key}?",
                   "say the code of {key}?", "I need the code of {key}?", "please, the code of {key}?",
                   "and the code of {key}?")
# New phrasings made of words the training prompts use, so a model that learned "key → code" answers them.
HOLDOUT_TEMPLATES = ("please, what is the code of {key}?", "and code of {key}?")


@dataclass(frozen=True)
class Task:
    train: list[dict[str, str]]  # training records (the shape `records` reads)
    holdout: list[dict[str, str]]  # evaluation items (the shape `fmkit eval` reads), never trained on

    def write(self, directory: Path) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        train = directory / "train" / "train.jsonl"
        train.parent.mkdir(exist_ok=True)
        train.write_text("".join(json.dumps(r) + "\n" for r in self.train), encoding="utf-8")
        holdout = directory / "holdout.jsonl"
        holdout.write_text("".join(json.dumps(r) + "\n" for r in self.holdout), encoding="utf-8")
        return train.parent, holdout


def make_task(*, shuffled: bool = False, seed: int = 0) -> Task:
    """The mapping task; `shuffled` trains on wrong codes (a derangement), the holdout stays right."""
    codes = list(CODES)
    if shuffled:
        codes = codes[1:] + codes[:1]  # every key gets another key's code
    train = [{"id": f"t-{k}-{i}", "prompt": t.format(key=k), "reference": c}
             for k, c in zip(KEYS, codes, strict=True) for i, t in enumerate(TRAIN_TEMPLATES)]
    random.Random(seed).shuffle(train)
    holdout = [{"id": f"h-{k}-{i}", "prompt": t.format(key=k), "reference": c}
               for k, c in zip(KEYS, CODES, strict=True) for i, t in enumerate(HOLDOUT_TEMPLATES)]
    return Task(train=train, holdout=holdout)


def corpus(task: Task) -> list[str]:
    """Every string the tokenizer must cover, rendered the way the chat template renders it."""
    lines = [f"Q: {r['prompt']} A: {r['reference']}" for r in task.train + task.holdout]
    return lines + [f"A: {c}" for c in CODES]


def build_tokenizer(out: Path, texts: Sequence[str], vocab_size: int = 400) -> None:
    """Train a SentencePiece model on `texts` and save it as a Llama tokenizer with CHAT_TEMPLATE."""
    import sentencepiece as spm
    from transformers import LlamaTokenizer

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(texts) * 4), model_writer=model, vocab_size=vocab_size, model_type="bpe",
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, byte_fallback=True, character_coverage=1.0,
        hard_vocab_limit=False, minloglevel=2,
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "tokenizer.model").write_bytes(model.getvalue())
    tokenizer = LlamaTokenizer.from_pretrained(str(out), add_bos_token=True)
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(str(out))


def build_base_model(out: Path, texts: Sequence[str], seed: int = 0) -> Path:
    """Write a 2-layer Llama with random weights and its tokenizer into `out`; returns `out`."""
    import torch
    import transformers
    from transformers import AutoTokenizer, LlamaConfig

    build_tokenizer(out, texts)
    tokenizer = AutoTokenizer.from_pretrained(str(out))
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=256, initializer_range=0.2,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model_class: Any = transformers.LlamaForCausalLM  # untyped constructor in some releases
    model_class(config).save_pretrained(str(out), safe_serialization=True)
    return out
