"""`project.pipeline`: a deploy pipeline that ships the config through the environments, in order.

Where the source comes from (a repository through an AWS CodeConnections connection, or a zip
in S3), which account and region hold the pipeline (the tooling account), the order in which
it deploys the environments and which of them wait for a person's approval. Present means on:
`app.py` then also synthesizes the pipeline stack (CDK Pipelines), which `stacks/pipeline/`
builds. One pipeline serves every environment, so it is set in `project.yaml` only
(`pipeline_of` refuses an environment overlay that changes it).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Discriminator, Field, Tag, ValidationInfo, field_validator

from fmkit.config.base import Name, Strict, config_error
from fmkit.config.errors import ConfigError, ConfigProblem, Location

if TYPE_CHECKING:
    from fmkit.config.loader import LoadedConfig

CONNECTION_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]{36}$")
REPOSITORY_RE = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$")
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _account(value: str) -> str:
    from fmkit.config.environment import check_account  # environment.py imports this module

    return check_account(value)


def _region(value: str) -> str:
    from fmkit.config.environment import check_region

    return check_region(value)


class CodeConnectionsSource(Strict):
    """A GitHub, GitLab or Bitbucket repository, read through an AWS CodeConnections connection
    (created once in the console of the tooling account, then approved in the provider)."""

    connection_arn: str = Field(description="ARN of the connection, e.g. arn:aws:codeconnections:eu-west-1:"
                                            "333333333333:connection/<uuid>.")
    repository: str = Field(description="owner/name of the repository.")
    branch: str = Field(default="main", min_length=1, description="Branch whose pushes the pipeline ships.")
    trigger_on_push: bool = Field(default=True, description="Start the pipeline on every push to the branch.")

    @field_validator("connection_arn")
    @classmethod
    def _connection(cls, value: str) -> str:
        if not CONNECTION_ARN_RE.match(value):
            raise config_error(f"'{value}' is not a CodeConnections connection ARN",
                               "copy it from Developer Tools > Settings > Connections in the tooling account: "
                               "arn:aws:codeconnections:REGION:ACCOUNT:connection/UUID")
        return value

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if not REPOSITORY_RE.match(value):
            raise config_error(f"'{value}' is not owner/name", "e.g. acme/model-configs")
        return value


class S3Source(Strict):
    """A zip of the repository in a versioned S3 bucket of the tooling account (for repositories
    no connection reaches: a CI job uploads the zip, each new version starts the pipeline)."""

    bucket: str = Field(description="Bucket name (versioning on).")
    key: str = Field(description="Object key of the zip, e.g. fmkit/source.zip.")

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, value: str) -> str:
        if not BUCKET_RE.match(value) or ".." in value:
            raise config_error(f"'{value}' is not an S3 bucket name", "3-63 lowercase letters, digits, '.' and '-'")
        return value

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not value.endswith(".zip") or value.startswith("/"):
            raise config_error(f"'{value}' is not the key of a zip", "e.g. fmkit/source.zip (no leading '/')")
        return value


def _source_kind(value: Any) -> str | None:
    """A connection ARN means a repository; a bucket means S3 (no `type` key to write)."""
    if isinstance(value, dict):
        return "codeconnections" if "connection_arn" in value else "s3" if "bucket" in value else None
    return "codeconnections" if isinstance(value, CodeConnectionsSource) else "s3"


Source = Annotated[
    Annotated[CodeConnectionsSource, Tag("codeconnections")] | Annotated[S3Source, Tag("s3")],
    Discriminator(_source_kind, custom_error_type="fmkit",
                  custom_error_message="source needs connection_arn + repository (+ branch), or bucket + key"),
]


class PipelineConfig(Strict):
    """A self-mutating CDK pipeline in the tooling account that deploys each environment's Stage."""

    account: Annotated[str, AfterValidator(_account)] = Field(
        description="Tooling account that holds the pipeline (12 digits, quoted).")
    region: Annotated[str, AfterValidator(_region)] = Field(description="Region of the pipeline.")
    source: Source = Field(description="connection_arn + repository (+ branch), or bucket + key.")
    environments: list[Name] = Field(min_length=1, description="Environments to deploy, in this order.")
    manual_approval: list[Name] = Field(
        default_factory=list, description="Environments that wait for a person's approval before deploying.")

    @field_validator("environments")
    @classmethod
    def _known_and_unique(cls, value: list[Name], info: ValidationInfo) -> list[Name]:
        repeated = sorted({name for name in value if value.count(name) > 1})
        if repeated:
            raise config_error(f"{', '.join(repeated)} listed twice", "each environment deploys once, in order")
        root = (info.context or {}).get("config_dir")
        if root is not None:
            missing = [name for name in value if not (Path(root) / "environments" / f"{name}.yaml").is_file()]
            if missing:
                raise config_error(f"no environment named {', '.join(missing)}",
                                   "list names of environments/<name>.yaml files")
        return value

    @field_validator("manual_approval")
    @classmethod
    def _approvals_are_deployed(cls, value: list[Name], info: ValidationInfo) -> list[Name]:
        deployed = info.data.get("environments")
        stray = [name for name in value if deployed is not None and name not in deployed]
        if stray:
            raise config_error(f"{', '.join(stray)} is not deployed by the pipeline",
                               f"pick from environments: {', '.join(deployed or [])}")
        return value


def pipeline_of(loaded: LoadedConfig) -> PipelineConfig | None:
    """The project's pipeline; ConfigError when an environment's overlay changes it (one pipeline
    deploys them all, so it cannot differ by environment)."""
    pipelines = {name: env.project.pipeline for name, env in loaded.environments.items()}
    texts = {name: None if p is None else p.model_dump_json() for name, p in pipelines.items()}
    if len(set(texts.values())) <= 1:
        return next(iter(pipelines.values()), None)
    usual = Counter(texts.values()).most_common(1)[0][0]
    raise ConfigError([
        ConfigProblem(Location(loaded.root / "environments" / f"{name}.yaml", 1, 1),
                      f"the pipeline of {name} differs from the other environments' (project.pipeline)",
                      "set the pipeline in project.yaml only, not under an environment's project:")
        for name, text in texts.items() if text != usual])
