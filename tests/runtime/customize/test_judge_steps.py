"""Both models answer the holdout (Bedrock Converse, stubbed), then the gate decides on the stored answers."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.stub import ANY, Stubber

from tests.runtime.customize._function import BUCKET, data_steps, judge_steps, settings
from tests.runtime.customize.conftest import CODES

CANDIDATE = "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/abc"


def answers(aws: dict[str, Any], run: str, side: str, text: Any) -> None:
    body = "".join(json.dumps({"id": f"h{k}", "output": text(k, v), "error": None}) + "\n" for k, v in CODES.items())
    aws["s3"].put_object(Bucket=BUCKET, Key=f"customizations/tuned/runs/{run}/answers/{side}.jsonl",
                         Body=body.encode())


def converse(text: str) -> dict[str, Any]:
    return {"output": {"message": {"role": "assistant", "content": [{"text": text}]}}, "stopReason": "end_turn",
            "usage": {"inputTokens": 5, "outputTokens": 1, "totalTokens": 6}, "metrics": {"latencyMs": 10}}


def test_a_candidate_that_knows_the_codes_is_promoted(aws: dict[str, Any]) -> None:
    state = {"run_id": "r1", "validation": data_steps.validate({"run_id": "r1"}, settings(), s3=aws["s3"],
                                                               ssm=aws["ssm"]),
             "candidate": {"artifact": "s3://artifacts/cand.gguf"}}
    answers(aws, "r1", "served", lambda k, v: "no idea")
    answers(aws, "r1", "candidate", lambda k, v: v)
    decision = judge_steps.decide_run(state, settings(), s3=aws["s3"])
    assert decision["promoted"] and decision["difference"] == 1.0
    stored = json.loads(aws["s3"].get_object(Bucket=BUCKET, Key="customizations/tuned/runs/r1/decision.json")
                        ["Body"].read())
    assert stored["promoted"] and stored["candidate"] == "s3://artifacts/cand.gguf" and stored["n_items"] == 12
    report = aws["s3"].get_object(Bucket=BUCKET, Key="customizations/tuned/runs/r1/report.md")["Body"].read()
    assert report.decode().startswith("# tuned: run r1 — promoted")


def test_a_candidate_no_better_than_the_served_model_is_rejected(aws: dict[str, Any]) -> None:
    state = {"run_id": "r2", "validation": data_steps.validate({"run_id": "r2"}, settings(), s3=aws["s3"],
                                                               ssm=aws["ssm"]), "candidate": {"artifact": "c"}}
    answers(aws, "r2", "served", lambda k, v: v)
    answers(aws, "r2", "candidate", lambda k, v: v if k != "k0" else "wrong")
    decision = judge_steps.decide_run(state, settings(), s3=aws["s3"])
    assert not decision["promoted"] and "short of the required +0.2000" in decision["reason"]


def test_bedrock_models_answer_every_holdout_item(aws: dict[str, Any]) -> None:
    nova = settings(kind="bedrock", base_model="amazon.nova-micro-v1:0")
    validation = data_steps.validate({"run_id": "r3"}, nova, s3=aws["s3"], ssm=aws["ssm"])
    assert validation["served"]["artifact"] == "amazon.nova-micro-v1:0"  # the base model until a promotion
    runtime = boto3.client("bedrock-runtime", region_name="us-east-1")
    with Stubber(runtime) as stub:
        for _ in CODES:  # the two sides run in parallel: each answers with what it was asked
            for _side in ("served", "candidate"):
                stub.add_response("converse", converse("code0"), {"modelId": ANY, "messages": ANY,
                                                                  "inferenceConfig": ANY})
        out = judge_steps.answer_bedrock({"run_id": "r3", "validation": validation,
                                          "serving": {"serving_arn": CANDIDATE}}, nova, s3=aws["s3"],
                                         runtime=runtime)
    assert out == {"answered": 12, "models": {"served": "amazon.nova-micro-v1:0", "candidate": CANDIDATE}}
    for side in ("served", "candidate"):
        lines = aws["s3"].get_object(Bucket=BUCKET, Key=f"customizations/tuned/runs/r3/answers/{side}.jsonl")[
            "Body"].read().decode().splitlines()
        assert len(lines) == 12 and json.loads(lines[0]) == {"id": "hk0", "output": "code0", "error": None}
