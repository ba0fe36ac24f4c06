"""SageMaker rules: one test per rule (`test_rule_<id>`), each reporting file:line:col, a message and a hint."""

from __future__ import annotations

from pathlib import Path

from fmkit.config.providers.sagemaker import SageMakerDeployment
from fmkit.validate import load_validated
from tests.helpers import load, write_config
from tests.unit.area_configs.sagemaker import BGE, QWEN, at, container, errors, jumpstart, only

LLAMA = "meta-textgeneration-llama-3-1-8b-instruct"


def test_rule_sagemaker_jumpstart_model_known(tmp_path: Path) -> None:
    problem = only(errors(tmp_path, jumpstart("huggingface-llm-qwen2-5-7b-instrct")),
                   "sagemaker-jumpstart-model-known")
    at(problem, "models/m.yaml", 3)
    assert "'huggingface-llm-qwen2-5-7b-instrct' is not in fmkit's JumpStart catalog (retrieved" in problem.message
    assert problem.hint is not None and "'jumpstart_catalog' section" in problem.hint


def test_rule_sagemaker_jumpstart_model_known_suggests_for_a_malformed_id(tmp_path: Path) -> None:
    problem = only(errors(tmp_path / "t", jumpstart("huggingface-llm-qwen2.5-7b-instruct")),
                   "sagemaker-jumpstart-model-known")
    assert problem.hint == f"did you mean '{QWEN}'?"


def test_rule_sagemaker_jumpstart_model_known_version(tmp_path: Path) -> None:
    model = "provider: sagemaker\nsource:\n  jumpstart:\n    model_id: " + QWEN + "\n    version: 0.0.1\n"
    problem = only(errors(tmp_path, model + "instance_type: ml.g5.2xlarge\n"), "sagemaker-jumpstart-model-known")
    at(problem, "models/m.yaml", 5)
    assert "not 0.0.1" in problem.message


def test_rule_sagemaker_jumpstart_model_in_region(tmp_path: Path) -> None:
    env = 'account: "111111111111"\nregion: ca-west-1\n'
    problem = only(errors(tmp_path, jumpstart(LLAMA, extra="").replace(
        "{model_id: " + LLAMA + "}", "{model_id: " + LLAMA + ", accept_eula: true}"), env),
        "sagemaker-jumpstart-model-in-region")
    at(problem, "models/m.yaml", 3)
    assert "is not hosted in ca-west-1" in problem.message


def test_rule_sagemaker_eula_accepted(tmp_path: Path) -> None:
    problem = only(errors(tmp_path, jumpstart(LLAMA)), "sagemaker-eula-accepted")
    at(problem, "models/m.yaml", 3)
    assert "EULA-gated" in problem.message and "accept_eula: true" in (problem.hint or "")


def test_rule_sagemaker_instance_in_region_unknown_type(tmp_path: Path) -> None:
    problem = only(errors(tmp_path, jumpstart(instance="ml.g5.2xlarg")), "sagemaker-instance-in-region")
    at(problem, "models/m.yaml", 4)
    assert "'ml.g5.2xlarg' is not a SageMaker hosting instance type" in problem.message
    assert problem.hint == "did you mean 'ml.g5.2xlarge'?"


def test_rule_sagemaker_instance_in_region(tmp_path: Path) -> None:
    env = 'account: "111111111111"\nregion: eu-west-3\n'  # no ml.g5 there in the catalog
    problem = only(errors(tmp_path, jumpstart(), env), "sagemaker-instance-in-region")
    at(problem, "models/m.yaml", 4)
    assert "ml.g5.2xlarge is not offered in eu-west-3" in problem.message


def test_rule_sagemaker_instance_supported_by_model(tmp_path: Path) -> None:
    problem = only(errors(tmp_path, jumpstart(instance="ml.g4dn.xlarge")), "sagemaker-instance-supported-by-model")
    at(problem, "models/m.yaml", 4)
    assert f"{QWEN} does not support ml.g4dn.xlarge" in problem.message
    assert "default: ml.g5.2xlarge" in (problem.hint or "")


