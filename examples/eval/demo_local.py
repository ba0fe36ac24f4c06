"""Run the evaluation library end to end with no AWS account and no model.

Three simulated models are served by fmkit's scripted OpenAI-compatible server on 127.0.0.1
(`fmkit.evaluate.testing`); their answers are derived from the dataset's references with
deterministic degradations, so the numbers are reproducible. Prices are illustrative.

    .venv/bin/python examples/eval/demo_local.py [OUT_DIR]

Writes OUT_DIR/report.{json,md,html} (default: eval-demo/) and prints the Markdown report.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from fmkit.evaluate import (
    AdapterOptions,
    InstancePricing,
    JsonValidCheck,
    RetryPolicy,
    TokenPricing,
    check_thresholds,
    load_dataset,
    parse_endpoint_override,
    run_evaluation,
    summarize,
    write_reports,
)
from fmkit.evaluate.testing import Behaviour, FakeOpenAIServer, Messages

HERE = Path(__file__).resolve().parent


def _stable(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def main(out_dir: Path) -> int:
    dataset = load_dataset(HERE / "dataset.jsonl")
    by_prompt = {item.prompt_text: item.reference for item in dataset}

    def reference(messages: Messages) -> str:
        return by_prompt[messages[-1]["content"]]

    def large(messages: Messages) -> str:
        ref = reference(messages)
        # Close to the reference; rewords one sentence in three.
        return ref if _stable(ref) % 3 else ref.replace(". ", ", and ", 1)

    def small(messages: Messages) -> str:
        ref = reference(messages)
        if ref.startswith("{"):  # triage: right category, sometimes the wrong urgency
            data = json.loads(ref)
            if _stable(ref) % 2:
                data["urgency"] = "medium" if data["urgency"] != "medium" else "low"
            return json.dumps(data)
        words = ref.split()
        return " ".join(w for i, w in enumerate(words) if i % 5 != 3)  # drops every fifth word

    def tiny(messages: Messages) -> str:
        ref = reference(messages)
        if ref.startswith("{"):
            return f"```json\n{ref}\n```"  # fenced JSON: breaks apps that call json.loads
        first = ref.split(". ")[0]
        return f"Thanks for reaching out! {first}."

    behaviours = {
        "large": Behaviour(answer=large, first_token_delay_s=0.12, token_delay_s=0.012),
        "small": Behaviour(answer=small, first_token_delay_s=0.05, token_delay_s=0.004, fail_first=1),
        "tiny-graviton": Behaviour(answer=tiny, first_token_delay_s=0.03, token_delay_s=0.006),
    }
    prices = {
        "large": TokenPricing(input_per_1k=0.003, output_per_1k=0.015),
        "small": TokenPricing(input_per_1k=0.00025, output_per_1k=0.00125),
        "tiny-graviton": InstancePricing(per_hour=0.58),
    }
    options = AdapterOptions(timeout_s=30, retry=RetryPolicy(max_attempts=3, base_delay_s=0.05))
    with FakeOpenAIServer(behaviours) as server:
        targets = [
            parse_endpoint_override(f"{name}={server.base_url(name)}").model_copy(update={"price": prices[name]})
            for name in behaviours
        ]
        result = run_evaluation(dataset, targets, out_dir=out_dir, concurrency=4, adapter_options=options)
    summary = summarize(result, checks=[JsonValidCheck(tags=("json",))])  # only triage items answer in JSON
    paths = write_reports(summary, out_dir)
    print(paths.markdown.read_text())
    gate = check_thresholds(summary, {"rougeL": 0.5}, models=["large"])
    print("\n".join(gate.lines()))
    return gate.exit_code


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("eval-demo")))
