"""Entry point of the run's first step: validate the dataset, resolve the endpoints once."""

from __future__ import annotations

from typing import Any

import logic
import wiring


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return logic.prepare(event, wiring.settings(), s3=wiring.client("s3"), ssm=wiring.client("ssm"))
