"""Every acknowledged cdk-nag finding of the default config gives a reason that names what the
finding is about: an IAM5 finding on `Resource::*` names each action the policy grants on `*`,
one on `Action::<service>:<Name>*` names that wildcard action, and a reason never names an
action (`service:Action`) the policy does not grant — a reason copied from another role is
caught here instead of misleading a reviewer."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import cx_api
from constructs import IConstruct

from fmkit.validate import load_validated
from stacks.app_builder import build_app
from tests.infra.conftest import ROOT, new_app, synth_checked

ACTION_IN_REASON = re.compile(r"\b([a-z0-9-]+):([A-Za-z*]+)")
WILDCARD_WORD = re.compile(r"[A-Za-z]*\*[A-Za-z]*")
# How a reason may name a whole service's actions instead of each action (case-insensitive).
SERVICE_WORDS = {"xray": ("x-ray",), "ssm": ("ssm agent",), "ssmmessages": ("ssm agent",),
                 "ec2messages": ("ssm agent",), "logs": ("log delivery",)}


class Finding:
    """One acknowledged finding on one resource, with the resource's policy statements."""

    def __init__(self, rule: str, path: str, reason: str, statements: list[dict[str, Any]]) -> None:
        self.rule, self.path, self.reason, self.statements = rule, path, reason, statements

    def condition_keys(self) -> set[str]:
        return {key for statement in self.statements for operator in statement.get("Condition", {}).values()
                for key in operator}

    def actions(self, *, on_any_resource: bool = False) -> list[str]:
        found: list[str] = []
        for statement in self.statements:
            resources = statement.get("Resource", [])
            if on_any_resource and "*" not in (resources if isinstance(resources, list) else [resources]):
                continue
            action = statement.get("Action", [])
            found += action if isinstance(action, list) else [action]
        return found


def names(reason: str, action: str) -> bool:
    """Whether `reason` names `action`: its name, a wildcard word that matches it, or its service."""
    service, name = action.split(":", 1)
    return (name in reason or any(fnmatch.fnmatchcase(name, word) for word in WILDCARD_WORD.findall(reason))
            or any(word in reason.lower() for word in SERVICE_WORDS.get(service, ())))


def problems(finding: Finding) -> list[str]:
    if not finding.rule.startswith("AwsSolutions-IAM5["):
        return []
    found = []
    if finding.rule == "AwsSolutions-IAM5[Resource::*]":
        found += [f"does not name {a}, granted on *" for a in finding.actions(on_any_resource=True)
                  if not names(finding.reason, a)]
    wildcard = re.fullmatch(r"AwsSolutions-IAM5\[Action::([a-z0-9-]+:[A-Za-z*]+)\]", finding.rule)
    if wildcard and wildcard[1].split(":")[1] not in finding.reason:
        found.append(f"does not name the wildcard action {wildcard[1]}")
    granted, conditions = finding.actions(), finding.condition_keys()
    for service, name in ACTION_IN_REASON.findall(finding.reason):
        claimed = f"{service}:{name}"
        if service in ("arn", "aws", "http", "https") or claimed in conditions:
            continue
        if not any(
                fnmatch.fnmatchcase(action, claimed) or fnmatch.fnmatchcase(claimed, action) for action in granted):
            found.append(f"names {claimed}, which the policy does not grant")
    return found


def policy_statements(construct: IConstruct, assembly: cx_api.CloudAssembly) -> list[dict[str, Any]]:
    """The statements of the IAM policy resource `construct` as synthesized (none for other resources)."""
    if not isinstance(construct, cdk.CfnElement):
        return []
    stack = cdk.Stack.of(construct)
    resource = assembly.get_stack_artifact(stack.artifact_id).template["Resources"][
        stack.resolve(construct.logical_id)]
    document = resource.get("Properties", {}).get("PolicyDocument")
    return list(document["Statement"]) if document is not None else []


def acknowledged_findings(app: cdk.App, assembly: cx_api.CloudAssembly, outdir: Path) -> Iterator[Finding]:
    by_path = {c.node.path: c for c in app.node.find_all()}
    report = json.loads((outdir / "validation-report.json").read_text())
    for plugin in report["pluginReports"]:
        if plugin["pluginName"] != "AwsSolutions":
            continue
        for violation in plugin["suppressedViolations"]:
            for construct in violation["violatingConstructs"]:
                path = construct["constructPath"]
                yield Finding(violation["ruleName"], path, violation["reason"],
                              policy_statements(by_path[path], assembly))


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    outdir = tmp_path_factory.mktemp("cdk-acknowledged")
    app = new_app(outdir)
    build_app(app, load_validated(ROOT / "model_configs").environments.values())
    assembly = synth_checked(app, outdir)
    return list(acknowledged_findings(app, assembly, outdir))


def test_every_acknowledgment_names_what_its_finding_is_about(findings: list[Finding]) -> None:
    assert len(findings) > 50  # the report was read
    failures = [f"{f.path} {f.rule}: {p}\n    reason: {f.reason}" for f in findings for p in problems(f)]
    assert not failures, "\n".join(failures)


def test_a_reason_about_another_role_is_caught() -> None:
    ecr = [{"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}]
    wrong = Finding("AwsSolutions-IAM5[Resource::*]", "p", "ec2:CreateNetworkInterface has no resource ARN", ecr)
    assert problems(wrong) == ["does not name ecr:GetAuthorizationToken, granted on *",
                               "names ec2:CreateNetworkInterface, which the policy does not grant"]
    right = Finding("AwsSolutions-IAM5[Resource::*]", "p", "ecr:GetAuthorizationToken has no resource ARN", ecr)
    assert problems(right) == []
    kms = [{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:ReEncrypt*"], "Resource": "arn:aws:kms:k"}]
    silent = Finding("AwsSolutions-IAM5[Action::kms:ReEncrypt*]", "p", "the grant's actions on the key", kms)
    assert problems(silent) == ["does not name the wildcard action kms:ReEncrypt*"]
