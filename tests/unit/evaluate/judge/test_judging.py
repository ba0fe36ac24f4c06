"""Judging stored answers against a scripted judge on loopback: verdicts, order, malformed replies, cache."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import pytest

from fmkit.contracts.pricing import TokenPricing
from fmkit.evaluate.adapters import AdapterOptions, RetryPolicy
from fmkit.evaluate.dataset import Dataset
from fmkit.evaluate.judge import judge_answers, judge_outcome
from fmkit.evaluate.judge.judging import verdicts_path
from fmkit.evaluate.runner import EvaluationResult, run_evaluation
from fmkit.evaluate.summary import summarize
from fmkit.evaluate.targets import Target, parse_endpoint_override
from fmkit.evaluate.testing import Behaviour, FakeOpenAIServer, Messages, overlap_judge
from tests.unit.evaluate._helpers import make_dataset

OPTIONS = AdapterOptions(timeout_s=10.0, retry=RetryPolicy(max_attempts=1))
ITEMS = [{"id": f"q{i}", "prompt": f"Question {i}: how long does a refund take?",
          "reference": f"Refund number {i} is paid within 5 business days to the original card."} for i in range(6)]


def _reference(messages: Messages) -> str:
    number = str(messages[-1]["content"]).split()[1].rstrip(":")
    return f"Refund number {number} is paid within 5 business days to the original card."


def _answers(server: FakeOpenAIServer, dataset: Dataset, models: list[str], out: Path) -> EvaluationResult:
    targets = [parse_endpoint_override(f"{m}={server.base_url(m)}") for m in models]
    return run_evaluation(dataset, targets, out_dir=out, adapter_options=OPTIONS, progress=False)


def _judge(server: FakeOpenAIServer, route: str = "judge", price: TokenPricing | None = None) -> Target:
    return parse_endpoint_override(f"{route}={server.base_url(route)}").model_copy(update={"price": price})


ROUTES = {"right": Behaviour(answer=_reference), "wrong": Behaviour(answer=lambda _m: "We do not sell tents."),
          "judge": Behaviour(answer=overlap_judge)}


def test_a_wrong_answer_scores_below_the_reference(tmp_path: Path) -> None:
    with FakeOpenAIServer(ROUTES) as server:
        result = _answers(server, make_dataset(ITEMS), ["right", "wrong"], tmp_path)
        judge = _judge(server)
        verdicts = judge_answers(result, [judge], out_dir=tmp_path, adapter_options=OPTIONS)
    right, wrong = verdicts["judge"]["right"], verdicts["judge"]["wrong"]
    assert all(right[i].score is not None and wrong[i].score is not None for i in right)
    assert all(right[i].score > wrong[i].score for i in right)  # type: ignore[operator]
    assert right["q0"].scores == {"correctness": 5, "completeness": 5, "faithfulness": None,
                                  "instruction_following": 5, "tone": 4}
    assert wrong["q0"].scores is not None and wrong["q0"].scores["correctness"] == 1
    summary = summarize(result, scored=[judge_outcome(verdicts, [judge], result.models)], primary_metric="judge",
                        n_resamples=200)
    assert summary.winner("best_quality").model == "right"
    assert summary.model("right").quality["judge"].value == pytest.approx(4.75)
    assert summary.weakest_items["wrong"][0].judge_rationale is not None


def test_every_request_holds_one_answer_and_the_verdict_survives_swapping_the_order(tmp_path: Path) -> None:
    """Swap the models' order and the items' order: each answer gets the same score, the same model wins."""
    seen: list[str] = []
    lock = threading.Lock()

    def recording_judge(messages: Messages) -> str:
        with lock:
            seen.append(next(str(m["content"]) for m in messages if m["role"] == "user"))
        return overlap_judge(messages)

    routes = {**ROUTES, "judge": Behaviour(answer=recording_judge)}
    scores = {}
    for order, items in ((["right", "wrong"], ITEMS), (["wrong", "right"], ITEMS[::-1])):
        out = tmp_path / "-".join(order)
        with FakeOpenAIServer(routes) as server:
            result = _answers(server, make_dataset(items), order, out)
            judge = _judge(server)
            verdicts = judge_answers(result, [judge], out_dir=out, adapter_options=OPTIONS)
        summary = summarize(result, scored=[judge_outcome(verdicts, [judge], result.models)],
                            primary_metric="judge", n_resamples=200)
        given = {(m, i): v.score for m, by_item in verdicts["judge"].items() for i, v in by_item.items()}
        scores[tuple(order)] = (given, summary.winner("best_quality").model)
    assert scores[("right", "wrong")] == scores[("wrong", "right")]
    assert scores[("right", "wrong")][1] == "right"
    assert len(seen) == 24 and all(prompt.count("<candidate_answer>") == 1 for prompt in seen)


def test_a_malformed_verdict_gets_one_reminder(tmp_path: Path) -> None:
    replies: Counter[str] = Counter()

    def forgetful(messages: Messages) -> str:  # prose first; the JSON after the reminder
        key = str(messages[1]["content"])
        replies[key] += 1
        return "The answer looks correct to me." if len(messages) == 2 else overlap_judge(messages[:2])

    with FakeOpenAIServer({**ROUTES, "judge": Behaviour(answer=forgetful)}) as server:
        result = _answers(server, make_dataset(ITEMS[:2]), ["right"], tmp_path)
        verdicts = judge_answers(result, [_judge(server)], out_dir=tmp_path, adapter_options=OPTIONS)
        assert server.requests["judge"] == 4
    verdict = verdicts["judge"]["right"]["q0"]
    assert verdict.attempts == 2 and verdict.score == pytest.approx(4.75) and verdict.error is None


@pytest.mark.parametrize(("behaviour", "error"), [
    (Behaviour(answer=lambda _m: "Great answer, 5/5!"), "malformed verdict twice: no JSON object in the reply"),
    (Behaviour(answer=lambda _m: json.dumps({"correctness": 9})), "malformed verdict twice: 'correctness' is 9"),
    (Behaviour(fail_status=500), "judge request failed: server_error"),
])
def test_a_judge_that_cannot_answer_leaves_the_item_unscored_not_a_crash(
        tmp_path: Path, behaviour: Behaviour, error: str) -> None:
    with FakeOpenAIServer({**ROUTES, "judge": behaviour}) as server:
        result = _answers(server, make_dataset(ITEMS[:3]), ["right"], tmp_path)
        judge = _judge(server)
        verdicts = judge_answers(result, [judge], out_dir=tmp_path, adapter_options=OPTIONS)
    records = verdicts["judge"]["right"]
    assert all(r.score is None and r.error is not None and r.error.startswith(error) for r in records.values())
    outcome = judge_outcome(verdicts, [judge], result.models)
    assert outcome.section.unscored == {"right": 3}
    summary = summarize(result, scored=[outcome], n_resamples=50)
    assert summary.model("right").quality["judge"].value is None  # nothing scored: no number, not a zero


def test_failed_answers_get_the_floor_without_asking_and_verdicts_are_cached(tmp_path: Path) -> None:
    routes = {**ROUTES, "down": Behaviour(fail_status=503)}
    with FakeOpenAIServer(routes) as server:
        result = run_evaluation(make_dataset(ITEMS), [parse_endpoint_override(f"{m}={server.base_url(m)}")
                                                      for m in ("right", "down")],
                                out_dir=tmp_path, adapter_options=OPTIONS, progress=False)
        judge = _judge(server)
        verdicts = judge_answers(result, [judge], out_dir=tmp_path, adapter_options=OPTIONS)
        assert server.requests["judge"] == 6  # only the right model's answers were shown
        down = verdicts["judge"]["down"]["q0"]
        assert (down.score, down.asked) == (1.0, False)
        assert "the request failed (server_error)" in (down.rationale or "")
        again = judge_answers(result, [judge], out_dir=tmp_path, adapter_options=OPTIONS)
        assert server.requests["judge"] == 6 and again == verdicts  # all reused
        items = [dict(item) for item in ITEMS]
        items[0]["reference"] = "Refunds take a week."  # a changed reference changes the verdict's key
        changed = load_result(result, make_dataset(items))
        judge_answers(changed, [judge], out_dir=tmp_path, adapter_options=OPTIONS)
        assert server.requests["judge"] == 7
    assert len(verdicts_path(tmp_path, "judge", "right").read_text().splitlines()) == 7


def load_result(result: EvaluationResult, dataset: Dataset) -> EvaluationResult:
    return EvaluationResult(dataset=dataset, targets=result.targets, params=result.params, records=result.records)
