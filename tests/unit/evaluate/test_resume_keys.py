"""Resuming reuses an answer only when everything that determines it is the same.

Each case runs once, changes one thing, and runs again: a field that determines the answer
(the deployment, the endpoint's URL or ARN, its model, the guardrail version, the item's prompt,
system prompt or messages, a decoding setting) must be asked again; anything else (the
reference, tags, split, context, the price, where the key is kept) must be reused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from fmkit.contracts.pricing import TokenPricing
from fmkit.evaluate.records import ChatRequest, Completion, GenerationParams
from fmkit.evaluate.runner import run_evaluation
from fmkit.evaluate.targets import BedrockEndpoint, OpenAICompatEndpoint, SageMakerEndpoint, Target
from tests.unit.evaluate._helpers import make_dataset

ARN = "arn:aws:bedrock:eu-west-1:111111111111:application-inference-profile/abc"


class Counting:
    """An adapter that answers without a network and counts what it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    def invoke(self, request: ChatRequest) -> Completion:
        self.calls += 1
        return Completion(text=f"answer to {request.messages[-1].content}", latency_s=0.01, ttft_s=0.005)


@dataclass(frozen=True)
class Run:
    items: list[dict[str, Any]]
    target: Target
    params: GenerationParams = field(default_factory=GenerationParams)


def _items() -> list[dict[str, Any]]:
    return [{"id": "i1", "prompt": "How do I reset my password?", "reference": "Use the link.", "system": "Be brief.",
             "tags": ["account"], "split": "dev"},
            {"id": "i2", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
                                      {"role": "user", "content": "Refund?"}], "reference": "5 days."}]


def _edit(index: int, **fields: Any) -> Callable[[Run], Run]:
    def change(run: Run) -> Run:
        items = json.loads(json.dumps(run.items))
        items[index].update(fields)
        return replace(run, items=items)
    return change


def _endpoint(**fields: Any) -> Callable[[Run], Run]:
    def change(run: Run) -> Run:
        endpoint = run.target.endpoint.model_copy(update=fields)
        return replace(run, target=run.target.model_copy(update={"endpoint": endpoint}))
    return change


def _params(**fields: Any) -> Callable[[Run], Run]:
    return lambda run: replace(run, params=replace(run.params, **fields))


def _target(**fields: Any) -> Callable[[Run], Run]:
    return lambda run: replace(run, target=run.target.model_copy(update=fields))


OPENAI = Target(name="m", endpoint=OpenAICompatEndpoint(base_url="http://127.0.0.1:8080/v1", model="llama"))
BEDROCK = Target(name="m", endpoint=BedrockEndpoint(inference_profile_arn=ARN, guardrail_id="g1",
                                                    guardrail_version="1"))
SAGEMAKER = Target(name="m", endpoint=SageMakerEndpoint(endpoint_name="ep", inference_component_name="ic"))

ASKED_AGAIN: dict[str, tuple[Target, Callable[[Run], Run], int]] = {
    "deployment name": (OPENAI, _target(name="m2"), 2),
    "endpoint URL": (OPENAI, _endpoint(base_url="http://127.0.0.1:9090/v1"), 2),
    "model id": (OPENAI, _endpoint(model="qwen"), 2),
    "inference profile ARN": (BEDROCK, _endpoint(inference_profile_arn=ARN.replace("abc", "def")), 2),
    "guardrail version": (BEDROCK, _endpoint(guardrail_version="2"), 2),
    "guardrail": (BEDROCK, _endpoint(guardrail_id="g2"), 2),
    "SageMaker endpoint": (SAGEMAKER, _endpoint(endpoint_name="ep2"), 2),
    "inference component": (SAGEMAKER, _endpoint(inference_component_name="ic2"), 2),
    "payload format": (SAGEMAKER, _endpoint(payload_format="tgi"), 2),
    "prompt": (OPENAI, _edit(0, prompt="How do I change my password?"), 1),
    "system prompt": (OPENAI, _edit(0, system="Be very brief."), 1),
    "earlier turn": (OPENAI, _edit(1, messages=[{"role": "user", "content": "Hello"},
                                                {"role": "assistant", "content": "Hello"},
                                                {"role": "user", "content": "Refund?"}]), 1),
    "max_tokens": (OPENAI, _params(max_tokens=64), 2),
    "temperature": (OPENAI, _params(temperature=0.7), 2),
    "top_p": (OPENAI, _params(top_p=0.9), 2),
    "stop": (OPENAI, _params(stop=("\n\n",)), 2),
}
REUSED: dict[str, tuple[Target, Callable[[Run], Run]]] = {
    "reference": (OPENAI, _edit(0, reference="Use the reset link we email you.")),
    "tags": (OPENAI, _edit(0, tags=["billing"])),
    "split": (OPENAI, _edit(0, split="holdout")),
    "context": (OPENAI, _edit(0, context="Reset links last 30 minutes.")),
    "price": (OPENAI, _target(price=TokenPricing(input_per_1k=1, output_per_1k=1))),
    "key's secret": (OPENAI, _endpoint(api_key_secret_arn="arn:aws:secretsmanager:eu-west-1:1:secret:k")),
    "foundation model id published beside the profile": (BEDROCK, _endpoint(model_id="amazon.nova-lite-v1:0")),
}


def _run(run: Run, out: Path) -> Counting:
    adapter = Counting()
    run_evaluation(make_dataset(run.items), [run.target], out_dir=out, params=run.params,
                   adapters={run.target.name: adapter}, progress=False)
    return adapter


@pytest.mark.parametrize("case", list(ASKED_AGAIN))
def test_a_change_that_determines_the_answer_asks_again(tmp_path: Path, case: str) -> None:
    target, change, expected = ASKED_AGAIN[case]
    first = Run(_items(), target)
    assert _run(first, tmp_path).calls == 2
    assert _run(first, tmp_path).calls == 0  # unchanged: everything reused
    assert _run(change(first), tmp_path).calls == expected


@pytest.mark.parametrize("case", list(REUSED))
def test_a_change_that_does_not_determine_the_answer_reuses_it(tmp_path: Path, case: str) -> None:
    target, change = REUSED[case]
    first = Run(_items(), target)
    assert _run(first, tmp_path).calls == 2
    assert _run(change(first), tmp_path).calls == 0


def test_another_endpoint_is_recorded_with_its_own_answers(tmp_path: Path) -> None:
    """The reported bug: a rerun with a new --endpoint reused the old URL's answers and recorded the new URL."""
    first = Run(_items(), OPENAI)
    _run(first, tmp_path)
    moved = _endpoint(base_url="http://10.0.0.5:8080/v1")(first)
    assert _run(moved, tmp_path).calls == 2
    manifest = json.loads((tmp_path / "run.json").read_text())
    assert manifest["targets"][0]["endpoint"]["base_url"] == "http://10.0.0.5:8080/v1"


def test_sanitised_names_that_collide_do_not_share_answers(tmp_path: Path) -> None:
    """`a/b` and `a_b` write the same results file; the deployment in the key keeps them apart."""
    first = Run(_items(), OPENAI.model_copy(update={"name": "a/b"}))
    assert _run(first, tmp_path).calls == 2
    assert _run(replace(first, target=first.target.model_copy(update={"name": "a_b"})), tmp_path).calls == 2
