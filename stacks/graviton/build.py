"""The deploy-time artifact job: which llama.cpp build a deployment needs and the CodeBuild spec.

Pure (no CDK): object keys and compiler targets are derived from config and catalog, so the
same config always names the same objects and the job can skip work already done.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fmkit.config.providers.graviton import GravitonDeployment

SCRIPT = Path(__file__).with_name("build_artifacts.sh")

# -march per Graviton generation (GCC 11 on AL2023 knows these; armv9 names need GCC 12).
# Graviton2 = Neoverse N1, Graviton3/3E = Neoverse V1 (SVE, i8mm, bf16), Graviton4 = Neoverse V2 (SVE2).
ARM_ARCH = {
    "graviton2": "armv8.2-a+dotprod+fp16",
    "graviton3": "armv8.4-a+dotprod+fp16+sve+i8mm+bf16",
    "graviton3e": "armv8.4-a+dotprod+fp16+sve+i8mm+bf16",
    "graviton4": "armv8.4-a+dotprod+fp16+sve+sve2+i8mm+bf16",
}


def arm_arch(processor: str) -> str:
    if processor not in ARM_ARCH:
        raise ValueError(f"no llama.cpp build target for processor {processor!r}")
    return ARM_ARCH[processor]


def llama_key(version: str, processor: str) -> str:
    return f"llama.cpp/{version}/{processor}/llama-cpp.tar.gz"


def hf_model_key(name: str, deployment: GravitonDeployment) -> str | None:
    hf = deployment.model.hf
    return None if hf is None else f"models/{name}/{hf.repo}/{hf.revision}/{hf.file}"


def build_environment(name: str, deployment: GravitonDeployment, processor: str) -> dict[str, str]:
    """Variables one build run gets (the HF token is passed separately, from Secrets Manager)."""
    env = {
        "LLAMA_CPP_VERSION": deployment.server.llama_cpp_version,
        "ARM_ARCH": arm_arch(processor),
        "LLAMA_KEY": llama_key(deployment.server.llama_cpp_version, processor),
    }
    hf = deployment.model.hf
    if hf is not None:
        env.update({"MODEL_KEY": str(hf_model_key(name, deployment)), "HF_REPO": hf.repo,
                    "HF_FILE": hf.file, "HF_REVISION": hf.revision})
    return env


def buildspec() -> dict[str, Any]:
    """CodeBuild spec: one bash command, the shellcheck-tested script beside this file."""
    return {
        "version": "0.2",
        "env": {"shell": "bash"},
        "phases": {"build": {"commands": [SCRIPT.read_text(encoding="utf-8")]}},
    }