def test_rule_sagemaker_gpu_model_on_cpu(tmp_path: Path) -> None:
    problem = only(errors(tmp_path, container("{framework: tgi, hf_model_id: org/model}", "network_isolation: false\n",
                                              instance="ml.c6i.xlarge")), "sagemaker-gpu-model-on-cpu")
    at(problem, "models/m.yaml", 4)
    assert "needs a GPU but ml.c6i.xlarge has none" in problem.message


def test_rule_sagemaker_serverless_cpu_only(tmp_path: Path) -> None:
    problem = only(errors(tmp_path, jumpstart(extra="serverless:\n  memory_mb: 6144\n")),
                   "sagemaker-serverless-cpu-only")
    at(problem, "models/m.yaml", 6)
    assert "serverless endpoints have no GPU" in problem.message


def test_rule_sagemaker_hosting_mode(tmp_path: Path) -> None:
    extra = "serverless: {memory_mb: 2048}\nautoscaling:\n  min: 0\n  max: 1\n  scale_to_zero: true\n"
    problem = only(errors(tmp_path, jumpstart(BGE, "ml.c6i.xlarge", extra)), "sagemaker-hosting-mode")
    at(problem, "models/m.yaml", 9)
    assert "scale_to_zero does not apply to serverless endpoints" in problem.message


def test_rule_sagemaker_hosting_mode_serverless_and_async(tmp_path: Path) -> None:
    extra = "serverless: {memory_mb: 2048}\nasync: {max_concurrent_invocations_per_instance: 2}\n"
    problem = only(errors(tmp_path, jumpstart(BGE, "ml.c6i.xlarge", extra)), "sagemaker-hosting-mode")
    at(problem, "models/m.yaml", 6)
    assert "serverless endpoints do not support 'async'" in problem.message


def test_rule_sagemaker_autoscaling_bounds(tmp_path: Path) -> None:
    problem = only(errors(tmp_path, jumpstart(extra="autoscaling:\n  min: 3\n  max: 2\n")),
                   "sagemaker-autoscaling-bounds")
    at(problem, "models/m.yaml", 6)
    assert "autoscaling min 3 is greater than max 2" in problem.message


def test_rule_sagemaker_autoscaling_bounds_zero_needs_inference_component(tmp_path: Path) -> None:
    extra = ("autoscaling:\n  min: 1\n  max: 2\n  schedules:\n"
             "    - {name: night, cron: '0 19 * * MON-FRI', min: 0, max: 0}\n")
    problem = only(errors(tmp_path, jumpstart(extra=extra)), "sagemaker-autoscaling-bounds")
    at(problem, "models/m.yaml", 9)
    assert "schedule 'night' scales to 0 without scale_to_zero" in problem.message


def test_rule_sagemaker_network_isolation_hub(tmp_path: Path) -> None:
    problem = only(errors(tmp_path, container("{framework: tgi, hf_model_id: org/model}", "network_isolation: true\n")),
                   "sagemaker-network-isolation-hub")
    at(problem, "models/m.yaml", 5)
    assert "network isolation blocks the download" in problem.message


def test_rule_sagemaker_network_isolation_hub_needs_egress(tmp_path: Path) -> None:
    env = 'account: "111111111111"\nregion: eu-west-1\nplatform: {vpc: {egress: none}}\n'
    problem = only(errors(tmp_path, container("{framework: tgi, hf_model_id: org/model}", "vpc: true\n"), env),
                   "sagemaker-network-isolation-hub")
    at(problem, "models/m.yaml", 5)
    assert "no internet egress" in problem.message


def test_rule_sagemaker_volume_size_ebs_only(tmp_path: Path) -> None:
    problem = only(errors(tmp_path, jumpstart(extra="volume_size_gb: 100\n")), "sagemaker-volume-size-ebs-only")
    at(problem, "models/m.yaml", 5)
    assert "local NVMe storage" in problem.message


