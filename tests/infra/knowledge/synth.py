"""Synthesize Platform + Knowledge alone (with cdk-nag, cfn-lint and the mandatory tags), and
read what the knowledge tests look for in the templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from fmkit.config import EnvironmentConfig
from tests.helpers import load_env
from tests.infra.conftest import new_app, synth_checked, templates_of

DEV = """
    account: "111111111111"
    region: eu-west-1
    platform: {removal_policy: destroy}
"""


def knowledge_template(env: EnvironmentConfig, outdir: Path) -> Template:
    return knowledge_and_platform(env, outdir)[0]


def knowledge_and_platform(env: EnvironmentConfig, outdir: Path) -> tuple[Template, Template]:
    """Platform + Knowledge only, with cdk-nag and the mandatory tags, as the stage builds them.

    Isolated from the other capabilities' stacks so their work never decides these tests, while
    the config keeps every model (a SageMaker embedding is referenced by its deployment);
    raises NagViolations for any unacknowledged finding in ours.
    """
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from stacks.knowledge.stack import KnowledgeStack
    from stacks.platform import PlatformStack
    from stacks.tagging import MandatoryTags

    app = new_app(outdir)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks())
    stage = cdk.Stage(app, env.name, env=cdk.Environment(account=env.account, region=env.region))
    platform = PlatformStack(stage, "Platform", config=env, stack_name=f"{env.stack_prefix}-platform")
    stack = KnowledgeStack(stage, "Knowledge", config=env, platform=platform,
                           stack_name=f"{env.stack_prefix}-knowledge")
    MandatoryTags(env).apply(stage)
    templates = templates_of(synth_checked(app, outdir), {"Knowledge": stack, "Platform": platform})
    return templates["Knowledge"], templates["Platform"]


def kb_synth(tmp: pytest.TempPathFactory, body: str) -> Template:
    """The Knowledge template of a project whose one knowledge base `docs` is `body` (YAML)."""
    indented = "\n".join("        " + line for line in body.strip("\n").splitlines())
    project = f"""
    name: demo
    owner: team@example.com
    cost_center: CC-1
    knowledge_bases:
      docs:
{indented}
    """
    env = load_env(tmp.mktemp("cfg"), {"project.yaml": project, "environments/dev.yaml": DEV})
    return knowledge_template(env, tmp.mktemp("cdk"))


def one(template: Template, cfn_type: str) -> tuple[str, dict[str, Any]]:
    resources = template.find_resources(cfn_type)
    assert len(resources) == 1, list(resources)
    logical_id, resource = next(iter(resources.items()))
    return logical_id, dict(resource)


def python_functions(template: Template) -> dict[str, dict[str, Any]]:
    """Handler:service → properties of every Python function the knowledge stack deploys."""
    python = {"Properties": {"Runtime": Match.string_like_regexp("python")}}
    found = template.find_resources("AWS::Lambda::Function", python)
    return {r["Properties"]["Handler"] + ":" + r["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]:
            r["Properties"] for r in found.values()}


def policy_statements(template: Template) -> list[dict[str, Any]]:
    return [s for p in template.find_resources("AWS::IAM::Policy").values()
            for s in p["Properties"]["PolicyDocument"]["Statement"]]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
