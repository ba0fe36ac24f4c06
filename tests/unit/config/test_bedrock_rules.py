"""Bedrock config: field validation, routing, and one test per rule (named after the rule id).

Every bad config is checked the way `fmkit validate` reports it: file:line:col, message, hint.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.catalog import bedrock as catalog
from fmkit.config import ConfigError, ConfigProblem
from fmkit.config.providers.bedrock import BedrockDeployment, resolve_route
from fmkit.validate import RULES
from fmkit.validate import bedrock as bedrock_rules
from tests.helpers import load, load_env

NOVA = "amazon.nova-lite-v1:0"
GUARDRAIL = """
guardrail:
  content_filters:
    hate: {input: high, output: medium}
  pii:
    EMAIL: anonymize
"""


def model(body: str) -> str:
    return "provider: bedrock\n" + body.strip("\n") + "\n"


def problems(tmp_path: Path, files: dict[str, str | None]) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, files)
    return info.value.problems


def only(tmp_path: Path, files: dict[str, str | None]) -> tuple[str, str, str | None, str | None]:
    found = problems(tmp_path, files)
    assert len(found) == 1, [p.format() for p in found]
    p = found[0]
    return p.location.display(tmp_path), p.message, p.hint, p.rule


# --- the fields -------------------------------------------------------------------------

def test_minimal_bedrock_model_has_safe_defaults(tmp_path: Path) -> None:
    env = load_env(tmp_path, {"models/chat.yaml": model(f"model_id: {NOVA}\ncross_region: geo")})
    chat = env.models["chat"]
    assert isinstance(chat, BedrockDeployment)
    assert chat.guardrail is None and chat.invocation_logging is None
    assert chat.consumers.app_role is None and chat.consumers.role_arns == []


def test_guardrail_is_enforced_in_iam_unless_switched_off(tmp_path: Path) -> None:
    guarded = model(f"model_id: {NOVA}\ncross_region: geo\nguardrail:\n  word_filters: {{profanity: true}}")
    env = load_env(tmp_path / "on", {"models/chat.yaml": guarded})
    chat = env.models["chat"]
    assert isinstance(chat, BedrockDeployment) and chat.guardrail is not None and chat.guardrail.enforce is True
    env = load_env(tmp_path / "off", {"models/chat.yaml": guarded + "\n  enforce: false"})
    chat = env.models["chat"]
    assert isinstance(chat, BedrockDeployment) and chat.guardrail is not None and chat.guardrail.enforce is False


def test_guardrail_strength_must_be_known(tmp_path: Path) -> None:
    where, message, hint, _ = only(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
guardrail:
  content_filters:
    hate: {{input: extreme, output: high}}
""")})
    assert where == "models/chat.yaml:6:19"
    assert "'extreme' is not allowed" in message
    assert hint is not None and "high" in hint


def test_guardrail_unknown_category_is_rejected(tmp_path: Path) -> None:
    where, message, hint, _ = only(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
guardrail:
  content_filters:
    hateful: {{input: high, output: high}}
""")})
    assert where.startswith("models/chat.yaml:6:")
    assert "'hateful' is not allowed" in message
    assert hint == "did you mean 'hate'?"


def test_guardrail_pii_entity_must_exist(tmp_path: Path) -> None:
    where, message, hint, _ = only(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
guardrail:
  pii:
    EMAIL: anonymize
    EMAIL_ADRESS: block
""")})
    assert where.startswith("models/chat.yaml:7:")
    assert message == "'guardrail.pii.EMAIL_ADRESS': 'EMAIL_ADRESS' is not a Bedrock PII entity type"
    assert hint is not None and hint.startswith("did you mean 'EMAIL'")


def test_guardrail_pii_action_must_be_block_or_anonymize(tmp_path: Path) -> None:
    where, message, _, _ = only(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
guardrail:
  pii:
    EMAIL: mask
""")})
    assert where == "models/chat.yaml:6:12"
    assert "'mask' is not allowed" in message


def test_denied_topic_needs_a_definition(tmp_path: Path) -> None:
    where, message, hint, _ = only(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
guardrail:
  denied_topics:
    - name: Investment advice
      examples: [Which stocks should I buy?]
""")})
    assert where.startswith("models/chat.yaml:6:")
    assert message == "missing required key 'definition' in 'guardrail.denied_topics[0]'"
    assert hint is not None and hint.startswith("add 'definition: …'")


def test_denied_topic_name_follows_bedrock_pattern(tmp_path: Path) -> None:
    where, message, hint, _ = only(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
guardrail:
  denied_topics:
    - name: "Investments (all kinds)"
      definition: Advice on investments.
""")})
    assert where.startswith("models/chat.yaml:6:")
    assert "not allowed by Bedrock" in message and hint is not None


def test_prompt_attack_filters_input_only(tmp_path: Path) -> None:
    where, message, hint, _ = only(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
guardrail:
  content_filters:
    prompt_attack: {{input: high, output: high}}
""")})
    assert where == "models/chat.yaml:5:3"  # the guardrail mapping
    assert "prompt_attack" in message and hint == "write prompt_attack: {input: high, output: none}"


