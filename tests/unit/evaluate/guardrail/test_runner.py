"""Block and false-block rates, overall and per policy, on outcomes counted by hand."""

from __future__ import annotations

import pytest

from fmkit.evaluate.guardrail.client import Outcome
from fmkit.evaluate.guardrail.runner import summarize
from fmkit.evaluate.guardrail.suite import GuardrailCase


def outcome(case_id: str, policy: str, expect: str, acted: dict[str, str] | None = None,
            error: bool = False) -> Outcome:
    case = GuardrailCase.model_validate({"id": case_id, "text": "t", "policy": policy, "expect": expect})
    if error:
        return Outcome(case, error={"kind": "throttled", "message": "slow down"})
    return Outcome(case, intervened=bool(acted), acted=acted or {}, units={"contentPolicyUnits": 1})


def test_rates_per_policy_and_overall() -> None:
    outcomes = [
        outcome("a1", "prompt_attack", "block", {"prompt_attack": "BLOCKED"}),
        outcome("a2", "prompt_attack", "block"),                                  # missed
        outcome("e1", "pii:EMAIL", "mask", {"pii:EMAIL": "ANONYMIZED"}),
        outcome("c1", "pii:CREDIT_DEBIT_CARD_NUMBER", "block", {"word": "BLOCKED"}),  # blocked, not attributed
        outcome("p1", "pass", "pass"),
        outcome("p2", "pass", "pass", {"pii:EMAIL": "ANONYMIZED"}),               # masked: not a block
        outcome("p3", "pass", "pass", {"word": "BLOCKED"}),                       # false block by the word filter
        outcome("p4", "pass", "pass", error=True),                                # not answered: in no rate
    ]
    summary = summarize(outcomes)
    assert summary["metrics"] == {"block_rate": pytest.approx(3 / 4), "false_block_rate": pytest.approx(1 / 3),
                                  "error_rate": pytest.approx(1 / 8)}
    policies = summary["policies"]
    assert policies["prompt_attack"]["block_rate"] == 0.5
    assert policies["pii:CREDIT_DEBIT_CARD_NUMBER"]["block_rate"] == 1.0
    assert policies["pii:CREDIT_DEBIT_CARD_NUMBER"]["attributed_rate"] == 0.0
    assert policies["pii:EMAIL"]["false_blocks"] == 0
    assert policies["word"] == {"cases": 0, "acted": 0, "attributed": 0, "false_blocks": 1, "block_rate": None,
                                "attributed_rate": None, "false_block_rate": pytest.approx(1 / 3)}
    assert summary["misses"] == ["a2"] and summary["false_blocks"] == ["p3"]
    assert summary["units"] == {"contentPolicyUnits": 7} and list(summary["errors"]) == ["p4"]


def test_nothing_answered_means_no_rates() -> None:
    summary = summarize([outcome("a", "prompt_attack", "block", error=True)])
    assert summary["answered"] == 0
    assert summary["metrics"] == {"block_rate": None, "false_block_rate": None, "error_rate": 1.0}
