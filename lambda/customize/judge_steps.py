"""Answer the holdout with both models, then decide with the promotion gate.

`answer_bedrock` (kind bedrock): the served model (the base model before the first promotion,
then the promoted custom model's deployment or throughput) and the candidate answer every
holdout request through Converse, with `fmkit eval`'s Bedrock adapter and retry policy; a
failed request is recorded as an error and scores as an empty answer. (For sagemaker-peft the
conversion build answers with llama-server, the way the Graviton instances serve.)

`decide` scores each item with the configured metric and applies
`fmkit.customize.promotion.decide`: the candidate is promoted only if it beats the served model
by the margin with a significant paired bootstrap. The decision and a Markdown report are kept
beside the candidate, promoted or not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from data_steps import put_json, read_text, run_id

from fmkit.contracts.customization import CustomizationSettings
from fmkit.customize.promotion import PromotionPolicy, decide
from fmkit.customize.runs import RunKeys, item_scores, parse_answers, report_markdown
from fmkit.evaluate.adapters.bedrock import BedrockAdapter
from fmkit.evaluate.records import ChatMessage, ChatRequest, GenerationParams
from fmkit.evaluate.runner import invoke_item


def requests_of(s3: Any, settings: CustomizationSettings, keys: RunKeys) -> list[dict[str, Any]]:
    text, _ = read_text(s3, f"s3://{settings.bucket}/{keys.holdout}")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def chat_request(request: Mapping[str, Any]) -> ChatRequest:
    messages = [m for m in request["messages"] if m["role"] != "system"]
    system = next((m["content"] for m in request["messages"] if m["role"] == "system"), None)
    return ChatRequest(messages=tuple(ChatMessage(role=m["role"], content=m["content"]) for m in messages),
                       system=system, params=GenerationParams(max_tokens=int(request["max_tokens"])))


def _answers(adapter: BedrockAdapter, name: str, requests: list[dict[str, Any]]) -> str:
    lines = []
    for request in requests:
        record = invoke_item(adapter, name, chat_request(request), str(request["id"]))
        lines.append(json.dumps({"id": request["id"], "output": record.output,
                                 "error": record.error.kind if record.error else None}))
    return "\n".join(lines) + "\n"


def answer_bedrock(event: Mapping[str, Any], settings: CustomizationSettings, *, s3: Any,
                   runtime: Any) -> dict[str, Any]:
    """Both models answer every holdout request (in parallel, one request at a time each)."""
    keys = RunKeys(settings.customization, run_id(event))
    requests = requests_of(s3, settings, keys)
    sides = {"served": str(event["validation"]["served"]["artifact"]),
             "candidate": str(event["serving"]["serving_arn"])}
    adapters = {side: BedrockAdapter(runtime, model_id, stream=False) for side, model_id in sides.items()}
    with ThreadPoolExecutor(max_workers=2) as pool:
        texts = dict(zip(sides, pool.map(lambda side: _answers(adapters[side], side, requests), sides), strict=True))
    for side, text in texts.items():
        s3.put_object(Bucket=settings.bucket, Key=keys.answers(side), Body=text.encode("utf-8"),
                      ContentType="application/x-ndjson")
    return {"answered": len(requests), "models": sides}


def decide_run(event: Mapping[str, Any], settings: CustomizationSettings, *, s3: Any) -> dict[str, Any]:
    """The gate's decision on this run's answers (written to decision.json and report.md)."""
    run = run_id(event)
    keys = RunKeys(settings.customization, run)
    requests = requests_of(s3, settings, keys)
    scores = {}
    for side in ("served", "candidate"):
        text, _ = read_text(s3, f"s3://{settings.bucket}/{keys.answers(side)}")
        scores[side] = item_scores(requests, parse_answers(text), settings.metric)
    policy = PromotionPolicy(metric=settings.metric, min_improvement=settings.margin, alpha=settings.alpha,
                             min_items=settings.min_items)
    decision = decide(scores["served"], scores["candidate"], policy)
    served = str(event["validation"]["served"]["artifact"])
    candidate = str(event.get("candidate", {}).get("artifact") or event.get("serving", {}).get("serving_arn", ""))
    put_json(s3, settings.bucket, keys.decision, {"run_id": run, "served": served, "candidate": candidate,
                                                  **decision.to_dict()})
    s3.put_object(Bucket=settings.bucket, Key=keys.report, ContentType="text/markdown",
                  Body=report_markdown(settings.customization, run, decision, served, candidate).encode("utf-8"))
    return {"promoted": decision.promoted, "reason": decision.reason, "difference": decision.difference,
            "p_value": decision.p_value, "report": f"s3://{settings.bucket}/{keys.report}"}
