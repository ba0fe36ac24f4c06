"""The Bedrock stack synthesized from the default config and from a custom one (global profile,
in-region model, disabled model, an existing consumer role, S3-only logging).

Only the Platform and Bedrock stacks (same ids, tagging aspect and cdk-nag plugin as the real
stage), so other capabilities' work in progress cannot mask these results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from fmkit.config import EnvironmentConfig
from fmkit.validate import load_validated
from tests.helpers import load_env
from tests.infra.conftest import ROOT, only_provider
from tests.infra.conftest import synth as synth_environments
from tests.infra.constructs import statements_by_sid

NOVA = "amazon.nova-lite-v1:0"
CLAUDE = "anthropic.claude-haiku-4-5-20251001-v1:0"  # a global profile (Claude Sonnet 4 has reached its end of life)
INVOKE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]

CUSTOM_FILES: dict[str, str | None] = {
    "environments/dev.yaml": """
        account: "333333333333"
        region: us-east-1
    """,
    # Global profile, an existing consumer role, S3-only logging.
    "models/claude.yaml": f"""
        provider: bedrock
        model_id: {CLAUDE}
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


def invoke_policy(template: Template, name: str) -> dict[str, dict[str, Any]]:
    return statements_by_sid(one(template, "AWS::IAM::ManagedPolicy", ManagedPolicyName=name))


def tags(resource: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resource["Properties"]["Tags"]}
