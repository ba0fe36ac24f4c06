"""model-license-allows-usage: the license of every deployment's model against project.usage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fmkit.catalog import overlay
from fmkit.config import ConfigError
from fmkit.config.errors import ConfigProblem
from fmkit.validate import load_validated
from tests.helpers import write_config

AYA = """
    provider: ec2-graviton
    instance_type: m7g.xlarge
    model:
      hf: {repo: bartowski/aya-expanse-8b-GGUF, file: aya-expanse-8b-Q4_K_M.gguf, revision: main}
      size_gib: 4.9
      quantization: Q4_K_M
"""
LLAMA = """
    provider: bedrock
    model_id: meta.llama3-1-8b-instruct-v1:0
    cross_region: geo
"""
ACK = '    license_ack: "Llama 3.1 license: far under 700M MAU; AUP reviewed by legal"\n'


@pytest.fixture(autouse=True)
def shipped_catalog() -> Iterator[None]:
    yield
    overlay.activate(overlay.EMPTY)


def findings(tmp_path: Path, files: dict[str, str | None]) -> tuple[list[ConfigProblem], list[ConfigProblem]]:
    """(errors, warnings) of rule model-license-allows-usage."""
    root = write_config(tmp_path, files)
    try:
        loaded = load_validated(root)
        errors, warnings = [], loaded.warnings
    except ConfigError as exc:
        errors = [p for p in exc.problems if p.severity == "error"]
        warnings = [p for p in exc.problems if p.severity == "warning"]
    rule = "model-license-allows-usage"
    return [p for p in errors if p.rule == rule], [p for p in warnings if p.rule == rule]


def test_rule_model_license_allows_usage_rejects_non_commercial(tmp_path: Path) -> None:
    errors, _ = findings(tmp_path, {"models/aya.yaml": AYA})
    [error] = errors
    assert error.location.file.name == "aya.yaml" and error.location.line == 4  # model.hf.repo
    assert "CC-BY-NC-4.0" in error.message and "creativecommons.org" in error.message
    assert "does not allow commercial use" in error.message
    assert error.hint is not None and "fmkit models --commercial" in error.hint


def test_internal_use_is_still_commercial_for_a_non_commercial_license(tmp_path: Path) -> None:
    project = "name: demo\nowner: team@example.com\ncost_center: CC-1\nusage: internal\n"
    errors, _ = findings(tmp_path, {"project.yaml": project, "models/aya.yaml": AYA})
    assert errors and "does not allow internal use" in errors[0].message


def test_research_projects_may_use_non_commercial_models(tmp_path: Path) -> None:
    project = "name: demo\nowner: team@example.com\ncost_center: CC-1\nusage: research\n"
    errors, warnings = findings(tmp_path, {"project.yaml": project, "models/aya.yaml": AYA})
    assert errors == [] and warnings == []


def test_restricted_license_warns_until_acknowledged(tmp_path: Path) -> None:
    errors, warnings = findings(tmp_path / "a", {"models/llama.yaml": LLAMA})
    assert errors == []
    [warning] = warnings
    assert "Llama 3.1 Community License" in warning.message and "700" in warning.message
    assert warning.hint is not None and "license_ack" in warning.hint
    errors, warnings = findings(tmp_path / "b", {"models/llama.yaml": LLAMA + ACK})
    assert errors == [] and warnings == []


def test_a_model_without_a_card_warns_with_the_way_forward(tmp_path: Path) -> None:
    container = """
        provider: sagemaker
        source: {container: {framework: tgi, hf_model_id: acme/private-model}}
        instance_type: ml.g5.xlarge
    """
    _, warnings = findings(tmp_path, {"models/private.yaml": container})
    [warning] = warnings
    assert "no license for 'acme/private-model'" in warning.message
    assert warning.hint is not None and "license_ack" in warning.hint and "model_configs/catalog/" in warning.hint


def test_a_catalog_overlay_card_decides_the_license(tmp_path: Path) -> None:
    card = """
        name: Private Model
        vendor: Acme
        task: chat
        license: Acme Research License
        license_url: https://acme.example/license
        commercial_use: not_allowed
        params_billion: 7
        context_window: 8192
        modalities: {input: [text], output: [text]}
        providers:
          ec2-graviton: {repo: acme/private-GGUF, files: {Q4_0: {file: private-Q4_0.gguf}}}
        sources: {license: https://acme.example/license, params: x, context_window: x, modalities: x, languages: null}
        retrieved: "2026-11-27"
    """
    graviton = AYA.replace("bartowski/aya-expanse-8b-GGUF", "acme/private-GGUF").replace(
        "aya-expanse-8b-Q4_K_M.gguf", "private-Q4_0.gguf")
    errors, _ = findings(tmp_path, {"catalog/private-model.yaml": card, "models/private.yaml": graviton})
    assert errors and "Acme Research License" in errors[0].message
