"""publish_endpoint / publish_knowledge_base: one SSM parameter each, named by the Naming, whose
JSON keeps nulls and splices string tokens."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from stacks.common.discovery import discovery_json, publish_endpoint, publish_knowledge_base
from tests.infra.constructs import NAMING, bare_stack


def test_endpoint_parameter_is_named_by_the_naming_and_keeps_nulls() -> None:
    stack = bare_stack()
    publish_endpoint(stack, NAMING, "chat", {"provider": "bedrock", "guardrail_id": None})
    (parameter,) = Template.from_stack(stack).find_resources("AWS::SSM::Parameter").values()
    assert parameter["Properties"]["Name"] == "/fmkit/demo/dev/models/chat/endpoint"
    assert json.loads(parameter["Properties"]["Value"]) == {"guardrail_id": None, "provider": "bedrock"}
    assert parameter["Properties"]["Description"] == "fmkit endpoint of model deployment chat (dev)"


def test_knowledge_parameter_splices_tokens() -> None:
    stack = bare_stack()
    bucket = s3.Bucket(stack, "B")
    publish_knowledge_base(stack, NAMING, "docs", {"bucket": bucket.bucket_name})
    (parameter,) = Template.from_stack(stack).find_resources("AWS::SSM::Parameter").values()
    assert parameter["Properties"]["Name"] == "/fmkit/demo/dev/knowledge/docs/query"
    assert stack.resolve(bucket.bucket_name) in parameter["Properties"]["Value"]["Fn::Join"][1]


def test_non_string_tokens_are_refused() -> None:
    stack = bare_stack()
    with pytest.raises(TypeError, match="non-string token"):
        discovery_json({"port": cdk.Token.as_number(s3.Bucket(stack, "B").bucket_name)})
