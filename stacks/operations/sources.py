"""What the environment's dashboard reads from the other stacks, as typed props.

The dashboard construct never walks the provider stacks itself: `collect_sources` turns the
stage's stacks into one small record per deployment (names, the resources whose metrics it
draws, its alarms, its price), so the widgets can be built and tested from plain values. Values
that are tokens (a profile id, a queue name, an alarm ARN) become weak references
(`Fn::GetStackOutput`) in the operations stack: a dashboard never locks its producers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import IConstruct

from fmkit.catalog.instances import get_instance
from fmkit.config import EnvironmentConfig
from fmkit.config.providers.bedrock import BedrockDeployment
from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.config.providers.sagemaker import SageMakerDeployment
from fmkit.config.selection import evaluated_models
from fmkit.contracts.evaluation import check_name
from fmkit.contracts.metrics import GRAVITON_DIMENSIONS
from fmkit.estimate.cost import bedrock_prices, instance_price


def alarms_under(scope: IConstruct) -> list[cloudwatch.Alarm]:
    """Every alarm in `scope`'s construct tree, in tree order."""
    return [node for node in scope.node.find_all() if isinstance(node, cloudwatch.Alarm)]


@dataclass(frozen=True)
class BedrockSource:
    name: str
    model_id: str
    profile_id: str
    """CloudWatch publishes a call through an application inference profile under ModelId = its id."""
    guardrail_arn: str | None
    guardrail_version: str | None
    usd_per_1k_tokens: tuple[float, float] | None
    """(input, output) as billed in the environment's region, profile uplift included."""
    alarms: Sequence[cloudwatch.IAlarm] = ()


@dataclass(frozen=True)
class SageMakerSource:
    name: str
    endpoint_name: str
    variant_name: str
    component_name: str | None
    mode: str
    gpus: int
    usd_per_hour: float | None
    alarms: Sequence[cloudwatch.IAlarm] = ()


@dataclass(frozen=True)
class GravitonSource:
    name: str
    load_balancer: elbv2.ApplicationLoadBalancer
    target_group: elbv2.ApplicationTargetGroup
    group_name: str
    concurrency_dimensions: Mapping[str, str] | None
    """Dimensions of the concurrency metric the group tracks; None when it tracks ALB requests."""
    scaling_target: float
    """The value target tracking holds: concurrent requests, or ALB requests per minute per instance."""
    warm_pool: bool
    usd_per_hour: float | None
    alarms: Sequence[cloudwatch.IAlarm] = ()


@dataclass(frozen=True)
class KnowledgeSource:
    name: str
    queue: sqs.IQueue | None
    dead_letter_queue: sqs.IQueue | None
    ingest_function: lambda_.IFunction | None
    query_function: lambda_.IFunction | None
    """All None for a `bedrock-kb` knowledge base: Bedrock runs its ingestion and queries."""
    alarms: Sequence[cloudwatch.IAlarm] = ()


@dataclass(frozen=True)
class EvaluationSource:
    environment: str
    models: Sequence[str]
    quality_metrics: Sequence[str]
    """The headline scores, in the order a reader looks for them (primary metric first)."""
    alarms: Sequence[cloudwatch.IAlarm] = ()


@dataclass(frozen=True)
class OperationsSources:
    """Everything the environment's dashboard draws, by capability."""

    bedrock: Sequence[BedrockSource] = ()
    sagemaker: Sequence[SageMakerSource] = ()
    graviton: Sequence[GravitonSource] = ()
    knowledge: Sequence[KnowledgeSource] = ()
    evaluation: EvaluationSource | None = None
    other_alarms: Sequence[cloudwatch.IAlarm] = field(default=())


def _hourly(instance_type: str, region: str) -> float | None:
    spec = get_instance(instance_type)
    return None if spec is None else instance_price(spec, region)[0]


def _bedrock(config: EnvironmentConfig, stack: cdk.Stack) -> list[BedrockSource]:
    from stacks.bedrock.stack import BedrockStack

    assert isinstance(stack, BedrockStack)
    deployments = config.deployments_of(BedrockDeployment)
    out = []
    for name, access in stack.models.items():
        deployment, guardrail = deployments[name], access.guardrail
        out.append(BedrockSource(
            name=name, model_id=deployment.model_id, profile_id=access.profile.attr_inference_profile_id,
            guardrail_arn=guardrail.guardrail_arn if guardrail else None,
            guardrail_version=guardrail.version_number if guardrail else None,
            usd_per_1k_tokens=bedrock_prices(deployment.model_id, config.region, deployment.cross_region),
            alarms=alarms_under(access)))
    return out


