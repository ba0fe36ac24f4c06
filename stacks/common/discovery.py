"""Publish a deployment's endpoint details to SSM, where apps and `fmkit eval` find them."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from fmkit.config import EnvironmentConfig
from fmkit.discovery import knowledge_parameter_name, parameter_name


def publish_endpoint(scope: Construct, config: EnvironmentConfig, deployment: str,
                     payload: dict[str, Any]) -> ssm.StringParameter:
    """SSM parameter `/fmkit/<project>/<env>/models/<deployment>/endpoint` = JSON payload."""
    return ssm.StringParameter(
        scope, "EndpointParameter",
        parameter_name=parameter_name(config.project.name, config.name, deployment),
        string_value=cdk.Stack.of(scope).to_json_string(payload) if _has_tokens(payload) else json.dumps(
            payload, sort_keys=True),
        description=f"fmkit endpoint of model deployment {deployment} ({config.name})",
    )


def publish_knowledge_base(scope: Construct, config: EnvironmentConfig, name: str,
                           payload: dict[str, Any]) -> ssm.StringParameter:
    return ssm.StringParameter(
        scope, "QueryParameter",
        parameter_name=knowledge_parameter_name(config.project.name, config.name, name),
        string_value=cdk.Stack.of(scope).to_json_string(payload),
        description=f"fmkit query endpoint of knowledge base {name} ({config.name})",
    )


def _has_tokens(payload: dict[str, Any]) -> bool:
    return any(cdk.Token.is_unresolved(v) for v in payload.values() if v is not None)
