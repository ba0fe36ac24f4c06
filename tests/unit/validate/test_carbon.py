"""carbon_policy rules: one test per rule id, in warn, enforce and off modes."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.config import ConfigError
from tests.helpers import load
from tests.unit.area_configs.carbon import project

QWEN_G5 = """
    provider: sagemaker
    source: {jumpstart: {model_id: huggingface-llm-qwen2-5-7b-instruct}}
    instance_type: ml.g5.2xlarge
    autoscaling: {min: 1, max: 2}
    expected_traffic: {requests_per_day: 2000, mean_input_tokens: 800, mean_output_tokens: 400}
"""


def test_rule_carbon_graviton_fits(tmp_path: Path) -> None:
    loaded = load(tmp_path / "warn", {"project.yaml": project("{mode: warn}"), "models/qwen.yaml": QWEN_G5})
    [warning] = [w for w in loaded.warnings if w.rule == "carbon-graviton-fits"]
    assert warning.severity == "warning"
    assert warning.location.file.name == "qwen.yaml" and warning.location.line == 3  # the instance_type line
    # A CUDA-only container cannot move to a Graviton SageMaker instance: the advice is the same model on
    # Graviton EC2, as the command that writes it (tests/unit/selection checks that it validates).
    assert "ml.c7g" not in warning.message and "ec2-graviton" in warning.message
    assert "fmkit models add qwen2.5-7b-instruct --as qwen-graviton --provider ec2-graviton" in (warning.hint or "")
    assert "exempt_models" in (warning.hint or "")

    with pytest.raises(ConfigError) as exc:
        load(tmp_path / "enforce", {"project.yaml": project("{mode: enforce}"), "models/qwen.yaml": QWEN_G5})
    assert [p.rule for p in exc.value.problems if p.severity == "error"] == ["carbon-graviton-fits"]

    for policy in ("{mode: off}", "{mode: enforce, exempt_models: [qwen]}", "{mode: enforce, prefer_graviton: false}"):
        quiet = load(tmp_path / str(abs(hash(policy))), {"project.yaml": project(policy), "models/qwen.yaml": QWEN_G5})
        assert not [w for w in quiet.warnings if w.rule == "carbon-graviton-fits"]


def test_rule_carbon_graviton_fits_ignores_loads_graviton_cannot_carry(tmp_path: Path) -> None:
    """100k requests/day x 400 tokens = 463 tok/s: two Graviton instances decode far less."""
    busy = QWEN_G5.replace("requests_per_day: 2000", "requests_per_day: 100000")
    loaded = load(tmp_path, {"project.yaml": project("{mode: enforce}"), "models/busy.yaml": busy})
    assert not [w for w in loaded.warnings if w.rule == "carbon-graviton-fits"]


def test_rule_carbon_grid_intensity(tmp_path: Path) -> None:
    env = """
        account: "111111111111"
        region: us-east-1
    """
    loaded = load(tmp_path / "warn", {"project.yaml": project("{mode: warn, max_grid_g_co2e_per_kwh: 300}"),
                                      "environments/dev.yaml": env})
    [warning] = [w for w in loaded.warnings if w.rule == "carbon-grid-intensity"]
    assert "379" in warning.message and warning.location.file.name == "dev.yaml" and warning.location.line == 2
    assert "us-west-2" in (warning.hint or "") or "lower" in (warning.hint or "")

    with pytest.raises(ConfigError):
        load(tmp_path / "enforce", {"project.yaml": project("{mode: enforce, max_grid_g_co2e_per_kwh: 300}"),
                                    "environments/dev.yaml": env})
    fine = load(tmp_path / "fine", {"project.yaml": project("{mode: enforce, max_grid_g_co2e_per_kwh: 400}"),
                                    "environments/dev.yaml": env})
    assert not [w for w in fine.warnings if w.rule == "carbon-grid-intensity"]
