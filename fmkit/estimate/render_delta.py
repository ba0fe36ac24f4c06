"""`fmkit plan --baseline`: the change's cost and carbon, as a table, JSON and a pull-request comment."""

from __future__ import annotations

import json
from collections.abc import Iterable

from rich.table import Table

from fmkit.estimate.delta import Change, EnvironmentDelta

JSON_VERSION = 1
MARKER = "<!-- fmkit-plan-delta -->"  # lets a CI job find and update its own comment
STATUS_MARK = {"added": "🆕 ", "removed": "🗑️ ", "changed": "", "unchanged": ""}


def _signed(value: float, digits: int) -> str:
    return "0" if round(value, digits) == 0 else f"{value:+,.{digits}f}"


def _cells(change: Change) -> tuple[str, ...]:
    return (f"{STATUS_MARK[change.status]}{change.name}", f"{change.usd_before:,.2f}", f"{change.usd_after:,.2f}",
            _signed(change.usd_delta, 2), f"{change.kg_before:,.3f}", f"{change.kg_after:,.3f}",
            _signed(change.kg_delta, 3))


HEADERS = ("", "$ before", "$ after", "Δ $/month", "kg before", "kg after", "Δ kg CO2e/month")


def render_delta_json(deltas: Iterable[EnvironmentDelta], *, over_budget: bool) -> str:
    items = list(deltas)
    usd = sum(d.total.usd_delta for d in items)
    kg = sum(d.total.kg_delta for d in items)
    return json.dumps({"version": JSON_VERSION, "over_budget": over_budget,
                       "delta": {"usd_month": round(usd, 2), "kg_co2e_month": round(kg, 3)},
                       "environments": [d.as_dict() for d in items]}, indent=2)


def render_delta_markdown(deltas: Iterable[EnvironmentDelta], *, baseline: str) -> str:
    items = list(deltas)
    usd = sum(d.total.usd_delta for d in items)
    kg = sum(d.total.kg_delta for d in items)
    lines = [MARKER, "## fmkit plan: what this change costs and emits per month", "",
             f"Against `{baseline}`: **{_signed(usd, 2)} $/month, {_signed(kg, 3)} kg CO2e/month** (expected values).",
             ""]
    for delta in items:
        lines += [f"### {delta.env}", "", "| " + " | ".join(HEADERS) + " |", "|---|" + "---:|" * 6]
        changed = [c for c in delta.items if c.status != "unchanged"]
        for change in changed:
            lines.append("| " + " | ".join(_cells(change)) + " |")
        lines.append("| " + " | ".join(f"**{c}**" for c in _cells(delta.total)) + " |")
        if not changed:
            lines.append("")
            lines.append("_No deployment changed its estimate._")
        lines.append("")
    lines.append("_🆕 added, 🗑️ removed. Same estimator and catalogs on both sides; method: docs/carbon.md._")
    return "\n".join(lines) + "\n"


def render_delta_table(deltas: Iterable[EnvironmentDelta]) -> list[Table]:
    tables = []
    for delta in deltas:
        table = Table(title=f"{delta.env}: {_signed(delta.total.usd_delta, 2)} $/month, "
                            f"{_signed(delta.total.kg_delta, 3)} kg CO2e/month")
        for header in HEADERS:
            table.add_column(header or "deployment", justify="left" if not header else "right")
        for change in delta.items:
            table.add_row(*_cells(change), style="dim" if change.status == "unchanged" else None)
        table.add_row(*_cells(delta.total), style="bold")
        tables.append(table)
    return tables
