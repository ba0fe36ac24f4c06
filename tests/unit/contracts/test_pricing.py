"""Price models: the CLI's `--price NAME=SPEC` syntax."""

from __future__ import annotations

import pytest

from fmkit.contracts.pricing import InstancePricing, TokenPricing, parse_price


def test_parse_price() -> None:
    assert parse_price("tokens:0.0008,0.0032") == TokenPricing(input_per_1k=0.0008, output_per_1k=0.0032)
    assert parse_price("hourly:1.36") == InstancePricing(per_hour=1.36)
    assert parse_price("hourly:1.36x3") == InstancePricing(per_hour=1.36, instances=3)
    for bad in ("tokens:1", "hourly:-1", "monthly:3", "hourly:abc"):
        with pytest.raises(ValueError):
            parse_price(bad)
