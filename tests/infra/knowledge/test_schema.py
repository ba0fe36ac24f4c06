"""The index job: a custom resource on CDK's provider framework whose waiter polls `is_complete`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from stacks.knowledge.schema import QUERY_INTERVAL, TOTAL_TIMEOUT
from tests.infra.knowledge.synth import one, python_functions


@pytest.fixture(params=["aurora", "opensearch"])
def template(request: pytest.FixtureRequest) -> Template:
    result: Template = request.getfixturevalue(request.param)
    return result


def _framework(template: Template) -> dict[str, Any]:
    """The provider framework's own (Node.js) functions, by entry point."""
    found = template.find_resources("AWS::Lambda::Function", {"Properties": {
        "Runtime": Match.string_like_regexp("nodejs")}})
    return {r["Properties"]["Handler"]: r for r in found.values()}


def test_the_custom_resource_goes_through_the_provider_framework(template: Template) -> None:
    _, schema = one(template, "Custom::KnowledgeSchema")
    framework = _framework(template)
    assert set(framework) == {"framework.onEvent", "framework.isComplete", "framework.onTimeout"}
    on_event_id = next(k for k, v in template.find_resources("AWS::Lambda::Function").items()
                       if v["Properties"]["Handler"] == "framework.onEvent")
    assert schema["Properties"]["ServiceToken"] == {"Fn::GetAtt": [on_event_id, "Arn"]}
    handlers = python_functions(template)
    assert {"handler.on_event:knowledge-schema", "handler.is_complete:knowledge-schema"} <= set(handlers)


def test_the_service_token_is_the_one_cloudformation_already_holds(template: Template) -> None:
    """CloudFormation refuses to change a custom resource's ServiceToken: the framework's entry
    function took over the logical id (and ARN) of the function that answered it before."""
    _, schema = one(template, "Custom::KnowledgeSchema")
    assert schema["Properties"]["ServiceToken"] == {"Fn::GetAtt": ["DocsSchemaFunction94262205", "Arn"]}
    entry = template.find_resources("AWS::Lambda::Function")["DocsSchemaFunction94262205"]["Properties"]
    assert entry["Handler"] == "framework.onEvent"


def test_the_waiter_polls_within_the_total_timeout(template: Template) -> None:
    machines = [m for m in template.find_resources("AWS::StepFunctions::StateMachine").values()
                if "framework-isComplete-task" in json.dumps(m["Properties"]["DefinitionString"])]
    assert len(machines) == 1
    definition = json.dumps(machines[0]["Properties"]["DefinitionString"])
    interval = int(QUERY_INTERVAL.to_seconds())
    attempts = int(TOTAL_TIMEOUT.to_seconds()) // interval
    assert f'\\"IntervalSeconds\\":{interval}' in definition and f'\\"MaxAttempts\\":{attempts}' in definition
    assert machines[0]["Properties"]["LoggingConfiguration"]["Level"] == "ALL"


def test_framework_logs_are_encrypted_with_retention_and_roles_are_ours(template: Template) -> None:
    framework = _framework(template)
    groups = {json.dumps(f["Properties"]["LoggingConfig"]["LogGroup"]) for f in framework.values()}
    assert len(groups) == 1
    group_id = json.loads(groups.pop())["Ref"]
    group = template.find_resources("AWS::Logs::LogGroup")[group_id]["Properties"]
    assert "KmsKeyId" in group and group["RetentionInDays"] > 0
    for function in framework.values():
        assert "KmsKeyArn" in function["Properties"]  # environment encrypted with the platform key
    roles = {json.dumps(f["Properties"]["Role"]) for f in framework.values()}
    for role in roles:
        role_id = json.loads(role)["Fn::GetAtt"][0]
        assert "ManagedPolicyArns" not in template.find_resources("AWS::IAM::Role")[role_id]["Properties"]
