"""Entry point of the run's last step: score, write the reports, publish metrics, check thresholds."""

from __future__ import annotations

from typing import Any

import logic
import wiring


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return logic.summarize_run(event, wiring.settings(), s3=wiring.client("s3"), cloudwatch=wiring.client("cloudwatch"))
