"""Plan output: a rich table for terminals, JSON for CI, Markdown for a pull-request comment."""

from __future__ import annotations

import json
from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from fmkit.estimate.model import BudgetCheck, DeploymentEstimate, EnvironmentEstimate, Range, Recommendation

JSON_VERSION = 1
HEADERS = ("deployment", "kind", "hardware", "$/month", "kWh/month", "kg CO2e/month", "$/1M out tok")


def _num(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.3f}"


def _range(r: Range) -> str:
    if r.low == r.high:
        return _num(r.expected)
    return f"{_num(r.expected)} ({_num(r.low)}–{_num(r.high)})"


def _hardware(item: DeploymentEstimate) -> str:
    if item.instance_type is None:
        return item.arch
    extra = "" if item.accelerator == "none" else f", {item.accelerator}"
    return f"{item.instance_type} ({item.arch}{extra})"


def _row(item: DeploymentEstimate) -> tuple[str, ...]:
    fp = item.footprint
    per_million = "" if item.usd_per_1m_output_tokens is None else f"{item.usd_per_1m_output_tokens:,.2f}"
    return (item.name, item.kind, _hardware(item), _range(fp.usd), _range(fp.kwh), _range(fp.kg_co2e),
            per_million)


def _total_row(est: EnvironmentEstimate) -> tuple[str, ...]:
    fp = est.footprint
    return ("TOTAL", "", "", _range(fp.usd), _range(fp.kwh), _range(fp.kg_co2e), "")


def _title(est: EnvironmentEstimate) -> str:
    grid_g = est.grid_g_co2e_per_kwh
    grid = "unknown grid factor" if grid_g is None else f"grid {grid_g:.0f} g CO2e/kWh"
    return f"{est.env} — {est.region}, {grid}"


def _recommendation(rec: Recommendation) -> str:
    what = "environment" if rec.kind == "region" else "deployment"
    run = f"; run `{rec.command}`" if rec.command else ""
    return (f"{what} {rec.target}: {rec.current} → {rec.proposed}: {rec.usd_delta:+,.2f} $/month, "
            f"{rec.kg_co2e_delta:+,.2f} kg CO2e/month — {rec.reason}{run}")


def _budget(check: BudgetCheck) -> str:
    unit = "$" if check.metric == "usd" else "kg CO2e"
    state = "OVER BUDGET" if check.exceeded else "within budget"
    return f"{state}: expected {check.estimated:,.2f} {unit}/month vs limit {check.limit:,.2f}"


def render_table(estimates: Iterable[EnvironmentEstimate]) -> RenderableType:
    parts: list[RenderableType] = []
    for est in estimates:
        table = Table(title=_title(est), title_justify="left", show_lines=False)
        for index, header in enumerate(HEADERS):
            table.add_column(header, justify="right" if index >= 3 else "left", no_wrap=index >= 3)
        for item in est.items:
            table.add_row(*_row(item))
        table.add_section()
        table.add_row(*_total_row(est), style="bold")
        parts.append(table)
        for rec in est.recommendations:
            parts.append(Text("  ↳ " + _recommendation(rec), style="cyan"))
        for check in est.budgets:
            parts.append(Text("  " + _budget(check), style="red bold" if check.exceeded else "green"))
        parts.append(Text(""))
    parts.append(Text("Expected (low–high) from expected_traffic.variability; method and limits: docs/carbon.md",
                      style="dim"))
    return Group(*parts)


def render_json(estimates: Iterable[EnvironmentEstimate]) -> str:
    envs = list(estimates)
    doc = {"version": JSON_VERSION, "over_budget": any(e.over_budget for e in envs),
           "environments": [e.as_dict() for e in envs]}
    return json.dumps(doc, indent=2, sort_keys=False)


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(estimates: Iterable[EnvironmentEstimate]) -> str:
    lines = ["## fmkit plan: monthly cost and carbon", ""]
    for est in estimates:
        lines += [f"### {_title(est)}", "", "| " + " | ".join(HEADERS) + " |",
                  "|" + "|".join(["---"] * 3 + ["---:"] * 4) + "|"]
        for item in est.items:
            lines.append("| " + " | ".join(_md_escape(c) for c in _row(item)) + " |")
        lines.append("| " + " | ".join(f"**{c}**" if c else "" for c in _total_row(est)) + " |")
        lines.append("")
        lines += [f"- 💡 {_md_escape(_recommendation(r))}" for r in est.recommendations]
        lines += [f"- {'❌' if b.exceeded else '✅'} {_budget(b)}" for b in est.budgets]
        lines.append("")
    lines.append("_Expected (low–high) from `expected_traffic.variability`; method and limits: docs/carbon.md._")
    return "\n".join(lines) + "\n"
