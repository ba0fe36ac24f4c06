"""Which deployments of a resolved environment a capability picks (the evaluation's chat models).

Kept out of the schema modules: choosing needs the resolved `EnvironmentConfig` and the
catalogs, while `fmkit.config.evaluation` only describes what `project.evaluation` may hold.
"""

from __future__ import annotations

from fmkit.catalog.bedrock import get_model
from fmkit.catalog.jumpstart import get_jumpstart_model
from fmkit.config.deployments import Deployment
from fmkit.config.environment import EnvironmentConfig
from fmkit.config.providers.bedrock import BedrockDeployment
from fmkit.config.providers.sagemaker import SageMakerDeployment


def not_benchmarkable(deployment: Deployment) -> str | None:
    """Why a deployment cannot be benchmarked as a chat model (None when it can)."""
    if isinstance(deployment, BedrockDeployment):
        model = get_model(deployment.model_id)
        if model is not None and model.kind != "text":
            return f"{deployment.model_id} is an embedding model"
    if isinstance(deployment, SageMakerDeployment):
        return _sagemaker_not_benchmarkable(deployment)
    return None


def _sagemaker_not_benchmarkable(deployment: SageMakerDeployment) -> str | None:
    if deployment.async_ is not None:
        return "asynchronous endpoints answer through S3, not InvokeEndpoint"
    source = deployment.source
    if source.container is not None and source.container.framework == "tei":
        return "a TEI container serves embeddings"
    if source.jumpstart is not None:
        spec = get_jumpstart_model(source.jumpstart.model_id)
        if spec is not None and spec.task != "text-generation":
            return f"{source.jumpstart.model_id} is an embedding model"
    return None


def evaluated_models(env: EnvironmentConfig) -> dict[str, Deployment]:
    """The enabled deployments the evaluation benchmarks: `models`, else every chat model."""
    enabled = env.enabled_models()
    wanted = env.project.evaluation.models
    if wanted is not None:
        return {name: enabled[name] for name in wanted if name in enabled}
    return {name: d for name, d in sorted(enabled.items()) if not_benchmarkable(d) is None}
