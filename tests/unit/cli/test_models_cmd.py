"""`fmkit models`: filters, sorting, JSON shape, `show`, and `add` (kept only when the config validates)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fmkit.catalog import overlay
from fmkit.cli import app

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()
JSON_KEYS = {"id", "provider", "license", "license_url", "commercial_use", "params_billion", "context_window",
             "modalities", "customization", "regions", "usd_month", "kg_co2e_month"}


@pytest.fixture(autouse=True)
def shipped_catalog() -> Iterator[None]:
    yield
    overlay.activate(overlay.EMPTY)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    target = tmp_path / "model_configs"
    shutil.copytree(ROOT / "model_configs", target)
    return target


def rows(*args: str, config_dir: Path | None = None) -> list[dict[str, Any]]:
    command = ["models", *args, "--format", "json", "--config-dir", str(config_dir or ROOT / "model_configs")]
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    data: list[dict[str, Any]] = json.loads(result.output)
    return data


def test_json_rows_have_every_factor() -> None:
    data = rows("--traffic", "1000:500:200")
    assert len(data) >= 30
    for row in data:
        assert set(row) >= JSON_KEYS, row["id"]
    assert {row["provider"] for row in data} == {"bedrock", "sagemaker", "ec2-graviton"}


def test_the_question_from_the_issue() -> None:
    """Commercial use, eu-west-1, 100k context, priced in eu-west-1."""
    data = rows("--region", "eu-west-1", "--commercial", "--min-context", "100000")
    assert data
    for row in data:
        assert row["commercial_use"] in ("allowed", "restricted")
        assert row["context_window"] >= 100_000
        assert "eu-west-1" in row["regions"]


@pytest.mark.parametrize(("args", "check"), [
    (("--task", "embedding"), lambda r: r["task"] == "embedding"),
    (("--provider", "ec2-graviton"), lambda r: r["provider"] == "ec2-graviton"),
    (("--max-params", "4"), lambda r: r["params_billion"] is not None and r["params_billion"] <= 4),
    (("--customization", "bedrock-fine-tuning"),
     lambda r: any(c["kind"] == "bedrock-fine-tuning" for c in r["customization"])),
    (("--max-usd-month", "50"), lambda r: r["usd_month"] is not None and r["usd_month"] <= 50),
])
def test_filters(args: tuple[str, ...], check: Any) -> None:
    data = rows(*args)
    assert data and all(check(row) for row in data)


def test_non_commercial_models_are_listed_unless_asked_for_commercial_use() -> None:
    assert any(r["commercial_use"] == "not_allowed" for r in rows())
    assert not any(r["commercial_use"] == "not_allowed" for r in rows("--commercial"))


@pytest.mark.parametrize(("sort", "key", "descending"), [
    ("usd", "usd_month", False), ("co2", "kg_co2e_month", False), ("context", "context_window", True),
    ("params", "params_billion", False)])
def test_sorting(sort: str, key: str, descending: bool) -> None:
    values = [r[key] for r in rows("--sort", sort) if r[key] is not None]
    assert values == sorted(values, reverse=descending)


def test_latency_sort_puts_the_fastest_first() -> None:
    speeds = [r["latency"]["output_tokens_per_s"] for r in rows("--sort", "latency")
              if r["latency"] and r["latency"]["output_tokens_per_s"] is not None]
    assert speeds == sorted(speeds, reverse=True)


def test_traffic_changes_the_price_of_token_priced_models() -> None:
    low = {(r["id"], r["provider"]): r["usd_month"] for r in rows("--provider", "bedrock", "--traffic", "100:500:200")}
    high = {(r["id"], r["provider"]): r["usd_month"]
            for r in rows("--provider", "bedrock", "--traffic", "10000:500:200")}
    priced = [k for k in low if low[k] is not None and high[k] is not None]
    assert priced and all(high[k] > low[k] for k in priced)


def test_bad_traffic_exits_2() -> None:
    result = runner.invoke(app, ["models", "--traffic", "lots", "--config-dir", str(ROOT / "model_configs")])
    assert result.exit_code == 2 and "REQ_PER_DAY:IN_TOKENS:OUT_TOKENS" in result.output


def test_show_gives_every_fact_with_its_source() -> None:
    result = runner.invoke(app, ["models", "show", "llama-3.2-3b-instruct", "--config-dir",
                                 str(ROOT / "model_configs")])
    assert result.exit_code == 0, result.output
    for words in ("Llama 3.2 Community License", "restricted", "131072", "github.com/meta-llama"):
        assert words in result.output


def test_add_writes_a_valid_deployment(config: Path) -> None:
    result = runner.invoke(app, ["models", "add", "qwen2.5-7b-instruct", "--as", "qwen-arm", "--provider",
                                 "ec2-graviton", "--env", "dev", "--config-dir", str(config)])
    assert result.exit_code == 0, result.output
    text = (config / "models" / "qwen-arm.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../schemas/model.schema.json")
    assert "provider: ec2-graviton" in text and "Qwen2.5-7B-Instruct-Q4_0.gguf" in text and "- dev" in text


def test_add_needs_a_provider_when_the_id_has_several(config: Path) -> None:
    result = runner.invoke(app, ["models", "add", "qwen2.5-7b-instruct", "--as", "q", "--config-dir", str(config)])
    assert result.exit_code == 2
    assert "several providers: sagemaker, ec2-graviton" in result.output
    assert not (config / "models" / "q.yaml").exists()


def test_add_refuses_a_non_commercial_model_and_keeps_nothing(config: Path) -> None:
    result = runner.invoke(app, ["models", "add", "aya-expanse-8b", "--as", "aya", "--config-dir", str(config)])
    assert result.exit_code == 2
    assert "CC-BY-NC-4.0" in result.output and "does not allow commercial use" in result.output
    assert not (config / "models" / "aya.yaml").exists()


@pytest.mark.parametrize(("args", "words"), [
    (("nope-model", "--as", "x"), "is not in fmkit's catalog"),
    (("amazon-nova-lite", "--as", "nova-lite"), "already exists"),
    (("amazon-nova-lite", "--as", "Bad_Name"), "not a deployment name"),
    (("amazon-nova-lite", "--as", "x", "--provider", "sagemaker"), "not offered on sagemaker"),
    (("llama-3.2-3b-instruct", "--as", "x", "--provider", "sagemaker"), "--accept-eula"),
])
def test_add_refusals_exit_2_with_the_reason(config: Path, args: tuple[str, ...], words: str) -> None:
    result = runner.invoke(app, ["models", "add", *args, "--config-dir", str(config)])
    assert result.exit_code == 2 and words in result.output, result.output


def test_add_a_bedrock_model_by_its_provider_id(config: Path) -> None:
    result = runner.invoke(app, ["models", "add", "amazon.nova-pro-v1:0", "--as", "pro", "--config-dir", str(config)])
    assert result.exit_code == 0, result.output
    text = (config / "models" / "pro.yaml").read_text()
    assert "model_id: amazon.nova-pro-v1:0" in text and "cross_region: geo" in text
