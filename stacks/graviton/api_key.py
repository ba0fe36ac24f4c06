"""The API key clients of a Graviton endpoint send: on by default, generated in Secrets Manager.

The generated secret is JSON `{"api_key": "<48 letters and digits>"}`: `fmkit eval`, the
evaluation function and the boot script all read its `api_key` field (a secret of your own may
also hold the bare key). It uses Secrets Manager's AWS-managed key, so reading it needs only
`secretsmanager:GetSecretValue` on its ARN, which is what the kit grants its callers.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from fmkit.config.providers.graviton import ServerConfig
from stacks.common.names import pascal
from stacks.nag import acknowledge

API_KEY_FIELD = "api_key"
API_KEY_LENGTH = 48


def api_key_secret_arn(scope: Construct, name: str, server: ServerConfig,
                       removal_policy: cdk.RemovalPolicy) -> str | None:
    """ARN of the secret llama-server checks keys against: yours, a generated one, or None (key off)."""
    if not server.require_api_key:
        return None
    if server.api_key_secret_arn:
        return server.api_key_secret_arn
    secret = secretsmanager.Secret(
        scope, "ApiKey",
        description=f"fmkit: API key of Graviton model {name} (JSON field {API_KEY_FIELD})",
        generate_secret_string=secretsmanager.SecretStringGenerator(
            secret_string_template="{}", generate_string_key=API_KEY_FIELD,
            exclude_punctuation=True, password_length=API_KEY_LENGTH),
        removal_policy=removal_policy,
    )
    # Stateful: pin the logical id so refactoring the construct tree never replaces (regenerates) it.
    secret.node.default_child.override_logical_id(f"ApiKey{pascal(name)}")  # type: ignore[union-attr]
    acknowledge(secret, "AwsSolutions-SMG4",
                "llama-server reads the key at boot: rotating it means a new value and an instance refresh "
                "(docs/graviton.md, 'Rotating the API key'); an automatic rotation would lock clients and "
                "instances out of step")
    return secret.secret_arn
