"""`provider: bedrock` config: field validation (file:line:col, message, hint) and routing."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.catalog import bedrock as catalog
from fmkit.config import ConfigError
from fmkit.config.providers.bedrock import BedrockDeployment, resolve_route
from tests.helpers import load, load_env
from tests.unit.area_configs.bedrock import NOVA, model, only

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


# Guardrail word lists can live in their own file (one phrase per line), read at load time.
WORDS_MODEL = """
    provider: bedrock
    model_id: amazon.nova-lite-v1:0
    cross_region: geo
    guardrail:
      word_filters:
        words: [alpha]
        words_file: {path}
"""


def test_words_file_adds_its_phrases_to_the_inline_list(tmp_path: Path) -> None:
    (tmp_path / "guardrails").mkdir()
    (tmp_path / "guardrails" / "w.txt").write_text("# comment\nbeta\n\ngamma ray  # inline comment\nalpha\n")
    env = load(tmp_path, {"models/m.yaml": WORDS_MODEL.format(path="guardrails/w.txt")}).environment("dev")
    words = env.models["m"].guardrail.word_filters.words  # type: ignore[union-attr]
    assert words == ["alpha", "beta", "gamma ray"]


def test_missing_words_file_is_a_config_error_at_the_model_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, {"models/m.yaml": WORDS_MODEL.format(path="guardrails/nope.txt")})
    problem = raised.value.errors[0]
    assert problem.location.file.name == "m.yaml"
    assert problem.location.line == 6  # the word_filters mapping
    assert "cannot read words_file 'guardrails/nope.txt'" in problem.message


def test_words_file_outside_the_config_dir_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load(tmp_path / "cfg", {"models/m.yaml": WORDS_MODEL.format(path="../../etc/passwd")})
    assert "outside the config directory" in raised.value.errors[0].message
