"""Entry point of the Bedrock holdout run: the served model and the candidate answer every item."""

from __future__ import annotations

from typing import Any

import judge_steps
import wiring


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return judge_steps.answer_bedrock(event, wiring.settings(), s3=wiring.client("s3"),
                                      runtime=wiring.client("bedrock-runtime"))
