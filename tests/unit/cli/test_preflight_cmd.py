"""`fmkit preflight ENV` exit codes: 0 ready, 1 blocked, 2 bad config, 3 cannot check (one line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fmkit.cli import app, preflight_cmd
from tests.unit.preflight.conftest import FakeSession, aws, bootstrap, jumpstart_artifacts, ready_account

ROOT = Path(__file__).resolve().parents[3]
CONFIG = str(ROOT / "model_configs")
runner = CliRunner()
__all__ = ["aws"]  # the moto fixture, shared with the preflight tests


@pytest.fixture
def fake_session(monkeypatch: pytest.MonkeyPatch, aws: None) -> FakeSession:
    session = FakeSession(ready_account())
    monkeypatch.setattr(preflight_cmd, "aws_session", lambda profile: session)
    return session


def test_ready_exits_0_with_a_table(fake_session: FakeSession) -> None:
    from fmkit.validate import load_validated

    dev = load_validated(ROOT / "model_configs").environment("dev")
    bootstrap(dev.region)
    jumpstart_artifacts(dev)
    result = runner.invoke(app, ["preflight", "dev", "--config-dir", CONFIG])
    assert result.exit_code == 0, result.output
    assert "ready to deploy" in result.output


def test_blocked_exits_1_and_json_says_why(fake_session: FakeSession) -> None:
    result = runner.invoke(app, ["preflight", "dev", "--config-dir", CONFIG, "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["ready"] is False
    assert any(r["check"] == "cdk-bootstrap" and r["status"] == "blocked" for r in data["results"])


def test_unknown_environment_exits_2() -> None:
    result = runner.invoke(app, ["preflight", "staging", "--config-dir", CONFIG])
    assert result.exit_code == 2


def test_no_credentials_exits_3_with_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = runner.invoke(app, ["preflight", "dev", "--config-dir", CONFIG])
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "no AWS credentials" in lines[0]


def test_unknown_profile_exits_3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    result = runner.invoke(app, ["preflight", "dev", "--config-dir", CONFIG, "--profile", "nope"])
    assert result.exit_code == 3
    assert "Traceback" not in result.output
