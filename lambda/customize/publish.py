"""Entry point of the last step: promote (pin, record, roll out) or keep the rejected candidate."""

from __future__ import annotations

from typing import Any

import release_steps
import wiring


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    settings = wiring.settings()
    pipeline = (wiring.regional_client("codepipeline", settings.pipeline_region or settings.region)
                if settings.pipeline_name else None)
    return release_steps.publish(event, settings, ssm=wiring.client("ssm"), sns=wiring.client("sns"),
                                 events=wiring.client("events"), pipeline=pipeline, bedrock=wiring.client("bedrock"))
