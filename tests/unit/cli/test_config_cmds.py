"""`fmkit validate` and `fmkit config show|schema|reference` on the shipped config."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from fmkit.cli import app

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "model_configs"
    shutil.copytree(ROOT / "model_configs", target)
    return target


def test_validate_default_config_exits_0(config_dir: Path) -> None:
    result = runner.invoke(app, ["validate", "--config-dir", str(config_dir)])
    assert result.exit_code == 0, result.output
    assert "2 environment(s) (dev, prod)" in result.output


def test_config_show_prints_the_resolved_environment_as_yaml(config_dir: Path) -> None:
    result = runner.invoke(app, ["config", "show", "prod", "--config-dir", str(config_dir)])
    assert result.exit_code == 0, result.output
    data = YAML(typ="safe").load(result.output)
    assert data["name"] == "prod"
    assert data["region"] == "us-east-1"
    assert data["platform"]["removal_policy"] == "retain"
    assert data["project"]["budget"]["monthly_usd"] == 8000  # env overlay applied
    assert data["project"]["owner"] == "platform-team@example.com"  # inherited from project.yaml


def test_config_show_unknown_environment_exits_2_with_suggestion(config_dir: Path) -> None:
    result = runner.invoke(app, ["config", "show", "prdo", "--config-dir", str(config_dir)])
    assert result.exit_code == 2
    assert "did you mean 'prod'?" in result.output


def test_committed_schema_is_up_to_date() -> None:
    result = runner.invoke(app, ["config", "schema", "--check", "--config-dir", str(ROOT / "model_configs")])
    assert result.exit_code == 0, f"run `make schema`:\n{result.output}"


def test_committed_config_reference_is_up_to_date() -> None:
    result = runner.invoke(app, ["config", "reference", "--check", "-o", str(ROOT / "docs" / "config-reference.md")])
    assert result.exit_code == 0, f"run `make schema`:\n{result.output}"


def test_schema_is_written_and_describes_every_file_kind(config_dir: Path) -> None:
    (config_dir / "schema.json").unlink()
    result = runner.invoke(app, ["config", "schema", "--config-dir", str(config_dir)])
    assert result.exit_code == 0
    schema = json.loads((config_dir / "schema.json").read_text())
    assert {"project-file", "environment-file", "model-file"} <= set(schema["$defs"])
    model = json.loads((config_dir / "schemas" / "model.schema.json").read_text())
    assert "discriminator" in json.dumps(model)


def test_every_config_file_points_editors_at_its_schema() -> None:
    for path in (ROOT / "model_configs").rglob("*.yaml"):
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        schema_ref = first.split("$schema=", 1)[1].strip()
        assert (path.parent / schema_ref).resolve().is_file(), f"{path}: {schema_ref} does not exist"


def test_validate_does_not_import_aws_cdk() -> None:
    import subprocess
    import sys

    code = ("import sys; from fmkit.cli import app; from typer.testing import CliRunner; "
            f"r = CliRunner().invoke(app, ['validate', '--config-dir', {str(ROOT / 'model_configs')!r}]); "
            "assert r.exit_code == 0, r.output; "
            "assert not any(m.startswith(('aws_cdk', 'constructs', 'jsii')) for m in sys.modules), 'cdk imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
