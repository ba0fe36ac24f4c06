"""Bedrock rules: one test per rule (`test_rule_<id>`), each checked where `fmkit validate` reports it:
file:line:col, message and hint.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.catalog import bedrock as catalog
from fmkit.config.providers.bedrock import BedrockDeployment
from fmkit.validate import RULES
from fmkit.validate import bedrock as bedrock_rules
from tests.helpers import load, load_env
from tests.unit.area_configs.bedrock import NOVA, model, only, problems

GUARDRAIL = """
guardrail:
  content_filters:
    hate: {input: high, output: medium}
  pii:
    EMAIL: anonymize
"""


def test_rule_bedrock_model_known(tmp_path: Path) -> None:
    """A well-formed id the catalog lacks is likely newer than the catalog: say how to record it."""
    where, message, hint, rule = only(tmp_path, {"models/chat.yaml": model("model_id: amazon.nova-lite-v2:0")})
    assert (where, rule) == ("models/chat.yaml:2:11", "bedrock-model-known")
    assert message == "'amazon.nova-lite-v2:0' is not in fmkit's Bedrock catalog (retrieved 2026-11-22)"
    assert hint is not None and "did you mean" not in hint
    assert "model_configs/catalog/<id>.yaml" in hint and "'bedrock_catalog' section" in hint
    assert "scripts/refresh_bedrock_catalog.py" in hint


def test_rule_bedrock_model_known_suggests_a_close_id_for_a_malformed_one(tmp_path: Path) -> None:
    _, message, hint, _ = only(tmp_path, {"models/chat.yaml": model("model_id: amazon.nova-lite")})
    assert "is not in fmkit's Bedrock catalog" in message
    assert hint == f"did you mean '{NOVA}'?"


def test_rule_bedrock_model_known_explains_profile_ids(tmp_path: Path) -> None:
    _, message, hint, rule = only(tmp_path, {"models/chat.yaml": model("model_id: eu.amazon.nova-lite-v1:0")})
    assert rule == "bedrock-model-known"
    assert "inference profile id" in message
    assert hint == f"write model_id: {NOVA} and choose the profile with cross_region"


def test_rule_bedrock_model_in_region(tmp_path: Path) -> None:
    where, message, hint, rule = only(tmp_path, {
        "models/chat.yaml": model("model_id: mistral.mistral-large-2407-v1:0")})
    assert (where, rule) == ("models/chat.yaml:2:11", "bedrock-model-in-region")
    assert message.endswith("is not available from eu-west-1")
    assert hint is not None and "us-west-2" in hint


def test_rule_bedrock_cross_region_profile_exists(tmp_path: Path) -> None:
    where, message, hint, rule = only(tmp_path, {"models/chat.yaml": model(f"model_id: {NOVA}")})
    assert rule == "bedrock-cross-region-profile-exists"
    assert where == "models/chat.yaml:1:1"  # cross_region defaulted: reported at the model file
    assert "not served on-demand in eu-west-1" in message and "us-east-1" in message
    assert hint == "use cross_region: geo"


def test_rule_bedrock_cross_region_profile_exists_for_global(tmp_path: Path) -> None:
    where, message, hint, rule = only(tmp_path, {
        "models/chat.yaml": model(f"model_id: {NOVA}\ncross_region: global")})
    assert (where, rule) == ("models/chat.yaml:3:15", "bedrock-cross-region-profile-exists")
    assert "no global inference profile callable from eu-west-1" in message
    assert hint == "use cross_region: geo"


def test_rule_bedrock_cross_region_profile_exists_at_env_overlay(tmp_path: Path) -> None:
    """An environment that overrides cross_region gets the error at its own line."""
    where, _, _, rule = only(tmp_path, {
        "models/chat.yaml": model(f"model_id: {NOVA}\ncross_region: geo"),
        "environments/dev.yaml": """
            account: "111111111111"
            region: eu-west-1
            models:
              chat: {cross_region: none}
        """,
    })
    assert (where, rule) == ("environments/dev.yaml:4:24", "bedrock-cross-region-profile-exists")


def test_rule_bedrock_guardrail_text_model(tmp_path: Path) -> None:
    where, message, _, rule = only(tmp_path, {"models/embed.yaml": model(
        "model_id: amazon.titan-embed-text-v2:0" + GUARDRAIL)})
    assert (where, rule) == ("models/embed.yaml:4:3", "bedrock-guardrail-text-model")
    assert "embedding model" in message


def test_rule_bedrock_traffic_fits_context_window(tmp_path: Path) -> None:
    where, message, _, rule = only(tmp_path, {"models/chat.yaml": model("""
model_id: amazon.nova-micro-v1:0
cross_region: geo
expected_traffic:
  requests_per_day: 100
  mean_input_tokens: 127000
  mean_output_tokens: 2000
