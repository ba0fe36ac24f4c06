"""Python Lambda functions without Docker: each function's code as one asset, its dependencies as layers.

Both are zips built once per content by `stacks.common.lambda_bundles` (outside `cdk.out`, keyed
by a hash of the sources or of the locked dependencies) and handed to CDK with that hash, so a
synth into a fresh output directory copies a few zip files and bundles nothing. `make
lambda-deps` fetches the locked arm64 wheels beforehand, so synthesis stays offline and
deterministic: the same code and lock always give the same template.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from fmkit.contracts.functions import FunctionSettings
from stacks.common.lambda_bundles import Layer, MissingLambdaDependencies, code_bundle, layers_for

RUNTIME = lambda_.Runtime.PYTHON_3_14  # must match lambda_layout.PYTHON_VERSION: the locks resolve for it
MAX_LAYERS = 5
"""Lambda's limit of layers per function."""

__all__ = ["MissingLambdaDependencies", "PythonFunction", "dependency_layer"]


def dependency_layer(scope: Construct, layer: Layer) -> lambda_.ILayerVersion:
    """The stack's layer version for `layer`: one per stack, shared by its functions."""
    stack = cdk.Stack.of(scope)
    construct_id = f"LambdaDeps{layer.hash[:12]}"
    existing = stack.node.try_find_child(construct_id)
    if isinstance(existing, lambda_.LayerVersion):
        return existing
    return lambda_.LayerVersion(
        stack, construct_id,
        code=lambda_.Code.from_asset(str(layer.bundle()), asset_hash=layer.hash,
                                     asset_hash_type=cdk.AssetHashType.CUSTOM),
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[lambda_.Architecture.ARM_64],
        description=layer.description("fmkit Lambda dependencies: "),
    )


class PythonFunction(Construct):
    """An arm64 Python Lambda with its own encrypted, retention-bound log group.

    `key.grant_decrypt` gives the role `kms:Decrypt` only: the function reads its encrypted
    environment and never encrypts or re-encrypts with the key. Grants that add
    `kms:Encrypt`/`kms:ReEncrypt*`/`kms:GenerateDataKey*` come from other resources' L2 grants
    (an encrypted queue's `grant_send_messages`, a table's `grant_read_write_data`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        entry: str,
        handler: str = "handler.handler",
        shared: tuple[str, ...] = (),
        packages: tuple[str, ...] = (),
        key: kms.IKey,
        log_retention: logs.RetentionDays,
        environment: dict[str, str] | None = None,
        timeout: cdk.Duration | None = None,
        memory_size: int = 512,
        description: str = "",
        **function_props: Any,
    ) -> None:
        super().__init__(scope, construct_id)
        self.entry, self.handler = entry, handler  # which lambda/ folder and entry point: its contract
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention, encryption_key=key,
                                       removal_policy=cdk.RemovalPolicy.DESTROY)
        code_hash, code_zip = code_bundle(entry, shared, packages)
        code = lambda_.Code.from_asset(str(code_zip), asset_hash=code_hash, asset_hash_type=cdk.AssetHashType.CUSTOM)
        layers = [dependency_layer(self, layer) for layer in layers_for(entry)]
        if len(layers) > MAX_LAYERS:
            raise ValueError(f"lambda/{entry} needs {len(layers)} dependency layers; Lambda allows {MAX_LAYERS}")
        self.role = iam.Role(
            self, "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of {entry} ({construct_id})",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self, "Function",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            code=code,
            layers=layers or None,
            handler=handler,
            role=self.role,
            # The common variables (fmkit.contracts.functions) first; a caller may name the service.
            environment={**FunctionSettings(service_name=entry).to_environment(), **(environment or {})},
            environment_encryption=key,
            timeout=timeout or cdk.Duration.seconds(60),
            memory_size=memory_size,
            log_group=self.log_group,
            tracing=lambda_.Tracing.ACTIVE,
            description=description or f"fmkit {entry}",
            **function_props,
        )
        key.grant_decrypt(self.role)
