"""What to call: deployments discovered through SSM, or endpoints given on the command line.

Deployed stacks publish `/fmkit/<project>/<env>/models/<deployment>/endpoint` (JSON, see
docs/contributing.md "Runtime discovery convention"); `resolve_targets_from_ssm` reads those.
`parse_endpoint_override` builds the same `Target` from `name=URL` so a local llama-server can
be benchmarked with no AWS account at all.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, ValidationError, field_validator

from fmkit.contracts.discovery import parameter_name
from fmkit.contracts.evaluation import PlanCost
from fmkit.contracts.pricing import InstancePricing, PriceModel, TokenPricing, parse_price

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_ssm import SSMClient
else:
    SSMClient = Any
    SecretsManagerClient = Any


class TargetError(ValueError):
    """Targets could not be resolved (missing parameter, bad override, unknown price name)."""


class _Endpoint(BaseModel):
    # extra="ignore": stacks may add fields to the discovery payload without breaking old CLIs.
    model_config = ConfigDict(extra="ignore", frozen=True)


class BedrockEndpoint(_Endpoint):
    provider: Literal["bedrock"] = "bedrock"
    inference_profile_arn: str
    guardrail_id: str | None = None
    guardrail_version: str | None = None
    # The foundation model behind the profile (the stack publishes it): picks an embedding model's
    # request format, which the profile ARN does not tell.
    model_id: str | None = None

    @property
    def region(self) -> str | None:
        parts = self.inference_profile_arn.split(":")
        return parts[3] if len(parts) > 3 and parts[0] == "arn" and parts[3] else None


class SageMakerEndpoint(_Endpoint):
    provider: Literal["sagemaker"] = "sagemaker"
    endpoint_name: str
    inference_component_name: str | None = None
    region: str | None = None
    payload_format: Literal["messages", "tgi"] = "messages"
    model: str | None = None


class OpenAICompatEndpoint(_Endpoint):
    """The Graviton llama-server endpoints (provider "ec2-graviton") or any OpenAI-compatible one."""

    provider: Literal["ec2-graviton"] = "ec2-graviton"
    base_url: str
    api_key_secret_arn: str | None = None
    model: str | None = None

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"base_url must be an http(s) URL, got {value!r}")
        check_no_credentials(value)
        return value.rstrip("/")


_KEY_QUERY = re.compile(r"(?:^|[?&])(?:api[_-]?key|key|token|access[_-]?token|secret)=", re.IGNORECASE)


def check_no_credentials(url: str) -> None:
    """Refuse a URL that carries a secret (`user:key@host`, `?api_key=…`).

    A URL is recorded in `run.json` and printed in every report, so a key inside it would be
    written to disk and shared with the report. Keys travel only as `--api-key NAME=ENV_VAR` or
    from the deployment's Secrets Manager secret. The message never repeats the URL.
    """
    parts = urllib.parse.urlsplit(url)
    if "@" in parts.netloc:
        raise ValueError("the URL carries credentials (user:key@host): remove them and pass the key with "
                         "--api-key NAME=ENV_VAR (it is never written to the results or reports)")
    if _KEY_QUERY.search(parts.query):
        raise ValueError("the URL carries a key in its query string: remove it and pass the key with "
                         "--api-key NAME=ENV_VAR (it is never written to the results or reports)")


Endpoint = Annotated[BedrockEndpoint | SageMakerEndpoint | OpenAICompatEndpoint, Field(discriminator="provider")]
_ENDPOINT = TypeAdapter[BedrockEndpoint | SageMakerEndpoint | OpenAICompatEndpoint](Endpoint)


class Target(BaseModel):
    """A model to benchmark: its deployment name, how to call it, and what it costs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    endpoint: Endpoint
    price: PriceModel | None = None
    # What `fmkit plan` expects the deployment to cost at its configured traffic (None: not a
    # configured deployment, or no expected_traffic).
    plan_cost: PlanCost | None = None
    # A key given directly (--api-key, a local server); never serialised into results or reports.
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)

    @property
    def provider(self) -> str:
        return self.endpoint.provider

    def identity(self) -> dict[str, Any]:
        """Everything about the target that determines an answer: the deployment and where and how
        it is called (URL or ARN, model, guardrail version), not its price or its key's secret.

        Part of every result's key, so a rerun against another endpoint asks again instead of
        reusing answers another endpoint gave.
        """
        endpoint = self.endpoint.model_dump(mode="json", exclude={"api_key_secret_arn", "model_id"})
        return {"deployment": self.name, **endpoint}

    def describe(self) -> str:
        """A one-line, secret-free description for reports."""
        endpoint = self.endpoint
        if isinstance(endpoint, BedrockEndpoint):
            guard = f", guardrail {endpoint.guardrail_id}:{endpoint.guardrail_version}" if endpoint.guardrail_id else ""
            return f"bedrock {endpoint.inference_profile_arn}{guard}"
        if isinstance(endpoint, SageMakerEndpoint):
            component = f" / {endpoint.inference_component_name}" if endpoint.inference_component_name else ""
            return f"sagemaker {endpoint.endpoint_name}{component} ({endpoint.payload_format})"
        return f"openai-compatible {endpoint.base_url}"


