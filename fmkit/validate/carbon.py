"""carbon_policy rules: x86/GPU where a Graviton instance fits, and regions above a grid-intensity limit.

`carbon_policy.mode` decides the severity: `warn` prints (validate, make synth), `enforce` fails
validation, `off` skips. The fit check is the estimator's, so plan and validate always agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from fmkit.catalog.instances import get_instance
from fmkit.config.deployments import BedrockDeployment, SageMakerDeployment
from fmkit.config.environment import EnvironmentConfig
from fmkit.estimate.carbon import grid_g_per_kwh
from fmkit.estimate.plan import estimate_environment, instance_load, runs_on
from fmkit.estimate.recommend import recommend_instance
from fmkit.selection.recommend import disable_hint, graviton_alternative
from fmkit.validate.registry import Finding, rule


def _severity(env: EnvironmentConfig) -> Literal["error", "warning"] | None:
    mode = env.project.carbon_policy.mode
    return None if mode == "off" else ("error" if mode == "enforce" else "warning")


@rule("carbon-graviton-fits")
def carbon_graviton_fits(env: EnvironmentConfig) -> Iterator[Finding]:
    """An x86/GPU deployment for which a Graviton instance fits the model and lowers CO2e."""
    severity = _severity(env)
    policy = env.project.carbon_policy
    if severity is None or not policy.prefer_graviton:
        return
    exempt = "or list '{name}' in carbon_policy.exempt_models with a reason"
    for name, dep in sorted(env.enabled_models().items()):
        if isinstance(dep, BedrockDeployment) or (isinstance(dep, SageMakerDeployment) and dep.serverless is not None):
            continue
        spec = get_instance(dep.instance_type)
        if spec is None or spec.is_graviton or name in policy.exempt_models:
            continue
        rec = recommend_instance(name, dep.provider, spec.name, env.region, instance_load(dep), graviton_only=True,
                                 allowed=runs_on(dep, env.region))
        if rec is not None:
            yield Finding(("models", name, "instance_type"),
                          f"[{env.name}] {spec.name} ({spec.arch}) where Graviton {rec.proposed} fits the model: "
                          f"{rec.kg_co2e_delta:+.1f} kg CO2e/month, {rec.usd_delta:+.2f} $/month",
                          f"use instance_type: {rec.proposed}, {exempt.format(name=name)}", severity)
            continue
        alternative = graviton_alternative(name, dep, env) if isinstance(dep, SageMakerDeployment) else None
        if alternative is not None:
            yield Finding(("models", name, "instance_type"),
                          f"[{env.name}] {spec.name} ({spec.arch}, CUDA-only container) where the same model on "
                          f"Graviton ({alternative.proposed}) serves the expected load: "
                          f"{alternative.kg_co2e_delta:+.1f} kg CO2e/month, {alternative.usd_delta:+.2f} $/month",
                          f"run `{alternative.command}`, then {disable_hint(name, env.name)}; "
                          f"{exempt.format(name=name)}", severity)


@rule("carbon-grid-intensity")
def carbon_grid_intensity(env: EnvironmentConfig) -> Iterator[Finding]:
    """The environment's region emits more per kWh than carbon_policy.max_grid_g_co2e_per_kwh."""
    severity = _severity(env)
    limit = env.project.carbon_policy.max_grid_g_co2e_per_kwh
    grid = grid_g_per_kwh(env.region)
    if severity is None or limit is None or grid is None or grid <= limit:
        return
    regions = [r for r in estimate_environment(env).recommendations if r.kind == "region"]
    hint = (f"{regions[0].proposed} has every model of this environment at lower intensity"
            if regions else "no catalogued region with all this environment's models is lower")
    yield Finding(("region",), f"{env.region}'s grid emits {grid:.0f} g CO2e/kWh, above the policy's {limit:g}",
                  hint, severity)
