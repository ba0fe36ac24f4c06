"""Guardrail alone and in the default config: policies mapped from config, the platform key, and
a new immutable version whenever the policies change."""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk.assertions import Template

from fmkit.config.providers.bedrock import GuardrailConfig
from stacks.bedrock.guardrail import Guardrail
from tests.infra.bedrock.conftest import one, resources


def test_guardrail_policies_are_mapped_from_config(dev: Template) -> None:
    guardrail = one(dev, "AWS::Bedrock::Guardrail")["Properties"]
    filters = {f["Type"]: (f["InputStrength"], f["OutputStrength"])
               for f in guardrail["ContentPolicyConfig"]["FiltersConfig"]}
    assert filters == {"HATE": ("HIGH", "HIGH"), "INSULTS": ("MEDIUM", "MEDIUM"), "SEXUAL": ("HIGH", "HIGH"),
                       "VIOLENCE": ("MEDIUM", "MEDIUM"), "MISCONDUCT": ("MEDIUM", "MEDIUM"),
                       "PROMPT_ATTACK": ("HIGH", "NONE")}
    topic = guardrail["TopicPolicyConfig"]["TopicsConfig"][0]
    assert topic["Name"] == "Investment advice" and topic["Type"] == "DENY" and len(topic["Examples"]) == 2
    # Words come from model_configs/guardrails/support-blocked-words.txt (comments dropped).
    assert guardrail["WordPolicyConfig"] == {
        "WordsConfig": [{"Text": "internal use only"}, {"Text": "confidential roadmap"},
                        {"Text": "competitor pricing sheet"}],
        "ManagedWordListsConfig": [{"Type": "PROFANITY"}]}
    pii = {e["Type"]: e["Action"] for e in guardrail["SensitiveInformationPolicyConfig"]["PiiEntitiesConfig"]}
    assert pii == {"EMAIL": "ANONYMIZE", "PHONE": "ANONYMIZE", "CREDIT_DEBIT_CARD_NUMBER": "BLOCK",
                   "AWS_SECRET_KEY": "BLOCK"}
    assert guardrail["BlockedInputMessaging"].startswith("Sorry, the support assistant")
    assert "ContextualGroundingPolicyConfig" not in guardrail


def test_guardrail_is_encrypted_with_the_platform_key(dev: Template) -> None:
    key_arn = one(dev, "AWS::Bedrock::Guardrail")["Properties"]["KmsKeyArn"]
    assert "Key961B73FD" in json.dumps(key_arn)  # the platform key's pinned logical id


def test_guardrail_version_is_published_and_old_versions_survive_updates(dev: Template) -> None:
    version = next(iter(resources(dev, "AWS::Bedrock::GuardrailVersion").values()))
    assert version["Properties"]["GuardrailIdentifier"] == {"Fn::GetAtt": ["novaliteGuardrail559A7442", "GuardrailId"]}
    assert version["UpdateReplacePolicy"] == "Retain"


def _version_description(config: GuardrailConfig) -> str:
    stack = cdk.Stack(cdk.App(), "G")
    key = cdk.aws_kms.Key(stack, "K")
    Guardrail(stack, "Guard", name="g", description="d", config=config, key=key)
    version = next(iter(Template.from_stack(stack).find_resources("AWS::Bedrock::GuardrailVersion").values()))
    return str(version["Properties"]["Description"])


def test_guardrail_change_publishes_a_new_version() -> None:
    base = GuardrailConfig.model_validate({"content_filters": {"hate": {"input": "high", "output": "high"}}})
    same = GuardrailConfig.model_validate({"content_filters": {"hate": {"input": "high", "output": "high"}}})
    changed = GuardrailConfig.model_validate({"content_filters": {"hate": {"input": "high", "output": "low"}}})
    assert _version_description(base) == _version_description(same)
    assert _version_description(base) != _version_description(changed)


def test_contextual_grounding_and_words_are_mapped() -> None:
    config = GuardrailConfig.model_validate({"word_filters": {"words": ["acme-internal"]},
                                             "contextual_grounding": {"grounding": 0.8, "relevance": 0.5}})
    stack = cdk.Stack(cdk.App(), "G")
    Guardrail(stack, "Guard", name="g", description="d", config=config, key=cdk.aws_kms.Key(stack, "K"))
    Template.from_stack(stack).has_resource_properties("AWS::Bedrock::Guardrail", {
        "WordPolicyConfig": {"WordsConfig": [{"Text": "acme-internal"}]},
        "ContextualGroundingPolicyConfig": {"FiltersConfig": [{"Type": "GROUNDING", "Threshold": 0.8},
                                                              {"Type": "RELEVANCE", "Threshold": 0.5}]},
    })
