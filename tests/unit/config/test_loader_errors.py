"""Bad input → exit 2 with `file:line:col: message — hint`, never a traceback.

Each case writes a small config dir, runs `fmkit validate` in-process and asserts the
exit code, the exact location and the message (and the hint where one is promised).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fmkit.cli import app
from tests.helpers import write_config

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
