"""Estimator vs hand-computed references: literal CCF coefficients, prices and formulas written out.

Coefficients (carbon.json): PUE 1.135, memory 0.000392 kWh/GB-h, utilisation 50%, lifespan 35,040 h.
"""

from __future__ import annotations

import pytest

from fmkit.config.deployments import GravitonDeployment, SageMakerDeployment
from fmkit.estimate import carbon, cost, fields, services
from fmkit.estimate.cost import InstanceLoad
from fmkit.estimate.model import Range

H = 730.0  # hours per month
ALWAYS_ONE = ((1, 1, 1.0),)


def approx(value: float) -> object:
    return pytest.approx(value, rel=1e-6)


def test_x86_cpu_c6i_xlarge_eu_west_1() -> None:
    """Ice Lake 0.6/3.73 W per vCPU, 4 vCPU, 8 GiB; eu-west-1 278.6 g/kWh, $0.1904/h; c6i host 1,433.12 kg/128 vCPU."""
    est = cost.self_hosted("m", "sagemaker", "c6i.xlarge", "eu-west-1", InstanceLoad(ALWAYS_ONE))
    kwh = 1.135 * H * (4 * (0.6 + 0.5 * (3.73 - 0.6)) / 1000 + 8 * 0.000392)
    assert est.footprint.kwh.expected == approx(kwh)  # ≈ 9.774 kWh
    assert est.footprint.kg_operational.expected == approx(kwh * 0.0002786 * 1000)
    assert est.footprint.kg_embodied.expected == approx(1433.12 * H / 35040 * 4 / 128)
    assert est.footprint.usd.expected == approx(H * 0.1904)
    assert (est.arch, est.accelerator) == ("x86_64", "none")


def test_graviton3_c7g_xlarge_us_east_1() -> None:
    """Graviton3 0.26/1.59 W per vCPU (fmkit assumption), c7g host 1,155.46 kg/64 vCPU, us-east-1 379.069 g/kWh."""
    est = cost.self_hosted("m", "ec2-graviton", "c7g.xlarge", "us-east-1", InstanceLoad(ALWAYS_ONE))
    kwh = 1.135 * H * (4 * (0.26 + 0.5 * (1.59 - 0.26)) / 1000 + 8 * 0.000392)
    assert est.footprint.kwh.expected == approx(kwh)  # ≈ 5.664 kWh
    assert est.footprint.kg_operational.expected == approx(kwh * 0.000379069 * 1000)
    assert est.footprint.kg_embodied.expected == approx(1155.46 * H / 35040 * 4 / 64)
    assert est.footprint.usd.expected == approx(H * 0.145)
    assert est.arch == "arm64"


def test_graviton_with_load_balancer_adds_alb_hours() -> None:
    est = cost.self_hosted("m", "ec2-graviton", "c7g.xlarge", "us-east-1", InstanceLoad(ALWAYS_ONE),
                           with_load_balancer=True)
    assert est.footprint.usd.expected == approx(H * 0.145 + H * 0.0225)


def test_gpu_g5_xlarge_us_east_1() -> None:
    """EPYC 2nd gen 0.47/1.69 W per vCPU + one A10G 18/153 W + 16 GiB; g5 host 3,434 kg/192 vCPU."""
    est = cost.self_hosted("m", "sagemaker", "g5.xlarge", "us-east-1", InstanceLoad(ALWAYS_ONE))
    kw = 4 * (0.47 + 0.5 * (1.69 - 0.47)) / 1000 + (18 + 0.5 * (153 - 18)) / 1000 + 16 * 0.000392
    assert est.footprint.kwh.expected == approx(1.135 * H * kw)  # ≈ 79.6 kWh
    assert est.footprint.kg_embodied.expected == approx(3434 * H / 35040 * 4 / 192)
    assert est.accelerator == "gpu-a10g"


def test_inferentia2_counts_neuron_chip_power() -> None:
    """EPYC 3rd gen 0.45/2.02 W per vCPU + one Inferentia2 chip 20/175 W (fmkit assumption) + 16 GiB."""
    est = cost.self_hosted("m", "sagemaker", "inf2.xlarge", "us-east-1", InstanceLoad(ALWAYS_ONE))
    kw = 4 * (0.45 + 0.5 * (2.02 - 0.45)) / 1000 + (20 + 0.5 * (175 - 20)) / 1000 + 16 * 0.000392
    assert est.footprint.kwh.expected == approx(1.135 * H * kw)
    assert est.accelerator == "inferentia2"