def test_empty_guardrail_is_rejected(tmp_path: Path) -> None:
    _, message, _, _ = only(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
guardrail:
  blocked_input_message: No.
""")})
    assert "would filter nothing" in message


def test_grounding_threshold_below_one(tmp_path: Path) -> None:
    where, message, _, _ = only(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
guardrail:
  contextual_grounding: {{grounding: 1.5}}
""")})
    assert where.startswith("models/chat.yaml:5:")
    assert "less than 1" in message


def test_logging_without_destination_is_an_error(tmp_path: Path) -> None:
    where, message, hint, _ = only(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
invocation_logging:
  enabled: true
  include_text: false
""")})
    assert where.startswith("models/chat.yaml:5:")
    assert message == "'invocation_logging': invocation logging is enabled but has no destination"
    assert hint is not None and "s3" in hint and "cloudwatch" in hint


def test_logging_disabled_needs_no_destination(tmp_path: Path) -> None:
    env = load_env(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
invocation_logging: {{enabled: false}}
""")})
    chat = env.models["chat"]
    assert isinstance(chat, BedrockDeployment)
    assert chat.invocation_logging is not None and not chat.invocation_logging.enabled


def test_s3_lifecycle_transition_needs_thirty_days(tmp_path: Path) -> None:
    where, message, hint, _ = only(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
invocation_logging:
  s3: {{infrequent_access_after_days: 7}}
""")})
    assert where.startswith("models/chat.yaml:5:")
    assert "after 30 days" in message and hint is not None


def test_cloudwatch_retention_must_be_a_logs_value(tmp_path: Path) -> None:
    _, message, hint, _ = only(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
invocation_logging:
  cloudwatch: {{retention_days: 10}}
""")})
    assert "10 is not a retention" in message and hint == "did you mean 7?"


def test_consumer_role_arn_must_be_a_role(tmp_path: Path) -> None:
    where, message, _, _ = only(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
consumers:
  role_arns:
    - arn:aws:iam::111111111111:user/alice
""")})
    assert where == "models/chat.yaml:6:7"
    assert "is not an IAM role ARN" in message


def test_app_role_principal_must_be_a_supported_service(tmp_path: Path) -> None:
    _, message, hint, _ = only(tmp_path, {"models/chat.yaml": model(f"""
model_id: {NOVA}
cross_region: geo
consumers:
  app_role: {{assumed_by: [lambda.amazonaw.com]}}
""")})
    assert "is not allowed" in message and hint == "did you mean 'lambda.amazonaws.com'?"


# --- routing ----------------------------------------------------------------------------

def test_route_in_region_uses_the_foundation_model() -> None:
    route = resolve_route(NOVA, "none", "us-east-1")
    assert route is not None
    assert (route.system_profile_id, route.destination_regions) == (None, ("us-east-1",))


def test_route_geo_uses_the_regions_own_geography() -> None:
    route = resolve_route(NOVA, "geo", "eu-west-1")
    assert route is not None and route.system_profile_id == "eu.amazon.nova-lite-v1:0"
    expected = catalog.system_profile(NOVA, "eu", "eu-west-1")
    assert expected is not None and set(route.destination_regions) == expected.destination_regions
    assert "eu-central-1" in route.destination_regions and "us-east-1" not in route.destination_regions


def test_route_geo_falls_back_to_a_narrower_geography() -> None:
    """Tokyo has no apac profile for Haiku 4.5, only jp: that is the geographic one to use."""
    route = resolve_route("anthropic.claude-haiku-4-5-20251001-v1:0", "geo", "ap-northeast-1")
    assert route is not None and route.system_profile_id == "jp.anthropic.claude-haiku-4-5-20251001-v1:0"


def test_route_global_is_marked_global() -> None:
    route = resolve_route("anthropic.claude-sonnet-4-20250514-v1:0", "global", "eu-west-1")
    assert route is not None and route.is_global
    assert route.system_profile_id == "global.anthropic.claude-sonnet-4-20250514-v1:0"


def test_route_absent_when_catalog_has_no_path() -> None:
    assert resolve_route(NOVA, "none", "eu-west-1") is None
    assert resolve_route(NOVA, "global", "eu-west-1") is None
    assert resolve_route("no.such-model", "geo", "eu-west-1") is None


# --- rules ------------------------------------------------------------------------------

def test_rule_bedrock_model_known(tmp_path: Path) -> None:
    where, message, hint, rule = only(tmp_path, {"models/chat.yaml": model("model_id: amazon.nova-lite-v2:0")})
    assert (where, rule) == ("models/chat.yaml:2:11", "bedrock-model-known")
    assert message == "unknown Bedrock model 'amazon.nova-lite-v2:0'"
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
        "model_id: anthropic.claude-sonnet-4-20250514-v1:0\ncross_region: global")})
    warnings = [w for w in loaded.warnings if w.rule == "bedrock-model-agreement"]
    assert len(warnings) == 1 and warnings[0].severity == "warning"
    assert warnings[0].location.display(tmp_path) == "models/claude.yaml:2:11"
    assert "Anthropic agreement" in warnings[0].message


def test_rule_bedrock_model_lifecycle(tmp_path: Path) -> None:
    loaded = load(tmp_path, {"models/old.yaml": model(
        "model_id: anthropic.claude-3-haiku-20240307-v1:0\ncross_region: geo")})
    lifecycle = [w for w in loaded.warnings if w.rule == "bedrock-model-lifecycle"]
    assert len(lifecycle) == 1 and "legacy" in lifecycle[0].message


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
