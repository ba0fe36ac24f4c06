"""One shape for scheduled capacity on every provider: `schedules: [{name, cron, time_zone, min, max}]`.

`cron` is the five-field Unix form (minute hour day-of-month month day-of-week, Sunday = 0) that EC2
Auto Scaling takes as is; the kit converts it to Application Auto Scaling's six-field form
(`cron(m h dom mon dow year)`, Sunday = 1, one of day-of-month/day-of-week must be '?') for
SageMaker. Users write one syntax and never count fields.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from fmkit.config.base import Name, Strict, config_error

FIELD_RE = re.compile(r"^[0-9A-Za-z*,/-]+$")
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
EXAMPLE = "e.g. '0 8 * * MON-FRI' (minute hour day-of-month month day-of-week)"
NEW_SHAPE = ("schedules: [{name: office-hours, cron: '0 8 * * MON-FRI', time_zone: Europe/Dublin, min: 1, max: 2}] "
             "(five-field cron; the kit converts it for SageMaker)")


class CapacitySchedule(Strict):
    """A recurring change of the capacity bounds, e.g. min 0 at night in dev."""

    name: Name
    cron: str = Field(description="Five-field cron: minute hour day-of-month month day-of-week, "
                                  "e.g. '0 20 * * MON-FRI' (Sunday = 0 or SUN).")
    time_zone: str = Field(default="UTC", description="IANA time zone of the cron, e.g. Europe/Paris.")
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        fields = value.split()
        if len(fields) != 5:
            hint = ("the kit now takes five fields and converts them for SageMaker: drop the year and write '*' "
                    "for '?'" if len(fields) == 6 else EXAMPLE)
            raise config_error(f"'{value}' has {len(fields)} fields, not 5", hint)
        if not all(FIELD_RE.match(f) for f in fields):
            raise config_error(f"'{value}' is not a cron expression", EXAMPLE)
        if fields[2] != "*" and fields[4] != "*":
            raise config_error(f"'{value}' sets both a day of the month and a day of the week",
                               "AWS schedules take one of them: write '*' in the other")
        return " ".join(fields)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise config_error(f"'{value}' is not an IANA time zone", "e.g. UTC, Europe/Dublin, America/New_York"
                               ) from None
        return value

    @model_validator(mode="after")
    def _changes_something(self) -> CapacitySchedule:
        if self.min is None and self.max is None:
            raise config_error(f"schedule '{self.name}' changes nothing", "set min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise config_error(f"schedule '{self.name}': min {self.min} is greater than max {self.max}", "swap them")
        return self


def check_unique_names(schedules: list[CapacitySchedule]) -> None:
    names = [s.name for s in schedules]
    if len(names) != len(set(names)):
        raise config_error("schedule names must be unique", "rename the duplicate")


def application_autoscaling_cron(cron: str) -> str:
    """`0 8 * * MON-FRI` → `cron(0 8 ? * MON-FRI *)`: six fields, Sunday = 1, '?' in the unused day field."""
    minute, hour, dom, month, dow = cron.split()
    if dow == "*":
        return f"cron({minute} {hour} {dom} {month} ? *)"
    return f"cron({minute} {hour} ? {month} {_aws_days(dow)} *)"


def _aws_days(field: str) -> str:
    """Unix day-of-week numbers (0-7, Sunday = 0 or 7) → AWS (1-7, Sunday = 1); names stay names."""
    def one(token: str) -> str:
        return str(int(token) % 7 + 1) if token.isdigit() else token.upper()

    parts = []
    for item in field.split(","):
        base, _, step = item.partition("/")
        start, dash, end = base.partition("-")
        converted = one(start) + (f"-{one(end)}" if dash else "")
        if dash and start.isdigit() and end.isdigit() and int(end) == 7 and int(start) > 0:
            converted = f"{one(start)}-7,1"  # a range up to Sunday wraps to 1 in AWS numbering
        parts.append(converted + (f"/{step}" if step else ""))
    return ",".join(parts)
