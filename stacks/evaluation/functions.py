"""The three Lambda steps of a run, bundled with the same `fmkit.evaluate` code as the CLI."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from fmkit.config import EnvironmentConfig
from fmkit.contracts.metrics import EVALUATION_NAMESPACE
from fmkit.estimate.evaluation_prices import deployment_price
from stacks.common.python_lambda import PythonFunction
from stacks.platform import PlatformStack

# fmkit.evaluate plus the repo module it imports; rouge_score is sdist-only on PyPI (no arm64
# wheel for `make lambda-deps` to fetch) and pure Python, so it is copied the same way.
PACKAGES = ("fmkit.evaluate", "fmkit.contracts", "rouge_score")


def settings_environment(config: EnvironmentConfig, models: list[str], bucket: s3.IBucket,
                         dataset_bucket: str) -> dict[str, str]:
    """What the run needs from config, decided at synth time (read by logic.Settings)."""
    evaluation = config.project.evaluation
    enabled = config.enabled_models()
    prices = {n: p.model_dump(mode="json") for n in models
              for p in [deployment_price(enabled[n], config.region)] if p is not None}
    return {
        "EVAL_BUCKET": bucket.bucket_name, "DATASET_BUCKET": dataset_bucket,
        "DATASET_KEY": evaluation.dataset_bucket_and_key[1],
        "FMKIT_PROJECT": config.project.name, "FMKIT_ENVIRONMENT": config.name,
        "EVAL_MODELS": json.dumps(models), "EVAL_PRICES": json.dumps(prices, sort_keys=True),
        "EVAL_MAX_TOKENS": str(evaluation.max_tokens), "EVAL_TIMEOUT_S": str(evaluation.timeout_s),
        "EVAL_PRIMARY_METRIC": evaluation.metrics.primary, "EVAL_CHECKS": json.dumps(evaluation.metrics.checks),
        "EVAL_RESAMPLES": str(evaluation.metrics.bootstrap_resamples),
        "EVAL_MIN_SCORES": json.dumps(evaluation.min_scores, sort_keys=True),
        # matplotlib caches fonts under $HOME, which is read-only in Lambda.
        "MPLCONFIGDIR": "/tmp/matplotlib",
    }


class EvaluationFunctions(Construct):
    """prepare (validate dataset, resolve endpoints), evaluate (one Map batch), summarize (report)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, platform: PlatformStack,
                 environment: Mapping[str, str], vpc_security_groups: list[ec2.ISecurityGroup] | None) -> None:
        super().__init__(scope, construct_id)
        common: dict[str, Any] = {"entry": "evaluate", "packages": PACKAGES, "key": platform.key,
                                  "log_retention": platform.log_retention, "environment": dict(environment)}
        self.prepare = PythonFunction(self, "Prepare", handler="handler.prepare", memory_size=1024,
                                      timeout=cdk.Duration.minutes(2), description="fmkit eval: check dataset",
                                      **common)
        vpc_props: dict[str, Any] = {}
        if vpc_security_groups:
            # Graviton endpoints sit behind load balancers inside the VPC: call them from there.
            vpc_props = {"vpc": platform.vpc, "vpc_subnets": platform.network.private_subnets,
                         "security_groups": vpc_security_groups}
        # Each model answers the batch's items one by one (config checks batch_size x timeout_s fits).
        self.evaluate = PythonFunction(self, "Evaluate", handler="handler.evaluate", memory_size=1024,
                                       timeout=cdk.Duration.minutes(15),
                                       description="fmkit eval: call the models on a batch", **common,
                                       **vpc_props)
        self.summarize = PythonFunction(self, "Summarize", handler="handler.summarize", memory_size=2048,
                                        timeout=cdk.Duration.minutes(10), description="fmkit eval: report",
                                        **common)
        self.all = (self.prepare, self.evaluate, self.summarize)

    def grant_cloudwatch_metrics(self) -> None:
        self.summarize.role.add_to_policy(iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": EVALUATION_NAMESPACE}}))

    def grant_endpoint_parameters(self, config: EnvironmentConfig, models: list[str]) -> None:
        stack = cdk.Stack.of(self)
        self.prepare.role.add_to_policy(iam.PolicyStatement(
            actions=["ssm:GetParameters", "ssm:GetParameter"],
            resources=[f"arn:{stack.partition}:ssm:{config.region}:{config.account}:parameter"
                       f"/fmkit/{config.project.name}/{config.name}/models/{name}/endpoint" for name in models]))
