"""Run a suite through a guardrail and turn the outcomes into rates per policy.

- `block_rate`: must-act cases (expect `block` or `mask`) the guardrail acted on as expected
  (blocked by any policy; for `mask`, the entity masked or blocked), over the must-act cases it
  answered. Per policy too, with `attributed_rate`: the share where the expected policy itself
  acted (a PII case blocked only by a word filter counts for `block_rate`, not for attribution).
- `false_block_rate`: must-pass cases that something blocked, over the must-pass cases
  answered; per policy, the false blocks that policy caused (over all must-pass cases).
- `error_rate`: cases that could not be asked (throttled past the retries, malformed answers);
  they count in no rate, so a run where nothing was answered measures nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .client import GuardrailClient, Outcome
from .suite import GuardrailCase

METRICS = {"block_rate": True, "false_block_rate": False, "error_rate": False}
"""Gate-able metrics and whether higher is better."""


def run_suite(cases: Sequence[GuardrailCase], client: GuardrailClient, *, concurrency: int = 4) -> list[Outcome]:
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return list(pool.map(client.apply, cases))


def _rate(hits: int, total: int) -> float | None:
    return hits / total if total else None


def _policy_rows(outcomes: Sequence[Outcome], must_pass: int) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for outcome in outcomes:
        if outcome.case.must_pass:
            continue
        row = rows.setdefault(outcome.case.policy, {"cases": 0, "acted": 0, "attributed": 0, "false_blocks": 0})
        row["cases"] += 1
        row["acted"] += int(outcome.success)
        row["attributed"] += int(outcome.attributed)
    for outcome in outcomes:
        if outcome.case.must_pass:
            for policy in outcome.blocked_by:
                row = rows.setdefault(policy, {"cases": 0, "acted": 0, "attributed": 0, "false_blocks": 0})
                row["false_blocks"] += 1
    for row in rows.values():
        row["block_rate"] = _rate(row["acted"], row["cases"])
        row["attributed_rate"] = _rate(row["attributed"], row["cases"])
        row["false_block_rate"] = _rate(row["false_blocks"], must_pass)
    return dict(sorted(rows.items()))


def summarize(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Overall and per-policy rates (see the module docstring), text units and errors."""
    answered = [o for o in outcomes if o.ok]
    must_act = [o for o in answered if not o.case.must_pass]
    must_pass = [o for o in answered if o.case.must_pass]
    units: dict[str, int] = {}
    for outcome in answered:
        for name, value in outcome.units.items():
            units[name] = units.get(name, 0) + value
    return {
        "cases": len(outcomes),
        "answered": len(answered),
        "must_act": len(must_act),
        "must_pass": len(must_pass),
        "metrics": {
            "block_rate": _rate(sum(o.success for o in must_act), len(must_act)),
            "false_block_rate": _rate(sum(not o.success for o in must_pass), len(must_pass)),
            "error_rate": _rate(len(outcomes) - len(answered), len(outcomes)),
        },
        "policies": _policy_rows(answered, len(must_pass)),
        "misses": [o.case.id for o in must_act if not o.success],
        "false_blocks": [o.case.id for o in must_pass if not o.success],
        "errors": {o.case.id: o.error for o in outcomes if o.error},
        "units": units,
    }


def outcome_record(outcome: Outcome) -> dict[str, Any]:
    case = outcome.case
    return {"id": case.id, "policy": case.policy, "expect": case.expect, "source": case.source, "text": case.text,
            "success": outcome.success if outcome.ok else None, "intervened": outcome.intervened,
            "acted": outcome.acted, "attempts": outcome.attempts, "latency_s": outcome.latency_s,
            "error": outcome.error}


def write_results(path: Path, outcomes: Sequence[Outcome]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(outcome_record(o)) + "\n" for o in outcomes), encoding="utf-8")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def render_markdown(report: dict[str, Any]) -> str:
    lines = [f"# Guardrail evaluation — {report['environment']}", ""]
    for name, result in report["deployments"].items():
        m = result["summary"]["metrics"]
        lines += [f"## {name} — guardrail {result['guardrail']}", "",
                  f"block rate {_pct(m['block_rate'])} · false-block rate {_pct(m['false_block_rate'])} · "
                  f"errors {_pct(m['error_rate'])} ({result['summary']['answered']}/{result['summary']['cases']} "
                  "cases answered)", "",
                  "| policy | must act | block rate | attributed | false blocks |", "|---|---:|---:|---:|---:|"]
        for policy, row in result["summary"]["policies"].items():
            lines.append(f"| {policy} | {row['cases']} | {_pct(row['block_rate'])} | {_pct(row['attributed_rate'])} "
                         f"| {row['false_blocks']} |")
        for label, key in (("Missed (must act)", "misses"), ("Falsely blocked", "false_blocks")):
            if result["summary"][key]:
                lines += ["", f"{label}: " + ", ".join(result["summary"][key])]
        if result["skipped"]:
            lines += ["", "Not configured (cases left out): "
                      + ", ".join(f"{p} ({n})" for p, n in sorted(result["skipped"].items()))]
        lines.append("")
    lines += [f"- {line}" for line in report.get("thresholds", [])]
    return "\n".join(lines) + "\n"
