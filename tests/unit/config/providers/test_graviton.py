"""`provider: ec2-graviton` config: defaults and field checks, asserted where `fmkit validate` shows them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from fmkit.config import ConfigError
from fmkit.config.providers.graviton import GravitonDeployment
from tests.helpers import load, load_env

MODEL = """\
provider: ec2-graviton
instance_type: {instance_type}
model:
  hf:
    repo: bartowski/Llama-3.2-3B-Instruct-GGUF
    file: Llama-3.2-3B-Instruct-Q4_0.gguf
    revision: 0123456789abcdef0123456789abcdef01234567
  size_gib: {size}
  quantization: Q4_0
{extra}"""

Problem = tuple[str, str, str | None]


def model_yaml(instance_type: str = "c7g.xlarge", size: float = 1.8, extra: str = "") -> str:
    return MODEL.format(instance_type=instance_type, size=size, extra=extra)


def errors(tmp_path: Path, files: Mapping[str, str | None]) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, dict(files))
    return [(p.location.display(tmp_path), p.message, p.hint) for p in info.value.errors]


def only(found: list[Problem]) -> Problem:
    assert len(found) == 1, found
    return found[0]


def test_defaults_are_internal_two_slots_all_vcpus(tmp_path: Path) -> None:
    env = load_env(tmp_path, {"models/llm.yaml": model_yaml()})
    model = env.models["llm"]
    assert isinstance(model, GravitonDeployment)
    assert (model.exposure.mode, model.server.parallel, model.server.threads) == ("internal", 2, None)
    assert model.autoscaling.requests_target == 20 and model.model.quantization == "Q4_0"


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
    ("--mlock: 'yes'", "'--mlock' is a switch"),
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
