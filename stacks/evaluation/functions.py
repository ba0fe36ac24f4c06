"""The three Lambda steps of a run, bundled with the same `fmkit.evaluate` code as the CLI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from fmkit.config import EnvironmentConfig
from fmkit.contracts.discovery import parameter_arn
from fmkit.contracts.evaluation import EvaluationSettings
from fmkit.contracts.metrics import EVALUATION_NAMESPACE
from fmkit.estimate.evaluation_prices import deployment_plan_cost, deployment_price
from stacks.common.naming import Naming
from stacks.common.platform_resources import PlatformResources
from stacks.common.python_lambda import PythonFunction
from stacks.common.stack_env import stack_account, stack_region

# fmkit.evaluate plus the repo module it imports; rouge_score is sdist-only on PyPI (no arm64
# wheel for `make lambda-deps` to fetch) and pure Python, so it is copied the same way.
PACKAGES = ("fmkit.evaluate", "fmkit.contracts", "rouge_score")


def settings_environment(config: EnvironmentConfig, models: list[str], bucket: s3.IBucket,
                         dataset_bucket: str) -> dict[str, str]:
    """What the run needs from config, decided at synth time: the functions' `EvaluationSettings`.

    Prices (the marginal cost) and `fmkit plan`'s cost at the configured traffic (the expected
    cost) are computed here, from the same estimator as the plan: the functions have no config.
    """
    evaluation = config.project.evaluation
    enabled = config.enabled_models()
    priced = [*models, *(j for j in evaluation.judges if j not in models)]
    prices = {n: p for n in priced for p in [deployment_price(enabled[n], config.region)] if p is not None}
    plans = {n: c for n in models for c in [deployment_plan_cost(n, enabled[n], config)] if c is not None}
    settings = EvaluationSettings(
        bucket=bucket.bucket_name, dataset_bucket=dataset_bucket, dataset_key=evaluation.dataset_bucket_and_key[1],
        project=config.project.name, environment=config.name, models=tuple(models), prices=prices,
        max_tokens=evaluation.max_tokens, timeout_s=evaluation.timeout_s, primary_metric=evaluation.metrics.primary,
        checks=tuple(evaluation.metrics.checks), n_resamples=evaluation.metrics.bootstrap_resamples,
        min_scores=evaluation.min_scores, plan_costs=plans, judges=tuple(evaluation.judges),
        embedder=evaluation.embedder,
    )
    return settings.to_environment()


class EvaluationFunctions(Construct):
    """prepare (validate dataset, resolve endpoints), evaluate (one Map batch), summarize (report)."""

    def __init__(self, scope: Construct, construct_id: str, *, platform: PlatformResources,
                 environment: Mapping[str, str], vpc_security_groups: Sequence[ec2.ISecurityGroup] = ()) -> None:
        super().__init__(scope, construct_id)
        common: dict[str, Any] = {"entry": "evaluate", "packages": PACKAGES, "key": platform.key,
                                  "log_retention": platform.log_retention, "environment": dict(environment)}
        self.prepare = PythonFunction(self, "Prepare", handler="prepare.handler", memory_size=1024,
                                      timeout=cdk.Duration.minutes(2), description="fmkit eval: check dataset",
                                      **common)
        vpc_props: dict[str, Any] = {}
        if vpc_security_groups:
            # Graviton endpoints sit behind load balancers inside the VPC: call them from there.
            vpc_props = {"vpc": platform.vpc, "vpc_subnets": platform.network.private_subnets,
                         "security_groups": list(vpc_security_groups)}
        # Each model answers the batch's items one by one (config checks batch_size x timeout_s fits).
        self.evaluate = PythonFunction(self, "Evaluate", handler="evaluate.handler", memory_size=1024,
                                       timeout=cdk.Duration.minutes(15),
                                       description="fmkit eval: call the models on a batch", **common,
                                       **vpc_props)
        self.summarize = PythonFunction(self, "Summarize", handler="summarize.handler", memory_size=2048,
                                        timeout=cdk.Duration.minutes(10), description="fmkit eval: report",
                                        **common)
        self.all = (self.prepare, self.evaluate, self.summarize)

    def grant_cloudwatch_metrics(self) -> None:
        self.summarize.role.add_to_policy(iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": EVALUATION_NAMESPACE}}))

    def grant_endpoint_parameters(self, naming: Naming, models: list[str]) -> None:
        """prepare reads the discovery parameters of the evaluated models (and no others)."""
        stack = cdk.Stack.of(self)
        region, account = stack_region(self), stack_account(self)
        self.prepare.role.add_to_policy(iam.PolicyStatement(
            actions=["ssm:GetParameters", "ssm:GetParameter"],
            resources=[parameter_arn(naming.endpoint_parameter(name), partition=stack.partition, region=region,
                                     account=account) for name in models]))
