from __future__ import annotations

import pytest

from fmkit.catalog import instances

PRICED = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "eu-north-1", "ap-northeast-1"]


def test_required_families_present() -> None:
    ec2 = instances.all_instances("ec2")
    families = [
        "c6g",
        "m6g",
        "r6g",
        "c7g",
        "m7g",
        "r7g",
        "c7gn",
        "c8g",
        "m8g",
        "r8g",
        "c5",
        "m5",
        "c6i",
        "m6i",
        "r6i",
        "c7i",
        "m7i",
        "r7i",
        "c6a",
        "m6a",
        "c7a",
    ]
    for fam in families:
        for size in ("large", "xlarge", "4xlarge"):
            assert f"{fam}.{size}" in ec2
    for name in (
        "g4dn.xlarge",
        "g5.xlarge",
        "g6.xlarge",
        "g6e.xlarge",
        "p4d.24xlarge",
        "p5.48xlarge",
        "inf2.xlarge",
    ):
        assert name in ec2
    sm = instances.all_instances("sagemaker")
    for name in (
        "ml.c7g.xlarge",
        "ml.m7g.large",
        "ml.r7g.2xlarge",
        "ml.g5.xlarge",
        "ml.g6e.xlarge",
        "ml.p5.48xlarge",
        "ml.inf2.xlarge",
        "ml.c6i.xlarge",
        "ml.m5.xlarge",
    ):
        assert name in sm


def test_get_instance_both_kinds() -> None:
    c7g = instances.get_instance("c7g.xlarge")
    assert c7g is not None and c7g.vcpus == 4 and c7g.memory_gib == 8 and c7g.arch == "arm64"
    assert c7g.processor == "graviton3" and c7g.family == "c7g" and c7g.accelerator == "none"
    g5 = instances.get_instance("ml.g5.xlarge")
    assert g5 is not None and g5.gpus == 1 and g5.gpu_model == "A10G" and g5.gpu_memory_gib == 24
    assert g5.accelerator == "gpu:A10G" and g5.is_sagemaker
    assert instances.get_instance("ml.c7g.xlarge") != instances.get_instance("c7g.xlarge")
    assert instances.get_instance("nope.large") is None


def test_gpu_memory_matches_sagemaker_core_where_listed() -> None:
    assert instances.get_instance("ml.g5.12xlarge").gpu_memory_gib == 96  # type: ignore[union-attr]
    assert instances.get_instance("ml.p4d.24xlarge").gpus == 8  # type: ignore[union-attr]
    assert instances.get_instance("ml.p5.48xlarge").gpu_memory_gib == 640  # type: ignore[union-attr]


def test_prices_in_required_regions() -> None:
    for kind in ("ec2", "sagemaker"):
        for spec in instances.all_instances(kind).values():
            for region in PRICED:
                if region in spec.regions:
                    price = instances.hourly_price(spec.name, region)
                    assert price is not None and price > 0, (spec.name, region)


def test_hourly_price_lookup() -> None:
    assert instances.hourly_price("c7g.xlarge", "us-east-1") == pytest.approx(0.145)
    assert instances.hourly_price("ml.g5.xlarge", "us-east-1") == pytest.approx(1.408)
    assert instances.hourly_price("c7g.xlarge", "af-south-1") is None
    assert instances.hourly_price("nope", "us-east-1") is None
    # SageMaker hosting costs more than the same EC2 capacity.
    assert instances.hourly_price("ml.c7g.xlarge", "us-east-1") > instances.hourly_price(  # type: ignore[operator]
        "c7g.xlarge", "us-east-1"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("c7g.xlarge", True),
        ("c8g.48xlarge", True),  # uncatalogued size: naming rule
        ("ml.m7g.large", True),
        ("c7gn.2xlarge", True),
        ("r6g.large", True),
        ("x2gd.large", True),
        ("c7i.xlarge", False),
        ("g5.xlarge", False),
        ("g6e.xlarge", False),
        ("p5.48xlarge", False),
        ("inf2.xlarge", False),
        ("ml.g5.xlarge", False),
    ],
)
def test_is_graviton(name: str, expected: bool) -> None:
    assert instances.is_graviton(name) is expected


def test_suggestions() -> None:
    assert instances.suggest_instance_types("c7g.xlarg")[0] == "c7g.xlarge"
    assert all(s.startswith("ml.") for s in instances.suggest_instance_types("ml.g5.xlarg"))


def test_bad_kind() -> None:
    with pytest.raises(ValueError):
        instances.all_instances("rds")  # type: ignore[arg-type]
