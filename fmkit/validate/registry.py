"""Semantic config rules: checks that need the resolved environment, a catalog or an estimate.

Each rule yields `Finding`s whose `path` points into the resolved environment document
(`("models", "llama", "instance_type")`); the loader turns the path into file:line:col.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fmkit.config.environment import EnvironmentConfig
from fmkit.config.findings import DocPath, Finding

RuleFn = Callable[[EnvironmentConfig], Iterator[Finding]]
RULES: dict[str, RuleFn] = {}

__all__ = ["RULES", "DocPath", "Finding", "RuleFn", "rule", "run_rules"]


def rule(rule_id: str) -> Callable[[RuleFn], RuleFn]:
    """Register a rule under a stable kebab-case id (tests are named after it)."""

    def register(fn: RuleFn) -> RuleFn:
        if rule_id in RULES:
            raise ValueError(f"config rule '{rule_id}' is registered twice")
        RULES[rule_id] = fn
        return fn

    return register


def run_rules(env: EnvironmentConfig) -> Iterator[tuple[str, Finding]]:
    """Every registered rule on one environment: the `RuleSet` the loader takes."""
    for rule_id, fn in RULES.items():
        for finding in fn(env):
            yield rule_id, finding
