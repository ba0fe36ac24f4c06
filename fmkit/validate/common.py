"""Rules that apply to every environment, whatever providers it uses."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from fmkit.catalog.regions import get_region
from fmkit.config.environment import EnvironmentConfig
from fmkit.validate.registry import Finding, rule


@rule("alarm-subscriptions-unique")
def alarm_subscriptions_unique(env: EnvironmentConfig) -> Iterator[Finding]:
    """The same endpoint twice would send every alarm twice."""
    seen: set[tuple[str, str]] = set()
    for index, sub in enumerate(env.platform.alarm_subscriptions):
        key = (sub.protocol, sub.endpoint)
        if key in seen:
            yield Finding(
                ("platform", "alarm_subscriptions", index),
                f"alarm subscription {sub.protocol}:{sub.endpoint} is listed twice",
                "remove the duplicate",
            )
        seen.add(key)


@rule("nat-gateways-within-azs")
def nat_gateways_within_azs(env: EnvironmentConfig) -> Iterator[Finding]:
    vpc = env.platform.vpc
    if vpc.egress == "nat" and vpc.nat_gateways > vpc.max_azs:
        yield Finding(
            ("platform", "vpc", "nat_gateways"),
            f"{vpc.nat_gateways} NAT gateways for {vpc.max_azs} AZs",
            f"at most one per AZ: use {vpc.max_azs} or fewer",
        )
    if vpc.egress == "nat" and vpc.nat_gateways == 0:
        yield Finding(
            ("platform", "vpc", "nat_gateways"),
            "egress is 'nat' but nat_gateways is 0, so private subnets have no way out",
            "set nat_gateways: 1 (or more), or egress: none to use VPC endpoints only",
        )


@rule("vpc-zones-in-region")
def vpc_zones_in_region(env: EnvironmentConfig) -> Iterator[Finding]:
    """Explicit zones must belong to the environment's region, at least two, no repeats."""
    zones = env.platform.vpc.availability_zones
    if zones is None:
        return
    known = get_region(env.region).zones
    for index, zone in enumerate(zones):
        if zone not in known:
            close = difflib.get_close_matches(zone, known, n=1)
            yield Finding(
                ("platform", "vpc", "availability_zones", index),
                f"'{zone}' is not a zone of {env.region}",
                f"did you mean '{close[0]}'?" if close else f"zones of {env.region}: {', '.join(known)}",
            )
    if len(set(zones)) < 2 or len(set(zones)) != len(zones):
        yield Finding(("platform", "vpc", "availability_zones"),
                      "list at least two distinct zones", "high availability needs two zones")
