"""The rule registry: stable ids, registered once, run in registration order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fmkit.config.environment import EnvironmentConfig
from fmkit.validate import RULES, Finding, rule
from fmkit.validate.registry import run_rules


def test_an_id_cannot_be_registered_twice() -> None:
    taken = next(iter(RULES))
    with pytest.raises(ValueError, match=f"'{taken}' is registered twice"):
        rule(taken)(lambda env: iter(()))
    assert all(rule_id == rule_id.lower() and " " not in rule_id for rule_id in RULES)


def test_run_rules_yields_each_finding_with_its_rule_id(monkeypatch: pytest.MonkeyPatch) -> None:
    def two(env: EnvironmentConfig) -> Iterator[Finding]:
        yield Finding(("region",), "first")
        yield Finding(("account",), "second", severity="warning")

    monkeypatch.setattr("fmkit.validate.registry.RULES", {"two-findings": two})
    found = list(run_rules(object()))  # type: ignore[arg-type]  # the rule never reads the environment
    assert [(rule_id, f.message, f.severity) for rule_id, f in found] == [
        ("two-findings", "first", "error"), ("two-findings", "second", "warning")]


def test_every_registered_rule_has_a_test_named_after_it() -> None:
    """A `test_rule_<id>…` function, or a parametrized case with id `rule-<id>` (the loader's table)."""
    tests = Path(__file__).resolve().parents[1]
    source = "\n".join(p.read_text(encoding="utf-8") for p in tests.rglob("test_*.py"))
    untested = [rule_id for rule_id in RULES
                if f"def test_rule_{rule_id.replace('-', '_')}" not in source and f'"rule-{rule_id}"' not in source]
    assert len(RULES) >= 50
    assert untested == []
