"""The customization pipeline end to end on this machine, built once per session.

tiny random Llama → LoRA (the shipped training script, as the training job runs it, interrupted
and resumed from its checkpoint) → merge → GGUF F16 → Q8_0 and Q4_0 (llama.cpp's tools) → the real
llama-server → holdout evaluation with `fmkit.evaluate` → the promotion gate. Two candidates: one
trained on the right mapping, one on shuffled labels. `make test-customize` sets
`FMKIT_LLAMA_SERVER` (the cached llama.cpp build, with its conversion tools beside it).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.customize.gguf import GgufArtifact, LlamaCppTools, convert, quantize
from fmkit.customize.holdout import holdout_items, item_scores
from fmkit.customize.promotion import PromotionDecision, PromotionPolicy, decide
from fmkit.evaluate import EvaluationResult, GenerationParams, load_dataset, parse_endpoint_override, run_evaluation
from tests.customize import pipeline
from tests.customize.tiny_model import Task, build_base_model, corpus, make_task
from tests.serving import conftest as serving

# The default config's first Graviton deployment: its llama-server command line is the one served.
graviton_deployment = serving.graviton_deployment

SUMMARY: dict[str, str] = {}
STARTED = time.monotonic()
POLICY = PromotionPolicy(metric="exact_match", min_improvement=0.2, alpha=0.05, min_items=10)
MODELS = ("base", "good", "shuffled")


@dataclass
class Candidate:
    job: pipeline.JobDirs
    summaries: list[dict[str, Any]]  # one per run of the job (the good one is interrupted and resumed)
    logs: list[str]

    @property
    def first_loss(self) -> float:
        return float(self.summaries[0]["first_loss"])

    @property
    def last_loss(self) -> float:
        return float(self.summaries[-1]["last_loss"])


@dataclass
class Served:
    results: dict[str, EvaluationResult]  # model -> its holdout evaluation
    scores: dict[str, dict[str, float]]  # model -> item id -> exact match
    rendered: dict[str, str] = field(default_factory=dict)  # model -> /apply-template of the first holdout item
    tokens: dict[str, list[int]] = field(default_factory=dict)  # model -> /tokenize of that text


@pytest.fixture(scope="session")
def llama_server_binary() -> Path:
    value = os.environ.get("FMKIT_LLAMA_SERVER")
    if not value or not Path(value).is_file():
        pytest.fail("FMKIT_LLAMA_SERVER is not set to a file: run `make test-customize`")
    return Path(value)


@pytest.fixture(scope="session")
def tools(llama_server_binary: Path) -> LlamaCppTools:
    return LlamaCppTools.from_server_binary(llama_server_binary, python=sys.executable)


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("customize")


@pytest.fixture(scope="session")
def task() -> Task:
    return make_task()


@pytest.fixture(scope="session")
def base_model(workspace: Path, task: Task) -> Path:
    return build_base_model(workspace / "base", corpus(task))


@pytest.fixture(scope="session")
def code_dir(workspace: Path) -> Path:
    return pipeline.unpack_source(workspace / "archive", workspace / "code")


def _run(code_dir: Path, base_model: Path, train_dir: Path, job: pipeline.JobDirs) -> tuple[dict[str, Any], str]:
    done = pipeline.run_training_job(code_dir, base_model, train_dir, job, pipeline.HYPERPARAMETERS)
    assert done.returncode == 0, f"train.py failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return job.summary(), done.stderr


def _interrupt_after(job: pipeline.JobDirs, step: int) -> None:
    """What an instance reclaimed after `step` leaves behind: checkpoints up to it, one cut mid-write."""
    for checkpoint in job.checkpoint_dir.glob("checkpoint-*"):
        if int(checkpoint.name.split("-")[1]) > step:
            shutil.rmtree(checkpoint)
    partial = job.checkpoint_dir / f"checkpoint-{step + 25}"
    partial.mkdir()
    (partial / "adapter_model.safetensors").write_bytes(b"truncated")
    shutil.rmtree(job.model_dir)
    shutil.rmtree(job.output_data_dir)


@pytest.fixture(scope="session")
def good(workspace: Path, task: Task, base_model: Path, code_dir: Path) -> Candidate:
    """Trained on the right mapping; interrupted after step 50 and resumed, like a spot job."""
    train_dir, _ = task.write(workspace / "data-good")
    job = pipeline.JobDirs(workspace / "job-good")
    first, log1 = _run(code_dir, base_model, train_dir, job)
    _interrupt_after(job, 50)
    second, log2 = _run(code_dir, base_model, train_dir, job)
    return Candidate(job, [first, second], [log1, log2])


@pytest.fixture(scope="session")
def shuffled(workspace: Path, base_model: Path, code_dir: Path) -> Candidate:
    """Trained just as long, on labels shuffled between keys: it learns, but the wrong thing."""
    train_dir, _ = make_task(shuffled=True).write(workspace / "data-shuffled")
    job = pipeline.JobDirs(workspace / "job-shuffled")
    summary, log = _run(code_dir, base_model, train_dir, job)
    return Candidate(job, [summary], [log])


@pytest.fixture(scope="session")
def ggufs(workspace: Path, tools: LlamaCppTools, base_model: Path, good: Candidate,
          shuffled: Candidate) -> dict[str, dict[str, GgufArtifact]]:
    """F16, Q8_0 and Q4_0 of the base and of both merged candidates."""
    sources = {"base": base_model, "good": good.job.merged_dir, "shuffled": shuffled.job.merged_dir}
    out: dict[str, dict[str, GgufArtifact]] = {}
    for name, model_dir in sources.items():
        f16 = convert(tools, model_dir, workspace / "gguf" / f"{name}.f16.gguf", "f16")
        out[name] = {"f16": f16}
        for quant in ("Q8_0", "Q4_0"):
            out[name][quant] = quantize(tools, f16.path, workspace / "gguf" / f"{name}.{quant}.gguf", quant)
    return out


def _post(base_url: str, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        base_url.removesuffix("/v1") + path, data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {pipeline.API_KEY}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="session")
def served(workspace: Path, task: Task, llama_server_binary: Path, ggufs: dict[str, dict[str, GgufArtifact]],
           graviton_deployment: tuple[str, GravitonDeployment]) -> Served:
    """Each Q8_0 model served by llama-server in turn, the holdout evaluated through fmkit.evaluate."""
    _, holdout_file = task.write(workspace / "data-holdout")
    dataset = holdout_items(load_dataset(holdout_file))
    _, deployment = graviton_deployment
    first_prompt = [{"role": "user", "content": dataset.items[0].prompt_text}]
    served = Served(results={}, scores={})
    params = GenerationParams(max_tokens=8, temperature=0.0)
    for name in MODELS:
        with pipeline.serve(llama_server_binary, ggufs[name]["Q8_0"].path, name, deployment,
                            workspace / "serve" / name) as server:
            served.rendered[name] = _post(server.base_url, "/apply-template", {"messages": first_prompt})["prompt"]
            served.tokens[name] = _post(server.base_url, "/tokenize",
                                        {"content": served.rendered[name], "add_special": True})["tokens"]
            target = parse_endpoint_override(f"{name}={server.base_url}", api_key=pipeline.API_KEY)
            result = run_evaluation(dataset, [target], out_dir=workspace / "eval" / name, concurrency=2,
                                    params=params, progress=False)
            served.results[name] = result
            served.scores[name] = item_scores(result, name, POLICY.metric)
    return served


@pytest.fixture(scope="session")
def decisions(served: Served) -> dict[str, PromotionDecision]:
    return {name: decide(served.scores["base"], served.scores[name], POLICY) for name in ("good", "shuffled")}


def _kib(artifact: GgufArtifact) -> str:
    return f"{artifact.size_bytes / 1024:.0f} KiB"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    passed = len(terminalreporter.stats.get("passed", []))
    failed = len(terminalreporter.stats.get("failed", [])) + len(terminalreporter.stats.get("error", []))
    details = "; ".join(SUMMARY.values()) or "pipeline not run"
    terminalreporter.write_line(
        f"customize: {passed} passed, {failed} failed; {details}; {time.monotonic() - STARTED:.0f} s")
