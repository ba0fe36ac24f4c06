"""Guardrail test cases: the shipped suite, a user's suite, and the cases a config implies.

A case is a text, the policy that must act on it (`prompt_attack`, `content:<category>`,
`pii:<ENTITY>`, `topic:<name>`, `word`, `profanity`) or `pass` (no policy may block it), and
what acting means: `block`, `mask` (PII set to anonymize) or `pass`. Suites are YAML
(`cases: [...]`) or JSONL (one case per line); problems are reported all at once with their
line (JSONL) or case index (YAML).

`GuardrailPolicies` is the config-free summary of a deployment's guardrail that `select_cases`
needs: the CLI builds it from `fmkit.config`'s `GuardrailConfig`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Expectation = Literal["block", "mask", "pass"]
Source = Literal["input", "output"]
SHIPPED_SUITE = "suite.yaml"
WORD_SENTENCE = "Please send me the {word} before the meeting."


class GuardrailCase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    text: str = Field(min_length=1, max_length=20_000)
    policy: str = Field(min_length=1, description="the policy that must act, or 'pass'")
    expect: Expectation | None = Field(None, description="default: pass for policy 'pass', else from the config")
    source: Source = "input"

    @model_validator(mode="after")
    def _consistent(self) -> GuardrailCase:
        if self.expect is not None and (self.policy == "pass") != (self.expect == "pass"):
            raise ValueError("policy 'pass' goes with expect 'pass', and expect 'pass' with policy 'pass'")
        return self

    @property
    def must_pass(self) -> bool:
        return self.policy == "pass" or self.expect == "pass"


class SuiteError(ValueError):
    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class GuardrailPolicies:
    """What a guardrail is configured to do (input side), without the config package."""

    prompt_attack: bool = False
    content: tuple[str, ...] = ()  # categories with a non-'none' input strength
    pii: Mapping[str, Literal["block", "anonymize"]] = field(default_factory=dict)
    topics: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # name -> examples
    words: tuple[str, ...] = ()
    profanity: bool = False

    def expectation(self, policy: str) -> Expectation | None:
        """What the guardrail must do for `policy`, or None when it does not configure it."""
        kind, _, name = policy.partition(":")
        configured = {
            "prompt_attack": self.prompt_attack and not name,
            "content": name in self.content,
            "topic": name in self.topics,
            "word": bool(self.words) and not name,
            "profanity": self.profanity and not name,
        }
        if kind == "pii":
            action = self.pii.get(name)
            return None if action is None else "block" if action == "block" else "mask"
        return "block" if configured.get(kind) else None


def _parse_cases(raw: Iterable[tuple[str, Any]]) -> list[GuardrailCase]:
    cases: list[GuardrailCase] = []
    problems: list[str] = []
    seen: set[str] = set()
    for where, data in raw:
        try:
            case = GuardrailCase.model_validate(data)
        except ValidationError as exc:
            problems += [f"{where}: {'.'.join(map(str, e['loc'])) or 'case'}: {e['msg']}" for e in exc.errors()]
            continue
        if case.id in seen:
            problems.append(f"{where}: duplicate id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    if problems:
        raise SuiteError(problems)
    if not cases:
        raise SuiteError(["the suite has no cases"])
    return cases


def _jsonl(text: str, name: str) -> list[tuple[str, Any]]:
    raw: list[tuple[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                raw.append((f"{name}:{number}", json.loads(line)))
            except json.JSONDecodeError as exc:
                raise SuiteError([f"{name}:{number}: invalid JSON: {exc.msg}"]) from None
    return raw


def _yaml(text: str, name: str) -> list[tuple[str, Any]]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        raise SuiteError([f"{name}: invalid YAML: {exc}"]) from None
    cases = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(cases, list):
        raise SuiteError([f"{name}: expected a mapping with a 'cases' list"])
    return [(f"{name}: cases[{index}]", case) for index, case in enumerate(cases)]


def parse_suite(text: str, name: str) -> list[GuardrailCase]:
    """Cases from YAML (`cases:` list) or, for `*.jsonl` names, JSON lines."""
    return _parse_cases(_jsonl(text, name) if name.endswith(".jsonl") else _yaml(text, name))


def load_suite(path: Path | None = None) -> list[GuardrailCase]:
    """A suite file, or the shipped one."""
    if path is None:
        text = resources.files("fmkit.evaluate.guardrail").joinpath("data", SHIPPED_SUITE).read_text("utf-8")
        return parse_suite(text, SHIPPED_SUITE)
    return parse_suite(path.read_text(encoding="utf-8"), str(path))


@dataclass(frozen=True)
class Selection:
    cases: list[GuardrailCase]
    skipped: dict[str, int]  # policy -> cases left out (not configured)


def config_cases(policies: GuardrailPolicies) -> list[GuardrailCase]:
    """Each denied topic's own examples and each blocked word in a sentence (from the config)."""
    cases = [GuardrailCase(id=f"topic-{name}-{i + 1}", text=example, policy=f"topic:{name}", expect="block")
             for name, examples in policies.topics.items() for i, example in enumerate(examples)]
    cases += [GuardrailCase(id=f"word-{i + 1}", text=WORD_SENTENCE.format(word=word), policy="word",
                            expect="block") for i, word in enumerate(policies.words)]
    return cases


def select_cases(suite: Sequence[GuardrailCase], policies: GuardrailPolicies, *,
                 with_config_cases: bool = True) -> Selection:
    """The cases this guardrail must handle, each with its expectation settled."""
    chosen: list[GuardrailCase] = []
    skipped: dict[str, int] = {}
    for case in [*suite, *(config_cases(policies) if with_config_cases else [])]:
        expect = case.expect or ("pass" if case.policy == "pass" else policies.expectation(case.policy))
        if expect is None:
            skipped[case.policy] = skipped.get(case.policy, 0) + 1
            continue
        chosen.append(case.model_copy(update={"expect": expect}))
    return Selection(cases=chosen, skipped=skipped)
