"""Identity, region and CDK bootstrap: can these credentials deploy this environment at all."""

from __future__ import annotations

from collections.abc import Iterator

from fmkit.config import EnvironmentConfig
from fmkit.preflight.aws import Clients, Denied, Unreachable, call
from fmkit.preflight.report import CannotCheck, CheckResult, Status

# What the synthesized assemblies require (manifest `requiresBootstrapStackVersion`, aws-cdk-lib 2.275):
# 6 for templates, 8 for the file-asset publishing roles. The CLI reads the same SSM parameter.
REQUIRED_BOOTSTRAP_VERSION = 8
BOOTSTRAP_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
SUSTAINABILITY_REGION = "us-east-1"


def deploy_regions(env: EnvironmentConfig) -> list[str]:
    """Every region the environment's stacks deploy to (the sustainability stack lives in us-east-1)."""
    regions = {env.region}
    if env.project.sustainability.enabled:
        regions.add(SUSTAINABILITY_REGION)
    return sorted(regions)


def check_identity(env: EnvironmentConfig, clients: Clients) -> CheckResult:
    """The credentials' account must be the environment's: anything else is exit 3, not a finding."""
    identity = call(clients.get("sts", env.region).get_caller_identity)
    account = identity["Account"]
    if account != env.account:
        raise CannotCheck(f"the credentials are for account {account}, but environment {env.name} is "
                          f"{env.account}: use credentials of {env.account} (e.g. AWS_PROFILE), then run again")
    return CheckResult("account", env.account, Status.OK, f"credentials of {identity['Arn']}")


def check_regions_enabled(env: EnvironmentConfig, clients: Clients) -> Iterator[CheckResult]:
    try:
        regions = call(clients.get("ec2", env.region).describe_regions, AllRegions=True)["Regions"]
    except Denied as exc:
        yield CheckResult("region-enabled", env.region, Status.UNKNOWN, str(exc), "allow ec2:DescribeRegions")
        return
    status = {r["RegionName"]: r.get("OptInStatus", "opt-in-not-required") for r in regions}
    for region in deploy_regions(env):
        state = status.get(region)
        if state in ("opt-in-not-required", "opted-in"):
            yield CheckResult("region-enabled", region, Status.OK, state)
        else:
            yield CheckResult("region-enabled", region, Status.BLOCKED,
                              f"region is {state or 'unknown'} for this account",
                              f"enable it: aws account enable-region --region-name {region}")


def check_bootstrap(env: EnvironmentConfig, clients: Clients) -> Iterator[CheckResult]:
    for region in deploy_regions(env):
        fix = f"npx cdk bootstrap aws://{env.account}/{region}"
        try:
            value = call(clients.get("ssm", region).get_parameter, Name=BOOTSTRAP_PARAMETER)["Parameter"]["Value"]
        except Denied as exc:
            yield CheckResult("cdk-bootstrap", region, Status.UNKNOWN, str(exc),
                              f"allow ssm:GetParameter on {BOOTSTRAP_PARAMETER}")
            continue
        except Unreachable as exc:
            yield CheckResult("cdk-bootstrap", region, Status.UNKNOWN, str(exc))
            continue
        except Exception as exc:  # ParameterNotFound arrives as the client's own exception class
            if "ParameterNotFound" not in type(exc).__name__ and "ParameterNotFound" not in str(exc):
                raise
            yield CheckResult("cdk-bootstrap", region, Status.BLOCKED, "not bootstrapped (no CDKToolkit version)", fix)
            continue
        version = int(value) if value.isdigit() else 0
        if version < REQUIRED_BOOTSTRAP_VERSION:
            yield CheckResult("cdk-bootstrap", region, Status.BLOCKED,
                              f"bootstrap version {value}, the templates need {REQUIRED_BOOTSTRAP_VERSION} or later",
                              f"upgrade it: {fix}")
        else:
            yield CheckResult("cdk-bootstrap", region, Status.OK, f"version {version}")