def endpoint_parameter_name(project: str, env: str, deployment: str) -> str:
    """The SSM parameter a deployment publishes (docs/contributing.md, runtime discovery)."""
    return parameter_name(project, env, deployment)


def parse_endpoint_payload(name: str, value: str, *, source: str) -> Target:
    try:
        data = json.loads(value)
        endpoint = _ENDPOINT.validate_python(data)
    except (ValueError, ValidationError) as exc:
        raise TargetError(f"{source}: invalid endpoint description for {name!r}: {exc}") from exc
    return Target(name=name, endpoint=endpoint)


def resolve_targets_from_ssm(
    ssm_client: SSMClient, project: str, env: str, names: Sequence[str] | None = None
) -> list[Target]:
    """Read discovery parameters; all deployments of the environment when `names` is empty."""
    prefix = f"/fmkit/{project}/{env}/models/"
    values: dict[str, str] = {}
    if not names:
        paginator = ssm_client.get_paginator("get_parameters_by_path")
        for page in paginator.paginate(Path=prefix, Recursive=True):
            for parameter in page["Parameters"]:
                rest = parameter["Name"][len(prefix) :]
                deployment, _, leaf = rest.partition("/")
                if leaf == "endpoint":
                    values[deployment] = parameter["Value"]
        if not values:
            raise TargetError(f"no model endpoints published under {prefix} (is the environment deployed?)")
        ordered = sorted(values)
    else:
        ordered = list(dict.fromkeys(names))
        wanted = {endpoint_parameter_name(project, env, n): n for n in ordered}
        parameter_names = list(wanted)
        for start in range(0, len(parameter_names), 10):  # GetParameters accepts at most 10 names
            response = ssm_client.get_parameters(Names=parameter_names[start : start + 10])
            for parameter in response["Parameters"]:
                values[wanted[parameter["Name"]]] = parameter["Value"]
        missing = [n for n in ordered if n not in values]
        if missing:
            listed = ", ".join(f"{n} ({endpoint_parameter_name(project, env, n)})" for n in missing)
            raise TargetError(
                f"no endpoint published for: {listed}. Deploy the model, check the name, or pass "
                "--endpoint NAME=URL to benchmark an endpoint directly."
            )
    return [
        parse_endpoint_payload(n, values[n], source=f"SSM {endpoint_parameter_name(project, env, n)}") for n in ordered
    ]


_ARN_BEDROCK_PROFILE = re.compile(r"^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:(application-)?inference-profile/")


def parse_endpoint_override(spec: str, *, api_key: str | None = None) -> Target:
    """`NAME=URL` (OpenAI-compatible, e.g. a local llama-server at http://127.0.0.1:8080/v1),
    `NAME=arn:aws:bedrock:…:application-inference-profile/…` or `NAME=sagemaker:ENDPOINT[/COMPONENT]`.
    """
    name, sep, value = spec.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name or not value:
        raise TargetError(f"invalid endpoint {spec!r}: expected NAME=URL, NAME=ARN or NAME=sagemaker:ENDPOINT")
    endpoint: BedrockEndpoint | SageMakerEndpoint | OpenAICompatEndpoint
    try:
        if value.startswith(("http://", "https://")):
            endpoint = OpenAICompatEndpoint(base_url=value)
        elif _ARN_BEDROCK_PROFILE.match(value):
            endpoint = BedrockEndpoint(inference_profile_arn=value)
        elif value.startswith("sagemaker:"):
            endpoint_name, _, component = value.removeprefix("sagemaker:").partition("/")
            endpoint = SageMakerEndpoint(endpoint_name=endpoint_name, inference_component_name=component or None)
        else:
            raise TargetError(
                f"invalid endpoint {spec!r}: the value must be an http(s) URL, "
                "a Bedrock inference profile ARN or sagemaker:ENDPOINT_NAME"
            )
    except ValidationError as exc:
        messages = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise TargetError(f"invalid endpoint for {name!r}: {messages}") from None
    return Target(name=name, endpoint=endpoint, api_key=SecretStr(api_key) if api_key else None)


