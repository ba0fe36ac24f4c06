"""An environment: the env file's own keys, and the fully resolved `EnvironmentConfig`."""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, Field

from fmkit.catalog.regions import all_regions, is_known_region
from fmkit.config.base import Name, Strict, config_error
from fmkit.config.deployment_base import DeploymentBase
from fmkit.config.deployments import Deployment
from fmkit.config.platform import PlatformConfig
from fmkit.config.project import ProjectConfig

ACCOUNT_RE = re.compile(r"^\d{12}$")
D = TypeVar("D", bound=DeploymentBase)


def check_account(value: str) -> str:
    if not ACCOUNT_RE.match(value):
        raise config_error(
            f"account id '{value}' is not 12 digits",
            "AWS account ids are 12 digits; quote them in YAML so leading zeros survive",
        )
    return value


def check_region(value: str) -> str:
    if not is_known_region(value):
        close = difflib.get_close_matches(value, list(all_regions()), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else "e.g. us-east-1, eu-west-1"
        raise config_error(f"'{value}' is not an AWS region", hint)
    return value


AccountId = Annotated[str, AfterValidator(check_account)]
RegionName = Annotated[str, AfterValidator(check_region)]


class EnvironmentFile(Strict):
    """What `environments/<name>.yaml` may contain (overlays are merged before validation)."""

    account: AccountId = Field(description="12-digit AWS account id (quoted).")
    region: RegionName = Field(description="AWS region, e.g. eu-west-1.")
    platform: PlatformConfig = Field(default_factory=PlatformConfig)
    project: dict[str, Any] = Field(
        default_factory=dict, description="Overlay deep-merged into project.yaml for this environment."
    )
    models: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-model overlays deep-merged into models/<name>.yaml."
    )



class EnvironmentConfig(Strict):
    """One environment, fully resolved: what stacks, plan and eval consume."""

    name: Name
    account: AccountId
    region: RegionName
    platform: PlatformConfig = Field(default_factory=PlatformConfig)
    project: ProjectConfig
    models: dict[Name, Deployment] = Field(default_factory=dict)

    def enabled_models(self) -> dict[str, Deployment]:
        """Deployments that exist in this environment (enabled and listed for it)."""
        return {
            name: model
            for name, model in self.models.items()
            if model.enabled and (model.environments is None or self.name in model.environments)
        }

    def deployments_of(self, kind: type[D], *, include_disabled: bool = False) -> dict[str, D]:
        """Deployments of one provider class, typed (enabled ones unless `include_disabled`)."""
        source = self.models if include_disabled else self.enabled_models()
        return {name: model for name, model in source.items() if isinstance(model, kind)}

    def enabled_by_provider(self, provider: str) -> dict[str, Deployment]:
        return {n: m for n, m in self.enabled_models().items() if m.provider == provider}

    @property
    def stack_prefix(self) -> str:
        return f"{self.project.name}-{self.name}"
