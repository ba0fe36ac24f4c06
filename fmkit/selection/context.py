"""Prompts longer than a model's context window: estimated before any request is sent.

Token counts differ per tokenizer; 4 characters a token is the usual estimate for English text
and errs on the side of fewer tokens for code and other languages, so a warning is a real risk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from fmkit.config.deployments import Deployment
from fmkit.selection.identify import identify

CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class Oversized:
    item_id: str
    deployment: str
    estimated_tokens: int
    context_window: int
    max_tokens: int

    def message(self) -> str:
        return (f"item {self.item_id}: its prompt (~{self.estimated_tokens:,} tokens at {CHARS_PER_TOKEN} characters "
                f"a token) plus max_tokens {self.max_tokens:,} exceeds {self.deployment}'s context window "
                f"({self.context_window:,} tokens): expect an error or a truncated prompt")


def estimated_tokens(texts: Iterable[str]) -> int:
    return sum(len(text) for text in texts) // CHARS_PER_TOKEN + 1


def oversized_prompts(deployments: Mapping[str, Deployment], prompts: Mapping[str, list[str]],
                      max_tokens: int) -> list[Oversized]:
    """(item, deployment) pairs whose estimated prompt plus `max_tokens` exceed the model's context window."""
    windows = {}
    for name, deployment in deployments.items():
        known = identify(deployment)
        if known is not None and known.card is not None and known.card.context_window:
            windows[name] = known.card.context_window
    found = []
    for item_id, texts in prompts.items():
        tokens = estimated_tokens(texts)
        for name, window in sorted(windows.items()):
            if tokens + max_tokens > window:
                found.append(Oversized(item_id, name, tokens, window, max_tokens))
    return found
