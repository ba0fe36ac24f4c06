"""Importing this package registers every rule module (add one import line per area)."""

from fmkit.config.rules import (
    bedrock,  # noqa: F401
    carbon,  # noqa: F401
    common,  # noqa: F401
    evaluation,  # noqa: F401
    graviton,  # noqa: F401
    knowledge,  # noqa: F401
    sagemaker,  # noqa: F401
)
from fmkit.config.rules.registry import RULES, Finding, rule, run_rules

__all__ = ["RULES", "Finding", "rule", "run_rules"]
