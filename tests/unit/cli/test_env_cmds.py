"""`fmkit env new`: clone an environment file, comments kept, validated before it stays."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fmkit.cli import app

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "model_configs"
    shutil.copytree(ROOT / "model_configs", target)
    return target


def test_env_new_clones_keeping_comments_and_sets_account(config_dir: Path) -> None:
    result = runner.invoke(app, ["env", "new", "staging", "--from", "prod", "--account", "333333333333",
                                 "--region", "eu-central-1", "--config-dir", str(config_dir)])
    assert result.exit_code == 0, result.output
    text = (config_dir / "environments" / "staging.yaml").read_text()
    source = (config_dir / "environments" / "prod.yaml").read_text()
    source_comments = [line for line in source.splitlines() if line.lstrip().startswith("#")]
    assert source_comments and all(c in text for c in source_comments)
    assert 'account: "333333333333"' in text or "account: '333333333333'" in text
    assert "region: eu-central-1" in text
    shown = runner.invoke(app, ["config", "show", "staging", "--config-dir", str(config_dir)])
    assert shown.exit_code == 0 and "eu-central-1" in shown.output


def test_env_new_refuses_existing_unknown_source_and_bad_values(config_dir: Path) -> None:
    exists = runner.invoke(app, ["env", "new", "dev", "--from", "prod", "--config-dir", str(config_dir)])
    assert exists.exit_code == 2 and "already exists" in exists.output
    unknown = runner.invoke(app, ["env", "new", "qa", "--from", "prdo", "--config-dir", str(config_dir)])
    assert unknown.exit_code == 2 and "did you mean 'prod'?" in unknown.output
    bad_region = runner.invoke(app, ["env", "new", "qa", "--from", "dev", "--region", "eu-west-9",
                                     "--config-dir", str(config_dir)])
    assert bad_region.exit_code == 2 and "not an AWS region" in bad_region.output
    assert not (config_dir / "environments" / "qa.yaml").exists()
    bad_name = runner.invoke(app, ["env", "new", "QA_1", "--from", "dev", "--config-dir", str(config_dir)])
    assert bad_name.exit_code == 2 and "not a valid environment name" in bad_name.output