def _sagemaker(config: EnvironmentConfig, stack: cdk.Stack) -> list[SageMakerSource]:
    from stacks.sagemaker.stack import SageMakerStack

    assert isinstance(stack, SageMakerStack)
    deployments = config.deployments_of(SageMakerDeployment)
    out = []
    for name, model in stack.models.items():
        deployment, hosting = deployments[name], model.hosting
        spec = get_instance(deployment.instance_type)
        out.append(SageMakerSource(
            name=name, endpoint_name=hosting.endpoint_name, variant_name=hosting.variant_name,
            component_name=hosting.component_name, mode=deployment.mode, gpus=spec.gpus if spec else 0,
            usd_per_hour=None if deployment.serverless else _hourly(deployment.instance_type, config.region),
            alarms=alarms_under(model)))
    return out


def _graviton(config: EnvironmentConfig, stack: cdk.Stack) -> list[GravitonSource]:
    from stacks.graviton.stack import GravitonStack

    assert isinstance(stack, GravitonStack)
    deployments = config.deployments_of(GravitonDeployment)
    out = []
    for name, endpoint in stack.endpoints.items():
        scaling = deployments[name].autoscaling
        dimensions, target = None, float(scaling.requests_target or 0)
        if scaling.requests_target is None:  # the group tracks the instances' concurrency metric
            dimensions = dict(zip(GRAVITON_DIMENSIONS, (config.project.name, config.name, name), strict=True))
            target = float(scaling.target_concurrent_requests or 1)
        out.append(GravitonSource(
            name=name, load_balancer=endpoint.load_balancer, target_group=endpoint.target_group,
            group_name=endpoint.group_name, concurrency_dimensions=dimensions, scaling_target=target,
            warm_pool=scaling.warm_pool is not None,
            usd_per_hour=_hourly(deployments[name].instance_type, config.region), alarms=alarms_under(endpoint)))
    return out


def _knowledge(stack: cdk.Stack) -> list[KnowledgeSource]:
    from stacks.knowledge.stack import KnowledgeStack

    assert isinstance(stack, KnowledgeStack)
    out = []
    for name, kb in sorted(stack.knowledge_bases.items()):
        pipeline, query = getattr(kb, "pipeline", None), getattr(kb, "query", None)
        out.append(KnowledgeSource(
            name=name, queue=pipeline.queue if pipeline else None,
            dead_letter_queue=pipeline.dlq if pipeline else None,
            ingest_function=pipeline.ingest.function if pipeline else None,
            query_function=query.function if query else None, alarms=alarms_under(kb)))
    return out


def _evaluation(config: EnvironmentConfig, stack: cdk.Stack) -> EvaluationSource:
    """The headline scores: the primary metric, those with a minimum, and the configured checks."""
    settings = config.project.evaluation
    headline = [settings.metrics.primary, *sorted(settings.min_scores),
                *(check_name(spec) for spec in settings.metrics.checks)]
    return EvaluationSource(environment=config.name, models=sorted(evaluated_models(config)),
                            quality_metrics=list(dict.fromkeys(headline)), alarms=alarms_under(stack))


def collect_sources(config: EnvironmentConfig, stacks: Mapping[str, cdk.Stack]) -> OperationsSources:
    """The dashboard's view of the stage's stacks (keyed as `EnvironmentStage.stacks`)."""
    readers = {"Bedrock", "SageMaker", "Graviton", "Knowledge", "Evaluation"}
    other = [alarm for key, stack in stacks.items() if key not in readers for alarm in alarms_under(stack)]
    return OperationsSources(
        bedrock=_bedrock(config, stacks["Bedrock"]) if "Bedrock" in stacks else (),
        sagemaker=_sagemaker(config, stacks["SageMaker"]) if "SageMaker" in stacks else (),
        graviton=_graviton(config, stacks["Graviton"]) if "Graviton" in stacks else (),
        knowledge=_knowledge(stacks["Knowledge"]) if "Knowledge" in stacks else (),
        evaluation=_evaluation(config, stacks["Evaluation"]) if "Evaluation" in stacks else None,
        other_alarms=other,
    )
