"""Catalog prices of configured deployments, as the price models of `fmkit.contracts.pricing`.

Shared by `fmkit eval` and the evaluation stack (which passes them to the cloud run), so a
report prices a model the same way whether it ran on a laptop or in Step Functions.
"""

from __future__ import annotations

from fmkit.catalog.instances import get_instance
from fmkit.config.deployments import Deployment
from fmkit.config.providers.bedrock import BedrockDeployment
from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.config.providers.sagemaker import SageMakerDeployment
from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.estimate.cost import bedrock_prices, instance_price


def deployment_price(deployment: Deployment, region: str) -> TokenPricing | InstancePricing | None:
    """Token prices for Bedrock; the hourly price × the minimum running instances otherwise.

    None when the catalog has no price, or for SageMaker serverless (billed per request-second,
    which the benchmark cannot attribute): the report then shows no cost instead of a wrong one.
    """
    if isinstance(deployment, BedrockDeployment):
        prices = bedrock_prices(deployment.model_id, region, deployment.cross_region)
        return None if prices is None else TokenPricing(input_per_1k=prices[0], output_per_1k=prices[1])
    if isinstance(deployment, SageMakerDeployment) and deployment.serverless is not None:
        return None
    if isinstance(deployment, SageMakerDeployment | GravitonDeployment):
        spec = get_instance(deployment.instance_type)
        if spec is None:
            return None
        hourly, _ = instance_price(spec, region)
        minimum = deployment.autoscaling.min if deployment.autoscaling is not None else 1
        return None if not hourly else InstancePricing(per_hour=hourly, instances=max(1, minimum))
    return None
