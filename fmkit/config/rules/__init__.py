"""Importing this package registers every rule module (add one import line per area)."""

from fmkit.config.rules import common  # noqa: F401
from fmkit.config.rules import knowledge  # noqa: F401
from fmkit.config.rules.registry import RULES, Finding, rule, run_rules

__all__ = ["RULES", "Finding", "rule", "run_rules"]
