"""Every recommendation the default config produces leads to a configuration that validates.

Each one is applied the way a user would follow it — run the `fmkit models add …` command it gives
and turn the replaced deployment off in that environment, set the proposed instance type, or move
the environment to the proposed region — on a copy of model_configs/, and the copy must validate.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from fmkit.catalog import overlay
from fmkit.cli import app
from fmkit.estimate import estimate_environment
from fmkit.estimate.model import Recommendation
from fmkit.selection.recommend import graviton_alternatives
from fmkit.validate import load_validated

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


def default_recommendations() -> list[tuple[str, Recommendation]]:
    loaded = load_validated(ROOT / "model_configs")
    found = []
    for env_name, env in loaded.environments.items():
        estimate = estimate_environment(env, alternatives=graviton_alternatives)
        found += [(env_name, rec) for rec in estimate.recommendations]
    overlay.activate(overlay.EMPTY)
    return found


RECOMMENDATIONS = default_recommendations()


@pytest.fixture(autouse=True)
def shipped_catalog() -> Iterator[None]:
    yield
    overlay.activate(overlay.EMPTY)


def edit_env(config: Path, env_name: str, edit: dict[str, object]) -> None:
    yaml = YAML(typ="rt")
    path = config / "environments" / f"{env_name}.yaml"
    data = yaml.load(path.read_text())
    for key, value in edit.items():
        if key == "models":
            models = data.setdefault("models", {})
            for model, fields in value.items():  # type: ignore[attr-defined]
                models.setdefault(model, {}).update(fields)
        else:
            data[key] = value
    with path.open("w") as handle:
        yaml.dump(data, handle)


def apply(config: Path, env_name: str, rec: Recommendation) -> None:
    if rec.kind == "provider":
        assert rec.command is not None and rec.command.startswith("fmkit models add ")
        result = runner.invoke(app, [*rec.command.split()[1:], "--config-dir", str(config)])
        assert result.exit_code == 0, result.output
        edit_env(config, env_name, {"models": {rec.target: {"enabled": False}}})
    elif rec.kind == "instance":
        edit_env(config, env_name, {"models": {rec.target: {"instance_type": rec.proposed}}})
    elif rec.kind == "region":
        edit_env(config, env_name, {"region": rec.proposed})
    else:
        pytest.fail(f"unknown recommendation kind {rec.kind}")


def test_the_default_config_has_recommendations_of_each_kind_it_can() -> None:
    kinds = {rec.kind for _, rec in RECOMMENDATIONS}
    assert {"provider", "region"} <= kinds, RECOMMENDATIONS


@pytest.mark.parametrize(("env_name", "rec"), RECOMMENDATIONS,
                         ids=[f"{e}-{r.kind}-{r.target}" for e, r in RECOMMENDATIONS])
def test_following_a_recommendation_gives_a_valid_config(tmp_path: Path, env_name: str, rec: Recommendation) -> None:
    config = tmp_path / "model_configs"
    shutil.copytree(ROOT / "model_configs", config)
    apply(config, env_name, rec)
    loaded = load_validated(config)  # raises ConfigError, listing every problem, when it does not validate
    assert env_name in loaded.environments


def test_validate_hints_give_the_same_commands_as_the_plan() -> None:
    loaded = load_validated(ROOT / "model_configs")
    commands = {rec.command for _, rec in RECOMMENDATIONS if rec.command}
    hinted = {m.group(1) for w in loaded.warnings if w.hint for m in [re.search(r"`(fmkit models add [^`]+)`", w.hint)]
              if m}
    assert hinted and hinted <= commands
