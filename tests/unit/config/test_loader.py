"""The loader: files resolve into typed, frozen environments with overlays deep-merged; bad input of any
kind is reported at its file:line:col (exit 2), all problems in one run, and nothing but ConfigError escapes.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from ruamel.yaml import YAML
from typer.testing import CliRunner

from fmkit.cli import app
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


# Bad input: every problem at its file:line:col, exit 2, all in one run.

runner = CliRunner()

BEDROCK_MODEL = """
    provider: bedrock
    model_id: amazon.nova-lite-v1:0
"""

# (case id, files to write (None removes a base file), expected "file:line:col", expected text)
CASES: list[tuple[str, dict[str, str | None], str, str]] = [
    ("malformed-yaml", {"models/m.yaml": "provider: bedrock\nmodel_id: [unclosed\n"},
     "models/m.yaml:2:11", "invalid YAML: a '[' list is not closed"),
    ("tab-indentation", {"models/m.yaml": "provider: bedrock\n\tmodel_id: x\n"},
     "models/m.yaml:2:1", "invalid YAML"),
    ("duplicate-key", {"models/m.yaml": "provider: bedrock\nmodel_id: a\nmodel_id: b\n"},
     "models/m.yaml:3:1", "duplicate key"),
    ("empty-file", {"models/m.yaml": ""}, "models/m.yaml:1:1", "file is empty"),
    ("quoted-number", {"models/m.yaml": "provider: bedrock\nmodel_id: amazon.nova-lite-v1:0\n"
                                         "expected_traffic: {requests_per_day: \"2000\", mean_input_tokens: 10, "
                                         "mean_output_tokens: 10}\n"},
     "models/m.yaml:3:38", "write 2000 without quotes: quoted values are text"),
    ("quoted-boolean", {"models/m.yaml": "provider: bedrock\nmodel_id: amazon.nova-lite-v1:0\nenabled: \"true\"\n"},
     "models/m.yaml:3:10", "write true without quotes"),
    ("comments-only-file", {"models/m.yaml": "# nothing here\n"}, "models/m.yaml:1:1", "file is empty"),
    ("top-level-list", {"models/m.yaml": "- provider: bedrock\n"}, "models/m.yaml:1:1", "not a mapping"),
    ("unknown-key-project", {"project.yaml": "name: demo\nowner: a\ncost_center: c\nownr: b\n"},
     "project.yaml:4:1", "unknown key 'ownr' — did you mean 'owner'?"),
    ("unknown-key-env", {"environments/dev.yaml": 'account: "111111111111"\nregoin: eu-west-1\nregion: eu-west-1\n'},
     "environments/dev.yaml:2:1", "unknown key 'regoin' — did you mean 'region'?"),
    ("unknown-key-model", {"models/m.yaml": BEDROCK_MODEL + "    modle_id: x\n"},
     "models/m.yaml:3:1", "unknown key 'modle_id' — did you mean 'model_id'?"),
    ("unknown-nested-key", {"environments/dev.yaml": 'account: "111111111111"\nregion: eu-west-1\n'
                            "platform:\n  vpc:\n    cidrs: 10.0.0.0/16\n"},
     "environments/dev.yaml:5:5", "unknown key 'cidrs' — did you mean 'cidr'?"),
    ("missing-project-key", {"project.yaml": "name: demo\nowner: a\n"},
     "project.yaml:1:1", "missing required key 'cost_center'"),
    ("missing-provider", {"models/m.yaml": "model_id: x\n"},
     "models/m.yaml:1:1", "missing required key 'provider'"),
    ("unknown-provider", {"models/m.yaml": "provider: bedrok\nmodel_id: x\n"},
     "models/m.yaml:1:11", "unknown provider 'bedrok' — did you mean 'bedrock'?"),
    ("wrong-type-bool", {"models/m.yaml": BEDROCK_MODEL + "    enabled: maybe\n"},
     "models/m.yaml:3:10", "'enabled': input should be a valid boolean"),
    ("wrong-type-mapping", {"project.yaml": "name: demo\nowner: a\ncost_center: c\ntags: [a, b]\n"},
     "project.yaml:4:7", "'tags': input should be a valid dictionary"),
    ("account-unquoted-number", {"environments/dev.yaml": "account: 111111111111\nregion: eu-west-1\n"},
     "environments/dev.yaml:1:10", "'account': input should be a valid string — quote the value"),
    ("account-not-12-digits", {"environments/dev.yaml": 'account: "12345"\nregion: eu-west-1\n'},
     "environments/dev.yaml:1:10", "account id '12345' is not 12 digits"),
    ("region-does-not-exist", {"environments/dev.yaml": 'account: "111111111111"\nregion: eu-wset-1\n'},
     "environments/dev.yaml:2:9", "'eu-wset-1' is not an AWS region — did you mean 'eu-west-1'?"),
    ("enum-typo", {"project.yaml": "name: demo\nowner: a\ncost_center: c\ncarbon_policy:\n  mode: enforse\n"},
     "project.yaml:5:9", "'enforse' is not allowed — did you mean 'enforce'?"),
    ("literal-typo-in-model", {"models/m.yaml": BEDROCK_MODEL + "    cross_region: glob\n"},
     "models/m.yaml:3:15", "'glob' is not allowed — did you mean 'global'?"),
    ("missing-referenced-environment", {"models/m.yaml": BEDROCK_MODEL + "    environments: [dev, stagin]\n"},
     "models/m.yaml:3:21", "unknown environment 'stagin'"),
    ("overlay-for-unknown-model", {"models/nova.yaml": BEDROCK_MODEL,
                                   "environments/dev.yaml": 'account: "111111111111"\nregion: eu-west-1\n'
                                   "models:\n  novaa: {enabled: false}\n"},
     "environments/dev.yaml:4:3", "overlay for unknown model 'novaa' — did you mean 'nova'?"),
    ("overlay-error-points-at-env-file", {"models/m.yaml": BEDROCK_MODEL,
                                          "environments/dev.yaml": 'account: "111111111111"\nregion: eu-west-1\n'
                                          "models:\n  m:\n    expected_traffic:\n      requests_per_day: -5\n"
                                          "      mean_input_tokens: 10\n      mean_output_tokens: 10\n"},
     "environments/dev.yaml:6:25", "greater than or equal to 0"),
    ("invalid-model-file-name", {"models/My_Model.yaml": BEDROCK_MODEL},
     "models/My_Model.yaml:1:1", "not a valid name"),
    ("yml-extension", {"models/m.yml": BEDROCK_MODEL}, "models/m.yml:1:1", "must end in .yaml"),
    ("missing-project-file", {"project.yaml": None}, "project.yaml:1:1", "project.yaml is missing"),
    ("no-environments", {"environments/dev.yaml": None}, "environments:1:1", "no environment files found"),
    ("empty-owner-tag", {"project.yaml": 'name: demo\nowner: "  "\ncost_center: c\n'},
     "project.yaml:2:8", "must not be empty: it becomes a mandatory tag"),
    ("reserved-tag-prefix", {"project.yaml": "name: demo\nowner: a\ncost_center: c\ntags:\n  aws:team: x\n"},
     "project.yaml:5:13", "reserved 'aws:' prefix"),
    ("tag-value-too-long", {"project.yaml": "name: demo\nowner: a\ncost_center: c\ntags:\n  team: " + "x" * 300 + "\n"},
     "project.yaml:5:9", "longer than 256 characters"),
    ("invalid-project-name", {"project.yaml": "name: Demo_Project\nowner: a\ncost_center: c\n"},
     "project.yaml:1:7", "'Demo_Project' is not a valid name"),
    ("log-retention-not-allowed", {"environments/dev.yaml": 'account: "111111111111"\nregion: eu-west-1\n'
                                   "platform:\n  log_retention_days: 13\n"},
     "environments/dev.yaml:4:23", "did you mean 14?"),
    ("bad-email-subscription", {"environments/dev.yaml": 'account: "111111111111"\nregion: eu-west-1\n'
                                "platform:\n  alarm_subscriptions:\n    - protocol: email\n      endpoint: oncall\n"},
     "environments/dev.yaml:6:17", "'oncall' is not an email address"),
    ("vpc-cidr-invalid", {"environments/dev.yaml": 'account: "111111111111"\nregion: eu-west-1\n'
                          "platform:\n  vpc: {cidr: 10.0.0.1/33}\n"},
     "environments/dev.yaml:4:15", "is not an IPv4 network"),
    ("rule-alarm-subscriptions-unique", {"environments/dev.yaml": 'account: "111111111111"\nregion: eu-west-1\n'
                                        "platform:\n  alarm_subscriptions:\n    - {protocol: email, endpoint: a@x.io}\n"
                                        "    - {protocol: email, endpoint: a@x.io}\n"},
     "environments/dev.yaml:6:7", "alarm subscription email:a@x.io is listed twice"),
    ("rule-nat-gateways-within-azs", {"environments/dev.yaml": 'account: "111111111111"\nregion: eu-west-1\n'
                                      "platform:\n  vpc: {max_azs: 2, nat_gateways: 3}\n"},
     "environments/dev.yaml:4:35", "3 NAT gateways for 2 AZs"),
    ("rule-vpc-zones-in-region", {"environments/dev.yaml": 'account: "111111111111"\nregion: eu-west-1\n'
                                  "platform:\n  vpc:\n    availability_zones: [eu-west-1a, us-east-1b]\n"},
     "environments/dev.yaml:5:38", "'us-east-1b' is not a zone of eu-west-1"),
]


@pytest.mark.parametrize(("files", "where", "text"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config_exits_2_with_location_and_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str | None], where: str, text: str
) -> None:
    config_dir = write_config(tmp_path / "cfg", files)
    monkeypatch.chdir(config_dir)
    result = runner.invoke(app, ["validate", "--config-dir", "."])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith(where + ":")]
    assert lines, f"no problem reported at {where}:\n{result.output}"
    assert any(text in line for line in lines), f"expected {text!r} at {where}:\n{result.output}"


def test_there_are_at_least_25_distinct_bad_input_cases() -> None:
    assert len({c[0] for c in CASES}) >= 25


def test_all_problems_are_reported_in_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_dir = write_config(tmp_path / "cfg", {
        "models/a.yaml": "provider: bedrok\n",
        "models/b.yaml": "",
        "environments/dev.yaml": 'account: "1"\nregion: nowhere-1\n',
    })
    monkeypatch.chdir(config_dir)
    result = runner.invoke(app, ["validate", "--config-dir", "."])
    assert result.exit_code == 2
    for where in ("models/a.yaml:1:11", "models/b.yaml:1:1", "environments/dev.yaml:1:10",
                  "environments/dev.yaml:2:9"):
        assert where in result.output


def test_the_same_problem_in_two_environments_is_reported_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_dir = write_config(tmp_path / "cfg", {
        "models/a.yaml": "provider: bedrock\nmodel_id: x\nbogus: 1\n",
        "environments/prod.yaml": 'account: "222222222222"\nregion: us-east-1\n',
    })
    monkeypatch.chdir(config_dir)
    result = runner.invoke(app, ["validate", "--config-dir", "."])
    assert result.output.count("unknown key 'bogus'") == 1


def test_missing_config_dir_is_a_config_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "--config-dir", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "config directory does not exist" in result.output


# Properties: whatever the files hold, the loader raises ConfigError and nothing else.

DEFAULT = ROOT / "model_configs"

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**13), 10**13), st.floats(allow_nan=False),
    st.text(max_size=30), st.sampled_from(["eu-west-1", "111111111111", "bedrock", "dev", "", "*"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(min_size=1, max_size=12), inner, max_size=3)),
    max_leaves=8)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _mutate(data: Any, path: tuple, action: str, value: Any, key: str) -> Any:
    if not path:
        return value if action == "replace" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete" and isinstance(parent, dict):
        del parent[last]
    elif action == "add" and isinstance(parent[last], dict):
        parent[last][key] = value
    return data


def _config_files() -> list[Path]:
    return sorted(p for p in DEFAULT.rglob("*.yaml"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    file_index=st.integers(min_value=0, max_value=100),
    path_index=st.integers(min_value=0, max_value=1000),
    action=st.sampled_from(["replace", "delete", "add"]),
    value=values,
    key=st.text(min_size=1, max_size=12),
)
def test_random_structural_mutations_only_raise_config_error(
    file_index: int, path_index: int, action: str, value: Any, key: str
) -> None:
    files = _config_files()
    target_rel = files[file_index % len(files)].relative_to(DEFAULT)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cfg"
        shutil.copytree(DEFAULT, root)
        yaml = YAML(typ="safe", pure=True)
        target = root / target_rel
        data = yaml.load(target.read_text()) or {}
        paths = _paths(data)
        data = _mutate(data, paths[path_index % len(paths)], action, value, key)
        with target.open("w") as handle:
            yaml.dump(data, handle)
        try:
            load_validated(root)
        except ConfigError as exc:
            assert exc.problems
            assert all(p.location.line >= 1 and p.location.col >= 1 for p in exc.problems)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=200), file_index=st.integers(min_value=0, max_value=100))
def test_random_text_in_a_config_file_only_raises_config_error(text: str, file_index: int) -> None:
    files = _config_files()
    target_rel = files[file_index % len(files)].relative_to(DEFAULT)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cfg"
        shutil.copytree(DEFAULT, root)
        (root / target_rel).write_text(text)
        try:
            load_validated(root)
        except ConfigError as exc:
            assert exc.problems


def test_an_overlay_of_a_model_not_in_the_environment_warns(tmp_path: Path) -> None:
    model = "provider: bedrock\nmodel_id: amazon.nova-lite-v1:0\ncross_region: geo\nenvironments: [prod]\n"
    dev = 'account: "111111111111"\nregion: eu-west-1\nmodels:\n  m: {description: tuned for dev}\n'
    prod = 'account: "222222222222"\nregion: eu-west-1\n'
    loaded = load_validated(write_config(tmp_path, {"models/m.yaml": model, "environments/dev.yaml": dev,
                                                    "environments/prod.yaml": prod}))
    [warning] = [w for w in loaded.warnings if "changes nothing" in w.message]
    assert warning.location.file.name == "dev.yaml" and warning.location.line == 4
    assert warning.hint is not None and "add dev to environments" in warning.hint
