"""Entry point of the Bedrock candidate's serving: create it (`action: create`) or poll it."""

from __future__ import annotations

from typing import Any

import release_steps
import wiring


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    if event.get("action") == "status":
        return release_steps.serving_status(event, bedrock=wiring.client("bedrock"))
    return release_steps.serve(event, wiring.settings(), s3=wiring.client("s3"), bedrock=wiring.client("bedrock"))
