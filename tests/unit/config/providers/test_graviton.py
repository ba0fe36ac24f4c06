"""`provider: ec2-graviton` config: defaults and field checks, asserted where `fmkit validate` shows them."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.catalog.llama_cpp import default_llama_cpp_version
from fmkit.config.providers.graviton import GravitonDeployment
from tests.helpers import load_env
from tests.unit.area_configs.graviton import errors, model_yaml, only


def test_defaults_are_internal_two_slots_all_vcpus(tmp_path: Path) -> None:
    env = load_env(tmp_path, {"models/llm.yaml": model_yaml()})
    model = env.models["llm"]
    assert isinstance(model, GravitonDeployment)
    assert (model.exposure.mode, model.server.parallel, model.server.threads) == ("internal", 2, None)
    assert model.autoscaling.requests_target == 20 and model.model.quantization == "Q4_0"
    assert model.exposure.allowed_cidrs is None and model.exposure.consumer_security_group_ids == []


def test_defaults_require_a_key_bound_answers_and_cap_the_prompt_cache(tmp_path: Path) -> None:
    model = load_env(tmp_path, {"models/llm.yaml": model_yaml()}).models["llm"]
    assert isinstance(model, GravitonDeployment)
    server = model.server
    assert (server.require_api_key, server.api_key_secret_arn) == (True, None)
    assert (server.default_max_tokens, server.cache_ram_mib) == (1024, 1024)
    assert server.llama_cpp_version == default_llama_cpp_version()
    assert model.model.sha256 is None


def test_llama_cpp_version_names_a_pinned_source(tmp_path: Path) -> None:
    extra = "server:\n  llama_cpp_version: b10760\n"
    where, message, hint = only(errors(tmp_path, {"models/llm.yaml": model_yaml(extra=extra)}))
    assert where == "models/llm.yaml:11:22"
    assert message == "'server.llama_cpp_version': 'b10760' is not a pinned llama.cpp source"
    assert hint is not None and default_llama_cpp_version() in hint
    assert "fmkit/catalog/data/llama_cpp.json" in hint and "sha256" in hint


def test_the_gguf_digest_is_64_hex_and_kept_lowercase(tmp_path: Path) -> None:
    text = model_yaml().replace("  size_gib:", f"  sha256: {'AB' * 32}\n  size_gib:")
    model = load_env(tmp_path, {"models/llm.yaml": text}).models["llm"]
    assert isinstance(model, GravitonDeployment) and model.model.sha256 == "ab" * 32
    bad = model_yaml().replace("  size_gib:", "  sha256: abc123\n  size_gib:")
    _, message, hint = only(errors(tmp_path / "bad", {"models/llm.yaml": bad}))
    assert "'abc123' is not a SHA-256 digest" in message and hint is not None and "64 hex" in hint


def test_consumer_security_groups_are_group_ids(tmp_path: Path) -> None:
    extra = "exposure:\n  consumer_security_group_ids: [my-app]\n"
    _, message, hint = only(errors(tmp_path, {"models/llm.yaml": model_yaml(extra=extra)}))
    assert "'my-app' is not a security group id" in message and hint is not None and "sg-" in hint


def test_your_own_key_and_no_key_exclude_each_other(tmp_path: Path) -> None:
    extra = ("server:\n  require_api_key: false\n  api_key_secret_arn: "
             "arn:aws:secretsmanager:eu-west-1:111111111111:secret:k-AbCdEf\n")
    _, message, _ = only(errors(tmp_path, {"models/llm.yaml": model_yaml(extra=extra)}))
    assert "'api_key_secret_arn' is set but 'require_api_key' is false" in message


def test_the_warm_pool_prepares_the_minimum_plus_the_pool(tmp_path: Path) -> None:
    extra = "autoscaling:\n  min: 2\n  max: 6\n  warm_pool: {min_size: 1}\n"
    model = load_env(tmp_path, {"models/llm.yaml": model_yaml(extra=extra)}).models["llm"]
    assert isinstance(model, GravitonDeployment)
    assert model.autoscaling.warm_pool_prepared_capacity == 3
    assert GravitonDeployment.model_validate({**model.model_dump(), "autoscaling": {"min": 1, "max": 2}}) \
        .autoscaling.warm_pool_prepared_capacity is None


def test_default_config_ships_a_graviton_model_in_both_environments() -> None:
    from fmkit.validate import load_validated

    loaded = load_validated(Path(__file__).resolve().parents[4] / "model_configs")
    for env in ("dev", "prod"):
        assert loaded.environment(env).enabled_by_provider("ec2-graviton"), env
    dev = loaded.environment("dev").models["llama-small"]
    assert isinstance(dev, GravitonDeployment)
    assert any(s.min == 0 for s in dev.autoscaling.schedules), "dev scales to zero at night"


def test_public_exposure_without_certificate(tmp_path: Path) -> None:
    extra = "exposure:\n  mode: public\n  allowed_cidrs: [203.0.113.0/24]\n"
    where, message, hint = only(errors(tmp_path, {"models/llm.yaml": model_yaml(extra=extra)}))
    assert where == "models/llm.yaml:11:3"
    assert message == "'exposure': public exposure requires 'certificate_arn'"
    assert hint is not None and "ACM certificate" in hint


def test_unknown_server_flag_suggests_the_close_one(tmp_path: Path) -> None:
    extra = "server:\n  extra_flags:\n    --flash-atn: 'on'\n"
    where, message, hint = only(errors(tmp_path, {"models/llm.yaml": model_yaml(extra=extra)}))
    assert where == "models/llm.yaml:12:5"
    assert message == "'server.extra_flags': unknown llama-server flag '--flash-atn'"
    assert hint == "did you mean '--flash-attn'?"


@pytest.mark.parametrize(("flags", "message"), [
    ("--ctx-size: 4096", "'--ctx-size' is set by the kit"),
    ("--n-predict: 64", "'--n-predict' is set by the kit"),
    ("--cache-ram: -1", "'--cache-ram' is set by the kit"),
    ("--webui: true", "'--webui' is set by the kit"),
    ("--mlock: true", "unknown llama-server flag '--mlock'"),
    ("--timeout: 600", "unknown llama-server flag '--timeout'"),
    ("--no-warmup: 'yes'", "'--no-warmup' is a switch"),
    ("--cache-type-k: 'q8_0; rm -rf /'", "'--cache-type-k' needs a plain value"),
])
def test_server_flags_are_kit_managed_switches_or_plain_values(tmp_path: Path, flags: str, message: str) -> None:
    extra = f"server:\n  extra_flags:\n    {flags}\n"
    _, found, _ = only(errors(tmp_path, {"models/llm.yaml": model_yaml(extra=extra)}))
    assert message in found


def test_model_needs_exactly_one_source(tmp_path: Path) -> None:
    text = model_yaml().replace("model:\n", "model:\n  s3_uri: s3://my-models/x.gguf\n")
    where, message, _ = only(errors(tmp_path, {"models/llm.yaml": text}))
    assert where == "models/llm.yaml:4:3" and "exactly one of 's3_uri' or 'hf'" in message


def test_autoscaling_needs_room_and_one_signal(tmp_path: Path) -> None:
    extra = "autoscaling:\n  min: 2\n  max: 2\n"
    _, message, hint = only(errors(tmp_path, {"models/llm.yaml": model_yaml(extra=extra)}))
    assert message == "'autoscaling': min (2) must be below max (2)" and hint is not None
    extra = "autoscaling:\n  target_requests_per_instance: 10\n  target_concurrent_requests: 2\n"
    _, message, _ = only(errors(tmp_path / "b", {"models/llm.yaml": model_yaml(extra=extra)}))
    assert "only one of" in message


def test_secrets_must_be_full_arns(tmp_path: Path) -> None:
    extra = "server:\n  api_key_secret_arn: my-key\n"
    _, message, hint = only(errors(tmp_path, {"models/llm.yaml": model_yaml(extra=extra)}))
    assert "not a Secrets Manager ARN" in message and hint is not None and "full ARN" in hint