def test_gpu_hours_follow_load_and_cost_per_million_tokens() -> None:
    """7B fp16 on one A10G: 600 GB/s x 0.75 / 14 GB = 32.14 tok/s single stream, x4 batching = 128.6 tok/s."""
    capacity = 32.14 * 4  # the throughput catalog rounds tokens/s to 0.01
    load = InstanceLoad(((1, 4, 1.0),), demand_tps=Range.spread(200.0, 0.5), params_billion=7.0)
    est = cost.self_hosted("m", "sagemaker", "g5.xlarge", "us-east-1", load)
    assert est.instance_hours is not None
    assert est.instance_hours.low == approx(1 * H)  # 100 tok/s < one instance: clamped to min 1
    assert est.instance_hours.expected == approx(200 / capacity * H)  # 1.56 instances
    assert est.instance_hours.high == approx(300 / capacity * H)
    assert est.usd_per_1m_output_tokens == approx(1.006 / (capacity * 3600) * 1e6)  # ≈ $2.17


def test_no_traffic_uses_autoscaling_bounds() -> None:
    est = cost.self_hosted("m", "sagemaker", "g5.xlarge", "us-east-1", InstanceLoad(((1, 3, 1.0),)))
    assert est.instance_hours == Range(H, H, 3 * H)
    assert any("no expected_traffic" in n for n in est.notes)


def _graviton(warm_pool_state: str) -> GravitonDeployment:
    return GravitonDeployment.model_validate({
        "provider": "ec2-graviton", "instance_type": "c7g.xlarge",
        "model": {"s3_uri": "s3://models/llama/model-Q4_0.gguf", "size_gib": 1.8, "quantization": "Q4_0"},
        "autoscaling": {"min": 1, "max": 2, "warm_pool": {"min_size": 2, "state": warm_pool_state}},
    })


def test_running_warm_pool_is_billed_all_month() -> None:
    dep = _graviton("running")
    load = InstanceLoad(fields.capacity_profile(dep), standby_instances=fields.running_warm_pool(dep))
    assert cost.instance_hours(load, None)[0] == Range(3 * H, 3 * H, 4 * H)
    assert fields.running_warm_pool(_graviton("stopped")) == 0


def test_office_hours_schedule_profile() -> None:
    """min 0 outside 08:00-19:00 Mon-Fri (the five-field cron every provider takes): 55 of 168 hours at min 1."""
    dep = SageMakerDeployment.model_validate({
        "provider": "sagemaker", "instance_type": "ml.g5.xlarge",
        "source": {"jumpstart": {"model_id": "huggingface-llm-qwen2-5-7b-instruct"}},
        "autoscaling": {"min": 0, "max": 2, "scale_to_zero": True, "schedules": [
            {"name": "open", "cron": "0 8 * * MON-FRI", "min": 1, "max": 2},
            {"name": "close", "cron": "0 19 * * MON-FRI", "min": 0, "max": 2}]},
    })
    profile = fields.capacity_profile(dep)
    assert profile == ((0, 2, pytest.approx(113 / 168)), (1, 2, pytest.approx(55 / 168)))
    hours, _ = cost.instance_hours(InstanceLoad(profile), None)
    assert hours.expected == approx(55 / 168 * H)


def test_bedrock_nova_lite_tokens_cost_and_assumed_energy() -> None:
    """5,000 req/day x 30.4167 days; 1,200 in / 300 out; $0.00006 / $0.00024 per 1k; small class 0.1 Wh/1k."""
    requests = 5000 * H / 24
    tokens = (Range.spread(requests * 1200, 0.5), Range.spread(requests * 300, 0.5))
    est = cost.bedrock("nova", "amazon.nova-lite-v1:0", "us-east-1", "none", tokens)
    usd = requests * 1200 / 1000 * 0.00006 + requests * 300 / 1000 * 0.00024
    kwh = 1.135 * requests * 1500 / 1000 * 0.1 / 1000
    assert est.footprint.usd.expected == approx(usd)  # $21.90
    assert est.footprint.usd.low == approx(usd * 0.5)
    assert est.footprint.kwh.expected == approx(kwh)  # 25.89 kWh
    assert est.footprint.kg_co2e.expected == approx(kwh * 0.379069)
    assert est.footprint.kg_embodied.expected == 0
    assert est.usd_per_1m_output_tokens == approx(0.24)


