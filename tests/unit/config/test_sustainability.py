"""Carbon policy and sustainability config: field checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.config import ConfigError
from tests.helpers import load
from tests.unit.area_configs.carbon import project


def test_carbon_policy_threshold_is_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load(tmp_path, {"project.yaml": project("{mode: warn, max_grid_g_co2e_per_kwh: -1}")})
    assert "max_grid_g_co2e_per_kwh" in str(exc.value.problems[0].message)


def test_sustainability_export_name_is_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        text = project("{mode: warn}") + "    sustainability: {enabled: true, export_name: 'a b'}\n"
        load(tmp_path, {"project.yaml": text})
    assert "export name" in exc.value.problems[0].message
