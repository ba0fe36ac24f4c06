"""One adapter per provider behind the `ModelAdapter` protocol, and `build_adapter` for targets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fmkit.evaluate.adapters._aws import client_config
from fmkit.evaluate.adapters.base import InvocationError, ModelAdapter, RetryingAdapter, RetryPolicy
from fmkit.evaluate.adapters.bedrock import BedrockAdapter
from fmkit.evaluate.adapters.openai_compat import OpenAICompatAdapter
from fmkit.evaluate.adapters.sagemaker import SageMakerAdapter
from fmkit.evaluate.targets import (
    BedrockEndpoint,
    OpenAICompatEndpoint,
    SageMakerEndpoint,
    Target,
    resolve_api_key,
)

__all__ = [
    "AdapterOptions",
    "BedrockAdapter",
    "InvocationError",
    "ModelAdapter",
    "OpenAICompatAdapter",
    "RetryPolicy",
    "RetryingAdapter",
    "SageMakerAdapter",
    "build_adapter",
]


@dataclass(frozen=True)
class AdapterOptions:
    timeout_s: float = 120.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    stream: bool = True


def build_adapter(target: Target, options: AdapterOptions | None = None, *, session: Any = None) -> ModelAdapter:
    """An adapter for `target`. `session` is a boto3 Session (created lazily when AWS is needed)."""
    options = options or AdapterOptions()
    common: dict[str, Any] = {"timeout_s": options.timeout_s, "retry": options.retry}
    endpoint = target.endpoint

    def aws_session() -> Any:
        if session is not None:
            return session
        import boto3  # only when an AWS target is benchmarked: keeps local runs fast

        return boto3.session.Session()

    if isinstance(endpoint, OpenAICompatEndpoint):
        secrets = None
        if target.api_key is None and endpoint.api_key_secret_arn:
            region = endpoint.api_key_secret_arn.split(":")[3] or None
            secrets = aws_session().client("secretsmanager", region_name=region)
        return OpenAICompatAdapter(
            endpoint.base_url,
            api_key=resolve_api_key(target, secrets),
            model=endpoint.model,
            stream=options.stream,
            **common,
        )
    config = client_config(options.timeout_s)
    if isinstance(endpoint, BedrockEndpoint):
        client = aws_session().client("bedrock-runtime", region_name=endpoint.region, config=config)
        return BedrockAdapter(
            client,
            endpoint.inference_profile_arn,
            guardrail_id=endpoint.guardrail_id,
            guardrail_version=endpoint.guardrail_version,
            stream=options.stream,
            **common,
        )
    if isinstance(endpoint, SageMakerEndpoint):
        client = aws_session().client("sagemaker-runtime", region_name=endpoint.region, config=config)
        return SageMakerAdapter(
            client,
            endpoint.endpoint_name,
            inference_component_name=endpoint.inference_component_name,
            payload_format=endpoint.payload_format,
            model=endpoint.model,
            stream=options.stream,
            **common,
        )
    raise TypeError(f"unsupported endpoint type {type(endpoint).__name__}")  # pragma: no cover
