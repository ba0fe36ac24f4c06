"""What a configured deployment costs, for the evaluation: its price model and `fmkit plan`'s figure.

Shared by `fmkit eval` and the evaluation stack (which passes both to the cloud run, which has
no config), so a report prices a model the same way whether it ran on a laptop or in Step
Functions — and the same way `fmkit plan` does.
"""

from __future__ import annotations

from fmkit.catalog.instances import get_instance
from fmkit.config.deployments import Deployment
from fmkit.config.environment import EnvironmentConfig
from fmkit.config.providers.bedrock import BedrockDeployment
from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.config.providers.sagemaker import SageMakerDeployment
from fmkit.contracts.evaluation import PlanCost
from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.estimate.cost import bedrock_prices, instance_price
from fmkit.estimate.fields import monthly_requests
from fmkit.estimate.plan import estimate_deployment


def deployment_price(deployment: Deployment, region: str) -> TokenPricing | InstancePricing | None:
    """Token prices for Bedrock; the hourly price × the minimum running instances otherwise.

    This prices the *marginal* request (measured tokens, or the instances at the throughput the
    run measured). None when the catalog has no price, or for SageMaker serverless (billed per
    request-second, which the benchmark cannot attribute).
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


def _basis(deployment: Deployment, usd: float, requests: float, hours: float | None) -> str:
    traffic = deployment.expected_traffic
    assert traffic is not None  # requests are known only with expected_traffic
    volume = f"{requests:,.0f} requests/month ({traffic.requests_per_day:,.0f}/day)"
    if isinstance(deployment, BedrockDeployment):
        return (f"fmkit plan: ${usd:,.2f}/month for {volume} at the configured {traffic.mean_input_tokens:,} input "
                f"+ {traffic.mean_output_tokens:,} output tokens per request")
    capacity = f"{hours:,.0f} instance-hours at minimum capacity and schedules" if hours else "usage-based"
    extra = " + load balancer" if isinstance(deployment, GravitonDeployment) else ""
    return f"fmkit plan: ${usd:,.2f}/month ({capacity}{extra}) for {volume}"


def deployment_plan_cost(name: str, deployment: Deployment, env: EnvironmentConfig) -> PlanCost | None:
    """`fmkit plan`'s expected monthly cost of the deployment over its expected monthly requests.

    The same estimator as the plan (`estimate_deployment`): instance-hours at minimum capacity and
    schedules for instances, the configured token means for Bedrock. None without
    `expected_traffic` (no requests to divide by) or when the plan cannot price it.
    """
    requests = monthly_requests(deployment)
    if requests is None or requests.expected <= 0:
        return None
    estimate = estimate_deployment(name, deployment, env)
    usd = estimate.footprint.usd.expected
    if usd <= 0:
        return None
    hours = estimate.instance_hours.expected if estimate.instance_hours is not None else None
    return PlanCost(usd_per_month=usd, requests_per_month=requests.expected,
                    basis=_basis(deployment, usd, requests.expected, hours))
