"""The shipped suite, user suites, and the cases a guardrail config selects."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from fmkit.config.providers.bedrock import PII_ENTITIES, ContentCategory
from fmkit.evaluate.guardrail.suite import GuardrailPolicies, SuiteError, load_suite, parse_suite, select_cases


def test_the_shipped_suite_covers_every_pii_type_and_content_category_and_has_must_pass_cases() -> None:
    cases = load_suite()
    policies = {c.policy for c in cases}
    assert {f"pii:{e}" for e in PII_ENTITIES} <= policies
    assert {f"content:{c}" for c in get_args(ContentCategory) if c != "prompt_attack"} <= policies
    assert sum(c.policy == "prompt_attack" for c in cases) >= 5
    assert sum(c.must_pass for c in cases) >= 10
    assert len({c.id for c in cases}) == len(cases)


def test_a_config_selects_its_policies_settles_expectations_and_adds_topics_and_words() -> None:
    policies = GuardrailPolicies(prompt_attack=True, content=("hate",), pii={"EMAIL": "anonymize",
                                 "CREDIT_DEBIT_CARD_NUMBER": "block"},
                                 topics={"Investment advice": ("Which stocks should I buy?",)},
                                 words=("confidential roadmap",))
    selection = select_cases(load_suite(), policies)
    by_policy = {c.policy: c.expect for c in selection.cases}
    assert by_policy["pii:EMAIL"] == "mask" and by_policy["pii:CREDIT_DEBIT_CARD_NUMBER"] == "block"
    assert by_policy["prompt_attack"] == by_policy["content:hate"] == "block"
    assert by_policy["pass"] == "pass"
    assert "pii:PHONE" not in by_policy and selection.skipped["pii:PHONE"] == 1
    assert "content:violence" not in by_policy
    generated = {c.id: (c.text, c.expect) for c in selection.cases if c.policy in ("topic:Investment advice", "word")}
    assert generated == {"topic-Investment advice-1": ("Which stocks should I buy?", "block"),
                         "word-1": ("Please send me the confidential roadmap before the meeting.", "block")}
    assert not any(c.policy == "word" for c in select_cases(load_suite(), policies,
                                                            with_config_cases=False).cases)


def test_an_explicit_expectation_runs_even_when_the_config_does_not_set_the_policy() -> None:
    cases = parse_suite('{"id": "x", "text": "SSN 078-05-1120", "policy": "pii:US_SOCIAL_SECURITY_NUMBER", '
                        '"expect": "block"}\n', "mine.jsonl")
    assert [c.expect for c in select_cases(cases, GuardrailPolicies()).cases] == ["block"]


def test_suite_problems_are_reported_with_their_place(tmp_path: Path) -> None:
    with pytest.raises(SuiteError) as jsonl:
        parse_suite('{"id": "a", "text": "t", "policy": "pass"}\n{"id": "a", "text": "t", "policy": "pass"}\n'
                    '{"id": "b", "policy": "pass"}\nnope\n', "s.jsonl")
    assert jsonl.value.problems == ["s.jsonl:4: invalid JSON: Expecting value"]
    with pytest.raises(SuiteError) as yaml:
        parse_suite("cases:\n  - {id: a, text: t, policy: pass}\n  - {id: a, text: t, policy: pass}\n"
                    "  - {id: b, policy: pass}\n  - {id: c, text: t, policy: word, colour: red}\n"
                    "  - {id: d, text: t, policy: pass, expect: block}\n",
                    "s.yaml")
    problems = yaml.value.problems
    assert "s.yaml: cases[1]: duplicate id 'a'" in problems
    assert any(p.startswith("s.yaml: cases[2]: text:") for p in problems)
    assert any(p.startswith("s.yaml: cases[4]: case:") and "expect 'pass'" in p for p in problems)
    assert any(p.startswith("s.yaml: cases[3]: colour:") for p in problems)
    with pytest.raises(SuiteError, match="'cases' list"):
        parse_suite("- just a list\n", "s.yaml")
