"""`run_preflight` against a moto account plus Stubber-answered Bedrock and Service Quotas."""

from __future__ import annotations

import pytest

from fmkit.config import EnvironmentConfig
from fmkit.preflight import CannotCheck, PreflightReport, Status, run_preflight
from tests.unit.preflight.conftest import (
    FakeAccount,
    FakeSession,
    bootstrap,
    jumpstart_artifacts,
    ok_availability,
    quota,
    ready_account,
)

pytestmark = pytest.mark.usefixtures("aws")


def run(env: EnvironmentConfig, account: FakeAccount) -> PreflightReport:
    return run_preflight(env, FakeSession(account))


def by_check(report: PreflightReport, check: str) -> list[tuple[str, Status, str]]:
    return [(r.target, r.status, r.detail) for r in report.results if r.check == check]


def test_a_ready_account_passes_every_check(dev: EnvironmentConfig) -> None:
    bootstrap(dev.region)
    jumpstart_artifacts(dev)
    report = run(dev, ready_account())
    assert report.blocked == [], report.rows()
    assert report.exit_code == 0
    checks = {r.check for r in report.results}
    assert {"account", "region-enabled", "cdk-bootstrap", "regional-service", "bedrock-model-access",
            "jumpstart-artifacts", "sagemaker-quota", "ec2-quota", "bedrock-quota"} <= checks
    assert all(r.status is Status.OK for r in report.results), report.rows()


def test_credentials_of_another_account_cannot_check(dev: EnvironmentConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "999999999999")
    with pytest.raises(CannotCheck, match=r"account 999999999999.*111111111111"):
        run(dev, ready_account())


def test_missing_or_old_bootstrap_blocks(dev: EnvironmentConfig) -> None:
    jumpstart_artifacts(dev)
    report = run(dev, ready_account())
    [(region, status, detail)] = by_check(report, "cdk-bootstrap")
    assert (region, status) == ("eu-west-1", Status.BLOCKED) and "not bootstrapped" in detail
    bootstrap(dev.region, "5")
    [(_, status, detail)] = by_check(run(dev, ready_account()), "cdk-bootstrap")
    assert status is Status.BLOCKED and "version 5" in detail


@pytest.mark.parametrize(("answer", "status", "words"), [
    ({"authorizationStatus": "NOT_AUTHORIZED"}, Status.BLOCKED, "not authorized"),
    ({"entitlementAvailability": "NOT_AVAILABLE"}, Status.BLOCKED, "no entitlement"),
    ({"regionAvailability": "NOT_AVAILABLE"}, Status.BLOCKED, "not offered"),
    ({"agreementAvailability": {"status": "ERROR", "errorMessage": "EULA not accepted"}}, Status.BLOCKED, "EULA"),
    ({"agreementAvailability": {"status": "PENDING"}}, Status.WARNING, "pending"),
])
def test_bedrock_model_access(dev: EnvironmentConfig, answer: dict[str, object], status: Status, words: str) -> None:
    bootstrap(dev.region)
    jumpstart_artifacts(dev)
    account = ready_account()
    account.bedrock_availability["amazon.nova-lite-v1:0"] = {**ok_availability(), **answer}
    [(target, got, detail)] = by_check(run(dev, account), "bedrock-model-access")
    assert target.startswith("nova-lite (amazon.nova-lite-v1:0)")
    assert got is status and words in detail


def test_missing_jumpstart_artifacts_block(dev: EnvironmentConfig) -> None:
    bootstrap(dev.region)
    results = by_check(run(dev, ready_account()), "jumpstart-artifacts")
    assert results and all(status is Status.BLOCKED for _, status, _ in results)


def test_sagemaker_quota_below_max_instances_blocks_with_the_request_command(dev: EnvironmentConfig) -> None:
    bootstrap(dev.region)
    jumpstart_artifacts(dev)
    account = ready_account()
    account.quotas["sagemaker"][0] = quota("ml.g5.2xlarge for endpoint usage", 0, "L-G5X2")
    report = run(dev, account)
    [blocked] = [r for r in report.results if r.check == "sagemaker-quota" and r.status is Status.BLOCKED]
    assert "ml.g5.2xlarge" in blocked.target and blocked.fix is not None
    assert "--quota-code L-G5X2" in blocked.fix and "--desired-value" in blocked.fix
    assert report.exit_code == 1


def test_bedrock_quota_is_checked_at_peak(dev: EnvironmentConfig) -> None:
    """nova-lite in dev: 5,000 requests/day / 1,440 x peak 3 = 10.4/min; x (1,200 + 300) tokens = 15,625/min."""
    bootstrap(dev.region)
    jumpstart_artifacts(dev)
    account = ready_account()
    account.quotas["bedrock"] = [
        quota("Cross-region model inference requests per minute for Amazon Nova Lite", 10),
        quota("Cross-region model inference tokens per minute for Amazon Nova Lite", 15_626)]
    results = by_check(run(dev, account), "bedrock-quota")
    [(_, status, detail)] = [r for r in results if "requests/minute" in r[2]]
    assert status is Status.BLOCKED and "needs 10.4 requests/minute" in detail
    [(_, status, detail)] = [r for r in results if "tokens/minute" in r[2]]
    assert status is Status.OK and "needs 15,625 tokens/minute" in detail


def test_graviton_vcpus_at_max_against_the_standard_quota(dev: EnvironmentConfig) -> None:
    bootstrap(dev.region)
    jumpstart_artifacts(dev)
    account = ready_account()
    account.ec2_vcpus = 4
    [(_, status, detail)] = by_check(run(dev, account), "ec2-quota")
    assert status is Status.BLOCKED and "vCPUs" in detail


def test_a_service_without_an_endpoint_in_the_region_blocks(dev: EnvironmentConfig) -> None:
    bootstrap(dev.region)
    jumpstart_artifacts(dev)
    account = ready_account()
    account.unreachable.add("s3vectors")
    results = by_check(run(dev, account), "regional-service")
    assert ("s3-vectors in eu-west-1", Status.BLOCKED, "the service has no endpoint in this region") in results


def test_json_shape(dev: EnvironmentConfig) -> None:
    import json

    bootstrap(dev.region)
    jumpstart_artifacts(dev)
    data = json.loads(run(dev, ready_account()).to_json())
    assert data["environment"] == "dev" and data["ready"] is True
    assert {"check", "target", "status", "detail", "fix"} <= set(data["results"][0])
