"""Service quotas against what the config asks for at peak (quota values, not free headroom)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from fmkit.catalog.bedrock import get_model
from fmkit.config import EnvironmentConfig
from fmkit.preflight.aws import Clients, Denied, Unreachable, call
from fmkit.preflight.demand import bedrock_demand, graviton_vcpus, sagemaker_instances, serverless_concurrency
from fmkit.preflight.report import CheckResult, Status

EC2_STANDARD_VCPUS = "L-1216C47A"  # Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances


class QuotaTable:
    """A service's quotas by name: the account's applied values over AWS's defaults."""

    def __init__(self, clients: Clients, service: str, region: str) -> None:
        self.by_name: dict[str, dict[str, Any]] = {}
        quotas = clients.get("service-quotas", region)
        for operation in ("list_aws_default_service_quotas", "list_service_quotas"):
            for page in call(quotas.get_paginator(operation).paginate, ServiceCode=service):
                for quota in page.get("Quotas", []):
                    self.by_name[quota["QuotaName"].lower()] = quota

    def find(self, *names: str, prefix: str | None = None) -> dict[str, Any] | None:
        for name in names:
            if name.lower() in self.by_name:
                return self.by_name[name.lower()]
        if prefix is not None:
            matches = sorted(n for n in self.by_name if n.startswith(prefix.lower()))
            if matches:
                return self.by_name[matches[0]]
        return None


def _compare(check: str, target: str, quota: dict[str, Any] | None, needed: float, unit: str,
             service: str, looked_for: str) -> CheckResult:
    if quota is None:
        return CheckResult(check, target, Status.UNKNOWN, f"no quota named '{looked_for}' found",
                           "check it in the Service Quotas console")
    value = float(quota.get("Value", 0))
    amount = f"{needed:,.1f}" if needed < 100 else f"{needed:,.0f}"
    detail = f"needs {amount} {unit} at peak, quota '{quota['QuotaName']}' is {value:,.0f}"
    if needed <= value:
        return CheckResult(check, target, Status.OK, detail)
    return CheckResult(check, target, Status.BLOCKED, detail,
                       f"aws service-quotas request-service-quota-increase --service-code {service} "
                       f"--quota-code {quota['QuotaCode']} --desired-value {math.ceil(needed)}")


def _table(clients: Clients, service: str, region: str, check: str) -> QuotaTable | CheckResult:
    try:
        return QuotaTable(clients, service, region)
    except (Denied, Unreachable) as exc:
        return CheckResult(check, f"{service} in {region}", Status.UNKNOWN, str(exc),
                           "allow servicequotas:ListServiceQuotas and ListAWSDefaultServiceQuotas")


def check_sagemaker_quotas(env: EnvironmentConfig, clients: Clients) -> Iterator[CheckResult]:
    instances = sagemaker_instances(env)
    concurrency, serverless = serverless_concurrency(env)
    if not instances and not serverless:
        return
    table = _table(clients, "sagemaker", env.region, "sagemaker-quota")
    if isinstance(table, CheckResult):
        yield table
        return
    for instance_type, (count, names) in sorted(instances.items()):
        name = f"{instance_type} for endpoint usage"
        yield _compare("sagemaker-quota", f"{instance_type} ({', '.join(names)})", table.find(name), count,
                       "instances", "sagemaker", name)
    if serverless:
        name = "maximum total concurrency that can be allocated across all serverless endpoints"
        quota = table.find(name, prefix="maximum total concurrency")
        yield _compare("sagemaker-quota", f"serverless concurrency ({', '.join(serverless)})", quota, concurrency,
                       "concurrent invocations", "sagemaker", name)


def check_ec2_quotas(env: EnvironmentConfig, clients: Clients) -> Iterator[CheckResult]:
    vcpus, names = graviton_vcpus(env)
    if not names:
        return
    target = f"On-Demand Standard vCPUs ({', '.join(names)} at max)"
    try:
        quotas = clients.get("service-quotas", env.region)
        try:
            quota = call(quotas.get_service_quota, ServiceCode="ec2", QuotaCode=EC2_STANDARD_VCPUS)["Quota"]
        except Exception as exc:
            if "NoSuchResource" not in str(exc):
                raise
            quota = call(quotas.get_aws_default_service_quota, ServiceCode="ec2",
                         QuotaCode=EC2_STANDARD_VCPUS)["Quota"]
    except (Denied, Unreachable) as exc:
        yield CheckResult("ec2-quota", target, Status.UNKNOWN, str(exc), "allow servicequotas:GetServiceQuota")
        return
    yield _compare("ec2-quota", target, quota, vcpus, "vCPUs", "ec2", EC2_STANDARD_VCPUS)


def check_bedrock_quotas(env: EnvironmentConfig, clients: Clients) -> Iterator[CheckResult]:
    demands = [d for d in bedrock_demand(env) if d.requests_per_minute > 0]
    if not demands:
        return
    table = _table(clients, "bedrock", env.region, "bedrock-quota")
    if isinstance(table, CheckResult):
        yield table
        return
    for demand in demands:
        model = get_model(demand.model_id)
        label = f"{model.provider} {model.name}" if model is not None else demand.model_id
        kind = "Cross-region" if demand.cross_region else "On-demand"
        target = f"{label} {kind.lower()} ({', '.join(demand.deployments)})"
        for unit, needed in (("requests", demand.requests_per_minute), ("tokens", demand.tokens_per_minute)):
            name = f"{kind} model inference {unit} per minute for {label}"
            yield _compare("bedrock-quota", target, table.find(name, prefix=name), needed, f"{unit}/minute",
                           "bedrock", name)
