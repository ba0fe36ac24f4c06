"""The deploy-time artifact job: which llama.cpp build a deployment needs and the CodeBuild spec.

Pure (no CDK): object keys and compiler targets are derived from config and catalog, so the
same config always names the same objects and the job can skip work already done. Keys carry
the content pins (the llama.cpp source's sha256, the GGUF's sha256 when pinned), so changing a
pin names a new object instead of finding the old one and skipping the build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fmkit.catalog.llama_cpp import LlamaCppBuild, get_llama_cpp_build
from fmkit.config.providers.graviton import GravitonDeployment

SCRIPT = Path(__file__).with_name("build_artifacts.sh")
# The one llama-server build script, shared with `make test-serving` (scripts/serving_assets.py).
LLAMA_BUILD_SCRIPT = Path(__file__).with_name("llama_build.sh")
LLAMA_BUILD_PATH = "/tmp/fmkit-llama-build.sh"
HEREDOC_END = "FMKIT_LLAMA_BUILD_SH"
PIN_PREFIX = 12  # hex digits of a sha256 kept in object keys: short, and collision-free in practice

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


def llama_build(version: str) -> LlamaCppBuild:
    """The catalog pin of `version` (config validation already refused unknown versions)."""
    build = get_llama_cpp_build(version)
    if build is None:
        raise ValueError(f"llama.cpp version {version!r} is not in fmkit/catalog/data/llama_cpp.json")
    return build


def llama_build_id(version: str, processor: str) -> str:
    """What the tarball's VERSION file says for this build (the instance compares it before re-fetching)."""
    return f"{llama_build(version).sha256} {arm_arch(processor)}"


def llama_key(version: str, processor: str) -> str:
    build = llama_build(version)
    return f"llama.cpp/{version}-{build.sha256[:PIN_PREFIX]}/{processor}/llama-cpp.tar.gz"


def hf_model_key(name: str, deployment: GravitonDeployment) -> str | None:
    hf = deployment.model.hf
    if hf is None:
        return None
    pinned = deployment.model.sha256
    folder = f"{hf.revision}/{pinned[:PIN_PREFIX]}" if pinned else hf.revision
    return f"models/{name}/{hf.repo}/{folder}/{hf.file}"


def build_environment(name: str, deployment: GravitonDeployment, processor: str) -> dict[str, str]:
    """Variables one build run gets (the HF token is passed separately, from Secrets Manager)."""
    version = deployment.server.llama_cpp_version
    build = llama_build(version)
    env = {
        "LLAMA_CPP_VERSION": version,
        "LLAMA_SDIST_URL": build.url,
        "LLAMA_SDIST_SHA256": build.sha256,
        "ARM_ARCH": arm_arch(processor),
        "LLAMA_KEY": llama_key(version, processor),
    }
    hf = deployment.model.hf
    if hf is not None:
        env.update({"MODEL_KEY": str(hf_model_key(name, deployment)), "HF_REPO": hf.repo,
                    "HF_FILE": hf.file, "HF_REVISION": hf.revision,
                    "MODEL_SHA256": deployment.model.sha256 or ""})
    return env


def write_llama_build_command() -> str:
    """A buildspec command that writes llama_build.sh byte for byte (quoted heredoc: no expansion)."""
    text = LLAMA_BUILD_SCRIPT.read_text(encoding="utf-8")
    if any(line == HEREDOC_END for line in text.splitlines()):
        raise ValueError(f"{LLAMA_BUILD_SCRIPT.name} contains the heredoc delimiter {HEREDOC_END}")
    body = text if text.endswith("\n") else text + "\n"
    return f"cat > {LLAMA_BUILD_PATH} <<'{HEREDOC_END}'\n{body}{HEREDOC_END}"


def buildspec() -> dict[str, Any]:
    """CodeBuild spec: write the shared llama.cpp build script, then run the job script beside this file."""
    return {
        "version": "0.2",
        "env": {"shell": "bash", "variables": {"LLAMA_BUILD_SCRIPT": LLAMA_BUILD_PATH}},
        "phases": {"build": {"commands": [write_llama_build_command(), SCRIPT.read_text(encoding="utf-8")]}},
    }
