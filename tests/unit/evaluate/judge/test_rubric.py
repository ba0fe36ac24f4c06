"""The judge's request (one answer, alone) and the parser of its verdict."""

from __future__ import annotations

import json

import pytest

from fmkit.evaluate.dataset import EvalItem
from fmkit.evaluate.judge.rubric import (
    CRITERIA,
    MalformedVerdict,
    floor_verdict,
    judge_request,
    parse_verdict,
    reminder_request,
)

ITEM = EvalItem(id="refund", system="Be brief.", prompt="When is my refund?", reference="Within 5 business days.")
WITH_CONTEXT = ITEM.model_copy(update={"context": "Refunds: 5 business days after the return arrives."})
GOOD = {"correctness": 5, "completeness": 4, "faithfulness": None, "instruction_following": 5, "tone": 4,
        "rationale": "Right period, says nothing about the warehouse."}


def test_the_request_shows_exactly_one_answer_with_the_reference_and_the_rubric() -> None:
    request = judge_request(ITEM, "In about a week.")
    text = request.messages[0].content
    assert len(request.messages) == 1 and request.params.temperature == 0.0
    assert text.count("<candidate_answer>") == 1 and "In about a week." in text
    assert "<reference_answer>\nWithin 5 business days.\n</reference_answer>" in text
    assert "<system_prompt>\nBe brief.\n</system_prompt>" in text and "<context>" not in text
    assert all(criterion in text for criterion in CRITERIA)
    assert '"faithfulness": null' in text  # nothing to be faithful to
    assert "<context>\nRefunds" in judge_request(WITH_CONTEXT, "x").messages[0].content


def test_a_multi_turn_item_shows_the_conversation() -> None:
    item = EvalItem.model_validate({"id": "m", "reference": "r", "messages": [
        {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Bye"}]})
    assert "[user] Hi\n\n[assistant] Hello\n\n[user] Bye" in judge_request(item, "x").messages[0].content


@pytest.mark.parametrize("reply", [
    json.dumps(GOOD),
    f"Here is my verdict:\n```json\n{json.dumps(GOOD)}\n```",
    f"Sure! {json.dumps(GOOD)} Hope that helps.",
    # integral floats are integers; faithfulness is ignored without a context
    json.dumps({**GOOD, "correctness": 5.0, "faithfulness": 3}),
])
def test_verdicts_are_found_in_prose_and_fences(reply: str) -> None:
    verdict = parse_verdict(reply, has_context=False)
    assert verdict.scores == {"correctness": 5, "completeness": 4, "faithfulness": None, "instruction_following": 5,
                              "tone": 4}
    assert verdict.score == pytest.approx(4.5) and verdict.rationale.startswith("Right period")


@pytest.mark.parametrize(("reply", "problem"), [
    ("I think it is quite good.", "no JSON object"),
    (json.dumps({**GOOD, "correctness": 6}), "'correctness' is 6, not 1-5"),
    (json.dumps({**GOOD, "tone": "good"}), "'tone' is not an integer"),
    (json.dumps({**GOOD, "completeness": 3.5}), "'completeness' is not an integer"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "rationale"}), "no 'rationale'"),
    ("[1, 2, 3]", "no JSON object"),
])
def test_malformed_verdicts_say_what_is_wrong(reply: str, problem: str) -> None:
    with pytest.raises(MalformedVerdict, match=problem):
        parse_verdict(reply, has_context=False)


def test_with_a_context_faithfulness_is_required_and_counts() -> None:
    with pytest.raises(MalformedVerdict, match="'faithfulness' is not an integer"):
        parse_verdict(json.dumps(GOOD), has_context=True)
    verdict = parse_verdict(json.dumps({**GOOD, "faithfulness": 2}), has_context=True)
    assert verdict.score == pytest.approx((5 + 4 + 2 + 5 + 4) / 5)


def test_the_reminder_shows_the_reply_and_what_was_wrong() -> None:
    first = judge_request(ITEM, "answer")
    again = reminder_request(first, "not json", "no JSON object in the reply", has_context=False)
    assert [m.role for m in again.messages] == ["user", "assistant", "user"]
    assert again.messages[1].content == "not json" and "no JSON object in the reply" in again.messages[2].content
    assert again.fingerprint() != first.fingerprint()


def test_the_floor_verdict_scores_1() -> None:
    assert floor_verdict("failed", has_context=False).score == 1.0
    assert floor_verdict("failed", has_context=True).scores["faithfulness"] == 1
