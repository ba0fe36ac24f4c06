"""Smoke test: `app.py` synthesizes the whole default config (bundling, cdk-nag) the way
`cdk synth` runs it — and twice gives byte-identical templates."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _synth(outdir: Path, *extra_context: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CDK_OUTDIR": str(outdir), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    context = {"env": None}
    command = [sys.executable, "app.py"]
    for item in extra_context:
        key, value = item.split("=", 1)
        context[key] = value
    if context["env"]:
        env["CDK_CONTEXT_JSON"] = json.dumps({"env": context["env"]})
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def _digests(outdir: Path) -> dict[str, str]:
    return {str(p.relative_to(outdir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(outdir.rglob("*.template.json"))}


@pytest.fixture(scope="module")
def two_synths(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    first, second = tmp_path_factory.mktemp("synth-a"), tmp_path_factory.mktemp("synth-b")
    for outdir in (first, second):
        result = _synth(outdir)
        assert result.returncode == 0, result.stderr[-4000:]
    return first, second


def test_default_app_synthesizes_every_environment_nag_clean(two_synths: tuple[Path, Path]) -> None:
    first, _ = two_synths
    assemblies = sorted(p.name for p in first.glob("assembly-*"))
    assert assemblies == ["assembly-dev", "assembly-prod"]
    assert len(list(first.rglob("*.template.json"))) >= 2


def test_synthesis_is_deterministic(two_synths: tuple[Path, Path]) -> None:
    first, second = two_synths
    assert _digests(first) == _digests(second)


def test_env_context_selects_one_environment(tmp_path: Path) -> None:
    result = _synth(tmp_path, "env=dev")
    assert result.returncode == 0, result.stderr[-4000:]
    assert sorted(p.name for p in tmp_path.glob("assembly-*")) == ["assembly-dev"]


def test_unknown_env_context_fails_with_a_config_error(tmp_path: Path) -> None:
    result = _synth(tmp_path, "env=prdo")
    assert result.returncode == 2
    assert "did you mean 'prod'?" in result.stderr
    assert "Traceback" not in result.stderr
