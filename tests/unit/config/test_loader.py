"""Happy paths: files resolve into typed, frozen environments with overlays deep-merged."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from fmkit.config import ConfigError, EnvironmentConfig, load_config
from fmkit.config.deployments import BedrockDeployment
from fmkit.config.findings import Finding
from fmkit.config.merge import deep_merge
from fmkit.config.yaml_source import SourceMap
from fmkit.validate import load_validated
from tests.helpers import load, write_config

ROOT = Path(__file__).resolve().parents[3]

MODEL = """
    provider: bedrock
    model_id: amazon.nova-lite-v1:0
    cross_region: geo
    tags: {app: support}
"""


def test_default_config_is_valid_and_has_dev_and_prod() -> None:
    loaded = load_validated(ROOT / "model_configs")
    assert {"dev", "prod"} <= set(loaded.names)


def test_environment_overlay_deep_merges_maps_and_replaces_lists(tmp_path: Path) -> None:
    loaded = load(tmp_path, {
        "project.yaml": """
            name: demo
            owner: team@example.com
            cost_center: CC-1
            tags: {team: ml, tier: gold}
        """,
        "models/m.yaml": MODEL + "    environments: [dev, prod]\n",
        "environments/prod.yaml": """
            account: "222222222222"
            region: us-east-1
            project:
              tags: {tier: platinum}
            models:
              m:
                environments: [prod]
                tags: {extra: "1"}
        """,
    })
    dev, prod = loaded.environment("dev"), loaded.environment("prod")
    assert dev.project.tags == {"team": "ml", "tier": "gold"}
    assert prod.project.tags == {"team": "ml", "tier": "platinum"}  # maps merge
    assert prod.models["m"].environments == ["prod"]  # lists replace
    assert prod.models["m"].tags == {"app": "support", "extra": "1"}
    assert "m" in dev.enabled_models()  # dev keeps the base list [dev, prod]
    assert prod.enabled_models()["m"].environments == ["prod"]


def test_model_can_be_disabled_per_environment(tmp_path: Path) -> None:
    loaded = load(tmp_path, {
        "models/m.yaml": MODEL,
        "environments/prod.yaml": """
            account: "222222222222"
            region: us-east-1
            models: {m: {enabled: false}}
        """,
    })
    assert "m" in loaded.environment("dev").enabled_models()
    assert "m" not in loaded.environment("prod").enabled_models()


def test_resolved_config_is_frozen(tmp_path: Path) -> None:
    env = load(tmp_path, {"models/m.yaml": MODEL}).environment("dev")
    with pytest.raises(ValidationError):
        env.region = "us-east-1"  # type: ignore[misc]


def test_unknown_environment_lookup_suggests_the_closest(tmp_path: Path) -> None:
    loaded = load(tmp_path, {})
    with pytest.raises(ConfigError) as raised:
        loaded.environment("dve")
    assert "did you mean 'dev'?" in str(raised.value)


def test_deep_merge_does_not_mutate_inputs_and_tracks_positions() -> None:
    base = {"a": {"b": 1, "c": [1, 2]}}
    overlay = {"a": {"c": [3]}}
    smap, overlay_map = SourceMap(), SourceMap()
    merged = deep_merge(base, overlay, (), smap, overlay_map)
    assert merged == {"a": {"b": 1, "c": [3]}}
    assert base == {"a": {"b": 1, "c": [1, 2]}}


def test_stack_prefix_combines_project_and_environment(tmp_path: Path) -> None:
    assert load(tmp_path, {}).environment("dev").stack_prefix == "demo-dev"


def test_without_rules_only_the_schema_is_checked(tmp_path: Path) -> None:
    """Semantic rules sit above the loader: it runs none unless given them."""
    root = write_config(tmp_path, {"models/m.yaml": "provider: bedrock\nmodel_id: no.such-model-v1:0\n"})
    model = load_config(root).environment("dev").models["m"]
    assert isinstance(model, BedrockDeployment) and model.model_id == "no.such-model-v1:0"
    with pytest.raises(ConfigError) as exc:
        load_validated(root)
    assert [p.rule for p in exc.value.problems] == ["bedrock-model-known"]


def test_rule_findings_are_located_in_the_file_that_set_the_value(tmp_path: Path) -> None:
    def rules(env: EnvironmentConfig) -> list[tuple[str, Finding]]:
        return [("region-note", Finding(("region",), f"{env.region} noted", severity="warning"))]

    loaded = load_config(write_config(tmp_path, {}), rules=rules)
    (warning,) = loaded.warnings
    assert (warning.rule, warning.message, warning.severity) == ("region-note", "eu-west-1 noted", "warning")
    assert (warning.location.file.name, warning.location.line) == ("dev.yaml", 2)
