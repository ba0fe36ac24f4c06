"""The conversion build's spec without CDK: the scripts written byte for byte, the gguf lines, the flags."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fmkit.catalog.llama_cpp import default_llama_cpp_version, get_llama_cpp_build
from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.customize.gguf import install_command
from stacks.customization.conversion_spec import (
    ANSWER,
    LLAMA_BUILD,
    PATHS,
    SCRIPT,
    WORK,
    buildspec,
    project_environment,
    server_args,
)

SHELLCHECK = Path(sys.executable).parent / "shellcheck"


def deployment(**server: object) -> GravitonDeployment:
    return GravitonDeployment.model_validate({
        "provider": "ec2-graviton", "instance_type": "c7g.xlarge", "server": server,
        "model": {"hf": {"repo": "org/repo-GGUF", "file": "m.gguf"}, "size_gib": 1.0, "quantization": "Q4_0",
                  "customization": "tuned"}})


def test_the_script_is_shellcheck_clean() -> None:
    result = subprocess.run([str(SHELLCHECK), "--shell=bash", "--severity=style", str(SCRIPT)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_the_install_phase_writes_the_three_scripts_unchanged(tmp_path: Path) -> None:
    for command in buildspec("tuned", "Q4_0")["phases"]["install"]["commands"]:
        first, _, body = command.partition("\n")  # only the target path moves; the content stays as it is
        subprocess.run(["bash", "-c", f"{first.replace(WORK, str(tmp_path))}\n{body}"], check=True)
    for name, source in (("llama_build", LLAMA_BUILD), ("answer", ANSWER), ("script", SCRIPT)):
        assert Path(PATHS[name].replace(WORK, str(tmp_path))).read_bytes() == source.read_bytes()


def test_the_build_phase_prepares_converts_then_publishes() -> None:
    commands = buildspec("tuned", "Q8_0")["phases"]["build"]["commands"]
    assert commands[0] == f"bash {PATHS['script']} prepare" and commands[-1] == f"bash {PATHS['script']} publish"
    assert commands[2] == " ".join([install_command(f"{WORK}/venv/bin/python")[0], *[
        f"'{a}'" if ">" in a else a for a in install_command(f"{WORK}/venv/bin/python")[1:]]])
    assert f"{WORK}/llama/bin/llama-quantize {WORK}/out/tuned.f16.gguf {WORK}/out/tuned.Q8_0.gguf Q8_0" in commands


def test_the_project_environment_pins_the_serving_deployments_llama_cpp() -> None:
    env = project_environment("tuned", "Q4_0", deployment())
    build = get_llama_cpp_build(default_llama_cpp_version())
    assert build is not None
    assert env["LLAMA_SDIST_SHA256"] == build.sha256 and env["LLAMA_SDIST_URL"] == build.url
    assert env["LLAMA_KEY"] == f"llama.cpp/{build.version}-{build.sha256[:12]}/portable/llama-cpp.tar.gz"
    assert env["STEM"] == "tuned" and env["QUANT"] == "Q4_0"


@pytest.mark.parametrize(("flags", "expected"), [
    ({}, "--ctx-size 4096 --parallel 1"),
    ({"--jinja": True, "--temp": 0.2, "--batch-size": 512}, "--ctx-size 4096 --parallel 1 --jinja --temp 0.2"),
])
def test_the_holdout_is_answered_with_the_flags_that_change_answers(flags: dict[str, object], expected: str) -> None:
    assert server_args(deployment(context_size=4096, extra_flags=flags)) == expected
