"""The Bedrock stack: inference profiles, least-privilege invoke policies (incl. cross-region
and global routing), guardrails mapped from config, and the invocation-logging custom resource.

Synthesized with only the Platform and Bedrock stacks (same ids, tagging aspect and cdk-nag
plugin as the real stage), so other capabilities' work in progress cannot mask these results.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from fmkit.catalog import bedrock as catalog
from fmkit.config import EnvironmentConfig
from fmkit.config.providers.bedrock import GuardrailConfig
from fmkit.validate import load_validated
from stacks.bedrock.guardrail import Guardrail
from stacks.bedrock.model_access import profile_name
from stacks.bedrock.stack import BedrockStack
from stacks.platform import PlatformStack
from tests.helpers import load_env
from tests.infra.conftest import ROOT, only_provider
from tests.infra.conftest import synth as synth_environments

NOVA = "amazon.nova-lite-v1:0"
SONNET4 = "anthropic.claude-sonnet-4-20250514-v1:0"
INVOKE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]

CUSTOM_FILES: dict[str, str | None] = {
    "environments/dev.yaml": """
        account: "333333333333"
        region: us-east-1
    """,
    # Global profile, an existing consumer role, S3-only logging.
    "models/claude.yaml": f"""
        provider: bedrock
        model_id: {SONNET4}
        cross_region: global
        consumers:
          role_arns: [arn:aws:iam::333333333333:role/team/support-assistant]
        invocation_logging:
          s3: {{expire_after_days: 90, infrequent_access_after_days: null}}
          include_text: false
    """,
    # In-region foundation model, no guardrail, no consumers.
    "models/micro.yaml": """
        provider: bedrock
        model_id: amazon.nova-micro-v1:0
        cross_region: none
    """,
    # A model that is switched off must leave no trace.
    "models/off.yaml": f"""
        provider: bedrock
        model_id: {NOVA}
        cross_region: geo
        enabled: false
    """,
}


def synth(environments: list[EnvironmentConfig], outdir: Path) -> dict[str, Template]:
    """Platform + Bedrock per environment (nothing else), with cdk-nag; "<env>/<StackId>" → Template."""
    return synth_environments([only_provider(env, "bedrock", opt_in_stacks=False) for env in environments], outdir)


@pytest.fixture(scope="module")
def default_bedrock(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Template]:
    loaded = load_validated(ROOT / "model_configs")
    return synth(list(loaded.environments.values()), tmp_path_factory.mktemp("cdk-bedrock-default"))


@pytest.fixture(scope="module")
def dev(default_bedrock: dict[str, Template]) -> Template:
    return default_bedrock["dev/Bedrock"]


@pytest.fixture(scope="module")
def prod(default_bedrock: dict[str, Template]) -> Template:
    return default_bedrock["prod/Bedrock"]


@pytest.fixture(scope="module")
def custom_outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdk-bedrock")


@pytest.fixture(scope="module")
def custom_env(tmp_path_factory: pytest.TempPathFactory) -> EnvironmentConfig:
    return load_env(tmp_path_factory.mktemp("cfg-bedrock"), CUSTOM_FILES)


@pytest.fixture(scope="module")
def custom(custom_env: EnvironmentConfig, custom_outdir: Path) -> Template:
    return synth([custom_env], custom_outdir)["dev/Bedrock"]


def resources(template: Template, kind: str) -> dict[str, Any]:
    return dict(template.find_resources(kind))


def one(template: Template, kind: str, **match: Any) -> dict[str, Any]:
    found = [r for r in resources(template, kind).values()
             if all(r["Properties"].get(k) == v for k, v in match.items())]
    assert len(found) == 1, found
    return found[0]


def statements(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s.get("Sid", f"#{i}"): s for i, s in enumerate(policy["Properties"]["PolicyDocument"]["Statement"])}


def invoke_policy(template: Template, name: str) -> dict[str, dict[str, Any]]:
    return statements(one(template, "AWS::IAM::ManagedPolicy", ManagedPolicyName=name))


def tags(resource: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resource["Properties"]["Tags"]}


# --- the application inference profile ------------------------------------------------

def test_profile_copies_the_geo_system_profile_of_each_environment(dev: Template, prod: Template) -> None:
    dev.has_resource_properties("AWS::Bedrock::ApplicationInferenceProfile", {
        "InferenceProfileName": Match.string_like_regexp(r"^fmkit-demo-dev-nova-lite-[0-9a-f]{6}$"),
        "ModelSource": {"CopyFrom": "arn:aws:bedrock:eu-west-1:111111111111:inference-profile/eu." + NOVA}})
    prod.has_resource_properties("AWS::Bedrock::ApplicationInferenceProfile", {
        "InferenceProfileName": Match.string_like_regexp(r"^fmkit-demo-prod-nova-lite-[0-9a-f]{6}$"),
        "ModelSource": {"CopyFrom": "arn:aws:bedrock:us-east-1:222222222222:inference-profile/us." + NOVA}})


def test_profile_carries_mandatory_and_model_tags(dev: Template) -> None:
    profile = one(dev, "AWS::Bedrock::ApplicationInferenceProfile")
    expected = {"fmkit:project": "fmkit-demo", "fmkit:environment": "dev", "fmkit:owner": "platform-team@example.com",
                "fmkit:cost-center": "CC-1042", "fmkit:model": "nova-lite", "team": "ml-platform"}
    assert expected.items() <= tags(profile).items()
    guardrail = one(dev, "AWS::Bedrock::Guardrail")
    assert tags(guardrail)["fmkit:model"] == "nova-lite" and tags(guardrail)["fmkit:cost-center"] == "CC-1042"


def test_in_region_profile_copies_the_foundation_model(custom: Template) -> None:
    custom.has_resource_properties("AWS::Bedrock::ApplicationInferenceProfile", {
        "InferenceProfileName": Match.string_like_regexp("^demo-dev-micro-"),
        "ModelSource": {"CopyFrom": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"}})


def test_logical_ids_of_stateful_resources_are_pinned(dev: Template) -> None:
    """Renaming these would replace them: a new profile ARN, guardrail id, or an orphaned log bucket."""
    assert list(resources(dev, "AWS::Bedrock::ApplicationInferenceProfile")) == ["novaliteInferenceProfile8D98E47B"]
    assert list(resources(dev, "AWS::Bedrock::Guardrail")) == ["novaliteGuardrail559A7442"]
    assert list(resources(dev, "AWS::S3::Bucket")) == ["InvocationLoggingBucketF12B4122"]
    assert "InvocationLoggingLogGroupEDBFE163" in resources(dev, "AWS::Logs::LogGroup")


def test_disabled_models_get_nothing(custom: Template) -> None:
    names = {r["Properties"]["InferenceProfileName"].rsplit("-", 1)[0]
             for r in resources(custom, "AWS::Bedrock::ApplicationInferenceProfile").values()}
    assert names == {"demo-dev-claude", "demo-dev-micro"}


def test_profile_name_changes_with_its_source_so_replacement_cannot_collide() -> None:
    geo = profile_name("fmkit-demo-dev", "chat", "arn:aws:bedrock:eu-west-1:1:inference-profile/eu.m")
    same = profile_name("fmkit-demo-dev", "chat", "arn:aws:bedrock:eu-west-1:1:inference-profile/eu.m")
    direct = profile_name("fmkit-demo-dev", "chat", "arn:aws:bedrock:eu-west-1::foundation-model/m")
    assert geo == same != direct and geo.startswith("fmkit-demo-dev-chat-")
    long = profile_name("p" * 40, "d" * 40, "arn")
    assert len(long) <= 64 and re.fullmatch(r"([0-9a-zA-Z][ _-]?)+", long)


def test_no_bedrock_stack_without_bedrock_models(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    env = load_env(tmp_path, {"models/micro.yaml": "provider: bedrock\nmodel_id: amazon.nova-micro-v1:0\n"
                                                   "cross_region: geo\nenabled: false\n"})
    templates = synth([env], tmp_path_factory.mktemp("cdk-none"))
    assert "dev/Bedrock" not in templates and "dev/Platform" in templates


# --- invoke policies ---------------------------------------------------------------------

# The eu./us. Nova Lite profiles route to these regions (catalog snapshot, written out here so a
# routing or ARN-building mistake cannot hide behind the same catalog lookup the stack uses).
NOVA_EU_DESTINATIONS = ["eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-3"]
NOVA_US_DESTINATIONS = ["us-east-1", "us-east-2", "us-west-2"]


def test_geo_policy_names_the_profiles_and_every_destination_model(dev: Template) -> None:
    policy = invoke_policy(dev, "fmkit-demo-dev-nova-lite-bedrock-invoke")
    app_profile = {"Fn::GetAtt": ["novaliteInferenceProfile8D98E47B", "InferenceProfileArn"]}
    system_profile = "arn:aws:bedrock:eu-west-1:111111111111:inference-profile/eu." + NOVA
    assert policy["InvokeApplicationInferenceProfile"]["Resource"] == app_profile
    assert policy["InvokeSystemInferenceProfile"]["Resource"] == system_profile
    models = policy["InvokeFoundationModelViaProfile"]
    assert models["Resource"] == [f"arn:aws:bedrock:{r}::foundation-model/{NOVA}" for r in NOVA_EU_DESTINATIONS]
    profile = catalog.system_profile(NOVA, "eu", "eu-west-1")
    assert profile is not None and sorted(profile.destination_regions) == NOVA_EU_DESTINATIONS
    assert models["Condition"]["StringEquals"]["bedrock:InferenceProfileArn"] == [app_profile, system_profile]
    for sid in ("InvokeApplicationInferenceProfile", "InvokeSystemInferenceProfile", "InvokeFoundationModelViaProfile"):
        assert sorted(policy[sid]["Action"]) == INVOKE


def test_us_geo_policy_names_exactly_the_us_destination_models(prod: Template) -> None:
    policy = invoke_policy(prod, "fmkit-demo-prod-nova-lite-bedrock-invoke")
    assert policy["InvokeSystemInferenceProfile"]["Resource"] == \
        "arn:aws:bedrock:us-east-1:222222222222:inference-profile/us." + NOVA
    assert policy["InvokeFoundationModelViaProfile"]["Resource"] == [
        f"arn:aws:bedrock:{r}::foundation-model/{NOVA}" for r in NOVA_US_DESTINATIONS]
    assert not [arn for arn in policy["InvokeFoundationModelViaProfile"]["Resource"] if ":eu-" in arn]


def test_enforced_guardrail_conditions_every_allow_and_denies_unguarded_calls(dev: Template) -> None:
    policy = invoke_policy(dev, "fmkit-demo-dev-nova-lite-bedrock-invoke")
    (guardrail_id,) = resources(dev, "AWS::Bedrock::Guardrail")
    (version_id,) = resources(dev, "AWS::Bedrock::GuardrailVersion")
    # arn:aws:bedrock:<region>:<account>:guardrail/<id>:<version>, the condition key's documented form
    required = {"Fn::Join": ["", [{"Fn::GetAtt": [guardrail_id, "GuardrailArn"]}, ":",
                                  {"Fn::GetAtt": [version_id, "Version"]}]]}
    for sid in ("InvokeApplicationInferenceProfile", "InvokeSystemInferenceProfile", "InvokeFoundationModelViaProfile"):
        assert policy[sid]["Effect"] == "Allow"
        assert policy[sid]["Condition"]["StringEquals"]["bedrock:GuardrailIdentifier"] == required, sid
    deny = policy["DenyInvokeWithoutGuardrail"]
    assert deny["Effect"] == "Deny" and sorted(deny["Action"]) == INVOKE
    assert deny["Resource"] == {"Fn::GetAtt": ["novaliteInferenceProfile8D98E47B", "InferenceProfileArn"]}
    assert deny["Condition"] == {"StringNotEquals": {"bedrock:GuardrailIdentifier": required}}


def test_models_without_guardrail_have_no_guardrail_condition(custom: Template) -> None:
    for name in ("demo-dev-claude-bedrock-invoke", "demo-dev-micro-bedrock-invoke"):
        policy = invoke_policy(custom, name)
        assert "DenyInvokeWithoutGuardrail" not in policy
        assert "GuardrailIdentifier" not in json.dumps(policy)


def test_guardrail_enforce_false_keeps_the_guardrail_but_not_the_condition(tmp_path: Path) -> None:
    model = ("provider: bedrock\nmodel_id: amazon.nova-micro-v1:0\ncross_region: geo\n"
             "guardrail:\n  enforce: false\n  content_filters: {hate: {input: high, output: high}}\n")
    env = load_env(tmp_path, {"models/micro.yaml": model})
    stage = cdk.Stage(cdk.App(), "dev", env=cdk.Environment(account=env.account, region=env.region))
    bedrock = BedrockStack(stage, "Bedrock", config=env, platform=PlatformStack(stage, "Platform", config=env))
    template = Template.from_stack(bedrock)
    template.resource_count_is("AWS::Bedrock::GuardrailVersion", 1)
    policy = invoke_policy(template, "demo-dev-micro-bedrock-invoke")
    assert "ApplyGuardrail" in policy and "DenyInvokeWithoutGuardrail" not in policy
    assert "GuardrailIdentifier" not in json.dumps(policy)


def test_policy_applies_the_guardrail_and_decrypts_only_via_bedrock(dev: Template) -> None:
    policy = invoke_policy(dev, "fmkit-demo-dev-nova-lite-bedrock-invoke")
    assert policy["ApplyGuardrail"] == {"Sid": "ApplyGuardrail", "Effect": "Allow", "Action": "bedrock:ApplyGuardrail",
                                        "Resource": {"Fn::GetAtt": ["novaliteGuardrail559A7442", "GuardrailArn"]}}
    assert policy["DecryptGuardrailViaBedrock"]["Action"] == "kms:Decrypt"
    assert policy["DecryptGuardrailViaBedrock"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "bedrock.eu-west-1.amazonaws.com"}}


def test_global_policy_allows_the_regionless_model_only_via_the_profile(custom: Template) -> None:
    policy = invoke_policy(custom, "demo-dev-claude-bedrock-invoke")
    system_profile = "arn:aws:bedrock:us-east-1:333333333333:inference-profile/global." + SONNET4
    profile_id = next(k for k in resources(custom, "AWS::Bedrock::ApplicationInferenceProfile")
                      if k.startswith("claude"))
    app_profile = {"Fn::GetAtt": [profile_id, "InferenceProfileArn"]}
    assert set(policy) == {"InvokeApplicationInferenceProfile", "InvokeSystemInferenceProfile",
                           "InvokeFoundationModelInSourceRegion", "InvokeFoundationModelGlobally"}
    assert policy["InvokeSystemInferenceProfile"]["Resource"] == system_profile
    in_region = policy["InvokeFoundationModelInSourceRegion"]
    assert in_region["Resource"] == "arn:aws:bedrock:us-east-1::foundation-model/" + SONNET4
    assert in_region["Condition"]["StringEquals"]["aws:RequestedRegion"] == "us-east-1"
    worldwide = policy["InvokeFoundationModelGlobally"]
    assert worldwide["Resource"] == "arn:aws:bedrock:::foundation-model/" + SONNET4
    assert worldwide["Condition"]["StringEquals"]["aws:RequestedRegion"] == "unspecified"
    assert worldwide["Condition"]["StringEquals"]["bedrock:InferenceProfileArn"] == [app_profile, system_profile]
    assert in_region["Condition"]["StringEquals"]["bedrock:InferenceProfileArn"] == [app_profile, system_profile]


def test_in_region_policy_names_one_model_and_no_system_profile(custom: Template) -> None:
    policy = invoke_policy(custom, "demo-dev-micro-bedrock-invoke")
    assert set(policy) == {"InvokeApplicationInferenceProfile", "InvokeFoundationModelViaProfile"}
    assert policy["InvokeFoundationModelViaProfile"]["Resource"] == \
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"


def test_invoke_policies_have_no_wildcard_resources(dev: Template, custom: Template) -> None:
    for template in (dev, custom):
        for policy in resources(template, "AWS::IAM::ManagedPolicy").values():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                assert all("*" not in json.dumps(t) for t in targets), statement


def test_policy_is_attached_to_the_app_role_and_existing_roles(dev: Template, custom: Template) -> None:
    role = one(dev, "AWS::IAM::Role", Description="Application role allowed to invoke nova-lite (dev)")
    principals = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
    assert sorted(principals) == ["ecs-tasks.amazonaws.com", "lambda.amazonaws.com"]
    assert role["Properties"]["ManagedPolicyArns"] == [{"Ref": "novaliteInvokePolicyCB95A4B1"}]
    claude = one(custom, "AWS::IAM::ManagedPolicy", ManagedPolicyName="demo-dev-claude-bedrock-invoke")
    assert claude["Properties"]["Roles"] == ["support-assistant"]
    micro = one(custom, "AWS::IAM::ManagedPolicy", ManagedPolicyName="demo-dev-micro-bedrock-invoke")
    assert "Roles" not in micro["Properties"]


# --- guardrails -------------------------------------------------------------------------

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


# --- discovery and outputs ----------------------------------------------------------------

def test_endpoint_is_published_to_ssm(dev: Template) -> None:
    parameter = one(dev, "AWS::SSM::Parameter", Name="/fmkit/fmkit-demo/dev/models/nova-lite/endpoint")
    value = json.dumps(parameter["Properties"]["Value"])
    for key in ("provider", "inference_profile_arn", "guardrail_id", "guardrail_version", "invoke_policy_arn"):
        assert f'\\"{key}\\"' in value
    assert '\\"provider\\":\\"bedrock\\"' in value


def test_endpoint_without_guardrail_publishes_null(custom: Template) -> None:
    """Every documented key is present: a model without a guardrail says so with null."""
    parameter = one(custom, "AWS::SSM::Parameter", Name="/fmkit/demo/dev/models/micro/endpoint")
    body = "".join(p for p in parameter["Properties"]["Value"]["Fn::Join"][1] if isinstance(p, str))
    assert '"inference_profile_arn":"' in body
    assert '"guardrail_id":null' in body and '"guardrail_version":null' in body


def test_stack_outputs_profile_and_guardrail(dev: Template) -> None:
    outputs = dev.to_json()["Outputs"]
    by_prefix = {k.rstrip("0123456789ABCDEF") for k in outputs}
    assert {"novaliteInferenceProfileArn", "novaliteGuardrailId", "novaliteGuardrailVersion",
            "novaliteInvokePolicyArn", "novaliteAppRoleArn"} <= by_prefix


# --- invocation logging ------------------------------------------------------------------

def logging_config(template: Template) -> str:
    resource = next(iter(resources(template, "Custom::BedrockInvocationLogging").values()))
    return json.dumps(resource["Properties"]["LoggingConfig"])


def test_one_logging_configuration_per_environment(dev: Template, custom: Template) -> None:
    dev.resource_count_is("Custom::BedrockInvocationLogging", 1)
    custom.resource_count_is("Custom::BedrockInvocationLogging", 1)


def test_logging_configuration_points_at_both_destinations(dev: Template) -> None:
    config = logging_config(dev)
    for fragment in ('\\"textDataDeliveryEnabled\\":true', '\\"imageDataDeliveryEnabled\\":false',
                     '\\"s3Config\\":{\\"bucketName\\":', '\\"cloudWatchConfig\\":{\\"logGroupName\\":',
                     '\\"largeDataDeliveryS3Config\\"', "InvocationLoggingDeliveryRole7BF940C7"):
        assert fragment in config


def test_s3_only_logging_has_no_role_and_no_log_group(custom: Template) -> None:
    config = logging_config(custom)
    assert "cloudWatchConfig" not in config and '\\"textDataDeliveryEnabled\\":false' in config
    assert not [r for r in resources(custom, "AWS::IAM::Role").values()
                if "bedrock.amazonaws.com" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])]
    handler_policy = json.dumps(resources(custom, "AWS::IAM::Policy"))
    assert "iam:PassRole" not in handler_policy


def test_logging_bucket_is_kms_encrypted_tls_only_with_lifecycle(dev: Template, custom: Template) -> None:
    dev.has_resource_properties("AWS::S3::Bucket", {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [Match.object_like({
            "BucketKeyEnabled": True,
            "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": Match.any_value()}})]},
        "LoggingConfiguration": {"DestinationBucketName": Match.any_value(),
                                 "LogFilePrefix": "bedrock-invocation-logs/"},
        "LifecycleConfiguration": {"Rules": [Match.object_like({
            "ExpirationInDays": 365, "Status": "Enabled",
            "Transitions": [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}]})]},
    })
    custom.has_resource_properties("AWS::S3::Bucket", {"LifecycleConfiguration": {"Rules": [
        Match.object_like({"ExpirationInDays": 90, "Transitions": Match.absent()})]}})
    dev.has_resource_properties("AWS::S3::BucketPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})


def test_only_this_accounts_bedrock_may_write_logs(dev: Template, default_bedrock: dict[str, Template]) -> None:
    source = {"StringEquals": {"aws:SourceAccount": "111111111111"},
              "ArnLike": {"aws:SourceArn": "arn:aws:bedrock:eu-west-1:111111111111:*"}}
    dev.has_resource_properties("AWS::S3::BucketPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Sid": "BedrockWritesInvocationLogs", "Action": "s3:PutObject",
                           "Principal": {"Service": "bedrock.amazonaws.com"}, "Condition": source})])}})
    default_bedrock["dev/Platform"].has_resource_properties("AWS::KMS::Key", {"KeyPolicy": {
        "Statement": Match.array_with([Match.object_like({
            "Sid": "AllowBedrockInvocationLoggingToS3", "Action": "kms:GenerateDataKey",
            "Principal": {"Service": "bedrock.amazonaws.com"}, "Condition": source})])}})
    dev.has_resource_properties("AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": [
        Match.object_like({"Principal": {"Service": "bedrock.amazonaws.com"}, "Condition": source})]}})


def test_delivery_role_writes_only_bedrocks_stream(dev: Template) -> None:
    dev.has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": {"Statement": [{
        "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": {"Fn::Join": ["", ["arn:aws:logs:eu-west-1:111111111111:log-group:",
                                       {"Ref": "InvocationLoggingLogGroupEDBFE163"},
                                       ":log-stream:aws/bedrock/modelinvocations"]]}}]}})
    dev.has_resource_properties("AWS::Logs::LogGroup", {
        "LogGroupName": "/fmkit/fmkit-demo/dev/bedrock/model-invocations", "RetentionInDays": 14,
        "KmsKeyId": Match.any_value()})


def test_handler_may_configure_logging_and_pass_only_the_delivery_role(dev: Template) -> None:
    handler = [p for p in resources(dev, "AWS::IAM::Policy").values()
               if "ConfigureInvocationLogging" in json.dumps(p)]
    assert len(handler) == 1
    by_sid = statements(handler[0])
    assert by_sid["ConfigureInvocationLogging"]["Action"] == [
        "bedrock:DeleteModelInvocationLoggingConfiguration", "bedrock:GetModelInvocationLoggingConfiguration",
        "bedrock:PutModelInvocationLoggingConfiguration"]
    assert by_sid["PassDeliveryRoleToBedrock"] == {
        "Sid": "PassDeliveryRoleToBedrock", "Effect": "Allow", "Action": "iam:PassRole",
        "Resource": {"Fn::GetAtt": ["InvocationLoggingDeliveryRole7BF940C7", "Arn"]},
        "Condition": {"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}}}


def test_handler_is_arm64_python_with_encrypted_logs(dev: Template) -> None:
    dev.has_resource_properties("AWS::Lambda::Function", {
        "Handler": "handler.handler", "Architectures": ["arm64"], "Runtime": Match.string_like_regexp("^python3"),
        "KmsKeyArn": Match.any_value(), "TracingConfig": {"Mode": "Active"}})


def test_custom_resource_keeps_its_service_token_through_the_provider_framework(dev: Template) -> None:
    """CloudFormation refuses to change a custom resource's ServiceToken: the provider framework's
    entry function took over the logical id (and ARN) of the function that served it before."""
    resource = next(iter(resources(dev, "Custom::BedrockInvocationLogging").values()))
    assert resource["Properties"]["ServiceToken"] == {"Fn::GetAtt": ["InvocationLoggingHandlerFunctionB641437E", "Arn"]}
    entry = resources(dev, "AWS::Lambda::Function")["InvocationLoggingHandlerFunctionB641437E"]["Properties"]
    assert entry["Handler"] == "framework.onEvent"


def test_custom_resource_waits_for_its_destinations(dev: Template) -> None:
    resource = next(iter(resources(dev, "Custom::BedrockInvocationLogging").values()))
    assert sorted(resource["DependsOn"]) == ["InvocationLoggingBucketPolicyB5B55033",
                                             "InvocationLoggingDeliveryRoleDefaultPolicy02040DAF"]


def test_only_justified_acknowledgments(custom: Template, custom_outdir: Path) -> None:
    """The Bedrock stack acknowledges two findings: on the handler role, for wildcard-only actions, and
    on the provider framework's role, for the function versions CDK's grantInvoke adds."""
    report = json.loads((custom_outdir / "validation-report.json").read_text())
    acknowledged = sorted((v["ruleName"], c["constructPath"], v["reason"])
                          for plugin in report["pluginReports"] for v in plugin["suppressedViolations"]
                          for c in v["violatingConstructs"] if "/Bedrock/" in c["constructPath"])
    assert [(rule, path) for rule, path, _ in acknowledged] == [
        ("AwsSolutions-IAM5[Resource::*]", "dev/Bedrock/InvocationLogging/OnEvent/Role/DefaultPolicy/Resource"),
        ("AwsSolutions-IAM5[Resource::<InvocationLoggingOnEventFunctionDED10DB6.Arn>:*]",
         "dev/Bedrock/InvocationLogging/Provider/OnEventRole/DefaultPolicy/Resource")]
    assert "without resource-level permissions" in acknowledged[0][2]
    assert "grantInvoke" in acknowledged[1][2]


def test_stage_adds_the_bedrock_stack_only_when_a_bedrock_model_is_enabled(tmp_path: Path) -> None:
    from stacks.stage import EnvironmentStage

    model = "provider: bedrock\nmodel_id: amazon.nova-micro-v1:0\ncross_region: geo\n"
    on = load_env(tmp_path / "on", {"models/micro.yaml": model})
    off = load_env(tmp_path / "off", {"models/micro.yaml": model + "enabled: false\n"})
    app = cdk.App(context={"aws:cdk:bundling-stacks": []})
    with_bedrock = EnvironmentStage(app, "on", config=on)
    without = EnvironmentStage(app, "off", config=off)
    assert isinstance(with_bedrock.stacks["Bedrock"], BedrockStack)
    assert with_bedrock.stacks["Bedrock"].stack_name == "demo-dev-bedrock"
    assert "Bedrock" not in without.stacks


def test_grant_invoke_attaches_the_policy_to_a_kit_role(tmp_path: Path) -> None:
    env = load_env(tmp_path, {"models/micro.yaml": "provider: bedrock\nmodel_id: amazon.nova-micro-v1:0\n"
                                                   "cross_region: geo\n"})
    app = cdk.App()
    stage = cdk.Stage(app, "dev", env=cdk.Environment(account=env.account, region=env.region))
    platform = PlatformStack(stage, "Platform", config=env)
    bedrock = BedrockStack(stage, "Bedrock", config=env, platform=platform)
    consumer = cdk.Stack(stage, "Consumer")
    role = cdk.aws_iam.Role(consumer, "FunctionRole", assumed_by=cdk.aws_iam.ServicePrincipal("lambda.amazonaws.com"))
    bedrock.grant_invoke("micro", role)
    arns = json.dumps(Template.from_stack(consumer).find_resources("AWS::IAM::Role"))
    assert "microInvokePolicy" in arns
    with pytest.raises(TypeError):
        bedrock.grant_invoke("micro", cdk.aws_iam.ServicePrincipal("lambda.amazonaws.com"))
