"""End to end on this machine: train → merge → GGUF → quantize → serve → evaluate → promote or reject.

Fixtures in conftest.py build the pipeline once; each test checks one promise of it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from transformers import AutoTokenizer

from fmkit.customize.gguf import GgufArtifact
from fmkit.customize.promotion import PromotionDecision
from tests.customize import pipeline
from tests.customize.conftest import SUMMARY, Candidate, Served, _kib
from tests.customize.tiny_model import Task


def test_the_job_runs_the_shipped_code_not_the_installed_package(code_dir: Path) -> None:
    probe = "import fmkit.customize.training.train as t; print(t.__file__)"
    found = subprocess.run([sys.executable, "-c", probe], cwd=code_dir, capture_output=True, text=True,
                           env={"PYTHONPATH": str(code_dir)}, check=True).stdout.strip()
    assert Path(found).resolve().is_relative_to(code_dir.resolve())


def test_training_learns_and_resumes_after_an_interruption(good: Candidate, shuffled: Candidate) -> None:
    first, resumed = good.summaries
    assert first["steps"] == 100 and first["resumed_from"] is None
    # The rerun picks the last complete checkpoint and skips the one cut mid-write (checkpoint-75).
    assert resumed["resumed_from"] is not None and resumed["resumed_from"].endswith("checkpoint-50")
    assert resumed["steps"] == 100
    # The loss history up to step 50 comes back with the checkpoint; steps 55-100 are the rerun's own.
    assert resumed["train_loss"][:10] == first["train_loss"][:10]
    assert [step for step, _ in resumed["train_loss"]] == list(range(5, 101, 5))
    assert "resuming from" in good.logs[1] and "checkpoint-50" in good.logs[1]
    assert good.last_loss < 0.1 < 1.0 < good.first_loss
    assert shuffled.last_loss < 0.1 < 1.0 < shuffled.first_loss  # it learns too, just the wrong codes
    SUMMARY["train"] = (f"train loss good {good.first_loss:.2f}→{good.last_loss:.4f} (resumed from checkpoint-50), "
                        f"shuffled {shuffled.first_loss:.2f}→{shuffled.last_loss:.4f}")


def test_merged_model_is_base_plus_adapter_with_its_tokenizer(base_model: Path, good: Candidate) -> None:
    merged = good.job.merged_dir
    for name in ("config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json"):
        assert (merged / name).is_file(), name
    assert (good.job.model_dir / "adapter" / "adapter_config.json").is_file()
    base_weights = load_file(str(base_model / "model.safetensors"))
    merged_weights = load_file(str(merged / "model.safetensors"))
    assert set(merged_weights) == set(base_weights)  # no lora_A/lora_B left: merged, not wrapped
    layer = "model.layers.0.self_attn.q_proj.weight"
    assert not np.allclose(merged_weights[layer], base_weights[layer])  # the adapter changed it
    embeddings = "model.embed_tokens.weight"
    assert np.array_equal(merged_weights[embeddings], base_weights[embeddings])  # LoRA left the rest alone


def test_gguf_files_are_quantized_and_checksummed(ggufs: dict[str, dict[str, GgufArtifact]]) -> None:
    for artifacts in ggufs.values():
        f16, q8, q4 = artifacts["f16"], artifacts["Q8_0"], artifacts["Q4_0"]
        assert q4.size_bytes < q8.size_bytes < f16.size_bytes
        for artifact in (f16, q8, q4):
            check = subprocess.run(["sha256sum", "--check", artifact.checksum_path.name],
                                   cwd=artifact.path.parent, capture_output=True, text=True, check=False)
            assert check.returncode == 0, check.stdout + check.stderr
    good = ggufs["good"]
    SUMMARY["gguf"] = f"GGUF f16 {_kib(good['f16'])}, Q8_0 {_kib(good['Q8_0'])}, Q4_0 {_kib(good['Q4_0'])}"


def test_llama_server_renders_and_tokenizes_like_training(served: Served, good: Candidate, task: Task) -> None:
    """The served prompt is the one trained on: same chat template output, same token ids."""
    tokenizer = AutoTokenizer.from_pretrained(str(good.job.merged_dir))
    messages = [{"role": "user", "content": task.holdout[0]["prompt"]}]
    rendered = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    ids = tokenizer(rendered, add_special_tokens=True)["input_ids"]
    for name in ("base", "good", "shuffled"):
        assert served.rendered[name] == rendered
        assert served.tokens[name] == list(ids)


def test_holdout_scores(served: Served) -> None:
    means = {name: float(np.mean(list(scores.values()))) for name, scores in served.scores.items()}
    assert all(len(scores) == 24 for scores in served.scores.values())
    assert means["base"] == 0.0  # random weights cannot know the made-up codes
    assert means["good"] >= 0.9  # held-out phrasings of the trained keys
    assert means["shuffled"] <= 0.1  # it answers with the other keys' codes
    errors = [r for result in served.results.values() for r in result.records_for(result.models[0]) if not r.ok]
    assert not errors
    SUMMARY["eval"] = "exact_match on 24 holdout items: " + ", ".join(f"{n} {m:.2f}" for n, m in means.items())


def test_gate_promotes_the_candidate_that_learned_and_rejects_the_other(
        decisions: dict[str, PromotionDecision]) -> None:
    good, shuffled = decisions["good"], decisions["shuffled"]
    assert good.promoted, good.reason
    assert good.difference is not None and good.difference >= 0.9 and good.p_value is not None
    assert good.p_value < 0.05 and good.ci_low is not None and good.ci_low > 0
    assert not shuffled.promoted
    assert "short of the required" in shuffled.reason
    SUMMARY["gate"] = (f"good promoted ({good.difference:+.2f}, p={good.p_value:.4f}), "
                       f"shuffled rejected ({shuffled.difference:+.2f})")


def test_qlora_is_refused_on_cpu(workspace: Path, task: Task, base_model: Path, code_dir: Path) -> None:
    train_dir, _ = task.write(workspace / "data-qlora")
    job = pipeline.JobDirs(workspace / "job-qlora")
    done = pipeline.run_training_job(code_dir, base_model, train_dir, job, {"method": "qlora", "max_steps": 1})
    assert done.returncode == 2
    assert "QLoRA needs a CUDA GPU" in done.stderr and "set method to 'lora'" in done.stderr
    assert not job.model_dir.exists()


def test_bad_training_data_is_reported_by_line_before_any_weight_loads(workspace: Path, base_model: Path,
                                                                        code_dir: Path) -> None:
    train_dir = workspace / "data-bad" / "train"
    train_dir.mkdir(parents=True)
    lines = [json.dumps({"prompt": "code of apple?", "reference": "zulu"}), "{not json",
             json.dumps({"prompt": "code of river?", "reference": "kilo", "split": "holdout"})]
    (train_dir / "train.jsonl").write_text("\n".join(lines) + "\n")
    done = pipeline.run_training_job(code_dir, base_model, train_dir, pipeline.JobDirs(workspace / "job-bad"), {})
    assert done.returncode == 2
    assert "train.jsonl:2: invalid JSON" in done.stderr
    assert "train.jsonl:3: a 'holdout' item must not be trained on" in done.stderr
