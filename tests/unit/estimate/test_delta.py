"""`fmkit plan --baseline`: before, after and delta per environment and deployment, by hand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fmkit.catalog import overlay
from fmkit.catalog.instances import hourly_price
from fmkit.cli import app
from fmkit.estimate.model import HOURS_PER_MONTH
from tests.helpers import write_config

runner = CliRunner()
GRAVITON = """
    provider: ec2-graviton
    instance_type: c7g.xlarge
    model:
      hf: {repo: bartowski/SmolLM2-135M-Instruct-GGUF, file: SmolLM2-135M-Instruct-Q8_0.gguf}
      size_gib: 0.2
      quantization: Q8_0
    license_ack: "SmolLM2 is Apache-2.0; test deployment"
    autoscaling: {min: MIN, max: 4}
    expected_traffic: {requests_per_day: 10, mean_input_tokens: 100, mean_output_tokens: 50}
"""
NOVA = """
    provider: bedrock
    model_id: amazon.nova-lite-v1:0
    cross_region: geo
    expected_traffic: {requests_per_day: 1000, mean_input_tokens: 500, mean_output_tokens: 200}
"""


@pytest.fixture(autouse=True)
def shipped_catalog() -> Iterator[None]:
    yield
    overlay.activate(overlay.EMPTY)


def configs(tmp_path: Path) -> tuple[Path, Path]:
    base = write_config(tmp_path / "base", {"models/small.yaml": GRAVITON.replace("MIN", "1")})
    head = write_config(tmp_path / "head", {"models/small.yaml": GRAVITON.replace("MIN", "2"),
                                            "models/nova.yaml": NOVA})
    return base, head


def plan_json(head: Path, base: Path) -> Any:
    result = runner.invoke(app, ["plan", "--baseline", str(base), "-f", "json", "--config-dir", str(head)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_one_more_instance_costs_its_hours(tmp_path: Path) -> None:
    """min 1 → 2 at negligible load: one more c7g.xlarge all month (the load balancer is unchanged)."""
    base, head = configs(tmp_path)
    data = plan_json(head, base)
    [dev] = data["environments"]
    small = next(i for i in dev["items"] if i["name"] == "small")
    price = hourly_price("c7g.xlarge", "eu-west-1")
    assert price is not None
    assert small["status"] == "changed"
    assert small["usd_month"]["delta"] == pytest.approx(round(price * HOURS_PER_MONTH, 2), abs=0.01)
    assert small["kg_co2e_month"]["delta"] > 0


def test_added_lines_count_whole_and_deltas_add_up(tmp_path: Path) -> None:
    base, head = configs(tmp_path)
    data = plan_json(head, base)
    [dev] = data["environments"]
    nova = next(i for i in dev["items"] if i["name"] == "nova")
    assert nova["status"] == "added" and nova["usd_month"]["before"] == 0
    assert nova["usd_month"]["delta"] == nova["usd_month"]["after"] > 0
    items_delta = sum(i["usd_month"]["delta"] for i in dev["items"])
    assert dev["usd_month"]["delta"] == pytest.approx(items_delta, abs=0.02)
    assert data["delta"]["usd_month"] == dev["usd_month"]["delta"]


def test_markdown_is_one_updatable_comment(tmp_path: Path) -> None:
    base, head = configs(tmp_path)
    result = runner.invoke(app, ["plan", "--baseline", str(base), "-f", "markdown", "--config-dir", str(head)])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("<!-- fmkit-plan-delta -->\n## fmkit plan")
    assert "| 🆕 nova |" in text and "| small |" in text and "| **dev** |" in text


def test_a_baseline_that_does_not_validate_exits_2(tmp_path: Path) -> None:
    base, head = configs(tmp_path)
    (base / "project.yaml").write_text("name: Bad Name\n")
    result = runner.invoke(app, ["plan", "--baseline", str(base), "--config-dir", str(head)])
    assert result.exit_code == 2 and "baseline config" in result.output
