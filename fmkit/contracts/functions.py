"""The variables every Python function the kit deploys carries.

`PythonFunction` (stacks/common/python_lambda.py) renders them from `FunctionSettings`;
AWS Lambda Powertools reads them in the handler (service name and level of its structured
logs). A function whose handler needs nothing else — a custom-resource handler whose input
travels as resource properties — has a settings model that is `FunctionSettings` itself
or a subclass with no fields of its own, so that every function maps to one contract and a
test can parse every synthesized function's environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class FunctionSettings(BaseModel):
    """Powertools' variables; each field travels as the environment variable in its alias."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    service_name: str = Field(min_length=1, alias="POWERTOOLS_SERVICE_NAME",
                              description="Service name in the structured logs (the function's lambda/ folder "
                                          "unless the stack names it).")
    log_level: LogLevel = Field("INFO", alias="POWERTOOLS_LOG_LEVEL", description="Minimum level logged.")

    @classmethod
    def variables(cls) -> frozenset[str]:
        """Every environment variable of the contract (subclasses included)."""
        return frozenset(field.alias for field in cls.model_fields.values() if field.alias)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Self:
        """Parse the contract's variables of `environ` (a Lambda's environment holds many others)."""
        names = cls.variables()
        return cls.model_validate({name: value for name, value in environ.items() if name in names})

    def to_environment(self) -> dict[str, str]:
        """The variables, in field order."""
        return {key: str(value) for key, value in self.model_dump(by_alias=True).items()}
