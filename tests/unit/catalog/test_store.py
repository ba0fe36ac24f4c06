"""Every shipped catalog parses, names its source and carries an ISO retrieval date."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import pytest

from fmkit.catalog.refresh import dumps_catalog

DATA = resources.files("fmkit.catalog").joinpath("data")
FILES = sorted(p.name for p in DATA.iterdir() if p.name.endswith(".json"))


def test_expected_catalogs_are_shipped() -> None:
    for name in (
        "regions.json",
        "bedrock_models.json",
        "ec2_instances.json",
        "sagemaker_instances.json",
        "jumpstart_models.json",
        "carbon.json",
        "throughput.json",
        "service_prices.json",
    ):
        assert name in FILES


@pytest.mark.parametrize("name", FILES)
def test_catalog_has_source_and_retrieved(name: str) -> None:
    data = json.loads(DATA.joinpath(name).read_text(encoding="utf-8"))
    assert isinstance(data["source"], str) and len(data["source"]) > 10
    assert dt.date.fromisoformat(data["retrieved"]) <= dt.date.today()  # a date, and not a future one


@pytest.mark.parametrize("name", FILES)
def test_catalog_is_stably_formatted(name: str) -> None:
    """Refresh scripts write sorted keys; a hand edit that breaks the order would make noisy diffs."""
    text = DATA.joinpath(name).read_text(encoding="utf-8")
    assert text == dumps_catalog(json.loads(text)), "rewrite with fmkit.catalog.refresh.dumps_catalog"
