from __future__ import annotations

import pytest

from fmkit.catalog import bedrock, carbon, instances
from fmkit.catalog.regions import all_regions


def test_ccf_constants() -> None:
    assert carbon.pue() == 1.135
    assert carbon.memory_kwh_per_gb_hour() == 0.000392
    assert carbon.default_utilisation() == 0.5
    assert carbon.processor_watts("graviton2") == (0.47, 1.69)
    assert carbon.processor_watts("cascade-lake") == (0.64, 3.97)
    assert carbon.gpu_watts("A10G") == (18, 153)
    assert carbon.grid_factor("eu-north-1") == pytest.approx(0.0000088)
    assert carbon.grid_factor("us-east-1") == pytest.approx(0.000379069)


def test_graviton3_and_4_are_explicit_and_better_than_graviton2_and_unknown() -> None:
    unknown = carbon.processor_watts("unknown")
    for proc in ("graviton3", "graviton3e", "graviton4"):
        lo, hi = carbon.processor_watts(proc)
        assert (lo, hi) != unknown
        assert hi <= carbon.processor_watts("graviton2")[1] * 1.05
    rows = {s.key: s for s in carbon.coefficient_sources()}
    assert rows["processor:graviton3"].assumption and "60%" in rows["processor:graviton3"].assumption


def test_every_processor_and_gpu_in_instance_catalogs_has_coefficients() -> None:
    for kind in ("ec2", "sagemaker"):
        for spec in instances.all_instances(kind).values():
            lo, hi = carbon.processor_watts(spec.processor)
            assert 0 < lo < hi
            if spec.gpu_model:
                idle, peak = carbon.gpu_watts(spec.gpu_model)
                assert 0 < idle < peak
            if spec.accelerator in ("inferentia2", "trainium"):
                carbon.gpu_watts(spec.accelerator)
            emb = carbon.embodied_family(spec.family)
            assert emb is not None, spec.family
            assert emb[1] >= spec.vcpus


def test_required_gpus() -> None:
    for gpu in ("T4", "A10G", "L4", "L40S", "A100", "H100", "inferentia2", "trainium"):
        idle, peak = carbon.gpu_watts(gpu)
        assert 0 < idle < peak


def test_grid_factor_for_every_region() -> None:
    for region in all_regions():
        assert 0 < carbon.grid_factor(region) < 0.002
    assert carbon.is_grid_factor_extrapolated("ca-west-1")
    assert not carbon.is_grid_factor_extrapolated("us-east-1")


def test_unknown_keys_raise() -> None:
    with pytest.raises(KeyError):
        carbon.processor_watts("pentium")
    with pytest.raises(KeyError):
        carbon.gpu_watts("voodoo2")
    with pytest.raises(KeyError):
        carbon.grid_factor("mars-1")
    assert carbon.embodied_family("zz9") is None


def test_embodied_values() -> None:
    assert carbon.embodied_family("c6g") == (pytest.approx(1.15546), 64)
    assert carbon.embodied_family("g5") == (pytest.approx(3.434), 192)


def test_bedrock_energy_by_size_class() -> None:
    small = carbon.bedrock_wh_per_1k_tokens("amazon.nova-micro-v1:0")
    large = carbon.bedrock_wh_per_1k_tokens("anthropic.claude-sonnet-4-20250514-v1:0")
    emb = carbon.bedrock_wh_per_1k_tokens("amazon.titan-embed-text-v2:0")
    assert emb < small < large
    assert carbon.bedrock_wh_per_1k_tokens("us.anthropic.claude-sonnet-4-20250514-v1:0") == large
    assert carbon.bedrock_wh_per_1k_tokens("unknown.model") == large
    for m in bedrock.all_models().values():
        assert carbon.bedrock_wh_per_1k_tokens(m.model_id) > 0


def test_coefficient_sources_cover_everything() -> None:
    keys = {s.key for s in carbon.coefficient_sources()}
    assert {"pue", "memory_kwh_per_gb_hour", "bedrock_wh_per_1k_tokens", "grid:eu-west-1", "gpu:H100"} <= keys
    assert all(s.source for s in carbon.coefficient_sources())
