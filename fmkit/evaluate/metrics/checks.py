"""Checks: does an answer do what the application needs (parse as JSON, match a pattern)?

A check is a `MeanMetric` (pass rate, 0–1) that can be limited to tagged items, so it is
scored, bootstrapped and thresholded like any quality metric. Checks are written as specs
(`json@triage`, `regex:order_id=ORD-\\d+`) whose grammar is `fmkit.contracts.evaluation`'s,
shared with the config that validates them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from fmkit.contracts.evaluation import parse_check_spec
from fmkit.evaluate.metrics.quality import MeanMetric


@dataclass(frozen=True)
class RegexCheck(MeanMetric):
    """Pass if the answer matches `pattern` (re.search): e.g. it cites an order number format."""

    pattern: str
    name: str = "regex"
    ignore_case: bool = False
    tags: tuple[str, ...] = ()  # only items with one of these tags count (all items when empty)
    description: str = field(default="", compare=False)
    _compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        flags = re.DOTALL | (re.IGNORECASE if self.ignore_case else 0)
        object.__setattr__(self, "_compiled", re.compile(self.pattern, flags))
        if not self.description:
            scope = f" (items tagged {', '.join(self.tags)})" if self.tags else ""
            object.__setattr__(self, "description", f"share of answers matching /{self.pattern}/{scope}, 0-1")

    def applies_to(self, item_tags: Sequence[str]) -> bool:
        return not self.tags or any(tag in self.tags for tag in item_tags)

    def item_score(self, hypothesis: str, reference: str) -> float:
        return 1.0 if self._compiled.search(hypothesis) else 0.0


_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


@dataclass(frozen=True)
class JsonValidCheck(MeanMetric):
    """Pass if the whole answer parses as JSON (what an app calling `json.loads` needs).

    `allow_code_fence` accepts a ```json fenced block, for apps that strip fences first.
    """

    name: str = "json_valid"
    allow_code_fence: bool = False
    tags: tuple[str, ...] = ()  # only items with one of these tags count (all items when empty)
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.description:
            scope = f" (items tagged {', '.join(self.tags)})" if self.tags else ""
            object.__setattr__(self, "description", f"share of answers that parse as JSON{scope}, 0-1")

    def applies_to(self, item_tags: Sequence[str]) -> bool:
        return not self.tags or any(tag in self.tags for tag in item_tags)

    def item_score(self, hypothesis: str, reference: str) -> float:
        text = hypothesis.strip()
        if self.allow_code_fence and (match := _FENCE.match(text)):
            text = match.group(1)
        try:
            json.loads(text)
        except ValueError:
            return 0.0
        return 1.0


Check = RegexCheck | JsonValidCheck


def parse_check(spec: str) -> Check:
    """Build the check a spec describes: `json[@TAGS]`, `json-fenced[@TAGS]`, `regex[:NAME][@TAGS]=PATTERN`.

    `@TAGS` (comma-separated) limits the check to items with one of those tags, e.g.
    `json@triage` when only the triage prompts must answer in JSON. ValueError for anything
    else, or for a pattern that does not compile.
    """
    parsed = parse_check_spec(spec)
    if parsed.kind == "regex":
        try:
            return RegexCheck(pattern=parsed.pattern or "", name=parsed.name, tags=parsed.tags)
        except re.error as exc:
            raise ValueError(f"invalid regex in check {spec!r}: {exc}") from exc
    return JsonValidCheck(allow_code_fence=parsed.kind == "json-fenced", tags=parsed.tags)