def test_bedrock_without_traffic_is_zero_and_says_so() -> None:
    est = cost.bedrock("nova", "amazon.nova-lite-v1:0", "us-east-1", "geo", None)
    assert est.footprint.usd == Range.zero()
    assert any("no expected_traffic" in n for n in est.notes)


def test_opensearch_serverless_ocu_floor_with_standby() -> None:
    """2 OCUs x 730 h x $0.24; each OCU = 1 vCPU ('unknown' 0.74/3.5 W) + 6 GB (fmkit mapping)."""
    fp = services.opensearch_serverless("us-east-1", standby=True)
    assert fp.usd.expected == approx(2 * H * 0.24)  # $350.40
    kwh = 1.135 * 2 * H * ((0.74 + 0.5 * (3.5 - 0.74)) / 1000 + 6 * 0.000392)
    assert fp.kwh.expected == approx(kwh)
    assert services.opensearch_serverless("us-east-1", standby=False).usd.expected == approx(H * 0.24)


def test_aurora_serverless_min_and_max_acus_eu_west_1() -> None:
    """$0.12 per ACU-hour x eu-west-1 factor 1.07; low/expected = min ACUs, high = max ACUs all month."""
    fp = services.aurora_serverless("eu-west-1", min_acu=0.5, max_acu=4)
    assert fp.usd.expected == approx(0.5 * H * 0.12 * 1.07)  # $46.87
    assert fp.usd.high == approx(4 * H * 0.12 * 1.07)
    assert fp.kwh.expected == approx(1.135 * 0.5 * H * (0.25 * (0.74 + 0.5 * 2.76) / 1000 + 2 * 0.000392))
    assert services.aurora_serverless("eu-west-1", min_acu=0, max_acu=4).usd.expected == 0


def test_s3_vectors_storage_and_queries() -> None:
    """10 GB at $0.06; 1M queries at $2.5e-6 + 10 GB/1000 x $0.004 per TB processed."""
    fp = services.s3_vectors("us-east-1", storage_gb=10, queries=Range.fixed(1e6))
    assert fp.usd.expected == approx(10 * 0.06 + 1e6 * (2.5e-6 + 10 / 1000 * 0.004))  # $3.14
    assert fp.kwh.expected == approx(1.135 * 10 / 1000 * H * 1.2 * 3 / 1000)


def test_lambda_sqs_step_functions_at_volume() -> None:
    """1M x 0.5 GB x 0.5 s = 250,000 GB-s arm64; 2 SQS requests and 3 transitions per invocation."""
    fp = services.serverless("us-east-1", invocations=Range.fixed(1e6), memory_mb=512, seconds=0.5,
                             sqs_requests_per_invocation=2, sfn_transitions_per_invocation=3)
    usd = 1e6 * 2e-7 + 250_000 * 1.33334e-5 + 2e6 * 4e-7 + 3e6 * 2.5e-5
    assert fp.usd.expected == approx(usd)  # $79.33
    vcpu_h, gb_h = 250_000 * 1024 / 1769 / 3600, 250_000 / 3600
    assert fp.kwh.expected == approx(1.135 * (vcpu_h * (0.47 + 0.5 * 1.22) / 1000 + gb_h * 0.000392))


def test_platform_kms_and_nat_gateways() -> None:
    assert services.platform("us-east-1", nat_gateways=2).usd.expected == approx(1 + 2 * H * 0.045)  # $66.70
    assert services.platform("eu-west-1", nat_gateways=0).usd.expected == approx(1.0)


def test_sagemaker_serverless_prompt_processing() -> None:
    """10k req/day x 500 tokens x 2 ms = 1 s per request at 2 GB: $0.00002 per GB-s in us-east-1."""
    requests = 10_000 * H / 24
    est = cost.sagemaker_serverless(
        "emb", "us-east-1", 2048, Range.fixed(requests),
        (Range.fixed(requests * 500), Range.fixed(requests)), "ml.c6i.xlarge", None, None)
    assert est.footprint.usd.expected == approx(requests * 1.0 * 2 * 2e-5)  # $12.17
    assert est.footprint.kwh.expected == approx(carbon.lambda_kwh(requests * 2, processor="unknown"))


def test_grid_factor_in_grams() -> None:
    assert carbon.grid_g_per_kwh("eu-north-1") == approx(8.8)
    assert carbon.grid_g_per_kwh("xx-nowhere-1") is None
