"""`fmkit config show ENV` prints what loads back: split into files, it resolves to the same environment."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from fmkit.cli import app
from fmkit.validate import load_validated

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


@pytest.mark.parametrize("env_name", ["dev", "prod"])
def test_shown_config_loads_back_to_the_same_environment(tmp_path: Path, env_name: str) -> None:
    result = runner.invoke(app, ["config", "show", env_name, "--config-dir", str(ROOT / "model_configs")])
    assert result.exit_code == 0, result.output
    assert "async_" not in result.output and ": null" not in result.output
    shown = YAML(typ="safe").load(result.output)
    config = tmp_path / "model_configs"
    shutil.copytree(ROOT / "model_configs", config)  # word lists and other files the config points at
    for folder in ("environments", "models"):
        shutil.rmtree(config / folder)
        (config / folder).mkdir()
    yaml = YAML(typ="safe")
    yaml.dump(shown["project"], config / "project.yaml")
    yaml.dump({k: v for k, v in shown.items() if k not in ("name", "project", "models")},
              config / "environments" / f"{env_name}.yaml")
    for name, model in shown["models"].items():
        yaml.dump(model, config / "models" / f"{name}.yaml")
    original = load_validated(ROOT / "model_configs").environment(env_name)
    assert load_validated(config).environment(env_name) == original
