"""`fmkit eval` end to end against the real llama-server with its API key on (as a Graviton instance
runs it), and one judged evaluation where the small model judges its own answers — the point is
that the whole path works with a real server and a real model's replies, not the score.

The deployment is the default config's Graviton deployment, called through `--endpoint` with the
key from an environment variable (`--api-key`); no output file may contain the key.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fmkit.cli.commands import app
from fmkit.config.providers.graviton import GravitonDeployment
from tests.serving.conftest import API_KEY, ROOT, SUMMARY, ServerProcess

ITEMS = [
    {"id": "capital", "prompt": "What is the capital of France? Answer in one short sentence.",
     "reference": "The capital of France is Paris.", "split": "dev"},
    {"id": "colour", "prompt": "What colour is the sky on a clear day? Answer in one short sentence.",
     "reference": "The sky is blue on a clear day.", "split": "dev"},
    {"id": "legs", "prompt": "How many legs does a spider have? Answer in one short sentence.",
     "reference": "A spider has eight legs.", "split": "holdout"},
]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    dataset = tmp_path / "dataset.jsonl"
    dataset.write_text("".join(json.dumps(item) + "\n" for item in ITEMS), encoding="utf-8")
    return {"dataset": dataset, "out": tmp_path / "out"}


def run(server: ServerProcess, name: str, files: dict[str, Path], *args: str, key: bool = True) -> Any:
    command = ["eval", "dev", "--dataset", str(files["dataset"]), "--out", str(files["out"]),
               "--config-dir", str(ROOT / "model_configs"), "--endpoint", f"{name}={server.base_url}/v1",
               "--models", name, *(["--api-key", f"{name}=FMKIT_SERVING_API_KEY"] if key else []), *args]
    return CliRunner().invoke(app, command, env={"FMKIT_SERVING_API_KEY": API_KEY})


def _no_key_anywhere(files: dict[str, Path], *outputs: str) -> None:
    written = [p for p in files["out"].rglob("*") if p.is_file()]
    assert written and [p for p in written if API_KEY in p.read_text(encoding="utf-8")] == []
    assert all(API_KEY not in text for text in outputs)


def test_fmkit_eval_against_the_real_server_with_its_key(server: ServerProcess, files: dict[str, Path],
                                                        graviton_deployment: tuple[str, GravitonDeployment]) -> None:
    name, deployment = graviton_deployment
    started = time.monotonic()
    result = run(server, name, files)
    took = time.monotonic() - started
    # The default config's dev environment gates on rougeL >= 0.3: a 135M model may miss it (exit 1).
    assert result.exit_code in (0, 1), result.output
    report = json.loads((files["out"] / "report.json").read_text())
    model = report["models"][name]
    assert (model["n_ok"], model["n_errors"]) == (len(ITEMS), 0)
    assert model["mean_output_tokens"] > 0 and model["ttft_p50_s"] is not None
    assert model["concurrency"] == deployment.server.parallel * max(1, deployment.autoscaling.min)
    assert model["cost"]["usd_per_1k_requests_expected"] > 0 and model["cost"]["usd_per_1k_requests_marginal"] > 0
    assert report["holdout"]["items"] == {"dev": 2, "holdout": 1}
    _no_key_anywhere(files, result.stdout, result.stderr)
    SUMMARY["eval"] = (f"{len(ITEMS)} answers in {took:.1f}s, rougeL {model['quality']['rougeL']['value']:.3f}, "
                       f"p50 latency {model['latency_p50_s']:.2f}s")


def test_without_the_key_nothing_is_measured(server: ServerProcess, files: dict[str, Path],
                                             graviton_deployment: tuple[str, GravitonDeployment]) -> None:
    result = run(server, graviton_deployment[0], files, key=False)
    assert result.exit_code == 3, result.output
    assert "no successful requests" in result.stderr and "client_error" in result.stderr


def test_a_judged_evaluation_with_the_model_as_its_own_judge(
        server: ServerProcess, files: dict[str, Path], graviton_deployment: tuple[str, GravitonDeployment]) -> None:
    name, _ = graviton_deployment
    # One item: a 135M model writes up to the judge's 400 tokens per reply on a shared CPU.
    files["dataset"].write_text(json.dumps(ITEMS[0]) + "\n", encoding="utf-8")
    started = time.monotonic()
    result = run(server, name, files, "--judge", name)
    took = time.monotonic() - started
    assert result.exit_code in (0, 1), result.output
    verdicts = [json.loads(line) for line in
                (files["out"] / "judge" / name / f"{name}.jsonl").read_text().splitlines()]
    assert len(verdicts) == 1
    # A small model's verdict is valid JSON or not: either it is scored, or it is recorded as a failure
    # after one reminder — never a crash.
    for verdict in verdicts:
        assert (verdict["score"] is not None and 1 <= verdict["score"] <= 5) or (
            verdict["error"] is not None and verdict["attempts"] >= 1), verdict
    report = json.loads((files["out"] / "report.json").read_text())
    judge = report["judge"]
    assert judge["judges"] == [name] and judge["self_judged"] == [name]
    assert judge["cost"][0]["requests"] >= 1 and judge["cost"][0]["input_tokens"] > 0
    scored = sum(1 for v in verdicts if v["score"] is not None)
    assert judge["unscored"][name] == 1 - scored
    _no_key_anywhere(files, result.stdout, result.stderr)
    outcome = f"score {verdicts[0]['score']}" if scored else f"unscored ({verdicts[0]['error'][:60]})"
    SUMMARY["judge"] = f"verdict {outcome} after {judge['cost'][0]['requests']} judge request(s) in {took:.1f}s"
