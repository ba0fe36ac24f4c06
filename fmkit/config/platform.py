"""Per-environment platform settings: network, alarms, logs, data lifecycle."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from fmkit.config.base import Strict, config_error

# Values CloudWatch Logs accepts for RetentionInDays.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)


class AlarmSubscription(Strict):
    protocol: Literal["email", "https", "sqs", "lambda"]
    endpoint: str = Field(min_length=3, description="Email address, HTTPS URL, or queue/function ARN.")

    @field_validator("endpoint")
    @classmethod
    def _endpoint_matches_protocol(cls, value: str, info: ValidationInfo) -> str:
        protocol = info.data.get("protocol")
        if protocol == "email" and "@" not in value:
            raise config_error(f"'{value}' is not an email address", "e.g. oncall@example.com")
        if protocol == "https" and not value.startswith("https://"):
            raise config_error(f"'{value}' is not an https:// URL", "SNS HTTPS subscriptions need https://")
        if protocol in ("sqs", "lambda") and not value.startswith("arn:"):
            raise config_error(f"'{value}' is not an ARN", f"give the {protocol} ARN")
        return value


class VpcConfig(Strict):
    cidr: str = Field(default="10.0.0.0/16", description="IPv4 CIDR of the VPC (/16 to /24).")
    max_azs: int = Field(default=2, ge=2, le=6, description="Availability zones (at least two).")
    nat_gateways: int = Field(default=1, ge=0, le=6, description="NAT gateways when egress is 'nat'.")
    availability_zones: list[str] | None = Field(
        default=None,
        description="Zone names to pin (default: the first max_azs zones CloudFormation's Fn::GetAZs "
        "returns in the target account).",
    )
    egress: Literal["nat", "none"] = Field(
        default="nat", description="'none': no NAT; S3/SSM/CloudWatch/ECR/STS reached via VPC endpoints."
    )

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            net = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise config_error(f"'{value}' is not an IPv4 network", "e.g. 10.0.0.0/16") from exc
        if not 16 <= net.prefixlen <= 24:
            raise config_error(f"VPC CIDR /{net.prefixlen} is outside /16../24", "AWS allows /16 to /28")
        return value


class PlatformConfig(Strict):
    alarm_subscriptions: list[AlarmSubscription] = Field(default_factory=list)
    vpc: VpcConfig = Field(default_factory=VpcConfig)
    log_retention_days: int = Field(default=30, description="CloudWatch Logs retention for every log group.")
    access_log_retention_days: int = Field(default=90, ge=1, description="Expiry of the access-logs bucket.")
    removal_policy: Literal["retain", "destroy"] = Field(
        default="retain", description="What happens to stateful resources when the stack is deleted."
    )

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            nearest = min(LOG_RETENTION_DAYS, key=lambda allowed: abs(allowed - value))
            raise config_error(
                f"{value} is not a retention CloudWatch Logs accepts", f"did you mean {nearest}?"
            )
        return value
