"""Entry point after the job: record the candidate (GGUF, or Bedrock custom model) in the registry."""

from __future__ import annotations

from typing import Any

import data_steps
import wiring


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    settings = wiring.settings()
    if settings.kind == "bedrock":
        return data_steps.register_custom_model(event, settings, s3=wiring.client("s3"), ssm=wiring.client("ssm"),
                                                bedrock=wiring.client("bedrock"))
    return data_steps.register_candidate(event, settings, s3=wiring.client("s3"), ssm=wiring.client("ssm"))