""")})
    assert (where, rule) == ("models/chat.yaml:6:22", "bedrock-traffic-fits-context-window")
    assert message == "129000 tokens per request exceed Nova Micro's context window of 128000"


def test_rule_bedrock_consumer_role_in_account(tmp_path: Path) -> None:
    where, message, hint, rule = only(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
consumers:
  role_arns:
    - arn:aws:iam::111111111111:role/ok
    - arn:aws:iam::999999999999:role/elsewhere
""")})
    assert (where, rule) == ("models/chat.yaml:7:7", "bedrock-consumer-role-in-account")
    assert "999999999999, not 111111111111" in message and hint is not None


def test_rule_bedrock_invocation_logging_consistent(tmp_path: Path) -> None:
    where, message, hint, rule = only(tmp_path, {
        "models/a.yaml": model(f"model_id: {NOVA}\ncross_region: geo\ninvocation_logging: {{cloudwatch: {{}}}}"),
        "models/b.yaml": model(f"model_id: {NOVA}\ncross_region: geo\ninvocation_logging: {{s3: {{}}}}"),
    })
    assert (where, rule) == ("models/b.yaml:4:21", "bedrock-invocation-logging-consistent")
    assert "differs from model 'a'" in message and hint is not None


def test_rule_bedrock_invocation_logging_consistent_allows_one_setter(tmp_path: Path) -> None:
    loaded = load(tmp_path, {
        "models/a.yaml": model(f"model_id: {NOVA}\ncross_region: geo\ninvocation_logging: {{cloudwatch: {{}}}}"),
        "models/b.yaml": model(f"model_id: {NOVA}\ncross_region: geo"),
    })
    assert loaded.environment("dev").models["b"]


def test_rule_bedrock_model_agreement(tmp_path: Path) -> None:
    loaded = load(tmp_path, {"models/claude.yaml": model(
        "model_id: anthropic.claude-haiku-4-5-20251001-v1:0\ncross_region: global")})
    warnings = [w for w in loaded.warnings if w.rule == "bedrock-model-agreement"]
    assert len(warnings) == 1 and warnings[0].severity == "warning"
    assert warnings[0].location.display(tmp_path) == "models/claude.yaml:2:11"
    assert "Anthropic agreement" in warnings[0].message


def test_rule_bedrock_model_lifecycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Legacy with an end of life after the catalog's date: a warning that names the date."""
    legacy = catalog.all_models()[NOVA].model_copy(update={"lifecycle": "legacy", "end_of_life": "2027-03-01"})
    monkeypatch.setattr(bedrock_rules, "_known", lambda _model: legacy)
    loaded = load(tmp_path, {"models/chat.yaml": model(f"model_id: {NOVA}\ncross_region: geo")})
    lifecycle = [w for w in loaded.warnings if w.rule == "bedrock-model-lifecycle"]
    assert len(lifecycle) == 1 and "legacy on Bedrock (end of life 2027-03-01)" in lifecycle[0].message


def test_rule_bedrock_model_lifecycle_end_of_life_is_an_error(tmp_path: Path) -> None:
    """Claude 3 Haiku's end of life (2026-09-10) is before the catalog's date: calls fail, so it is an error."""
    found = [p for p in problems(tmp_path, {"models/old.yaml": model(
        "model_id: anthropic.claude-3-haiku-20240307-v1:0\ncross_region: geo")}) if p.rule == "bedrock-model-lifecycle"]
    assert len(found) == 1 and found[0].severity == "error"
    assert found[0].location.display(tmp_path) == "models/old.yaml:2:11"
    assert "reached its end of life on Bedrock on 2026-09-10" in found[0].message
    assert found[0].hint is not None and "fmkit models --provider bedrock" in found[0].hint


def test_rule_bedrock_model_lifecycle_silent_for_active(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    active = catalog.all_models()[NOVA].model_copy(update={"lifecycle": "active"})
    monkeypatch.setattr(bedrock_rules, "_known", lambda _model: active)
    loaded = load(tmp_path, {"models/chat.yaml": model(f"model_id: {NOVA}\ncross_region: geo")})
    assert not [w for w in loaded.warnings if w.rule == "bedrock-model-lifecycle"]


def test_disabled_models_are_not_checked(tmp_path: Path) -> None:
    env = load_env(tmp_path, {"models/chat.yaml": model("model_id: no.such-model\nenabled: false")})
    assert env.enabled_models() == {}


def test_default_config_validates_with_a_guardrail_in_every_environment() -> None:
    from fmkit.validate import load_validated

    loaded = load_validated(Path(__file__).resolve().parents[3] / "model_configs")
    for env in loaded.environments.values():
        guarded = [m for m in env.enabled_by_provider("bedrock").values()
                   if isinstance(m, BedrockDeployment) and m.guardrail is not None]
        assert guarded, env.name


def test_every_bedrock_rule_has_a_test() -> None:
    tested = {name.removeprefix("test_rule_").replace("_", "-") for name in globals() if name.startswith("test_rule_")}
    assert {r for r in RULES if r.startswith("bedrock-")} <= tested
