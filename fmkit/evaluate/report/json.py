"""`report.json`: the summary as data, for CI jobs and dashboards (schema `fmkit.evaluate.report/v1`)."""

from __future__ import annotations

import json

from fmkit.evaluate.summary import EvaluationSummary


def render_json(summary: EvaluationSummary) -> str:
    """Indented JSON; NaN is refused (missing values are null) so every JSON parser reads it."""
    return json.dumps(summary.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
