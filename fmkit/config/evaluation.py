"""The opt-in cloud evaluation stack (benchmarks the configured models on a schedule)."""

from __future__ import annotations

from fmkit.config.base import Strict


class EvaluationConfig(Strict):
    enabled: bool = False
