"""A training example as `input_ids` and `labels`, with the prompt masked out of the loss.

The model must learn to *answer*, not to repeat prompts, so for a chat example only the answer
tokens (and the end-of-sequence token that makes a served model stop) carry a label; the prompt's
labels are -100, which the loss ignores. The prompt is rendered with the tokenizer's own chat
template, the one llama.cpp reads from the GGUF and applies when serving, so the model is trained
on exactly the text it will see.

Torch-free and tokenizer-agnostic: it takes two callables, so it is tested with a toy tokenizer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fmkit.customize.training.records import ChatExample, Example

IGNORE_INDEX = -100  # the label PyTorch's cross-entropy (and so the HF Trainer) skips
Render = Callable[[list[dict[str, str]], bool], str]  # (messages, add_generation_prompt) -> text
Encode = Callable[[str, bool], list[int]]  # (text, add_special_tokens) -> ids


@dataclass(frozen=True)
class Features:
    input_ids: list[int]
    labels: list[int]

    @property
    def trained_tokens(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE_INDEX)


def _chat_ids(example: ChatExample, render: Render, encode: Encode) -> tuple[list[int], int]:
    """All ids of prompt + answer, and how many of them are prompt."""
    prompt_text = render(example.chat(with_answer=False), True)
    full_text = render(example.chat(with_answer=True), False)
    prompt_ids = encode(prompt_text, True)
    if full_text.startswith(prompt_text):
        full_ids = encode(full_text, True)
        if full_ids[: len(prompt_ids)] == prompt_ids:
            return full_ids, len(prompt_ids)
        # The tokenizer merged across the boundary: encode the answer part on its own.
        return prompt_ids + encode(full_text[len(prompt_text):], False), len(prompt_ids)
    # A template whose generation prompt is not a prefix of the answered conversation.
    return prompt_ids + encode(example.answer, False), len(prompt_ids)


def encode_example(example: Example, render: Render, encode: Encode, eos_id: int | None,
                   max_length: int) -> Features | None:
    """Features for one example, truncated to `max_length`; None when no answer token would remain."""
    if isinstance(example, ChatExample):
        ids, prompt_length = _chat_ids(example, render, encode)
    else:
        ids, prompt_length = encode(example.text, True), 0
    if eos_id is not None and (not ids or ids[-1] != eos_id):
        ids = [*ids, eos_id]  # templates without an explicit end: the served model must learn to stop
    ids = ids[:max_length]
    labels = [IGNORE_INDEX] * min(prompt_length, len(ids)) + ids[prompt_length:]
    if all(label == IGNORE_INDEX for label in labels):
        return None
    return Features(input_ids=ids, labels=labels)


@dataclass(frozen=True)
class EncodedSet:
    features: list[Features]
    dropped: list[str]  # "source:line" of examples whose answer did not fit in max_length


def encode_all(examples: Sequence[Example], render: Render, encode: Encode, eos_id: int | None,
               max_length: int) -> EncodedSet:
    kept: list[Features] = []
    dropped: list[str] = []
    for example in examples:
        features = encode_example(example, render, encode, eos_id, max_length)
        if features is None:
            dropped.append(f"{example.source}:{example.line}")
        else:
            kept.append(features)
    return EncodedSet(kept, dropped)


def pad_batch(batch: Sequence[Features], pad_id: int) -> dict[str, list[list[int]]]:
    """Right-padded `input_ids`, `attention_mask` and `labels` lists (the collator makes tensors)."""
    width = max(len(f.input_ids) for f in batch)
    return {
        "input_ids": [f.input_ids + [pad_id] * (width - len(f.input_ids)) for f in batch],
        "attention_mask": [[1] * len(f.input_ids) + [0] * (width - len(f.input_ids)) for f in batch],
        "labels": [f.labels + [IGNORE_INDEX] * (width - len(f.labels)) for f in batch],
    }
