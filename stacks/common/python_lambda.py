"""Python Lambda functions bundled locally (no Docker): source + shared packages + arm64 wheels.

`make lambda-deps` pre-fetches each function's `requirements.txt` as manylinux aarch64
wheels into `build/lambda-deps/<name>/`, so synthesis itself stays offline and
deterministic. The asset hash is computed from the sources and requirements (not from
the downloaded wheels), so the same code always gives the same template.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from fmkit.contracts.functions import FunctionSettings
from stacks.common.lambda_layout import DEPS_ROOT, LAMBDA_ROOT, PYTHON_VERSION

RUNTIME = lambda_.Runtime.PYTHON_3_14  # must match PYTHON_VERSION: `make lambda-deps` fetches wheels for it
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "requirements.txt", "README.md")


class MissingLambdaDependencies(RuntimeError):
    pass


def package_files(name: str) -> list[tuple[Path, str]]:
    """(file, path in the asset) of an importable pure-Python package or module and its parents'
    `__init__.py`, e.g. "fmkit.evaluate" (repo code shared with the CLI) or an sdist-only dependency."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"cannot bundle {name!r}: not importable at synth time")
    parts = name.split(".")
    origin = Path(spec.origin)
    root = origin.parents[len(parts)] if origin.name == "__init__.py" else origin.parents[len(parts) - 1]
    files = [origin] if origin.name != "__init__.py" else sorted(
        p for p in origin.parent.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    files += [root.joinpath(*parts[:depth], "__init__.py") for depth in range(1, len(parts))]
    return [(f, f.relative_to(root).as_posix()) for f in files if f.is_file()]


def source_hash(entry: str, shared: tuple[str, ...], packages: tuple[str, ...] = ()) -> str:
    """Content hash of a function's code, its shared packages and its requirements."""
    digest = hashlib.sha256()
    for folder in (entry, *shared):
        root = LAMBDA_ROOT / folder
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(LAMBDA_ROOT)).encode())
            digest.update(path.read_bytes())
    for package in packages:
        for path, relative in sorted(package_files(package), key=lambda item: item[1]):
            digest.update(relative.encode())
            digest.update(path.read_bytes())
    digest.update(PYTHON_VERSION.encode())
    return digest.hexdigest()


@jsii.implements(cdk.ILocalBundling)
class LocalPythonBundler:
    """Copies the handler folder, shared packages and pre-fetched wheels into the asset."""

    def __init__(self, entry: str, shared: tuple[str, ...], packages: tuple[str, ...] = ()) -> None:
        self.entry = entry
        self.shared = shared
        self.packages = packages

    def try_bundle(self, output_dir: str, *, image: Any = None, **_: Any) -> bool:
        out = Path(output_dir)
        requirements = LAMBDA_ROOT / self.entry / "requirements.txt"
        deps = DEPS_ROOT / self.entry
        if requirements.is_file() and requirements.read_text().strip():
            if not (deps / ".requirements.sha256").is_file():
                raise MissingLambdaDependencies(
                    f"arm64 wheels for lambda/{self.entry} are missing: run `make lambda-deps` first"
                )
            shutil.copytree(deps, out, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".requirements.sha256"))
        shutil.copytree(LAMBDA_ROOT / self.entry, out, dirs_exist_ok=True, ignore=IGNORE)
        for package in self.shared:
            shutil.copytree(LAMBDA_ROOT / package, out / package, dirs_exist_ok=True, ignore=IGNORE)
        for package in self.packages:
            for path, relative in package_files(package):
                (out / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, out / relative)
        return True


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
        code = lambda_.Code.from_asset(
            str(LAMBDA_ROOT / entry),
            asset_hash_type=cdk.AssetHashType.CUSTOM,
            asset_hash=source_hash(entry, shared, packages),
            bundling=cdk.BundlingOptions(
                image=cdk.DockerImage.from_registry("public.ecr.aws/sam/build-python3.14"),
                local=LocalPythonBundler(entry, shared, packages),
            ),
        )
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
