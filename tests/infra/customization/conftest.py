"""The customization example (examples/configs/customization) synthesized once, cdk-nag on: one Bedrock
and one sagemaker-peft customization, the latter served by a Graviton deployment."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from fmkit.validate import load_validated
from tests.infra.conftest import ROOT, synth

EXAMPLE = ROOT / "examples" / "configs" / "customization"


@pytest.fixture(scope="package")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Template]:
    loaded = load_validated(EXAMPLE)
    return synth(loaded.environments.values(), tmp_path_factory.mktemp("cdk-customization"))


@pytest.fixture(scope="package")
def customization(templates: dict[str, Template]) -> Template:
    return templates["dev/Customization"]


@pytest.fixture(scope="package")
def graviton(templates: dict[str, Template]) -> Template:
    return templates["dev/Graviton"]


def definition(template: Template, name: str) -> dict[str, Any]:
    """The state machine of customization `name` as ASL, tokens rendered as `<…>` placeholders."""
    for logical_id, resource in template.find_resources("AWS::StepFunctions::StateMachine").items():
        if logical_id.startswith(name):
            parts = resource["Properties"]["DefinitionString"]["Fn::Join"][1]
            text = "".join(p if isinstance(p, str) else "<token>" for p in parts)
            return dict(json.loads(text))
    raise KeyError(name)


def policy_statements(template: Template, role_prefix: str) -> list[dict[str, Any]]:
    """Every statement of the inline policies attached to roles whose logical id starts with `role_prefix`."""
    statements = []
    for resource in template.find_resources("AWS::IAM::Policy").values():
        roles = [r.get("Ref", "") for r in resource["Properties"]["Roles"]]
        if any(str(role).startswith(role_prefix) for role in roles):
            statements += resource["Properties"]["PolicyDocument"]["Statement"]
    return statements
