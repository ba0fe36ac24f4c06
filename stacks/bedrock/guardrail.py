"""A Bedrock guardrail from config, KMS-encrypted, published as an immutable version.

A `GuardrailVersion` is a snapshot: CloudFormation only creates a new one when the
resource is replaced, so its description carries a hash of the guardrail's policies —
any policy change replaces it and publishes a new version. The old version is retained
(UpdateReplacePolicy) so running clients pinned to it keep working until they move.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_kms as kms
from constructs import Construct

from fmkit.config.providers.bedrock import GuardrailConfig


def guardrail_policies(config: GuardrailConfig) -> dict[str, Any]:
    """CloudFormation policy properties (camel-cased, as in the template) for a guardrail config."""
    policies: dict[str, Any] = {}
    if config.content_filters:
        policies["ContentPolicyConfig"] = {"FiltersConfig": [
            {"Type": category.upper(), "InputStrength": f.input.upper(), "OutputStrength": f.output.upper()}
            for category, f in sorted(config.content_filters.items())
        ]}
    if config.denied_topics:
        policies["TopicPolicyConfig"] = {"TopicsConfig": [
            {"Name": t.name, "Definition": t.definition, "Type": "DENY",
             **({"Examples": t.examples} if t.examples else {})}
            for t in config.denied_topics
        ]}
    words = config.word_filters
    if words.words or words.profanity:
        word_policy: dict[str, Any] = {}
        if words.words:
            word_policy["WordsConfig"] = [{"Text": w} for w in words.words]
        if words.profanity:
            word_policy["ManagedWordListsConfig"] = [{"Type": "PROFANITY"}]
        policies["WordPolicyConfig"] = word_policy
    if config.pii:
        policies["SensitiveInformationPolicyConfig"] = {"PiiEntitiesConfig": [
            {"Type": entity, "Action": action.upper()} for entity, action in sorted(config.pii.items())
        ]}
    grounding = config.contextual_grounding
    filters = [{"Type": kind, "Threshold": value}
               for kind, value in (("GROUNDING", grounding.grounding), ("RELEVANCE", grounding.relevance))
               if value is not None]
    if filters:
        policies["ContextualGroundingPolicyConfig"] = {"FiltersConfig": filters}
    return policies


class Guardrail(Construct):
    """`AWS::Bedrock::Guardrail` + `AWS::Bedrock::GuardrailVersion`."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, description: str,
                 config: GuardrailConfig, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        policies = guardrail_policies(config)
        self.guardrail = bedrock.CfnGuardrail(
            self, "Guardrail",
            name=name,
            description=description,
            blocked_input_messaging=config.blocked_input_message,
            blocked_outputs_messaging=config.blocked_output_message,
            kms_key_arn=key.key_arn,
        )
        # Raw CloudFormation casing: the mapping above is what the tests and docs describe.
        for prop, value in policies.items():
            self.guardrail.add_property_override(prop, value)
        fingerprint = hashlib.sha256(json.dumps(
            [policies, config.blocked_input_message, config.blocked_output_message], sort_keys=True
        ).encode()).hexdigest()[:16]
        self.version = bedrock.CfnGuardrailVersion(
            self, "Version",
            guardrail_identifier=self.guardrail.attr_guardrail_id,
            description=f"fmkit {name} policies sha256:{fingerprint}",
        )
        self.version.apply_removal_policy(cdk.RemovalPolicy.RETAIN, apply_to_update_replace_policy=True)
        self.version.cfn_options.deletion_policy = cdk.CfnDeletionPolicy.DELETE
        self.fingerprint = fingerprint

    @property
    def guardrail_id(self) -> str:
        return self.guardrail.attr_guardrail_id

    @property
    def guardrail_arn(self) -> str:
        return self.guardrail.attr_guardrail_arn

    @property
    def version_number(self) -> str:
        return self.version.attr_version
