"""`fmkit plan`: table, JSON and Markdown output, and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fmkit.cli.commands import app
from tests.helpers import write_config

NOVA = """
    provider: bedrock
    model_id: amazon.nova-lite-v1:0
    cross_region: geo
    expected_traffic: {requests_per_day: 5000, mean_input_tokens: 1200, mean_output_tokens: 300}
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return write_config(tmp_path, {"models/nova.yaml": NOVA, "environments/prod.yaml": """
        account: "222222222222"
        region: us-east-1
        project: {budget: {monthly_usd: 10}, carbon: {monthly_kg_co2e: 1000}}
    """})


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["plan", *args])
    return result.exit_code, result.stdout, result.stderr


def test_table_lists_every_environment_and_deployment(config_dir: Path) -> None:
    code, out, _ = run("--config-dir", str(config_dir))
    assert code == 0
    assert "dev — eu-west-1" in out and "prod — us-east-1" in out
    assert "nova" in out and "TOTAL" in out and "kg CO2e/month" in out
    assert "OVER BUDGET" in out  # prod: ~$23 against a $10 budget


def test_json_is_machine_readable(config_dir: Path) -> None:
    code, out, _ = run("prod", "--format", "json", "--config-dir", str(config_dir))
    assert code == 0
    doc = json.loads(out)
    assert doc["version"] == 1 and doc["over_budget"] is True
    [env] = doc["environments"]
    assert env["environment"] == "prod" and env["region"] == "us-east-1"
    assert env["total"]["usd_month"]["expected"] == pytest.approx(21.90 + 1.0, abs=0.01)
    assert {b["metric"]: b["exceeded"] for b in env["budgets"]} == {"usd": True, "kg_co2e": False}


def test_markdown_for_pull_requests(config_dir: Path) -> None:
    code, out, _ = run("dev", "-f", "markdown", "--config-dir", str(config_dir))
    assert code == 0
    assert out.startswith("## fmkit plan")
    assert "| deployment | kind | hardware | $/month |" in out
    assert "| nova | bedrock |" in out and "**TOTAL**" in out


def test_fail_over_budget_exits_1_only_when_asked(config_dir: Path) -> None:
    code, _, err = run("prod", "--fail-over-budget", "-f", "json", "--config-dir", str(config_dir))
    assert code == 1 and "prod: expected" in err and "exceeds 10.00" in err
    assert run("dev", "--fail-over-budget", "--config-dir", str(config_dir))[0] == 0  # dev has no budget
    assert run("prod", "-f", "json", "--config-dir", str(config_dir))[0] == 0


def test_carbon_budget_also_fails(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"models/nova.yaml": NOVA, "environments/dev.yaml": """
        account: "111111111111"
        region: eu-west-1
        project: {carbon: {monthly_kg_co2e: 1}}
    """})
    code, _, err = run("--fail-over-budget", "--config-dir", str(config))
    assert code == 1 and "kg CO2e/month exceeds 1.00" in err


def test_unknown_environment_and_bad_config_exit_2(config_dir: Path, tmp_path: Path) -> None:
    code, _, err = run("staging", "--config-dir", str(config_dir))
    assert code == 2 and "unknown environment(s): staging" in err
    broken = write_config(tmp_path / "broken", {"project.yaml": "name: demo\n"})
    assert run("--config-dir", str(broken))[0] == 2
