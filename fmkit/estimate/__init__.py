"""Cost and carbon estimates (Cloud Carbon Footprint method) from resolved configs; no AWS, no CDK."""

from fmkit.estimate.model import DeploymentEstimate, EnvironmentEstimate, Footprint, Range, Recommendation
from fmkit.estimate.plan import estimate_deployment, estimate_environment

__all__ = [
    "DeploymentEstimate",
    "EnvironmentEstimate",
    "Footprint",
    "Range",
    "Recommendation",
    "estimate_deployment",
    "estimate_environment",
]
