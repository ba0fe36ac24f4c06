"""The steps of the local end-to-end run, each done the way the cloud does it.

- Training runs the shipped `sourcedir.tar.gz`, unpacked into a "code" directory, as
  `python train.py --name value …` with `SM_*` variables: the arguments are the `CreateTrainingJob`
  request's hyperparameters, JSON-decoded the way SageMaker's training toolkit does.
- GGUF conversion and quantization use llama.cpp's tools from the `make test-serving` cache.
- Serving starts the real llama-server with the command line the Graviton user data renders
  (tests/serving/conftest.py), on loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.customize.sagemaker_job import TrainingJobSpec, encoded_hyperparameters
from fmkit.customize.source_archive import ENTRY_POINT, write_source_archive
from tests.serving.conftest import free_port, rendered_command, watch_health

API_KEY = "customize-test-key-0123456789"
# Enough for the tiny model to learn the mapping on two cores in well under a minute.
HYPERPARAMETERS: dict[str, str | int | float | bool] = {
    "max_steps": 100, "save_steps": 50, "logging_steps": 5, "learning_rate": 0.01, "batch_size": 8,
    "lora_r": 16, "lora_alpha": 32, "lora_dropout": 0.0, "merged_dtype": "float32", "seed": 7,
}


def unpack_source(archive_dir: Path, code_dir: Path) -> Path:
    """Write the job's source archive and unpack it as SageMaker does into /opt/ml/code."""
    archive = write_source_archive(archive_dir / "sourcedir.tar.gz")
    code_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive.path) as tar:
        tar.extractall(code_dir, filter="data")
    return code_dir


def toolkit_arguments(hyperparameters: Mapping[str, str | int | float | bool]) -> list[str]:
    """`--name value` for each hyperparameter of the request, as the training toolkit passes them."""
    spec = TrainingJobSpec(
        job_name="local", role_arn="arn:aws:iam::111111111111:role/local", region="eu-west-1",
        instance_type="ml.g5.2xlarge", source_uri="s3://local/sourcedir.tar.gz", train_uri="s3://local/train/",
        output_uri="s3://local/output/", base_model="s3://local/base/", hyperparameters=hyperparameters,
    )
    arguments: list[str] = []
    for key, encoded in encoded_hyperparameters(spec).items():
        if key.startswith("sagemaker_"):
            continue
        value: Any = json.loads(encoded)
        arguments += [f"--{key}", str(value)]
    return arguments


@dataclass(frozen=True)
class JobDirs:
    """The directories of one local "training job" (what /opt/ml holds in the container)."""

    root: Path

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def output_data_dir(self) -> Path:
        return self.root / "output" / "data"

    @property
    def checkpoint_dir(self) -> Path:
        return self.root / "checkpoints"

    @property
    def merged_dir(self) -> Path:
        return self.model_dir / "merged"

    def summary(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads((self.output_data_dir / "training.json").read_text(encoding="utf-8"))
        return result


def run_training_job(code_dir: Path, base_model: Path, train_dir: Path, job: JobDirs,
                     hyperparameters: Mapping[str, str | int | float | bool]) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SM_CHANNEL_TRAIN": str(train_dir),
        "SM_CHANNEL_MODEL": str(base_model),
        "SM_MODEL_DIR": str(job.model_dir),
        "SM_OUTPUT_DATA_DIR": str(job.output_data_dir),
        "SM_CHECKPOINT_DIR": str(job.checkpoint_dir),
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONPATH": "",  # only the unpacked archive and the installed libraries, as in the container
    }
    command = [sys.executable, ENTRY_POINT, *toolkit_arguments(hyperparameters)]
    return subprocess.run(command, cwd=code_dir, env=env, capture_output=True, text=True, timeout=900, check=False)


@dataclass
class RunningServer:
    name: str
    base_url: str  # …/v1 for the OpenAI-compatible adapter
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def serve(binary: Path, model: Path, name: str, deployment: GravitonDeployment,
          workdir: Path) -> Iterator[RunningServer]:
    """llama-server on a loopback port with the user data's command line, until the block exits."""
    workdir.mkdir(parents=True, exist_ok=True)
    key_file = workdir / "api-key"
    key_file.write_text(API_KEY + "\n")
    port = free_port()
    command = rendered_command(binary, model, name, deployment, port, key_file)
    log = workdir / "llama-server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    try:
        health = watch_health(f"http://127.0.0.1:{port}", process, deadline_s=120)
        if not health or health[-1][0] != 200:
            raise RuntimeError(f"llama-server for {name} never became healthy: {health}\n{log.read_text()[-3000:]}")
        yield RunningServer(name, f"http://127.0.0.1:{port}/v1", process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
