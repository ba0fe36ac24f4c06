"""A boto3-like session for preflight: moto serves STS, SSM, EC2 and S3; botocore Stubbers answer
Bedrock and Service Quotas (which moto does not model), each test saying what the account has."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber
from moto import mock_aws

from fmkit.config import EnvironmentConfig
from fmkit.validate import load_validated

ROOT = Path(__file__).resolve().parents[3]
ACCOUNT = "111111111111"


class Unreachable:
    """A client for a service with no endpoint in the region: every call fails to connect."""

    def __init__(self, region: str) -> None:
        self.region = region

    def __getattr__(self, name: str) -> Any:
        def fail(**_: Any) -> Any:
            raise EndpointConnectionError(endpoint_url=f"https://unreachable.{self.region}.amazonaws.com")
        return fail


@dataclass
class FakeAccount:
    """What the account looks like: quotas, model availability, unreachable services."""

    bedrock_availability: dict[str, dict[str, Any]] = field(default_factory=dict)
    quotas: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # service code -> quotas
    ec2_vcpus: float = 64
    unreachable: set[str] = field(default_factory=set)


class FakeSession:
    def __init__(self, account: FakeAccount) -> None:
        self.account = account
        self.stubbers: list[Stubber] = []

    def client(self, service: str, region_name: str, config: Any = None) -> Any:
        if service in self.account.unreachable:
            return Unreachable(region_name)
        client: Any = boto3.client(service, region_name=region_name)  # type: ignore[call-overload]
        if service == "bedrock":
            return self._bedrock(client)
        if service == "service-quotas":
            return self._quotas(client)
        return client

    def _bedrock(self, client: Any) -> Any:
        stubber = Stubber(client)
        stubber.add_response("list_foundation_models", {"modelSummaries": []}, {"byOutputModality": "TEXT"})
        for model_id, answer in self.account.bedrock_availability.items():
            stubber.add_response("get_foundation_model_availability", {"modelId": model_id, **answer},
                                 {"modelId": model_id})
        stubber.activate()
        self.stubbers.append(stubber)
        return client

    def _quotas(self, client: Any) -> Any:
        class Quotas:
            """Answers the two list calls per service and the EC2 vCPU quota (paginators included)."""

            def __init__(inner, account: FakeAccount) -> None:
                inner.account = account

            def get_paginator(inner, operation: str) -> Any:
                account = inner.account

                class Pages:
                    def paginate(self, ServiceCode: str) -> list[dict[str, Any]]:
                        quotas = account.quotas.get(ServiceCode, [])
                        return [{"Quotas": quotas if operation == "list_service_quotas" else []}]
                return Pages()

            def get_service_quota(inner, ServiceCode: str, QuotaCode: str) -> dict[str, Any]:
                return {"Quota": {"QuotaName": "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances",
                                  "QuotaCode": QuotaCode, "Value": inner.account.ec2_vcpus}}
        return Quotas(self.account)


def ok_availability() -> dict[str, Any]:
    return {"agreementAvailability": {"status": "AVAILABLE"}, "authorizationStatus": "AUTHORIZED",
            "entitlementAvailability": "AVAILABLE", "regionAvailability": "AVAILABLE"}


def quota(name: str, value: float, code: str = "L-TEST") -> dict[str, Any]:
    return {"QuotaName": name, "QuotaCode": code, "Value": value}


def ready_account() -> FakeAccount:
    """The default dev environment's needs, all met."""
    return FakeAccount(
        bedrock_availability={"amazon.nova-lite-v1:0": ok_availability()},
        quotas={
            "sagemaker": [
                quota("ml.g5.2xlarge for endpoint usage", 4),
                quota("Maximum total concurrency that can be allocated across all serverless endpoints", 200)],
            "bedrock": [quota("Cross-region model inference requests per minute for Amazon Nova Lite", 2000),
                        quota("Cross-region model inference tokens per minute for Amazon Nova Lite", 4_000_000)],
        },
    )


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "MOTO_ACCOUNT_ID": ACCOUNT, "AWS_DEFAULT_REGION": "eu-west-1"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield


JUMPSTART = """provider: sagemaker
source:
  jumpstart: {model_id: meta-textgeneration-llama-3-1-8b-instruct, accept_eula: true}
instance_type: ml.g5.2xlarge
license_ack: "Llama 3.1 license reviewed for this test"
environments: [dev]
autoscaling: {min: 1, max: 2}
"""


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> EnvironmentConfig:
    """The default dev environment plus a JumpStart model (its artifacts are what preflight checks)."""
    config = tmp_path_factory.mktemp("preflight") / "model_configs"
    shutil.copytree(ROOT / "model_configs", config)
    (config / "models" / "llama-js.yaml").write_text(JUMPSTART)
    return load_validated(config).environment("dev")


def bootstrap(region: str, version: str = "29") -> None:
    boto3.client("ssm", region_name=region).put_parameter(
        Name="/cdk-bootstrap/hnb659fds/version", Value=version, Type="String")


def jumpstart_artifacts(env: EnvironmentConfig) -> None:
    """Put an object under every JumpStart prefix the environment reads."""
    from fmkit.catalog.jumpstart import get_jumpstart_model
    from fmkit.config.providers.sagemaker import SageMakerDeployment

    s3: Any = boto3.client("s3", region_name=env.region)
    for deployment in env.deployments_of(SageMakerDeployment).values():
        if deployment.source.jumpstart is None:
            continue
        model = get_jumpstart_model(deployment.source.jumpstart.model_id)
        assert model is not None
        bucket = model.artifact_bucket.format(region=env.region)
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": env.region})
        s3.put_object(Bucket=bucket, Key=model.artifact_prefix + "config.json", Body=b"{}")
