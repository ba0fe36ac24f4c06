"""The judge's rubric, the request that shows it one answer, and the parser of its verdict.

**Position bias.** A judge shown two answers side by side favours one position (the first, for
many models), so comparing models in one prompt makes the order part of the verdict. Here every
request holds exactly one candidate answer, graded alone against the reference: no answer is
ever next to another, so no order can favour it, and two models are compared on their scores.

**Criteria** (each 1–5): correctness against the reference, completeness, faithfulness to the
item's `context` (only when the item gives one), instruction following (the system prompt and
the request), tone. The item's score is the mean of the criteria that apply.

The verdict is a JSON object; judges wrap it in prose or code fences, so the parser looks for
the object, then checks every criterion is an integer 1–5 and a rationale is given. Anything
else is a `MalformedVerdict`, which the caller answers with one reminder before giving up.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fmkit.evaluate.dataset import EvalItem
from fmkit.evaluate.records import ChatMessage, ChatRequest, GenerationParams

RUBRIC_VERSION = "1"  # part of every verdict's cache key: a changed rubric asks again
CRITERIA: tuple[str, ...] = ("correctness", "completeness", "faithfulness", "instruction_following", "tone")
JUDGE_PARAMS = GenerationParams(max_tokens=400, temperature=0.0)
RATIONALE_CHARS = 400

SYSTEM = (
    "You are an impartial grader of answers given by an AI assistant. You grade exactly one candidate "
    "answer against a reference answer written by the application's team. You reply with one JSON "
    "object and nothing else."
)

_INSTRUCTIONS = """Grade the candidate answer on each criterion with an integer from 1 (poor) to 5 (excellent):
- correctness: states the same facts as the reference answer; a wrong or contradicting fact scores 1 or 2.
- completeness: covers the points of the reference answer that the request needs.
- faithfulness: {faithfulness}
- instruction_following: does what the system prompt and the request ask (format, length, language).
- tone: polite, clear and suited to the request.
A correct answer in other words than the reference is correct. Do not reward length.

{material}

Reply with this JSON object only:
{{"correctness": <1-5>, "completeness": <1-5>, "faithfulness": {faithful_value}, "instruction_following": <1-5>, \
"tone": <1-5>, "rationale": "<one or two sentences: why>"}}"""


class MalformedVerdict(ValueError):
    """The judge did not answer with the JSON verdict asked for."""


@dataclass(frozen=True)
class Verdict:
    scores: dict[str, int | None]  # criterion -> 1..5 (faithfulness None without a context)
    rationale: str

    @property
    def score(self) -> float:
        """Mean of the criteria that apply, 1–5."""
        values = [v for v in self.scores.values() if v is not None]
        return sum(values) / len(values)


def _block(tag: str, text: str) -> str:
    return f"<{tag}>\n{text}\n</{tag}>"


def _conversation(item: EvalItem) -> str:
    if item.messages is None:
        return item.prompt or ""
    return "\n\n".join(f"[{m.role}] {m.content}" for m in item.messages)


def judge_request(item: EvalItem, answer: str) -> ChatRequest:
    """The request that asks a judge to grade `answer` to `item` (one answer, alone)."""
    parts = []
    if item.system:
        parts.append(_block("system_prompt", item.system))
    parts.append(_block("request", _conversation(item)))
    if item.context:
        parts.append(_block("context", item.context))
    parts += [_block("reference_answer", item.reference), _block("candidate_answer", answer)]
    text = _INSTRUCTIONS.format(
        faithfulness=("claims only what the <context> supports; an unsupported claim scores 1 or 2." if item.context
                      else "no context is given: answer null."),
        faithful_value="<1-5>" if item.context else "null",
        material="\n\n".join(parts))
    return ChatRequest(messages=(ChatMessage("user", text),), system=SYSTEM, params=JUDGE_PARAMS)


def reminder_request(first: ChatRequest, reply: str, problem: str, *, has_context: bool) -> ChatRequest:
    """The second and last attempt: the judge's reply and what was wrong with it, then the ask again."""
    faithfulness = "" if has_context else " (faithfulness null)"
    again = (f"That was not the JSON object asked for ({problem}). Reply with the JSON object only: every "
             f"criterion an integer from 1 to 5{faithfulness}, and a rationale.")
    messages = (*first.messages, ChatMessage("assistant", reply or "(empty)"), ChatMessage("user", again))
    return ChatRequest(messages=messages, system=first.system, params=first.params)


_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)


def _json_object(text: str) -> dict[str, Any]:
    """The verdict object in `text`: the whole text, a fenced block, or the outermost {...}."""
    candidates = [text.strip()]
    candidates += _FENCE.findall(text)
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start:end + 1])
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    raise MalformedVerdict("no JSON object in the reply")


def _criterion(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise MalformedVerdict(f"'{name}' is not an integer")
    if not 1 <= int(value) <= 5:
        raise MalformedVerdict(f"'{name}' is {int(value)}, not 1-5")
    return int(value)


def parse_verdict(text: str, *, has_context: bool, criteria: Sequence[str] = CRITERIA) -> Verdict:
    """The verdict in a judge's reply; `MalformedVerdict` says what is wrong with it."""
    data = _json_object(text)
    scores: dict[str, int | None] = {}
    for name in criteria:
        if name == "faithfulness" and not has_context:
            scores[name] = None  # whatever the judge said: there was nothing to be faithful to
            continue
        scores[name] = _criterion(data, name)
    rationale = data.get("rationale")
    if not isinstance(rationale, str) or not rationale.strip():
        raise MalformedVerdict("no 'rationale'")
    return Verdict(scores=scores, rationale=" ".join(rationale.split())[:RATIONALE_CHARS])


def floor_verdict(reason: str, *, has_context: bool) -> Verdict:
    """The lowest score on every criterion, given without asking (a failed request, an empty answer):
    the judge's counterpart of scoring a failed request as an empty answer."""
    return Verdict(scores={name: (None if name == "faithfulness" and not has_context else 1) for name in CRITERIA},
                   rationale=reason)