def parse_price_overrides(specs: Sequence[str]) -> dict[str, TokenPricing | InstancePricing]:
    """`NAME=tokens:IN,OUT` or `NAME=hourly:RATE[xN]` (USD) into a price per target name."""
    prices: dict[str, TokenPricing | InstancePricing] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        if not sep or not name.strip():
            raise TargetError(f"invalid price {spec!r}: expected NAME=tokens:IN,OUT or NAME=hourly:RATE")
        try:
            prices[name.strip()] = parse_price(value.strip())
        except ValueError as exc:
            raise TargetError(str(exc)) from exc
    return prices


def resolve_targets(
    *,
    names: Sequence[str] = (),
    overrides: Sequence[str | Target] = (),
    prices: Mapping[str, TokenPricing | InstancePricing] | None = None,
    plan_costs: Mapping[str, PlanCost] | None = None,
    ssm_client: SSMClient | None = None,
    project: str | None = None,
    env: str | None = None,
) -> list[Target]:
    """Combine `--models`, `--endpoint` overrides, prices and plan costs into the ordered target list.

    Named models come first (an override with the same name wins over SSM), then overrides not
    named in `names`. With neither names nor overrides, every deployment in SSM is used.
    """
    override_targets = [parse_endpoint_override(o) if isinstance(o, str) else o for o in overrides]
    by_name: dict[str, Target] = {}
    for target in override_targets:
        if target.name in by_name:
            raise TargetError(f"endpoint {target.name!r} is given twice")
        by_name[target.name] = target
    names = list(dict.fromkeys(names))
    from_ssm = [n for n in names if n not in by_name]
    resolved: dict[str, Target] = {}
    if from_ssm or (not names and not by_name):
        if ssm_client is None or not project or not env:
            needed = ", ".join(from_ssm) or "all deployments"
            raise TargetError(f"need AWS (SSM) access to resolve {needed}; or pass --endpoint NAME=URL")
        resolved.update({t.name: t for t in resolve_targets_from_ssm(ssm_client, project, env, from_ssm)})
    ordered = [resolved.get(n) or by_name[n] for n in names]
    ordered += [t for t in override_targets if t.name not in names]
    if not names and not by_name:
        ordered = list(resolved.values())
    prices = dict(prices or {})
    unknown = sorted(set(prices) - {t.name for t in ordered})
    if unknown:
        raise TargetError(f"price given for unknown model(s): {', '.join(unknown)}")
    costs = dict(plan_costs or {})
    return [t.model_copy(update={"price": prices.get(t.name, t.price), "plan_cost": costs.get(t.name, t.plan_cost)})
            for t in ordered]


def with_api_key(target: Target, key: str) -> Target:
    """`target` sending `key` (an OpenAI-compatible endpoint: the Graviton llama-server, a local one)."""
    if not isinstance(target.endpoint, OpenAICompatEndpoint):
        raise TargetError(f"{target.name}: --api-key applies to OpenAI-compatible endpoints (URLs), "
                          f"not {target.endpoint.provider}")
    if not key.strip():
        raise TargetError(f"{target.name}: the API key is empty")
    return target.model_copy(update={"api_key": SecretStr(key.strip())})


def resolve_api_key(target: Target, secrets_client: SecretsManagerClient | None) -> str | None:
    """The bearer key for an OpenAI-compatible target: given directly, or from Secrets Manager.

    The secret may be the raw key or JSON with an `api_key` field.
    """
    if target.api_key is not None:
        return target.api_key.get_secret_value()
    endpoint = target.endpoint
    if not isinstance(endpoint, OpenAICompatEndpoint) or endpoint.api_key_secret_arn is None:
        return None
    if secrets_client is None:
        raise TargetError(f"{target.name}: the API key is in {endpoint.api_key_secret_arn}; AWS access is needed")
    secret: str = secrets_client.get_secret_value(SecretId=endpoint.api_key_secret_arn)["SecretString"]
    try:
        data = json.loads(secret)
    except ValueError:
        return secret.strip()
    if isinstance(data, dict) and isinstance(data.get("api_key"), str):
        return str(data["api_key"])
    if isinstance(data, str):
        return data
    raise TargetError(f"{target.name}: secret {endpoint.api_key_secret_arn} has no 'api_key' field")
