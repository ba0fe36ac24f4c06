"""Target resolution: SSM discovery parameters (moto), command-line overrides, prices, API keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from fmkit.contracts.discovery import parameter_name
from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.evaluate.adapters import AdapterOptions, BedrockAdapter, OpenAICompatAdapter, SageMakerAdapter, build_adapter
from fmkit.evaluate.targets import (
    BedrockEndpoint,
    OpenAICompatEndpoint,
    SageMakerEndpoint,
    Target,
    TargetError,
    endpoint_parameter_name,
    parse_endpoint_override,
    parse_price_overrides,
    resolve_api_key,
    resolve_targets,
    resolve_targets_from_ssm,
    with_api_key,
)

PROFILE = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/p1"
PAYLOADS: dict[str, dict[str, Any]] = {
    "claude": {
        "provider": "bedrock",
        "inference_profile_arn": PROFILE,
        "guardrail_id": "gr1",
        "guardrail_version": "2",
    },
    "mistral-sm": {
        "provider": "sagemaker",
        "endpoint_name": "acme-dev-mistral",
        "inference_component_name": None,
        "region": "eu-west-1",
        "some_future_field": 1,  # unknown fields from newer stacks are ignored
    },
    "llama-arm": {
        "provider": "ec2-graviton",
        "base_url": "https://llama.internal.example/v1/",
        "api_key_secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:llama-key",
    },
}


@pytest.fixture
def ssm() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("ssm", region_name="eu-west-1")
        for name, payload in PAYLOADS.items():
            client.put_parameter(Name=parameter_name("acme", "dev", name), Value=json.dumps(payload), Type="String")
        # Noise that must be ignored: another env, a knowledge base, a non-endpoint leaf.
        client.put_parameter(Name=parameter_name("acme", "prod", "other"), Value="{}", Type="String")
        client.put_parameter(Name="/fmkit/acme/dev/knowledge/kb/query", Value="{}", Type="String")
        client.put_parameter(Name="/fmkit/acme/dev/models/claude/notes", Value="x", Type="String")
        yield client


def test_parameter_name_follows_the_discovery_contract() -> None:
    assert endpoint_parameter_name("acme", "dev", "claude") == "/fmkit/acme/dev/models/claude/endpoint"


def test_resolve_named_targets_in_the_given_order(ssm: Any) -> None:
    targets = resolve_targets_from_ssm(ssm, "acme", "dev", ["llama-arm", "claude"])
    assert [t.name for t in targets] == ["llama-arm", "claude"]
    llama, claude = targets
    assert isinstance(llama.endpoint, OpenAICompatEndpoint)
    assert llama.endpoint.base_url == "https://llama.internal.example/v1"  # trailing slash dropped
    assert isinstance(claude.endpoint, BedrockEndpoint)
    assert (claude.endpoint.guardrail_id, claude.endpoint.guardrail_version) == ("gr1", "2")
    assert claude.endpoint.region == "us-east-1"


def test_resolve_all_deployments_of_an_environment(ssm: Any) -> None:
    targets = resolve_targets_from_ssm(ssm, "acme", "dev", None)
    assert [t.name for t in targets] == ["claude", "llama-arm", "mistral-sm"]
    sagemaker = targets[2].endpoint
    assert isinstance(sagemaker, SageMakerEndpoint)
    assert (sagemaker.endpoint_name, sagemaker.region, sagemaker.payload_format) == (
        "acme-dev-mistral",
        "eu-west-1",
        "messages",
    )


def test_more_than_ten_names_are_batched(ssm: Any) -> None:
    for index in range(12):
        ssm.put_parameter(
            Name=parameter_name("acme", "dev", f"m{index}"),
            Value=json.dumps({"provider": "ec2-graviton", "base_url": f"http://127.0.0.1:{8000 + index}/v1"}),
            Type="String",
        )
    names = [f"m{index}" for index in range(12)]
    assert [t.name for t in resolve_targets_from_ssm(ssm, "acme", "dev", names)] == names


def test_missing_and_invalid_parameters_are_reported(ssm: Any) -> None:
    with pytest.raises(TargetError) as caught:
        resolve_targets_from_ssm(ssm, "acme", "dev", ["claude", "gpt", "phi"])
    message = str(caught.value)
    assert "gpt (/fmkit/acme/dev/models/gpt/endpoint)" in message and "phi" in message
    assert "--endpoint" in message
    ssm.put_parameter(Name=parameter_name("acme", "dev", "broken"), Value='{"provider": "azure"}', Type="String")
    with pytest.raises(TargetError, match="invalid endpoint description for 'broken'"):
        resolve_targets_from_ssm(ssm, "acme", "dev", ["broken"])
    with pytest.raises(TargetError, match="no model endpoints published"):
        resolve_targets_from_ssm(ssm, "acme", "staging", None)


def test_endpoint_overrides() -> None:
    local = parse_endpoint_override("local=http://127.0.0.1:8080/v1", api_key="sk-local-7f3a")
    assert isinstance(local.endpoint, OpenAICompatEndpoint) and local.api_key is not None
    assert "sk-local-7f3a" not in local.model_dump_json() + repr(local)  # keys never end up in reports
    bedrock = parse_endpoint_override(f"claude={PROFILE}")
    assert isinstance(bedrock.endpoint, BedrockEndpoint)
    sagemaker = parse_endpoint_override("sm=sagemaker:my-endpoint/my-component")
    assert isinstance(sagemaker.endpoint, SageMakerEndpoint)
    assert sagemaker.endpoint.inference_component_name == "my-component"
    for bad in ("nourl", "x=", "=http://h/v1", "x=ftp://h", "x=arn:aws:s3:::bucket"):
        with pytest.raises(TargetError):
            parse_endpoint_override(bad)


def test_resolve_targets_merges_ssm_overrides_and_prices(ssm: Any) -> None:
    prices = parse_price_overrides(["claude=tokens:0.0008,0.004", "local=hourly:1.2x2"])
    targets = resolve_targets(
        names=["claude", "llama-arm"],
        overrides=["llama-arm=http://127.0.0.1:8080/v1", "local=http://127.0.0.1:8081/v1"],
        prices=prices,
        ssm_client=ssm,
        project="acme",
        env="dev",
    )
    assert [t.name for t in targets] == ["claude", "llama-arm", "local"]
    assert isinstance(targets[1].endpoint, OpenAICompatEndpoint)
    assert targets[1].endpoint.base_url == "http://127.0.0.1:8080/v1"  # the override wins over SSM
    assert targets[0].price == TokenPricing(input_per_1k=0.0008, output_per_1k=0.004)
    assert targets[2].price == InstancePricing(per_hour=1.2, instances=2)
    with pytest.raises(TargetError, match="unknown model"):
        resolve_targets(overrides=["a=http://127.0.0.1:1/v1"], prices={"b": InstancePricing(per_hour=1)})
    with pytest.raises(TargetError, match="given twice"):
        resolve_targets(overrides=["a=http://127.0.0.1:1/v1", "a=http://127.0.0.1:2/v1"])


def test_overrides_alone_need_no_aws() -> None:
    targets = resolve_targets(overrides=["local=http://127.0.0.1:8080/v1"])
    assert [t.name for t in targets] == ["local"]
    with pytest.raises(TargetError, match="need AWS"):
        resolve_targets(names=["claude"])
    with pytest.raises(TargetError, match="need AWS"):
        resolve_targets()


def test_api_key_from_secrets_manager() -> None:
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name="eu-west-1")
        raw = secrets.create_secret(Name="raw", SecretString="abc123")["ARN"]
        structured = secrets.create_secret(Name="json", SecretString=json.dumps({"api_key": "xyz"}))["ARN"]
        empty = secrets.create_secret(Name="empty", SecretString=json.dumps({"user": "u"}))["ARN"]

        def target(arn: str) -> Target:
            return Target(name="t", endpoint=OpenAICompatEndpoint(base_url="http://h/v1", api_key_secret_arn=arn))

        assert resolve_api_key(target(raw), secrets) == "abc123"
        assert resolve_api_key(target(structured), secrets) == "xyz"
        with pytest.raises(TargetError, match="api_key"):
            resolve_api_key(target(empty), secrets)
        with pytest.raises(TargetError, match="AWS access"):
            resolve_api_key(target(raw), None)
        assert resolve_api_key(Target(name="t", endpoint=OpenAICompatEndpoint(base_url="http://h/v1")), None) is None

        # build_adapter fetches the key itself when the target names a secret.
        adapter = build_adapter(target(structured), session=boto3.session.Session(region_name="eu-west-1"))
        assert isinstance(adapter, OpenAICompatAdapter)
        assert adapter._headers["Authorization"] == "Bearer xyz"


def test_build_adapter_per_provider() -> None:
    session = boto3.session.Session(region_name="eu-west-1")
    options = AdapterOptions(timeout_s=30, stream=False)
    bedrock = build_adapter(
        Target(
            name="b", endpoint=BedrockEndpoint(inference_profile_arn=PROFILE, guardrail_id="g", guardrail_version="1")
        ),
        options,
        session=session,
    )
    assert isinstance(bedrock, BedrockAdapter)
    assert bedrock.client.meta.region_name == "us-east-1"  # from the profile ARN, not the session
    config: Any = bedrock.client.meta.config
    assert config.read_timeout == 30
    assert config.retries["total_max_attempts"] == 1  # we retry, boto3 does not
    assert bedrock.stream is False and bedrock.guardrail_id == "g"
    sagemaker = build_adapter(
        Target(name="s", endpoint=SageMakerEndpoint(endpoint_name="ep", region="ap-southeast-2", payload_format="tgi")),
        session=session,
    )
    assert isinstance(sagemaker, SageMakerAdapter)
    assert sagemaker.client.meta.region_name == "ap-southeast-2" and sagemaker.payload_format == "tgi"
    local = build_adapter(parse_endpoint_override("l=http://127.0.0.1:8080/v1", api_key="k"))
    assert isinstance(local, OpenAICompatAdapter) and local.url == "http://127.0.0.1:8080/v1/chat/completions"


@pytest.mark.parametrize("url", [
    "http://user:s3cret-key@127.0.0.1:8080/v1",
    "https://:s3cret-key@llama.internal/v1",
    "https://llama.internal/v1?api_key=s3cret-key",
    "https://llama.internal/v1?token=s3cret-key",
])
def test_a_key_inside_a_url_is_refused_without_repeating_it(url: str) -> None:
    with pytest.raises(TargetError) as info:
        parse_endpoint_override(f"local={url}")
    assert "--api-key NAME=ENV_VAR" in str(info.value) and "s3cret-key" not in str(info.value)
    with pytest.raises(ValueError, match="carries"):  # a discovery payload is checked the same way
        OpenAICompatEndpoint(base_url=url)


def test_with_api_key_is_for_openai_compatible_endpoints_and_never_serialised() -> None:
    local = with_api_key(parse_endpoint_override("local=http://127.0.0.1:8080/v1"), "k-123")
    assert local.api_key is not None and local.api_key.get_secret_value() == "k-123"
    assert "k-123" not in local.model_dump_json() and "k-123" not in repr(local)
    assert resolve_api_key(local, None) == "k-123"
    with pytest.raises(TargetError, match="OpenAI-compatible"):
        with_api_key(parse_endpoint_override(f"claude={PROFILE}"), "k-123")


def test_identity_names_what_determines_an_answer() -> None:
    target = Target(name="llama", endpoint=OpenAICompatEndpoint(
        base_url="https://llama.internal/v1", api_key_secret_arn="arn:aws:secretsmanager:eu-west-1:1:secret:k"),
        price=InstancePricing(per_hour=1.0))
    assert target.identity() == {"deployment": "llama", "provider": "ec2-graviton",
                                 "base_url": "https://llama.internal/v1", "model": None}
    bedrock = Target(name="nova", endpoint=BedrockEndpoint(inference_profile_arn=PROFILE, guardrail_id="g",
                                                           guardrail_version="3", model_id="amazon.nova-lite-v1:0"))
    assert bedrock.identity() == {"deployment": "nova", "provider": "bedrock", "inference_profile_arn": PROFILE,
                                  "guardrail_id": "g", "guardrail_version": "3"}
