"""The conversion build's spec: pure (no CDK), so the rendered commands are unit-tested.

One CodeBuild run per sagemaker-peft candidate (arm64 Amazon Linux 2023): `prepare` (the
pinned llama.cpp build, cached in the artifact bucket, and the trained model), the conversion
and quantization command lines of `fmkit.customize.gguf` (the lines `make test-customize` runs
locally), then `publish` (upload the GGUF with its sha256, answer the holdout with the
candidate and with the served GGUF on the same llama-server, write `candidate.json`). The
scripts are written into the build byte for byte by quoted heredocs.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from fmkit.catalog.llama_cpp import LlamaCppBuild, default_llama_cpp_version, get_llama_cpp_build
from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.customize.gguf import LlamaCppTools, conversion_script, install_command

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "convert_and_answer.sh"
ANSWER = HERE / "answer_holdout.py"
LLAMA_BUILD = HERE.parent / "graviton" / "llama_build.sh"  # the one llama-server build script
WORK = "/tmp/fmkit"
PATHS = {"script": f"{WORK}/convert_and_answer.sh", "answer": f"{WORK}/answer_holdout.py",
         "llama_build": f"{WORK}/llama_build.sh"}
PYTHON = f"{WORK}/venv/bin/python"
TOOLS = LlamaCppTools(quantize=Path(f"{WORK}/llama/bin/llama-quantize"),
                      converter=Path(f"{WORK}/llama/share/llama.cpp/convert_hf_to_gguf.py"), python=PYTHON)
HEREDOC_END = "FMKIT_END_OF_FILE"
PIN_PREFIX = 12
# llama-server flags of the serving deployment that change what it answers (the rest is capacity).
ANSWER_FLAGS = ("--chat-template", "--jinja", "--no-jinja", "--reasoning-format", "--temp", "--top-k",
                "--top-p", "--min-p", "--repeat-penalty", "--seed")


def write_file(path: str, source: Path) -> str:
    """A command writing `source` to `path` unchanged (a quoted heredoc expands nothing)."""
    text = source.read_text(encoding="utf-8")
    if HEREDOC_END in text.splitlines():
        raise ValueError(f"{source.name} contains the heredoc delimiter {HEREDOC_END}")
    body = text if text.endswith("\n") else text + "\n"
    return f"mkdir -p {WORK} && cat > {path} <<'{HEREDOC_END}'\n{body}{HEREDOC_END}"


def llama_build_for(deployment: GravitonDeployment) -> LlamaCppBuild:
    """The pinned source the serving deployment runs (the catalog's default if it names none known)."""
    build = get_llama_cpp_build(deployment.server.llama_cpp_version)
    if build is None:
        build = get_llama_cpp_build(default_llama_cpp_version())
    if build is None:  # pragma: no cover - the shipped catalog always has its default
        raise ValueError("no pinned llama.cpp source in fmkit/catalog/data/llama_cpp.json")
    return build


def server_args(deployment: GravitonDeployment) -> str:
    """Flags the holdout's llama-server shares with the serving deployment (context and templates)."""
    args = ["--ctx-size", str(deployment.server.context_size), "--parallel", "1"]
    for flag, value in deployment.server.extra_flags.items():
        if flag in ANSWER_FLAGS:
            args += [flag] if value is True else [flag, str(value)]
    return " ".join(args)


def project_environment(name: str, quantization: str, deployment: GravitonDeployment) -> dict[str, str]:
    """Variables every run of `name` shares (the run's own come as overrides from the workflow)."""
    build = llama_build_for(deployment)
    return {
        "STEM": name, "QUANT": quantization, "WORK": WORK,
        "LLAMA_SDIST_URL": build.url, "LLAMA_SDIST_SHA256": build.sha256,
        "LLAMA_KEY": f"llama.cpp/{build.version}-{build.sha256[:PIN_PREFIX]}/portable/llama-cpp.tar.gz",
        "LLAMA_BUILD_SCRIPT": PATHS["llama_build"], "ANSWER_SCRIPT": PATHS["answer"],
        "SERVER_ARGS": server_args(deployment),
    }


def conversion_commands(name: str, quantization: str) -> list[str]:
    """The converter's environment, then `fmkit.customize.gguf`'s lines for this customization."""
    venv = [f"python3 -m venv {WORK}/venv", shlex.join(install_command(PYTHON))]
    lines = conversion_script(TOOLS, Path(f"{WORK}/model/merged"), Path(f"{WORK}/out"), name,
                              quant_types=(quantization,))  # type: ignore[arg-type]
    return venv + lines


def buildspec(name: str, quantization: str) -> dict[str, Any]:
    """The CodeBuild spec of one customization (buildspec 0.2: one shell per phase, commands in order)."""
    return {
        "version": "0.2",
        "env": {"shell": "bash"},
        "phases": {
            "install": {"commands": [write_file(PATHS["llama_build"], LLAMA_BUILD),
                                     write_file(PATHS["answer"], ANSWER), write_file(PATHS["script"], SCRIPT)]},
            "build": {"commands": [f"bash {PATHS['script']} prepare", *conversion_commands(name, quantization),
                                   f"bash {PATHS['script']} publish"]},
        },
    }
