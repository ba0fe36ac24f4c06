"""The deploy-time build job without CDK: object keys carry the pins, the variables a run gets, the
buildspec (the shared llama.cpp build script, then the job script), and both scripts shellcheck-clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fmkit.catalog.llama_cpp import default_llama_cpp_version, get_llama_cpp_build
from fmkit.config.providers.graviton import GravitonDeployment
from stacks.graviton.build import (
    ARM_ARCH,
    LLAMA_BUILD_PATH,
    LLAMA_BUILD_SCRIPT,
    SCRIPT,
    arm_arch,
    build_environment,
    buildspec,
    hf_model_key,
    llama_build_id,
    llama_key,
)

SHELLCHECK = Path(sys.executable).parent / "shellcheck"
DIGEST = "0123456789abcdef" * 4
VERSION = default_llama_cpp_version()


def deployment(**model: Any) -> GravitonDeployment:
    source = model or {"hf": {"repo": "bartowski/Llama-3.2-3B-Instruct-GGUF",
                              "file": "Llama-3.2-3B-Instruct-Q4_0.gguf"}}
    return GravitonDeployment.model_validate({
        "provider": "ec2-graviton", "instance_type": "c7g.xlarge",
        "model": {**source, "size_gib": 1.8, "quantization": "Q4_0"}})


@pytest.mark.parametrize("script", [SCRIPT, LLAMA_BUILD_SCRIPT], ids=lambda p: p.name)
def test_build_scripts_are_shellcheck_clean(script: Path, tmp_path: Path) -> None:
    result = subprocess.run([str(SHELLCHECK), "--shell=bash", "--severity=style", str(script)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_buildspec_writes_the_shared_build_script_then_runs_the_job_in_bash() -> None:
    spec = buildspec()
    assert spec["env"] == {"shell": "bash", "variables": {"LLAMA_BUILD_SCRIPT": LLAMA_BUILD_PATH}}
    write, job = spec["phases"]["build"]["commands"]
    assert write.startswith(f"cat > {LLAMA_BUILD_PATH} <<'") and LLAMA_BUILD_SCRIPT.read_text() in write
    assert job == SCRIPT.read_text()
    assert "git clone" not in job and 'bash "$LLAMA_BUILD_SCRIPT"' in job


def test_build_targets_each_graviton_generation() -> None:
    assert "i8mm" not in arm_arch("graviton2")
    assert "sve" in arm_arch("graviton3") and "sve2" not in arm_arch("graviton3")
    assert "sve2" in arm_arch("graviton4")
    assert set(ARM_ARCH) == {"graviton2", "graviton3", "graviton3e", "graviton4"}
    with pytest.raises(ValueError):
        arm_arch("skylake")


def test_the_llama_key_carries_the_source_pin_and_the_generation() -> None:
    build = get_llama_cpp_build(VERSION)
    assert build is not None
    assert llama_key(VERSION, "graviton3") == f"llama.cpp/{VERSION}-{build.sha256[:12]}/graviton3/llama-cpp.tar.gz"
    assert llama_build_id(VERSION, "graviton4") == f"{build.sha256} {ARM_ARCH['graviton4']}"
    with pytest.raises(ValueError, match=r"llama_cpp\.json"):
        llama_key("9.9.9", "graviton3")


def test_the_model_key_carries_the_gguf_pin_when_there_is_one() -> None:
    assert hf_model_key("llm", deployment()) == (
        "models/llm/bartowski/Llama-3.2-3B-Instruct-GGUF/main/Llama-3.2-3B-Instruct-Q4_0.gguf")
    pinned = deployment(hf={"repo": "a/b", "file": "m.gguf", "revision": "v1"}, sha256=DIGEST)
    assert hf_model_key("llm", pinned) == f"models/llm/a/b/v1/{DIGEST[:12]}/m.gguf"
    assert hf_model_key("own", deployment(s3_uri="s3://team-models/m.gguf")) is None


def test_build_environment_names_the_pinned_source_and_digest() -> None:
    build = get_llama_cpp_build(VERSION)
    assert build is not None
    env = build_environment("llm", deployment(hf={"repo": "a/b", "file": "m.gguf"}, sha256=DIGEST), "graviton3")
    assert env == {
        "LLAMA_CPP_VERSION": VERSION, "LLAMA_SDIST_URL": build.url, "LLAMA_SDIST_SHA256": build.sha256,
        "ARM_ARCH": ARM_ARCH["graviton3"], "LLAMA_KEY": llama_key(VERSION, "graviton3"),
        "MODEL_KEY": f"models/llm/a/b/main/{DIGEST[:12]}/m.gguf", "HF_REPO": "a/b", "HF_FILE": "m.gguf",
        "HF_REVISION": "main", "MODEL_SHA256": DIGEST}
    own = build_environment("qwen", deployment(s3_uri="s3://team-models/m.gguf"), "graviton3")
    assert "MODEL_KEY" not in own and "HF_REPO" not in own and "MODEL_SHA256" not in own