def test_rule_sagemaker_image_resolvable(tmp_path: Path) -> None:
    problem = only(errors(tmp_path, container("{framework: tgi, version: 9.9.9, model_data_s3_uri: s3://my-models/m/}")),
                   "sagemaker-image-resolvable")
    at(problem, "models/m.yaml", 3)
    assert "no serving image" in problem.message and "9.9.9" in problem.message


def test_env_overlay_location_wins(tmp_path: Path) -> None:
    """A bad value set in the environment overlay is reported there, not in the model file."""
    env = ('account: "111111111111"\nregion: eu-west-1\nmodels:\n  m:\n    autoscaling:\n'
           "      min: 5\n      max: 2\n")
    problem = only(errors(tmp_path, jumpstart(), env), "sagemaker-autoscaling-bounds")
    at(problem, "environments/dev.yaml", 6)


def test_every_sagemaker_rule_has_a_test() -> None:
    from fmkit.validate import RULES

    tested = {name.removeprefix("test_rule_").replace("_", "-") for name in globals() if name.startswith("test_rule_")}
    assert {r for r in RULES if r.startswith("sagemaker-")} <= tested


ASYNC_CPU = "async: {max_concurrent_invocations_per_instance: 2}\n"


def test_rule_sagemaker_hosting_mode_backlog_metric_needs_async(tmp_path: Path) -> None:
    extra = "autoscaling:\n  min: 1\n  max: 2\n  metric: backlog_per_instance\n"
    problem = only(errors(tmp_path, jumpstart(extra=extra)), "sagemaker-hosting-mode")
    at(problem, "models/m.yaml", 8)
    assert "backlog_per_instance measures an async endpoint's queue" in problem.message


def test_rule_sagemaker_hosting_mode_async_has_no_concurrent_requests_metric(tmp_path: Path) -> None:
    extra = ASYNC_CPU + "autoscaling:\n  min: 1\n  max: 2\n  metric: concurrent_requests\n"
    problem = only(errors(tmp_path, jumpstart(BGE, "ml.c6i.xlarge", extra)), "sagemaker-hosting-mode")
    at(problem, "models/m.yaml", 9)
    assert "an async endpoint's load is its queue" in problem.message


def test_rule_sagemaker_autoscaling_bounds_async_may_scale_to_zero(tmp_path: Path) -> None:
    extra = ASYNC_CPU + "autoscaling:\n  min: 0\n  max: 2\n"
    model = load(tmp_path, {"models/m.yaml": jumpstart(BGE, "ml.c6i.xlarge", extra)}).environment("dev").models["m"]
    assert isinstance(model, SageMakerDeployment)
    assert model.mode == "async" and model.scales_to_zero and model.scaling_metric == "backlog_per_instance"


def test_rule_sagemaker_jumpstart_artifacts_verified(tmp_path: Path) -> None:
    loaded = load_validated(write_config(tmp_path, {"models/m.yaml": jumpstart()}))
    [warning] = [w for w in loaded.warnings if w.rule == "sagemaker-jumpstart-artifacts-verified"]
    assert warning.location.file.name == "m.yaml" and warning.location.line == 3
    assert "not verified" in warning.message and warning.hint is not None
    assert "refresh_jumpstart_catalog.py" in warning.hint and "fmkit preflight" in warning.hint
    llama = ("provider: sagemaker\nsource:\n  jumpstart: {model_id: meta-textgeneration-llama-3-2-1b-instruct, "
             "accept_eula: true}\ninstance_type: ml.g5.2xlarge\n"
             "license_ack: Llama 3.2 license reviewed for this test\n")
    verified = load_validated(write_config(tmp_path / "v", {"models/m.yaml": llama}))
    assert not [w for w in verified.warnings if w.rule == "sagemaker-jumpstart-artifacts-verified"]
