"""Run `fmkit eval` (the CLI) against three simulated models on 127.0.0.1: no AWS account needed.

The dev environment's deployment names are used with `--endpoint` overrides, so the report
prices each model from fmkit's catalogs exactly as it would the deployed ones. Answers are
derived from the dataset's references with deterministic degradations (reproducible numbers).

    .venv/bin/python examples/eval/cli_demo.py [OUT_DIR]     # default: eval-out/cli-demo

Produces OUT_DIR/report.{md,html,json} (examples/eval/report/ holds a copy) and OUT_DIR/results/;
run it twice to see resumability (the second run sends no requests).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from fmkit.evaluate import load_dataset
from fmkit.evaluate.testing import Behaviour, FakeOpenAIServer, Messages

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _stable(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def main(out_dir: Path) -> int:
    by_prompt = {item.prompt_text: item.reference for item in load_dataset(HERE / "dataset.jsonl")}

    def reference(messages: Messages) -> str:
        return by_prompt[messages[-1]["content"]]

    def close(messages: Messages) -> str:  # a strong model: rewords one answer in three
        ref = reference(messages)
        return ref if _stable(ref) % 3 else ref.replace(". ", ", and ", 1)

    def terse(messages: Messages) -> str:  # drops words; sometimes the wrong triage urgency
        ref = reference(messages)
        if ref.startswith("{"):
            data = json.loads(ref)
            if _stable(ref) % 2:
                data["urgency"] = "low" if data["urgency"] != "low" else "medium"
            return json.dumps(data)
        return " ".join(w for i, w in enumerate(ref.split()) if i % 5 != 3)

    def chatty(messages: Messages) -> str:  # a small model: first sentence only, fenced JSON
        ref = reference(messages)
        if ref.startswith("{"):
            return f"```json\n{ref}\n```"
        return f"Thanks for reaching out! {ref.split('. ')[0]}."

    routes = {
        "nova-lite": Behaviour(answer=terse, first_token_delay_s=0.05, token_delay_s=0.004, fail_first=1),
        "qwen-chat": Behaviour(answer=close, first_token_delay_s=0.12, token_delay_s=0.012),
        "llama-small": Behaviour(answer=chatty, first_token_delay_s=0.03, token_delay_s=0.006),
    }
    with FakeOpenAIServer(routes) as server:
        fmkit = Path(sys.executable).parent / "fmkit"  # the console script installed with the package
        command = [str(fmkit), "eval", "dev", "--dataset", "examples/eval/dataset.jsonl",
                   "--out", str(out_dir), "--config-dir", "model_configs", "--concurrency", "4",
                   *(arg for name in routes for arg in ("--endpoint", f"{name}={server.base_url(name)}"))]
        return subprocess.run(command, check=False, cwd=ROOT).returncode


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "eval-out" / "cli-demo"))
