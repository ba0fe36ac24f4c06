"""Smoke test: the pinned CDK CLI synthesizes the whole default config (bundling, cdk-nag) as a
user's `npx cdk synth` does — and two runs give byte-identical templates."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CDK_DISABLE_VERSION_CHECK": "1"}

pytestmark = pytest.mark.skipif(shutil.which("npx") is None, reason="needs Node (npx) for the CDK CLI")


def _cdk_synth(outdir: Path, *context: str) -> subprocess.CompletedProcess[str]:
    command = ["npx", "--no-install", "cdk", "synth", "--quiet", "--output", str(outdir)]
    for item in context:
        command += ["-c", item]
    return subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=900)


def _digests(outdir: Path) -> dict[str, str]:
    return {str(p.relative_to(outdir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(outdir.rglob("*.template.json"))}


@pytest.fixture(scope="module")
def two_synths(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    first, second = tmp_path_factory.mktemp("synth-a"), tmp_path_factory.mktemp("synth-b")
    for outdir in (first, second):
        result = _cdk_synth(outdir)
        assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return first, second


def test_default_app_synthesizes_every_environment_nag_clean(two_synths: tuple[Path, Path]) -> None:
    first, _ = two_synths
    assert sorted(p.name for p in first.glob("assembly-*")) == ["assembly-dev", "assembly-prod"]
    assert len(list(first.rglob("*.template.json"))) >= 8


def test_synthesis_is_deterministic(two_synths: tuple[Path, Path]) -> None:
    first, second = two_synths
    assert _digests(first) == _digests(second)


def test_synthesis_needs_no_account_lookups(two_synths: tuple[Path, Path]) -> None:
    """No context lookups (AZs, AMIs, VPCs): `cdk synth` works in CI without credentials."""
    import json

    first, _ = two_synths
    for manifest in first.rglob("manifest.json"):
        assert not json.loads(manifest.read_text()).get("missing"), manifest


def test_env_context_selects_one_environment(tmp_path: Path) -> None:
    result = _cdk_synth(tmp_path, "env=dev")
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert sorted(p.name for p in tmp_path.glob("assembly-*")) == ["assembly-dev"]


def test_unknown_env_context_fails_with_a_config_error(tmp_path: Path) -> None:
    result = _cdk_synth(tmp_path, "env=prdo")
    assert result.returncode != 0
    assert "did you mean 'prod'?" in result.stderr
    assert "Traceback" not in result.stderr
