"""Run every preflight check for one environment; an unexpected AWS error is a finding, not a crash."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from botocore.exceptions import ClientError

from fmkit.config import EnvironmentConfig
from fmkit.preflight.aws import Clients
from fmkit.preflight.checks_account import check_bootstrap, check_identity, check_regions_enabled
from fmkit.preflight.checks_models import check_bedrock_access, check_jumpstart_artifacts
from fmkit.preflight.checks_quotas import check_bedrock_quotas, check_ec2_quotas, check_sagemaker_quotas
from fmkit.preflight.checks_services import check_services
from fmkit.preflight.report import CheckResult, PreflightReport, Status

Check = Callable[[EnvironmentConfig, Clients], Iterable[CheckResult]]
CHECKS: tuple[tuple[str, Check], ...] = (
    ("region-enabled", check_regions_enabled),
    ("cdk-bootstrap", check_bootstrap),
    ("regional-service", check_services),
    ("bedrock-model-access", check_bedrock_access),
    ("jumpstart-artifacts", check_jumpstart_artifacts),
    ("sagemaker-quota", check_sagemaker_quotas),
    ("ec2-quota", check_ec2_quotas),
    ("bedrock-quota", check_bedrock_quotas),
)


def run_preflight(env: EnvironmentConfig, session: Any) -> PreflightReport:
    """All checks with `session` (a boto3 Session); raises CannotCheck when nothing can be checked."""
    clients = Clients(session)
    report = PreflightReport(env.name, env.account, env.region)
    report.results.append(check_identity(env, clients))
    for name, check in CHECKS:
        try:
            report.results.extend(check(env, clients))
        except ClientError as exc:
            error = exc.response.get("Error", {})
            report.results.append(CheckResult(name, env.region, Status.UNKNOWN,
                                              f"{error.get('Code', 'error')}: {error.get('Message', '')}"))
    return report
