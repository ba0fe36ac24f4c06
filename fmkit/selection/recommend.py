"""Alternatives that change the provider: a GPU model served on Graviton with llama.cpp instead.

A CUDA-only container (TGI, LMI, vLLM) cannot move to a Graviton SageMaker instance, so "use
Graviton" has to mean another deployment: the same model family as a GGUF on an EC2 Graviton
instance. The alternative is the exact proposal `fmkit models add` would write, priced by the
plan's estimator, and comes with the command that writes it — so following the advice gives a
configuration that validates.
"""

from __future__ import annotations

from fmkit.config.deployments import SageMakerDeployment
from fmkit.config.environment import EnvironmentConfig
from fmkit.estimate.model import Recommendation
from fmkit.estimate.plan import estimate_deployment
from fmkit.selection.identify import identify
from fmkit.selection.proposals import NotProposable, propose
from fmkit.selection.traffic import DEFAULT_TRAFFIC, Traffic

SUFFIX = "-graviton"
NAME_LIMIT = 40


def graviton_alternative(name: str, deployment: SageMakerDeployment, env: EnvironmentConfig) -> Recommendation | None:
    """The Graviton llama.cpp deployment of the same model, when the catalog has its GGUF and it emits less."""
    if deployment.serverless is not None or not deployment.needs_gpu():
        return None
    known = identify(deployment)
    card = known.card if known is not None else None
    if card is None or card.providers.ec2_graviton is None:
        return None
    traffic = _traffic(deployment)
    try:
        proposal = propose(card, "ec2-graviton", [env.region], traffic)
    except NotProposable:
        return None
    current = estimate_deployment(name, deployment, env).footprint
    moved = estimate_deployment(name, proposal.deployment, env).footprint
    kg_delta = moved.kg_co2e.expected - current.kg_co2e.expected
    if kg_delta >= 0:
        return None
    model = proposal.document["model"]
    new_name = f"{name[: NAME_LIMIT - len(SUFFIX)]}{SUFFIX}"
    command = (f"fmkit models add {card.id} --as {new_name} --provider ec2-graviton --env {env.name} "
               f"--traffic {traffic.requests_per_day:g}:{traffic.mean_input_tokens}:{traffic.mean_output_tokens}")
    return Recommendation(
        "provider", name, f"sagemaker {deployment.instance_type}",
        f"ec2-graviton {proposal.document['instance_type']}", moved.usd.expected - current.usd.expected, kg_delta,
        f"{card.name} as a {model['quantization']} GGUF ({model['size_gib']:g} GiB) on Graviton with llama.cpp "
        f"({deployment.instance_type} runs a CUDA-only container that cannot move to Graviton itself); "
        f"then turn {name} off there: {disable_hint(name, env.name)}",
        command,
    )


def disable_hint(name: str, env_name: str) -> str:
    return f"models: {{{name}: {{enabled: false}}}} in environments/{env_name}.yaml"


def graviton_alternatives(env: EnvironmentConfig) -> list[Recommendation]:
    """Every GPU deployment of the environment that a Graviton llama.cpp deployment could replace."""
    found = (graviton_alternative(name, dep, env)
             for name, dep in sorted(env.deployments_of(SageMakerDeployment).items()))
    return [rec for rec in found if rec is not None]


def _traffic(deployment: SageMakerDeployment) -> Traffic:
    traffic = deployment.expected_traffic
    if traffic is None:
        requests, tokens_in, tokens_out = DEFAULT_TRAFFIC
        return Traffic(requests, tokens_in, tokens_out, "default")
    return Traffic(traffic.requests_per_day, traffic.mean_input_tokens, traffic.mean_output_tokens,
                   "the deployment's expected_traffic")
