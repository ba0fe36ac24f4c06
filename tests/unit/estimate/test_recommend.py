"""Recommendations never propose an instance the model does not fit (property-tested), and do save CO2e."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fmkit.catalog.instances import all_instances, get_instance
from fmkit.catalog.throughput import tokens_per_second
from fmkit.estimate.cost import InstanceLoad, batch_factor
from fmkit.estimate.model import Range
from fmkit.estimate.recommend import MIN_TOKENS_PER_SECOND, recommend_instance

# Bytes per parameter by quantization (throughput catalog) and its fit rules, restated independently.
BYTES = {"q4_0": 0.5625, "fp16": 2.0, "bf16": 2.0, "int8": 1.0}
REGIONS = ["us-east-1", "eu-west-1", "eu-central-1", "ap-northeast-1"]
NON_GRAVITON = sorted(
    name for kind in ("ec2", "sagemaker") for name, spec in all_instances(kind).items()
    if not spec.is_graviton
)


def weights_fit(instance_type: str, params_billion: float, quant: str | None) -> bool:
    spec = get_instance(instance_type)
    assert spec is not None
    if spec.gpus:
        return params_billion * BYTES[quant or "fp16"] <= 0.9 * spec.gpu_memory_gib
    if spec.accelerator == "inferentia2":
        return params_billion * BYTES[quant or "bf16"] <= 0.9 * spec.accelerator_memory_gib
    return params_billion * BYTES[quant or "q4_0"] + 2.0 <= spec.memory_gib


loads = st.builds(
    lambda lo, extra, params, quant, demand: InstanceLoad(
        ((lo, lo + extra, 1.0),), None if demand is None else Range.spread(demand, 0.5), params, quant),
    st.integers(0, 3), st.integers(0, 4), st.floats(0.1, 200.0), st.sampled_from([None, "fp16", "int8"]),
    st.one_of(st.none(), st.floats(0.0, 500.0)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance_type=st.sampled_from(NON_GRAVITON), region=st.sampled_from(REGIONS), load=loads)
def test_recommended_instance_always_fits_the_model(instance_type: str, region: str, load: InstanceLoad) -> None:
    rec = recommend_instance("m", "sagemaker", instance_type, region, load)
    if rec is None:
        return
    proposed = get_instance(rec.proposed)
    assert proposed is not None and region in proposed.regions
    quant = "q4_0" if proposed.is_graviton else load.quantization
    assert load.params_billion is not None and weights_fit(rec.proposed, load.params_billion, quant)
    assert rec.kg_co2e_delta < 0
    speed = tokens_per_second(rec.proposed, load.params_billion, quant)
    assert speed is not None and speed.expected >= MIN_TOKENS_PER_SECOND
    if load.demand_tps is not None:  # its maximum size covers the expected load
        assert speed.expected * batch_factor(proposed) * (load.profile[0][1]) >= load.demand_tps.expected


@settings(max_examples=60, deadline=None)
@given(instance_type=st.sampled_from(NON_GRAVITON), region=st.sampled_from(REGIONS))
def test_no_recommendation_when_model_size_is_unknown(instance_type: str, region: str) -> None:
    assert recommend_instance("m", "sagemaker", instance_type, region, InstanceLoad(((1, 2, 1.0),))) is None


def test_70b_model_gets_no_graviton_alternative() -> None:
    """70B at Q4_0 needs 41 GB; Graviton sizes with that memory decode under 5 tok/s single-stream."""
    load = InstanceLoad(((1, 1, 1.0),), params_billion=70.0)
    rec = recommend_instance("m", "sagemaker", "ml.g5.48xlarge", "us-east-1", load)
    assert rec is None or not get_instance(rec.proposed).is_graviton  # type: ignore[union-attr]
    assert MIN_TOKENS_PER_SECOND == 5.0


def test_7b_on_g5_gets_a_cheaper_greener_graviton() -> None:
    load = InstanceLoad(((1, 2, 1.0),), Range.spread(5.0, 0.5), 7.6, None)
    rec = recommend_instance("qwen", "sagemaker", "ml.g5.2xlarge", "us-east-1", load)
    assert rec is not None and rec.proposed == "ml.c7g.2xlarge"
    assert rec.usd_delta < 0 and rec.kg_co2e_delta < 0
    assert "Q4_0" in rec.reason


def test_smaller_gpu_when_graviton_cannot_carry_the_load() -> None:
    """150 tok/s of a 7B model: two Graviton instances cannot serve it, one smaller A10G size can."""
    load = InstanceLoad(((1, 2, 1.0),), Range.spread(150.0, 0.5), 7.0, None)
    rec = recommend_instance("m", "sagemaker", "ml.g5.4xlarge", "us-east-1", load)
    assert rec is not None and rec.proposed == "ml.g5.xlarge" and rec.kg_co2e_delta < 0
    assert recommend_instance("m", "sagemaker", "ml.g5.4xlarge", "us-east-1", load, graviton_only=True) is None
