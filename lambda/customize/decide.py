"""Entry point of the promotion gate: score both sides' answers, decide, keep the report."""

from __future__ import annotations

from typing import Any

import judge_steps
import wiring


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return judge_steps.decide_run(event, wiring.settings(), s3=wiring.client("s3"))
