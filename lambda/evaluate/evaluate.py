"""Entry point of one Distributed Map batch: every model answers the batch's items."""

from __future__ import annotations

from typing import Any

import logic
import wiring


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return logic.evaluate_batch(event, wiring.settings(), s3=wiring.client("s3"))
