"""Publish a deployment's endpoint details to SSM, where apps and `fmkit eval` find them."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from stacks.common.naming import Naming


def discovery_json(payload: dict[str, Any]) -> str:
    """JSON text of a discovery payload that keeps `null`s and splices in string tokens.

    `Stack.to_json_string` would drop None values (jsii passes them as undefined), but readers
    rely on every documented key being present. String tokens (ARNs, names, DNS names) are
    embedded as-is and become an `Fn::Join`; they never contain quotes or backslashes.
    """
    for key, value in payload.items():
        if value is not None and not isinstance(value, str) and cdk.Token.is_unresolved(value):
            raise TypeError(f"discovery value {key!r} is a non-string token; pass a string")
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


def publish_endpoint(scope: Construct, naming: Naming, deployment: str,
                     payload: dict[str, Any]) -> ssm.StringParameter:
    """SSM parameter `/fmkit/<project>/<env>/models/<deployment>/endpoint` = JSON payload."""
    return ssm.StringParameter(
        scope, "EndpointParameter",
        parameter_name=naming.endpoint_parameter(deployment),
        string_value=discovery_json(payload),
        description=f"fmkit endpoint of model deployment {deployment} ({naming.environment})",
    )


def publish_knowledge_base(scope: Construct, naming: Naming, name: str,
                           payload: dict[str, Any]) -> ssm.StringParameter:
    """SSM parameter `/fmkit/<project>/<env>/knowledge/<kb>/query` = JSON payload."""
    return ssm.StringParameter(
        scope, "QueryParameter",
        parameter_name=naming.knowledge_parameter(name),
        string_value=discovery_json(payload),
        description=f"fmkit query endpoint of knowledge base {name} ({naming.environment})",
    )
