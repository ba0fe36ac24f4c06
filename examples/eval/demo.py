"""`make demo-eval`: the whole `fmkit eval` with no AWS account — models, judges and embedder doubles.

The dev environment of the default config, "deployed" offline:

- an OpenAI-compatible server on 127.0.0.1 (`fmkit.evaluate.testing.FakeOpenAIServer`) answers
  for each dev deployment with deterministic degradations of the dataset's references —
  `qwen-chat` close to them (but weaker on the holdout items: a prompt tuned on dev items),
  `nova-lite` terse and throttled on every first attempt, `llama-small` chatty behind an API key;
  `qwen-chat` and `nova-lite` also act as a judge panel (`overlap_judge`: word overlap, not a
  model) and `bge-embed` serves `/v1/embeddings` (`word_hash_embedding`);
- moto, in this process, plays SSM and Secrets Manager: each deployment's discovery parameter
  points at its double, and `llama-small`'s key sits in its secret as `{"api_key": …}`, as the
  Graviton stack publishes it;
- the real CLI runs against that: `fmkit eval dev --dataset examples/eval/dataset.jsonl --judge
  qwen-chat,nova-lite --embedder bge-embed`, pricing every model from the config exactly as for
  a deployed environment.

    .venv/bin/python examples/eval/demo.py [OUT_DIR]      # default build/eval-demo

`offline_dev()` is the same environment as a context manager: the documentation's commands are
tested inside it (tests/unit/docs/test_evaluation_docs.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATASET = HERE / "dataset.jsonl"
PROJECT, ENV, REGION = "fmkit-demo", "dev", "eu-west-1"
DEMO_API_KEY = "demo-key-" + "0" * 24  # a throwaway: the demo checks no output contains it
COMMAND = ["eval", ENV, "--dataset", "examples/eval/dataset.jsonl", "--judge", "qwen-chat,nova-lite",
           "--embedder", "bge-embed"]


def _stable(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _close(item: Any) -> str:
    """A strong model: rewords one answer in three; first sentence only on holdout items (an overfit prompt)."""
    ref = item.reference
    if item.split_name == "holdout" and not ref.startswith("{"):
        return str(ref.split(". ")[0] + ".")
    return str(ref if _stable(ref) % 3 else ref.replace(". ", ", and ", 1))


def _terse(item: Any) -> str:
    """Drops every fifth word; sometimes the wrong triage urgency."""
    ref = item.reference
    if ref.startswith("{"):
        data = json.loads(ref)
        if _stable(ref) % 2:
            data["urgency"] = "low" if data["urgency"] != "low" else "medium"
        return json.dumps(data)
    return " ".join(w for i, w in enumerate(ref.split()) if i % 5 != 3)


def _chatty(item: Any) -> str:
    """A small model: first sentence only, JSON fenced in a code block."""
    ref = item.reference
    if ref.startswith("{"):
        return f"```json\n{ref}\n```"
    return f"Thanks for reaching out! {ref.split('. ')[0]}."


def _answering(answer: Any, items: Mapping[str, Any], *, strict: bool = False) -> Any:
    """A double that answers dataset prompts with `answer(item)` and judge requests like a judge."""
    from fmkit.evaluate.testing import Messages, overlap_judge

    def respond(messages: Messages) -> str:
        if any("<candidate_answer>" in str(m.get("content", "")) for m in messages):
            verdict = json.loads(overlap_judge(messages))
            if strict and verdict["completeness"] > 1:
                verdict["completeness"] -= 1  # a stricter judge: the panel's agreement is not 100%
            return json.dumps(verdict)
        return str(answer(items[str(messages[-1]["content"])]))
    return respond


def _doubles(delays: bool = True) -> dict[str, Any]:
    """Route name -> Behaviour: the dev deployments' doubles (`delays=False`: no simulated generation time)."""
    from fmkit.evaluate import load_dataset
    from fmkit.evaluate.testing import Behaviour, word_hash_embedding

    items = {item.prompt_text: item for item in load_dataset(DATASET)}
    scale = 1.0 if delays else 0.0
    return {
        "qwen-chat": Behaviour(answer=_answering(_close, items), first_token_delay_s=0.12 * scale,
                               token_delay_s=0.012 * scale),
        "nova-lite": Behaviour(answer=_answering(_terse, items, strict=True), first_token_delay_s=0.05 * scale,
                               token_delay_s=0.004 * scale, fail_first=1),
        "llama-small": Behaviour(answer=_answering(_chatty, items), first_token_delay_s=0.03 * scale,
                                 token_delay_s=0.006 * scale, api_key=DEMO_API_KEY),
        "bge-embed": Behaviour(embed=word_hash_embedding),
    }


