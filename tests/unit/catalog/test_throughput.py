from __future__ import annotations

import pytest

from fmkit.catalog.throughput import tokens_per_second


def test_calibrated_graviton_points_match_published_ranges() -> None:
    g3 = tokens_per_second("c7g.16xlarge", 8.03, "Q4_0")
    assert g3 is not None and g3.expected >= 10  # Arm: meets 100 ms next-token latency
    g4_70b = tokens_per_second("c8g.16xlarge", 70.6, "Q4_0")
    assert g4_70b is not None and g4_70b.low <= 10 and g4_70b.high >= 5  # Arm: 5-10 tok/s
    assert g4_70b.low < g4_70b.expected < g4_70b.high
    assert "Arm Community" in g4_70b.source


def test_interpolates_by_model_size_and_instance_size() -> None:
    small = tokens_per_second("c8g.16xlarge", 3, "q4_0")
    big = tokens_per_second("c8g.16xlarge", 8, "q4_0")
    assert small is not None and big is not None
    assert small.expected == pytest.approx(big.expected * 8 / 3, rel=1e-3)
    xl = tokens_per_second("c8g.4xlarge", 8, "q4_0")
    assert xl is not None and xl.expected < big.expected
    assert tokens_per_second("c8g.16xlarge", 8, "q8_0").expected < big.expected  # type: ignore[union-attr]


def test_graviton4_faster_than_graviton3() -> None:
    g3 = tokens_per_second("c7g.16xlarge", 8, None)
    g4 = tokens_per_second("c8g.16xlarge", 8, None)
    assert g3 and g4 and g4.expected > g3.expected


def test_gpu_defaults_to_fp16_and_checks_fit() -> None:
    a10g = tokens_per_second("ml.g5.xlarge", 8, None)
    assert a10g is not None and 15 < a10g.expected < 45
    assert tokens_per_second("g4dn.xlarge", 8, "fp16") is None  # 16 GB of weights on a 16 GB T4
    assert tokens_per_second("g4dn.xlarge", 8, "awq") is not None
    assert tokens_per_second("ml.g5.12xlarge", 70, "fp16") is None
    assert tokens_per_second("p4d.24xlarge", 70, "bf16") is not None


def test_unknowns() -> None:
    assert tokens_per_second("nope.large", 8, None) is None
    assert tokens_per_second("c7g.large", 8, None) is None  # 4.5 GB weights in 4 GiB RAM
    with pytest.raises(KeyError):
        tokens_per_second("c7g.16xlarge", 8, "q3_wat")
