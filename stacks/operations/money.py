"""Money and carbon on the dashboard: the plan's figures as text, and usage priced as a line.

The plan (`fmkit plan`) is computed at synthesis from the same config and catalogs, so the
dashboard shows what was expected when this version was deployed; the usage lines price what
CloudWatch counts (Bedrock tokens, instance-minutes) with the same catalog prices, and each graph
carries the plan's daily figure as a horizontal line to compare with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import aws_cloudwatch as cloudwatch

from fmkit.config import EnvironmentConfig
from fmkit.estimate import estimate_environment
from stacks.operations.widgets import FULL_WIDTH, ONE_DAY, graph
from stacks.tagging import TAG_PREFIX

DAYS_PER_MONTH = 30.4
"""The plan's month (730 hours) in days: a monthly figure divided by it is the daily line."""
PROJECT_TAG, ENVIRONMENT_TAG, MODEL_TAG = (f"{TAG_PREFIX}{key}" for key in ("project", "environment", "model"))


@dataclass(frozen=True)
class PlanRow:
    """One deployment (or shared item) of the plan: expected monthly cost and CO2e with their ranges."""

    name: str
    kind: str
    usd: tuple[float, float, float]
    kg_co2e: tuple[float, float, float]

    @property
    def usd_per_day(self) -> float:
        return self.usd[1] / DAYS_PER_MONTH


@dataclass(frozen=True)
class MoneyPlan:
    project: str
    environment: str
    region: str
    rows: Sequence[PlanRow]
    budget_usd: float | None
    budget_kg_co2e: float | None

    def row(self, name: str) -> PlanRow | None:
        return next((row for row in self.rows if row.name == name), None)

    @property
    def total_usd(self) -> float:
        return sum(row.usd[1] for row in self.rows)

    @property
    def total_kg_co2e(self) -> float:
        return sum(row.kg_co2e[1] for row in self.rows)


def plan_of(config: EnvironmentConfig) -> MoneyPlan:
    """The environment's plan, as `fmkit plan` computes it (no recommendations)."""
    estimate = estimate_environment(config, with_recommendations=False)
    rows = [PlanRow(item.name, item.kind,
                    (item.footprint.usd.low, item.footprint.usd.expected, item.footprint.usd.high),
                    (item.footprint.kg_co2e.low, item.footprint.kg_co2e.expected, item.footprint.kg_co2e.high))
            for item in estimate.items]
    return MoneyPlan(config.project.name, config.name, config.region, rows, config.project.budget.monthly_usd,
                     config.project.carbon.monthly_kg_co2e)


def decimal(value: float) -> str:
    """A number as metric math reads it: plain decimals (no exponent), at most 8 places."""
    return f"{value:.8f}".rstrip("0").rstrip(".") or "0"


def _usd(value: float) -> str:
    return f"${value:,.2f}" if value < 100 else f"${value:,.0f}"


def plan_markdown(plan: MoneyPlan) -> str:
    """The plan as a Markdown table, with the Cost Explorer tags that select each row's spend."""
    lines = [
        f"## Money and carbon — {plan.environment} ({plan.region}): the plan at deploy time",
        "",
        "| deployment | kind | expected USD/month (low–high) | kg CO2e/month (low–high) | Cost Explorer tag |",
        "|---|---|---|---|---|",
    ]
    for row in plan.rows:
        tag = f"`{MODEL_TAG} = {row.name}`" if row.kind not in ("platform", "knowledge-base") else "—"
        lines.append(f"| {row.name} | {row.kind} | {_usd(row.usd[1])} ({_usd(row.usd[0])}–{_usd(row.usd[2])}) "
                     f"| {row.kg_co2e[1]:.2f} ({row.kg_co2e[0]:.2f}–{row.kg_co2e[2]:.2f}) | {tag} |")
    budget = f" of a {_usd(plan.budget_usd)} budget" if plan.budget_usd else ""
    carbon = f" of a {plan.budget_kg_co2e:g} kg ceiling" if plan.budget_kg_co2e else ""
    lines += [
        f"| **total** | | **{_usd(plan.total_usd)}**{budget} | **{plan.total_kg_co2e:.2f}**{carbon} | |",
        "",
        f"Filter Cost Explorer by `{PROJECT_TAG} = {plan.project}` and `{ENVIRONMENT_TAG} = {plan.environment}`, "
        f"group by `{MODEL_TAG}` (activate them once as cost allocation tags in Billing). "
        "Recompute with `fmkit plan " + plan.environment + "`; the graphs beside each model price what "
        "CloudWatch counts, against the plan's daily figure.",
    ]
    return "\n".join(lines)


def plan_widget(plan: MoneyPlan) -> cloudwatch.TextWidget:
    return cloudwatch.TextWidget(markdown=plan_markdown(plan), width=FULL_WIDTH, height=3 + len(plan.rows) + 3)


def daily_cost_graph(title: str, expression: str, metrics: Mapping[str, cloudwatch.IMetric],
                     row: PlanRow | None, what: str) -> cloudwatch.GraphWidget:
    """USD per day computed from `metrics`, with the plan's USD per day as a horizontal line."""
    usage = cloudwatch.MathExpression(expression=expression, using_metrics=dict(metrics), period=ONE_DAY,
                                      label=f"USD/day from {what}")
    annotations = []
    if row is not None:
        annotations.append(cloudwatch.HorizontalAnnotation(
            value=round(row.usd_per_day, 2), label=f"plan: {_usd(row.usd_per_day)}/day",
            color=cloudwatch.Color.GREY))
    return graph(title, [usage], left_label="USD/day", annotations=annotations)