@contextmanager
def _aws_variables() -> Iterator[None]:
    """Fake credentials for moto; nothing can reach AWS (the environment is restored after)."""
    with patch.dict(os.environ, AWS_ACCESS_KEY_ID="demo", AWS_SECRET_ACCESS_KEY="demo", AWS_DEFAULT_REGION=REGION):
        for key in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
            os.environ.pop(key, None)
        yield


def _publish(server: Any) -> None:
    """Each dev deployment's discovery parameter, pointing at its double; the Graviton key in its secret."""
    import boto3

    secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="fmkit-demo-dev-llama-small-api-key", SecretString=json.dumps({"api_key": DEMO_API_KEY}))["ARN"]
    ssm = boto3.client("ssm", region_name=REGION)
    for name in ("qwen-chat", "nova-lite", "llama-small", "bge-embed"):
        payload = {"provider": "ec2-graviton", "base_url": server.base_url(name),
                   "api_key_secret_arn": secret if name == "llama-small" else None}
        ssm.put_parameter(Name=f"/fmkit/{PROJECT}/{ENV}/models/{name}/endpoint", Type="String",
                          Value=json.dumps(payload))


@contextmanager
def offline_dev(*, delays: bool = True) -> Iterator[Any]:
    """The dev environment with its doubles on loopback and moto's SSM and Secrets Manager, in this process."""
    from moto import mock_aws

    from fmkit.evaluate.testing import FakeOpenAIServer

    with FakeOpenAIServer(_doubles(delays)) as server, _aws_variables(), mock_aws():
        _publish(server)
        yield server


def run_cli(args: Sequence[str], cwd: Path = ROOT) -> int:
    """`fmkit ARGS` in this process (moto only patches this process), from `cwd`; its exit status."""
    import typer

    from fmkit.cli.commands import app

    previous = Path.cwd()
    os.chdir(cwd)
    try:
        code = typer.main.get_command(app).main(list(args), prog_name="fmkit", standalone_mode=False)
    except SystemExit as exc:  # pragma: no cover - click exits itself on some usage errors
        code = int(exc.code or 0)
    finally:
        os.chdir(previous)
    return int(code or 0)


def leaked(out_dir: Path, secrets: Mapping[str, str]) -> list[str]:
    """Files under `out_dir` that contain one of `secrets` (there must be none)."""
    return [f"{path} ({name})" for path in sorted(out_dir.rglob("*")) if path.is_file()
            for name, secret in secrets.items() if secret in path.read_text(encoding="utf-8", errors="replace")]


def main(out_dir: Path, *, delays: bool = True) -> int:
    """Run the demo into `out_dir`; 1 when a report lacks a section or any file holds the API key."""
    with offline_dev(delays=delays):
        code = run_cli([*COMMAND, "--out", str(out_dir)])
    leaks = leaked(out_dir, {"llama-small API key": DEMO_API_KEY})
    if leaks:
        print(f"the API key was written to: {', '.join(leaks)}", file=sys.stderr)
        return 1
    report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    quality = report["models"]["qwen-chat"]["quality"]
    missing = [name for name in ("judge", "semantic_similarity") if name not in quality]
    if code == 0 and (missing or report.get("holdout") is None):
        print(f"the report lacks {missing or ['holdout']}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "build" / "eval-demo"))
