"""Entry point of the first step: check the data (line-numbered problems), name the run's job."""

from __future__ import annotations

from typing import Any

import data_steps
import wiring


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return data_steps.validate(event, wiring.settings(), s3=wiring.client("s3"), ssm=wiring.client("ssm"))
