"""`Naming`: the project, environment and prefix a construct names its resources after.

Constructs that publish discovery parameters, name endpoints or write descriptions need
these three strings, not the whole environment config: a `Naming` is what they receive, so
a construct can be built in a test with `Naming("demo", "dev", "demo-dev")`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fmkit.config import EnvironmentConfig
from fmkit.contracts.discovery import knowledge_parameter_name, parameter_name


@dataclass(frozen=True)
class Naming:
    """`project` and `environment` as in config; `prefix` = `<project>-<environment>`, which
    prefixes stack names, physical names and KMS aliases."""

    project: str
    environment: str
    prefix: str

    @classmethod
    def of(cls, config: EnvironmentConfig) -> Naming:
        return cls(project=config.project.name, environment=config.name, prefix=config.stack_prefix)

    def endpoint_parameter(self, deployment: str) -> str:
        """SSM parameter where a model deployment's endpoint is published."""
        return parameter_name(self.project, self.environment, deployment)

    def knowledge_parameter(self, knowledge_base: str) -> str:
        """SSM parameter where a knowledge base's query endpoint is published."""
        return knowledge_parameter_name(self.project, self.environment, knowledge_base)
